"""svy calls for weighting: linear calibration and replicate-weight creation.

Everything that touches svy for the weighting package lives here, behind plain numpy/pandas arguments, so the
weighting steps never see svy's (Polars-only, fast-changing) API. Weights are passed one column at a time: the
main weight and every replicate weight are adjusted by the same call, which is how every calibration step is
repeated on every replicate. Conventions that differ from svy are documented in docs/weighting.md.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import polars as pl
import svy

from .taylor import first_per_group

_W = "__sm_w"
_CELL = "__sm_cell_{}"


class EngineError(Exception):
    """svy refused or failed a weighting call; the message is svy's, shortened to its first lines."""


def _short(exc: BaseException) -> str:
    """The useful first lines of a (long, decorated) svy error message."""
    lines = [ln.strip().lstrip("❌ ").strip() for ln in str(exc).splitlines() if ln.strip()]
    keep = []
    for ln in lines[:3]:
        if ln.startswith("- "):
            break
        # svy's own advice names svy arguments; our users set the spec instead
        sentences = [x for x in ln.split(". ") if "on_nonconvergence" not in x and "NOT been modified" not in x
                     and "svy." not in x and "Singleton" not in x]
        keep.append(". ".join(sentences).strip())
    return "; ".join(k for k in keep if k) or type(exc).__name__


def _frame(cells: Sequence[np.ndarray], weight: np.ndarray) -> pl.DataFrame:
    """A minimal Polars frame: one string column per cell variable plus the weight."""
    cols: dict[str, pl.Series] = {}
    for i, c in enumerate(cells):
        arr = np.asarray(c)
        dtype = pl.Int32 if np.issubdtype(arr.dtype, np.integer) else pl.Utf8
        cols[_CELL.format(i)] = pl.Series(_CELL.format(i), arr, dtype=dtype)
    cols[_W] = pl.Series(_W, np.asarray(weight, dtype=float))
    return pl.DataFrame(cols)


def _sample(cells: Sequence[np.ndarray], weight: np.ndarray) -> svy.Sample:
    """A weight-only svy Sample (design columns do not change weighting arithmetic)."""
    return svy.Sample(_frame(cells, weight), svy.Design(wgt=_W))


def calibrate_linear(x: np.ndarray, totals: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Linear (GREG, R calfun="linear") calibration of each column of ``weights`` to ``totals`` of ``x`` (n x p)."""
    out = np.empty_like(weights, dtype=float)
    labels = [f"x{i}" for i in range(x.shape[1])]
    for k in range(weights.shape[1]):
        try:
            w = _sample([], weights[:, k]).weighting.calibrate_matrix(
                aux_vars=np.asarray(x, dtype=float), controls=list(map(float, totals)), labels=labels,
                weights_only=True, on_nonconvergence="error")
        except svy.SvyError as exc:
            raise EngineError(_short(exc)) from None
        out[:, k] = np.asarray(w, dtype=float)
    return out


@dataclass(frozen=True)
class Replicates:
    """Replicate adjustment factors and the variance scale: v = scale * sum(rscales * (t_r - t)^2).

    The factors are kept per PSU (``psu_factors``: PSUs x R) with each row's PSU (``unit``), since they are
    constant within a PSU; ``fill`` spreads them over the rows.
    """

    psu_factors: np.ndarray
    unit: np.ndarray
    scale: float
    rscales: np.ndarray
    method: str

    @property
    def n_replicates(self) -> int:
        return int(self.psu_factors.shape[1])

    @property
    def factors(self) -> np.ndarray:
        """The factors of every row (rows x R)."""
        return self.psu_factors[self.unit]

    def fill(self, base: np.ndarray, start: int, out: np.ndarray) -> np.ndarray:
        """Replicates ``start`` .. ``start + k - 1`` (0-based) of the weight ``base`` into the k columns of ``out``
        (rows x k, column-major): base x each replicate's factor, spread from its PSUs a column at a time."""
        for j in range(out.shape[1]):  # gathered straight into the column: no temporary of a column's size
            np.take(self.psu_factors[:, start + j], self.unit, out=out[:, j], mode="clip")
            out[:, j] *= base
        return out


def make_replicates(data: pd.DataFrame, *, method: str, strata: str | None, psu: str | None,
                    n_reps: int | None, seed: int | None, fay_rho: float | None,
                    fpc_fraction: np.ndarray | None, lonely_psu: str = "fail") -> Replicates:
    """Create replicate factors from the design with svy (JK1/JKn, Rao-Wu bootstrap, BRR/Fay).

    The factors multiply the weight row-wise. Scales follow R ``as.svrepdesign``: JK1 (R-1)/R, JKn (n_h-1)/n_h per
    replicate, bootstrap 1/(R-1), BRR 1/R, Fay 1/(R(1-rho)^2); for JK1/JKn the finite population correction
    (1 - n_h/N_h) multiplies the scale as in R when the design has an fpc.

    A stratum with one PSU follows ``lonely_psu`` as R's ``jknweights`` does: ``certainty`` and ``remove`` make no
    replicate for it (its PSU keeps its weight in every replicate), ``average`` also multiplies the scale by
    PSUs / replicates, ``adjust`` adds one replicate per such stratum (its PSU 0, every other PSU H/(H-1), scale
    (H-1)/H, H the strata); ``fail``, and any lonely PSU for the bootstrap and BRR, is an error naming the stratum.
    """
    n_rows = len(data)
    # Replicate factors are constant within a PSU: they are made on one row per PSU (in order of first appearance)
    # and spread to the rows at the end, so 1,000,000 rows in 2,000 PSUs cost what 2,000 rows cost.
    unit, first = _first_appearance(_id_codes(data[strata]) if strata else np.zeros(n_rows, dtype=np.int64),
                                    _id_codes(data[psu]) if psu else np.arange(n_rows, dtype=np.int64))
    psu_vals = data[psu].iloc[first].astype(str).to_numpy() if psu else first.astype(str)
    str_vals = data[strata].iloc[first].astype(str).to_numpy() if strata else np.full(len(first), "1")
    fpc_fraction = None if fpc_fraction is None else np.asarray(fpc_fraction)[first]
    n = len(first)
    psu_col: np.ndarray = psu_vals
    if method in ("brr", "fay"):
        # R's brrweights takes a stratum's PSUs in data order (first appearance), svy in code order: integer codes
        # by first appearance of (stratum, PSU) give the half-samples of R's as.svrepdesign, not the label sort's.
        psu_col = pd.factorize(pd.Series(str_vals) + "\x1f" + pd.Series(psu_vals))[0].astype(np.int64)
    labels, per_stratum = np.unique(str_vals, return_counts=True)
    single = labels[per_stratum == 1] if strata else labels[:0]
    keep = ~np.isin(str_vals, single)
    if single.size:
        _refuse_lonely(method, lonely_psu, [str(x) for x in single], strata, keep.any())
    frame = pl.DataFrame({"__sm_str": str_vals[keep], "__sm_psu": psu_col[keep], _W: np.ones(int(keep.sum()))})
    s = svy.Sample(frame, svy.Design(stratum="__sm_str" if strata else None, psu="__sm_psu", wgt=_W))
    try:
        if method in ("jk1", "jkn"):
            if method == "jk1" and strata and len(set(str_vals)) > 1:
                raise EngineError("jk1 is for unstratified designs; use jkn with strata")
            r = s.weighting.create_jk_wgts(rep_prefix="__sm_r")
        elif method == "bootstrap":
            r = s.weighting.create_bs_wgts(n_reps or 200, kind="rao-wu", rep_prefix="__sm_r", rstate=seed)
        elif method in ("brr", "fay"):
            r = s.weighting.create_brr_wgts(n_reps, rep_prefix="__sm_r",
                                            fay_coef=float(fay_rho or 0.0) if method == "fay" else 0.0)
        else:
            raise EngineError(f"unknown replicate method {method!r}")
    except svy.SvyError as exc:
        raise EngineError(_short(exc)) from None
    cols = sorted((c for c in r.data.columns if re.fullmatch(r"__sm_r\d+", c)), key=lambda c: int(c[6:]))
    factors = np.ones((n, len(cols)))
    factors[keep] = r.data.select(cols).to_numpy().astype(float)  # a lonely PSU keeps its weight: factor 1
    if method in ("jk1", "jkn"):
        # svy orders the replicates by the PSU labels as text (1, 10, 11, ..., 2); R's jk1weights/jknweights by
        # unique(): strata, and PSUs within a stratum, in order of first appearance in the data, as the units are.
        dropped = np.argmax(factors == 0, axis=0)  # the unit each replicate deletes
        stratum_rank = pd.factorize(str_vals)[0]
        factors = factors[:, np.lexsort((dropped, stratum_rank[dropped]))]
    n_reps_made = factors.shape[1]
    rscales = np.ones(n_reps_made)
    if method in ("jk1", "jkn"):
        # One replicate per PSU; its stratum's (n_h - 1)/n_h and fpc (1 - f_h) as R's jknweights/jk1weights.
        scale = 1.0
        for j in range(n_reps_made):
            dropped = factors[:, j] == 0
            h = str_vals[dropped][0]
            in_h = str_vals == h
            n_h = len(set(psu_vals[in_h]))
            f_h = float(fpc_fraction[in_h][0]) if fpc_fraction is not None else 0.0
            rscales[j] = (n_h - 1) / n_h * (1.0 - f_h)
        if single.size and lonely_psu == "average":
            scale = n / n_reps_made  # R: the PSUs over the replicates made
        if single.size and lonely_psu == "adjust":
            h = len(labels)
            extra = np.where(str_vals[:, None] == single[None, :], 0.0, h / (h - 1))
            factors = np.hstack([factors, extra])
            rscales = np.concatenate([rscales, np.full(single.size, (h - 1) / h)])
    elif method == "bootstrap":
        scale = 1.0 / (n_reps_made - 1)
    else:
        rho = float(fay_rho or 0.0) if method == "fay" else 0.0
        scale = 1.0 / (n_reps_made * (1.0 - rho) ** 2)
        signs = factors - 1.0  # +-1 (Fay +-(1-rho)): is the row's PSU in the replicate's half-sample
        if not np.allclose(signs.sum(axis=1), 0.0):
            # svy's Hadamard matrices of order 36, 40, 52, 56, 76, 92, 100 are not normalised: the rows it uses are
            # orthogonal but not balanced (a PSU is not in half of the replicates), so BRR is biased unless the
            # estimate is the centre. Flipping the replicates where the matrix's missing row u is -1 balances every
            # row and keeps orthogonality; u is the +-1 vector orthogonal to the n-1 rows of a full-size set.
            k = n_reps_made - 1
            full = pl.DataFrame({"__sm_str": np.repeat(np.arange(k), 2), "__sm_psu": np.arange(2 * k),
                                 _W: np.ones(2 * k)})
            try:
                fr = svy.Sample(full, svy.Design(stratum="__sm_str", psu="__sm_psu", wgt=_W)).weighting \
                    .create_brr_wgts(n_reps_made, rep_prefix="__sm_r")
            except svy.SvyError as exc:
                raise EngineError(_short(exc)) from None
            rows = fr.data.select(cols).to_numpy().astype(float)[0::2] - 1.0
            u = np.sign(np.eye(n_reps_made)[0] - rows.T @ rows[:, 0] / n_reps_made)
            if rows.shape != (k, n_reps_made) or not (np.abs(u) == 1).all() or not np.allclose(signs @ u, 0.0):
                raise EngineError("svy returned an unbalanced BRR set that cannot be balanced; use fewer strata "
                                  "(a Hadamard order that is a power of 2) or jackknife replicates")
            factors = 1.0 + signs * u
    return Replicates(psu_factors=np.asfortranarray(factors, dtype=float), unit=unit, scale=scale,
                      rscales=rscales, method=method)


def _refuse_lonely(method: str, policy: str, strata: list[str], strata_col: str | None, others: bool) -> None:
    """The error for strata with one PSU that the replicates cannot take, in surveymod's terms (the design's
    ``lonely_psu``), never svy's."""
    shown = ", ".join(strata[:10]) + (", ..." if len(strata) > 10 else "")
    what = f"stratum {shown} of '{strata_col}' has only one PSU"
    if method not in ("jk1", "jkn"):
        raise EngineError(f"{what}: {method} replicates cannot be made from it; collapse it with another stratum, "
                          "or use jkn replicates with the design's lonely_psu (certainty, remove, adjust or "
                          "average)")
    if policy == "fail":
        raise EngineError(f"{what}; set the design's lonely_psu to certainty, remove, adjust or average (as R's "
                          "survey.lonely.psu) or collapse strata")
    if not others:
        raise EngineError(f"{what}: every stratum has one PSU, so there is no replicate to make")


def _id_codes(col: pd.Series) -> np.ndarray:
    """Integer codes of an id column, equal ids equal codes; ids are compared as their text (as R and svy see
    them), which for numbers is the numbers themselves, so only non-numeric columns are turned into text."""
    if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
        return pd.factorize(col, use_na_sentinel=False)[0].astype(np.int64)
    return pd.factorize(col.astype(str), use_na_sentinel=False)[0].astype(np.int64)


def _first_appearance(strata: np.ndarray, psu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the code of its (stratum, PSU) pair (integer codes of each) in order of first appearance, and the
    first row of each code."""
    codes, uniques = pd.factorize(strata * (int(psu.max()) + 1 if len(psu) else 1) + psu)
    codes = codes.astype(np.int64)
    return codes, first_per_group(np.arange(len(codes)), codes, len(uniques))  # no sort of the rows
