"""Check a data frame against a :class:`Design` and put the design into canonical columns for the engine.

Every user mistake (a missing design column, non-numeric or negative weights, a stratum with one PSU under the
default ``lonely_psu="fail"``, a replicate regex that matches nothing) becomes a located :class:`SurveyError`.
Conventions: PSU ids are nested in strata (as in Stata; R ``nest=TRUE``), SSU ids in PSUs; an FPC column holds
either population sizes (values > 1) or sampling fractions (all values <= 1), as in R ``svydesign``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from ..data.whole_numbers import range_codes
from ..errors import Location, SurveyError
from .design import Design

W, STRATA, PSU, SSU, FPC, FPC2 = "__w", "__strata", "__psu", "__ssu", "__fpc", "__fpc2"
REP_PREFIX = "__rep"


@dataclass(frozen=True)
class Replicates:
    """Replicate-weight settings in engine terms: method, count and the per-replicate variance factors."""

    reptype: str
    n_reps: int
    scales: tuple[float, ...] | None  # overall scale x rscales; None = the method's standard factor
    fay_rho: float
    mse: bool
    columns: tuple[str, ...]  # the user's column names, in order

    def factors(self) -> np.ndarray:
        """The variance factor of each replicate: v = sum_r factor_r (t_r - centre)^2."""
        if self.scales is not None:
            return np.asarray(self.scales, dtype=float)
        return np.full(self.n_reps, default_scale(self.reptype, self.n_reps, self.fay_rho))


@dataclass(frozen=True)
class Prepared:
    """The data with canonical design columns (``__w``, ``__strata``, ``__psu``...) plus what the engine needs."""

    frame: pd.DataFrame
    design: Design
    has_strata: bool
    has_psu: bool
    has_ssu: bool
    has_fpc: bool
    has_fpc2: bool
    replicates: Replicates | None
    notes: list[str] = field(default_factory=list)
    rep_columns: tuple[np.ndarray, ...] = ()  # replicate weights, one array per replicate (views of the data)

    @cached_property
    def reps(self) -> np.ndarray | None:
        """The replicate weights as one (rows x replicates) matrix, built on first use."""
        if not self.rep_columns:
            return None
        out = np.empty((len(self.rep_columns[0]), len(self.rep_columns)), order="F")
        for i, col in enumerate(self.rep_columns):
            out[:, i] = col
        return out


MAX_WEIGHT = 1e12
"""Largest weight (or N_h) accepted: a hundred times the people on Earth, far from where sums overflow."""


def _require_column(df: pd.DataFrame, col: str, role: str) -> pd.Series:
    """Return ``df[col]`` or fail with a message naming the design role."""
    if col not in df.columns:
        near = [c for c in df.columns if str(c).lower() == col.lower()]
        hint = f" (did you mean '{near[0]}'?)" if near else ""
        raise SurveyError(f"the {role} column '{col}' named in the design is not in the data{hint}",
                          location=Location(variable=col), rule="design-column-missing")
    return df[col]


def numeric_column(df: pd.DataFrame, col: str, role: str, *, allow_missing: bool = False,
                   nonnegative: bool = False) -> np.ndarray:
    """Column as float array; fail naming the first non-numeric, missing or negative row (1-based data row)."""
    s = _require_column(df, col, role)
    numeric = pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)
    values = s if numeric else pd.to_numeric(s, errors="coerce")
    bad = values.isna() & s.notna() if not numeric else None
    if bad is not None and bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise SurveyError(f"the {role} column '{col}' must be numeric, but row {i + 1} holds {s.iloc[i]!r}",
                          location=Location(variable=col, row=i + 1), rule="design-not-numeric")
    arr = values.to_numpy(dtype=float, na_value=np.nan)
    if not allow_missing and np.isnan(arr).any():
        i = int(np.flatnonzero(np.isnan(arr))[0])
        raise SurveyError(f"the {role} column '{col}' has a missing value in row {i + 1}",
                          location=Location(variable=col, row=i + 1), rule="design-missing-value")
    if nonnegative and np.isinf(arr).any():
        i = int(np.flatnonzero(np.isinf(arr))[0])
        raise SurveyError(f"the {role} column '{col}' holds {arr[i]:g} in row {i + 1}; a weight must be a finite "
                          "number", location=Location(variable=col, row=i + 1), rule="design-weight")
    if nonnegative and (arr < 0).any():
        i = int(np.flatnonzero(arr < 0)[0])
        raise SurveyError(f"the {role} column '{col}' has a negative value ({arr[i]:g}) in row {i + 1}; "
                          "weights must be >= 0", location=Location(variable=col, row=i + 1),
                          rule="design-negative-weight")
    if nonnegative and (arr > MAX_WEIGHT).any():  # also inf: sums and squares would overflow to inf
        i = int(np.flatnonzero(arr > MAX_WEIGHT)[0])
        raise SurveyError(f"the {role} column '{col}' holds {arr[i]:g} in row {i + 1}, more than {MAX_WEIGHT:g} "
                          "(a weight counts people; sums of such numbers overflow)",
                          location=Location(variable=col, row=i + 1), rule="design-weight-too-large")
    return arr


def _ids(df: pd.DataFrame, col: str, role: str) -> pd.Series:
    """Identifier column as strings; missing ids are an error."""
    s = _require_column(df, col, role)
    if s.isna().any():
        i = int(np.flatnonzero(s.isna().to_numpy())[0])
        raise SurveyError(f"the {role} column '{col}' has a missing id in row {i + 1}",
                          location=Location(variable=col, row=i + 1), rule="design-missing-value")
    return s.astype(str)


def replicate_pattern(pattern: str) -> re.Pattern[str]:
    """The compiled replicate-weight pattern (matched against whole column names); a bad regex is an error."""
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise SurveyError(f"the replicate-weight pattern '{pattern}' is not a valid regular expression: {exc}",
                          rule="design-repweights") from exc


def replicate_columns(design: Design, columns: Sequence[str]) -> list[str]:
    """The columns whose whole name the design's replicate-weight pattern matches, in data order (none without a
    pattern; a bad regular expression is an error)."""
    if not design.repweights:
        return []
    rx = replicate_pattern(design.repweights)
    return [c for c in columns if rx.fullmatch(str(c))]


def _checked_replicate_columns(df: pd.DataFrame, pattern: str, cols: list[str]) -> list[str]:
    """``cols`` matched by ``pattern`` in ``df``; an error if there are fewer than two."""
    if not cols:
        raise SurveyError(f"the replicate-weight pattern '{pattern}' matches no column of the data "
                          f"(columns are: {', '.join(map(str, list(df.columns)[:12]))}"
                          f"{', ...' if len(df.columns) > 12 else ''})", rule="design-repweights")
    if len(cols) < 2:
        raise SurveyError(f"the replicate-weight pattern '{pattern}' matches only one column ({cols[0]}); "
                          "replicate variance needs at least two", rule="design-repweights")
    return cols


def _jkn_rscales(reps: np.ndarray, strata: pd.Series, psu: pd.Series) -> list[float]:
    """(n_h-1)/n_h per JKn replicate, finding the deleted stratum from the rows each replicate zeroes."""
    key = strata + "\x1f" + psu
    n_h = key.groupby(strata).nunique()
    out: list[float] = []
    for r in range(reps.shape[1]):
        zero = strata[reps[:, r] == 0].unique()
        if len(zero) != 1:
            raise SurveyError(f"JKn replicate {r + 1} does not drop PSUs of exactly one stratum; "
                              "give the per-replicate factors as 'rscales' in the design", rule="design-repweights")
        nh = int(n_h[zero[0]])
        out.append((nh - 1) / nh)
    return out


def r_bootstrap_scale(reps: np.ndarray, w: np.ndarray, strata: pd.Series, psu: pd.Series) -> float | None:
    """R ``bootweights``' scale n̄/((n̄-1)(R-1)) (n̄ the harmonic mean of PSUs per stratum) when the replicates are
    R's: every replicate factor (replicate / full weight, constant in a PSU) a whole number of draws and the draws
    of each stratum adding up to its n_h PSUs. None for other bootstraps (Rao-Wu n_h-1 draws rescaled, ...)."""
    use = w > 0
    if not use.any():
        return None
    key = (strata + "\x1f" + psu)[use].to_numpy()
    first = pd.Series(key).drop_duplicates().index.to_numpy()
    f = reps[use][first] / w[use][first, None]  # PSUs x replicates
    if not np.allclose(f, np.round(f), atol=1e-6):
        return None
    unit_strata = strata[use].to_numpy()[first]
    codes, uniq = pd.factorize(unit_strata)
    n_h = np.bincount(codes).astype(float)
    sums = np.stack([np.bincount(codes, weights=f[:, r], minlength=len(uniq)) for r in range(f.shape[1])], axis=1)
    if not np.allclose(sums, n_h[:, None], atol=1e-6) or (n_h < 2).any():
        return None
    nbar = 1 / np.mean(1 / n_h)
    return float(nbar / ((nbar - 1) * (f.shape[1] - 1)))


def _pps_popsize(src: pd.DataFrame, design: Design, strata: np.ndarray, psu: np.ndarray) -> np.ndarray:
    """A PPS design's fpc column (each PSU's inclusion probability pi, constant within the PSU) as R's popsize
    n_h / pi, so that 1 - n_h/popsize = 1 - pi is the PSU's own finite population factor."""
    if not design.fpc:
        raise SurveyError(f"pps: {design.pps} needs fpc: the column with each PSU's inclusion probability",
                          rule="design-fpc")
    if design.pps == "overton" and design.ssu:
        raise SurveyError("pps: overton is for a single stage (R: 'Multistage PPS sampling not supported with this "
                          "method'); use brewer", rule="design-fpc")
    pi = numeric_column(src, design.fpc, "FPC (inclusion probability)")
    bad = (pi <= 0) | (pi > 1)
    if bad.any():
        i = int(np.argmax(bad))
        raise SurveyError(f"with pps, the fpc column '{design.fpc}' holds inclusion probabilities (0 < pi <= 1), "
                          f"but row {i + 1} holds {pi[i]:g}", location=Location(row=i + 1, variable=design.fpc),
                          rule="design-fpc")
    varies = pd.Series(pi).groupby(psu).transform("nunique").to_numpy() > 1
    if varies.any():
        i = int(np.argmax(varies))
        raise SurveyError(f"the inclusion probability in '{design.fpc}' must be constant within a PSU, but it "
                          f"changes within the PSU of row {i + 1}", location=Location(row=i + 1, variable=design.fpc),
                          rule="design-fpc")
    n_h = pd.Series(psu).groupby(strata).transform("nunique").to_numpy(dtype=float)
    return n_h / pi


def _fpc_to_popsize(fpc: np.ndarray, group: pd.Series, unit: pd.Series, role: str, col: str) -> np.ndarray:
    """Population sizes from an FPC column that holds sizes (>1) or sampling fractions (all <= 1)."""
    if (fpc <= 0).any():
        raise SurveyError(f"the {role} column '{col}' must be positive", location=Location(variable=col),
                          rule="design-fpc")
    groups = group.to_numpy()
    varies = pd.Series(fpc).groupby(groups).transform("nunique").to_numpy() > 1
    if varies.any():
        i = int(np.argmax(varies))
        raise SurveyError(f"the {role} column '{col}' must be constant within each stratum (or PSU, for the "
                          f"second stage), but it changes within the group of row {i + 1} ({fpc[i]:g})",
                          location=Location(row=i + 1, variable=col), rule="design-fpc")
    n_units = pd.Series(unit.to_numpy()).groupby(groups).transform("nunique").to_numpy(dtype=float)
    if (fpc <= 1).all():
        return n_units / fpc
    if (fpc < 1).any():
        raise SurveyError(f"the {role} column '{col}' mixes sampling fractions (< 1) and population sizes",
                          location=Location(variable=col), rule="design-fpc")
    small = fpc < n_units
    if small.any():
        i = int(np.argmax(small))
        raise SurveyError(f"the {role} column '{col}' gives a population of {fpc[i]:g} units for the group of row "
                          f"{i + 1}, but {int(n_units[i])} were sampled from it (more than 100% sampling)",
                          location=Location(row=i + 1, variable=col), rule="design-fpc")
    return fpc


def dense_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes (0..k-1, int64, in sorted order of the distinct values) and those values; integers in a range no
    wider than the data take a bincount, anything else pandas' hash factorize."""
    if values.dtype.kind in "iu":
        found = range_codes(values.astype(np.int64, copy=False))
        if found is not None:
            return found
    codes, uniq = pd.factorize(values, sort=True)
    return codes.astype(np.int64, copy=False), np.asarray(uniq)


def _id_codes(df: pd.DataFrame, col: str, role: str) -> tuple[np.ndarray, list[str]]:
    """Integer codes (0..k-1, in sorted id order) of an id column and the ids as text; numbers skip text."""
    s = _require_column(df, col, role)
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        if s.isna().any():
            _ids(df, col, role)  # raises, naming the row
        codes, uniq = dense_codes(s.to_numpy())
        return codes, [str(u) for u in uniq]
    codes, uniq = pd.factorize(_ids(df, col, role), sort=True)
    return codes.astype(np.int64), [str(u) for u in uniq]


def _nested(outer: np.ndarray, inner: np.ndarray) -> np.ndarray:
    """Ids of ``inner`` units nested in ``outer`` groups, as int64 codes."""
    return outer * (int(inner.max()) + 1) + inner


def _column(values: np.ndarray, frame: pd.DataFrame) -> pd.Series:
    """*values* as a column of *frame* without a copy (pandas copies an array set as a column: ten million rows'
    weights, strata and PSUs were each held twice)."""
    return pd.Series(values, index=frame.index, copy=False)


def prepare(df: pd.DataFrame, design: Design) -> Prepared:
    """Validate ``df`` against ``design``; return a frame with only the canonical design columns (no data copy)."""
    if df.shape[0] == 0:
        raise SurveyError("the data has no rows", rule="data-empty")
    src = df if all(isinstance(c, str) for c in df.columns) else df.rename(columns=str)
    n = len(src)
    out = pd.DataFrame(index=src.index)
    notes: list[str] = []
    if design.weight is not None:
        out[W] = _column(numeric_column(src, design.weight, "weight", nonnegative=True), out)
    elif design.prob is not None:
        p = numeric_column(src, design.prob, "selection-probability", nonnegative=True)
        if (p == 0).any():
            raise SurveyError(f"the selection-probability column '{design.prob}' has zeros",
                              location=Location(variable=design.prob), rule="design-prob")
        above = np.asarray(p) > 1
        if above.any():
            i = int(np.argmax(above))
            raise SurveyError(f"the selection-probability column '{design.prob}' holds {np.asarray(p)[i]:g} in row "
                              f"{i + 1}; a probability is at most 1", location=Location(row=i + 1,
                                                                                       variable=design.prob),
                              rule="design-prob")
        tiny = np.asarray(p) < 1 / MAX_WEIGHT
        if tiny.any():
            i = int(np.argmax(tiny))
            raise SurveyError(f"the selection-probability column '{design.prob}' holds {np.asarray(p)[i]:g} in row "
                              f"{i + 1}: its weight 1/p would exceed {MAX_WEIGHT:g}",
                              location=Location(row=i + 1, variable=design.prob), rule="design-weight-too-large")
        out[W] = 1.0 / p
    else:
        out[W] = 1.0

    replicates: Replicates | None = None
    if design.repweights is not None or design.reptype is not None:
        if design.repweights is None or design.reptype is None:
            raise SurveyError("replicate weights need both a column pattern (repweights) and a method (reptype)",
                              rule="design-repweights")
        cols = _checked_replicate_columns(src, design.repweights, replicate_columns(design, list(src.columns)))
        rep_columns = tuple(numeric_column(src, c, "replicate-weight", nonnegative=True) for c in cols)
        rscales = design.rscales
        if rscales is not None and len(rscales) != len(cols):
            raise SurveyError(f"rscales has {len(rscales)} values but the pattern matched {len(cols)} replicate "
                              "columns", rule="design-repweights")
        if design.reptype == "jkn" and rscales is None:
            if design.strata is None:
                raise SurveyError("JKn replicate weights need 'rscales' (the (n_h-1)/n_h factor per replicate) "
                                  "or the strata and psu columns they were built from", rule="design-repweights")
            psu_ids = _ids(src, design.psu, "PSU") if design.psu else pd.Series(np.arange(n).astype(str))
            rscales = _jkn_rscales(np.column_stack(rep_columns), _ids(src, design.strata, "strata"), psu_ids)
        scales: tuple[float, ...] | None = None
        boot = None
        if design.reptype == "bootstrap" and design.scale is None and design.psu is not None:
            strata_ids = _ids(src, design.strata, "strata") if design.strata else pd.Series(["1"] * n)
            boot = r_bootstrap_scale(np.column_stack(rep_columns), out[W].to_numpy(), strata_ids,
                                     _ids(src, design.psu, "PSU"))
            if boot is not None:
                notes.append(f"bootstrap scale {boot:.6g}: the replicates resample n_h PSUs per stratum as R's "
                             "as.svrepdesign(type = \"bootstrap\"), so R's scale n/((n-1)(R-1)) applies")
        if design.scale is not None or rscales is not None or boot is not None:
            base = (design.scale if design.scale is not None else boot if boot is not None
                    else default_scale(design.reptype, len(cols), design.fay_rho or 0.0))
            r = rscales if rscales is not None else [1.0] * len(cols)
            scales = tuple(base * float(x) for x in r)
        if design.reptype == "fay" and design.fay_rho is None:
            raise SurveyError("reptype 'fay' needs the Fay coefficient 'fay_rho'", rule="design-repweights")
        _check_weight_sum(out[W].to_numpy(), design)
        replicates = Replicates(design.reptype, len(cols), scales, design.fay_rho or 0.0, design.mse, tuple(cols))
        return Prepared(out, design, False, False, False, False, False, replicates, notes, rep_columns)

    strata, names = (_id_codes(src, design.strata, "strata") if design.strata
                     else (np.zeros(n, dtype=np.int64), ["(all)"]))
    out[STRATA] = _column(strata, out)
    psu_in = _id_codes(src, design.psu, "PSU")[0] if design.psu else np.arange(n, dtype=np.int64)
    out[PSU] = _column(dense_codes(_nested(strata, psu_in))[0], out)
    del psu_in
    psu = out[PSU].to_numpy()
    if design.ssu:
        out[SSU] = dense_codes(_nested(psu, _id_codes(src, design.ssu, "SSU")[0]))[0]
    unit = out[SSU].to_numpy() if design.ssu else np.arange(n, dtype=np.int64)
    if design.pps:
        out[FPC] = _pps_popsize(src, design, strata, psu)
    elif design.fpc:
        out[FPC] = _fpc_to_popsize(numeric_column(src, design.fpc, "FPC"), pd.Series(strata), pd.Series(psu),
                                   "FPC", design.fpc)
    if design.fpc2:
        if not design.fpc:
            raise SurveyError("a second-stage FPC (fpc2) needs a first-stage FPC (fpc)", rule="design-fpc")
        out[FPC2] = _fpc_to_popsize(numeric_column(src, design.fpc2, "second-stage FPC"), pd.Series(psu),
                                    pd.Series(unit), "second-stage FPC", design.fpc2)
    if design.weight is None and design.prob is None and design.fpc:
        # As R svydesign: without weights or probabilities, the weights follow from the FPCs (N_h/n_h x M_i/m_i).
        w = out[FPC].to_numpy() / pd.Series(psu).groupby(strata).transform("nunique").to_numpy(dtype=float)
        if design.fpc2:
            w = w * out[FPC2].to_numpy() / pd.Series(unit).groupby(psu).transform("nunique").to_numpy(dtype=float)
        out[W] = w
        notes.append("weights derived from the FPC columns (no weight or prob column given)")
    _check_weight_sum(out[W].to_numpy(), design)
    check_lonely_psu(pd.Series(strata), pd.Series(psu), design, names=[str(x) for x in names])
    return Prepared(out, design, design.strata is not None, True, design.ssu is not None,
                    design.fpc is not None, design.fpc2 is not None, None, notes)  # pps: fpc given, checked


def design_weights(df: pd.DataFrame, design: Design) -> np.ndarray:
    """The design weight of every row exactly as :func:`prepare` (R ``svydesign``) sets it: the weight column,
    1/prob, or, with neither, N_h/n_h (x M_i/m_i) from the FPC columns (1 without them).

    For callers that need only the weights (the weighting pipeline's base weight), so that weighting and
    estimation derive them in one place; replicate columns and the lonely-PSU policy play no part in a weight.
    """
    plain = design.model_copy(update={"repweights": None, "reptype": None, "lonely_psu": "remove"})
    return prepare(df, plain).frame[W].to_numpy(dtype=float)


def _check_weight_sum(w: np.ndarray, design: Design) -> None:
    with np.errstate(over="ignore"):
        total = float(w.sum())
    if not np.isfinite(total):
        i = int(np.argmax(w))
        raise SurveyError(f"the weights sum to more than the largest number a computer holds (about 1.8e308); row "
                          f"{i + 1} has the weight {w[i]:g}: no estimate from them would be finite",
                          location=Location(variable=design.weight, row=i + 1), rule="design-weight")
    if total <= 0:
        raise SurveyError("all weights are zero", location=Location(variable=design.weight), rule="design-weight")


def default_scale(reptype: str, n_reps: int, fay_rho: float) -> float:
    """R ``svrepdesign``'s default overall factor: BRR 1/R, Fay 1/(R(1-rho)^2), JK1 (R-1)/R, bootstrap 1/(R-1)."""
    return {"brr": 1.0 / n_reps, "fay": 1.0 / (n_reps * (1 - fay_rho) ** 2), "jk1": (n_reps - 1) / n_reps,
            "jkn": 1.0, "bootstrap": 1.0 / (n_reps - 1)}[reptype]


def lonely_strata(strata: pd.Series, psu: pd.Series) -> list[object]:
    """Strata that hold a single PSU."""
    s, p = strata.to_numpy(), psu.to_numpy()
    if s.dtype.kind == "i" and p.dtype.kind == "i" and len(p) and p.min() >= 0 and s.min() >= 0:
        # integer codes with PSUs nested in strata (as prepare makes them): one pass, no hashing
        stratum_of = np.full(int(p.max()) + 1, -1, dtype=np.int64)
        stratum_of[p] = s
        counts = np.bincount(stratum_of[stratum_of >= 0], minlength=int(s.max()) + 1)
        return [int(k) for k in np.flatnonzero(counts == 1)]
    counts = psu.groupby(strata, sort=True).nunique()
    return list(counts.index[counts.to_numpy() == 1])


def check_lonely_psu(strata: pd.Series, psu: pd.Series, design: Design, *, names: list[str] | None = None) -> None:
    """Under the default policy ``fail`` a stratum with one PSU is an error that names the stratum."""
    if design.lonely_psu != "fail":
        return
    lonely = [names[int(s)] if names is not None else str(s) for s in lonely_strata(strata, psu)]  # type: ignore[call-overload]
    if lonely:
        col = design.strata or "(no strata)"
        shown = ", ".join(lonely[:10]) + (", ..." if len(lonely) > 10 else "")
        raise SurveyError(
            f"stratum {shown} of '{col}' has only one PSU, so its variance cannot be estimated; set the design's "
            "lonely_psu (or --lonely-psu) to certainty, remove, adjust or average, or collapse strata",
            location=Location(variable=design.strata), rule="design-lonely-psu")
