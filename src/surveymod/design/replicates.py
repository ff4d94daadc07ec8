"""Replicate factors from a design (JK1/JKn, Rao-Wu bootstrap, BRR/Fay) as R ``as.svrepdesign`` makes them.

Factors are made on one row per PSU and multiply the weight row-wise; a weighting run repeats every later step on
every replicate (``replicate_weights.py``). Our own numpy code, pinned by tests against R survey's weights: JK1/JKn
replicates delete PSUs in R's order, BRR/Fay half-samples come from R's Hadamard matrices (``hadamard.py``).
Conventions that differ from R are documented in docs/weighting.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .hadamard import hadamard
from .taylor import first_per_group


class ReplicateError(Exception):
    """The design cannot give the replicates asked for; the message is for the user."""


@dataclass(frozen=True)
class ReplicateFactors:
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
                    fpc_fraction: np.ndarray | None, lonely_psu: str = "fail") -> ReplicateFactors:
    """Create replicate factors from the design (JK1/JKn, Rao-Wu bootstrap, BRR/Fay).

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
    str_vals = data[strata].iloc[first].astype(str).to_numpy() if strata else np.full(len(first), "1")
    fpc_fraction = None if fpc_fraction is None else np.asarray(fpc_fraction)[first]
    n = len(first)
    stratum = pd.factorize(str_vals)[0]  # strata numbered in order of first appearance, as R's unique()
    n_h = np.bincount(stratum)
    lonely = n_h[stratum] == 1 if strata else np.zeros(n, dtype=bool)
    if lonely.any():
        _refuse_lonely(method, lonely_psu, list(dict.fromkeys(str_vals[lonely])), strata, not lonely.all())
    if method in ("jk1", "jkn"):
        if method == "jk1" and len(n_h) > 1:
            raise ReplicateError("jk1 is for unstratified designs; use jkn with strata")
        if n < 2:
            raise ReplicateError("the design has one PSU: a jackknife needs at least two")
        factors, rscales, scale = _jackknife(stratum, n_h, ~lonely, fpc_fraction)
        if lonely.any() and lonely_psu == "average":
            scale = n / factors.shape[1]  # R: the PSUs over the replicates made
        if lonely.any() and lonely_psu == "adjust":
            h, single = len(n_h), np.unique(stratum[lonely])
            extra = np.where(stratum[:, None] == single[None, :], 0.0, h / (h - 1))
            factors = np.hstack([factors, extra])
            rscales = np.concatenate([rscales, np.full(single.size, (h - 1) / h)])
    elif method == "bootstrap":
        factors = _bootstrap(stratum, n_h, n_reps or 200, seed)
        rscales, scale = np.ones(factors.shape[1]), 1.0 / (factors.shape[1] - 1)
    elif method in ("brr", "fay"):
        rho = float(fay_rho or 0.0) if method == "fay" else 0.0
        factors = _brr(str_vals, stratum, n_h, rho, n_reps, strata)
        rscales, scale = np.ones(factors.shape[1]), 1.0 / (factors.shape[1] * (1.0 - rho) ** 2)
    else:
        raise ReplicateError(f"unknown replicate method {method!r}")
    return ReplicateFactors(psu_factors=np.asfortranarray(factors, dtype=float), unit=unit, scale=scale,
                            rscales=rscales, method=method)


def _jackknife(stratum: np.ndarray, n_h: np.ndarray, made: np.ndarray, fpc_fraction: np.ndarray | None
               ) -> tuple[np.ndarray, np.ndarray, float]:
    """Delete-one-PSU factors (PSUs x replicates), R's ``jknweights``/``jk1weights``: replicate j deletes the j-th
    PSU (strata, and PSUs within a stratum, in order of first appearance) and scales its stratum's other PSUs by
    n_h/(n_h-1); rscale (n_h-1)/n_h x (1 - f_h). PSUs not ``made`` (lonely) get no replicate."""
    dropped = np.flatnonzero(made)[np.lexsort((np.flatnonzero(made), stratum[made]))]
    h = stratum[dropped]
    nh = n_h[h].astype(float)
    factors = np.where(stratum[:, None] == h[None, :], (nh / (nh - 1))[None, :], 1.0)
    factors[dropped, np.arange(len(dropped))] = 0.0
    f_h = np.zeros(len(n_h))
    if fpc_fraction is not None:  # the stratum's fraction, from its first PSU
        f_h = np.asarray(fpc_fraction, dtype=float)[first_per_group(np.arange(len(stratum)), stratum, len(n_h))]
    return factors, (nh - 1) / nh * (1.0 - f_h[h]), 1.0


def _bootstrap(stratum: np.ndarray, n_h: np.ndarray, n_reps: int, seed: int | None) -> np.ndarray:
    """Rao-Wu rescaling bootstrap (R ``subbootweights``): in each stratum n_h - 1 PSUs drawn with replacement,
    a PSU's factor its draws x n_h/(n_h-1). One replicate at a time: memory of one replicate's draws."""
    if (n_h < 2).any():
        raise ReplicateError("the design has one PSU: a bootstrap needs at least two")
    rng = np.random.default_rng(seed)
    by_stratum = np.argsort(stratum, kind="stable")  # PSUs grouped by stratum: stratum h at starts[h]...
    starts = np.concatenate([[0], np.cumsum(n_h)[:-1]])
    drawn_in = np.repeat(np.arange(len(n_h)), n_h - 1)  # the stratum of each of a replicate's draws
    rescale = (n_h / (n_h - 1))[stratum[by_stratum]]
    factors = np.empty((len(stratum), n_reps))
    for r in range(n_reps):
        draws = starts[drawn_in] + rng.integers(0, n_h[drawn_in])
        factors[by_stratum, r] = np.bincount(draws, minlength=len(stratum)) * rescale
    return factors


def _brr(str_vals: np.ndarray, stratum: np.ndarray, n_h: np.ndarray, rho: float, n_reps: int | None,
         strata_col: str | None) -> np.ndarray:
    """BRR (Fay: rho) factors as R ``brrweights``: a stratum of two PSUs is a pair, one of 2k PSUs is split into k
    pairs of consecutive PSUs (R's ``large = "split"``); pairs are numbered over the strata sorted by name (larger
    strata first, as R), pair k takes row k + 1 of R's Hadamard matrix, every column is a replicate, and the PSU
    in the half-sample gets 2 - rho, the other rho."""
    odd = [str(s) for s in dict.fromkeys(str_vals[(n_h[stratum] % 2) == 1])]
    if odd:
        shown = ", ".join(odd[:10]) + (", ..." if len(odd) > 10 else "")
        raise ReplicateError(f"stratum {shown} of '{strata_col}' has an odd number of PSUs: BRR needs two PSUs "
                             "per stratum (or an even number, split into pairs as R's brrweights); use jkn or "
                             "bootstrap replicates, or regroup the PSUs")
    names = np.array([str_vals[np.argmax(stratum == h)] for h in range(len(n_h))])
    by_name = sorted(range(len(n_h)), key=lambda h: names[h])
    order = [h for h in by_name if n_h[h] > 2] + [h for h in by_name if n_h[h] == 2]
    pair = np.empty(len(stratum), dtype=np.int64)
    second = np.empty(len(stratum), dtype=bool)
    k = 0
    for h in order:
        members = np.flatnonzero(stratum == h)  # in order of first appearance
        pair[members] = k + np.arange(len(members)) // 2
        second[members] = np.arange(len(members)) % 2 == 1
        k += len(members) // 2
    had = hadamard(k)
    if n_reps is not None and n_reps > had.shape[1]:
        raise ReplicateError(f"BRR with {k} pairs of PSUs has {had.shape[1]} replicates (the Hadamard matrix R's "
                             f"brrweights uses); n: {n_reps} asks for more: leave n out or lower it")
    in_half = had[1 + pair, :] != second[:, None]  # R: H = 0 takes the pair's second PSU, H = 1 the first
    return np.where(in_half, 2.0 - rho, rho)


def _refuse_lonely(method: str, policy: str, strata: list[str], strata_col: str | None, others: bool) -> None:
    """The error for strata with one PSU that the replicates cannot take, in surveymod's terms (the design's
    ``lonely_psu``)."""
    shown = ", ".join(strata[:10]) + (", ..." if len(strata) > 10 else "")
    what = f"stratum {shown} of '{strata_col}' has only one PSU"
    if method not in ("jk1", "jkn"):
        raise ReplicateError(f"{what}: {method} replicates cannot be made from it; collapse it with another stratum, "
                          "or use jkn replicates with the design's lonely_psu (certainty, remove, adjust or "
                          "average)")
    if policy == "fail":
        raise ReplicateError(f"{what}; set the design's lonely_psu to certainty, remove, adjust or average (as R's "
                          "survey.lonely.psu) or collapse strata")
    if not others:
        raise ReplicateError(f"{what}: every stratum has one PSU, so there is no replicate to make")


def _id_codes(col: pd.Series) -> np.ndarray:
    """Integer codes of an id column, equal ids equal codes; ids are compared as their text (as R sees
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
