"""Public estimation API: ``estimate(df, design, mean=..., prop=..., by=...)`` -> one row per estimate.

Conventions (see docs/estimation.md):
- CIs use Student t with the design df (#PSU - #strata, recomputed per variable and domain from the PSUs that hold
  domain rows with a value, R ``degf`` of that subset; replicate designs: the rank of those rows' replicate weights
  - 1), as Stata and svy do. R's ``confint`` uses z (df=Inf); R ``svyciprop`` uses
  ``degf(design)``, as we do.
- Proportions: every category of the variable; CI method ``logit`` (default, = R svyciprop "logit"), ``beta``
  (Korn-Graubard, = R "beta") or ``wilson`` (Wilson score interval with the effective n and the t quantile).
- Design effect against SRS without replacement (``wor``, R ``deff=TRUE``) or with replacement (``wr``, R
  ``deff="replace"``); n = unweighted respondents in the domain with a valid value; n_eff = n / deff; cv = se/|est|.
- Domains keep the full design: rows outside the domain (or with a missing domain variable) are zero-weighted.
- Missing values are dropped per variable (zero-weighted, PSUs kept); the count is in ``result.attrs["missing"]``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from ..data.meta import Metadata, analysis_frame, undeclared_codes_warnings
from ..data.whole_numbers import BLOCK, SPAN, range_codes, whole_number_codes
from ..design.calibration import Record
from ..design.design import Design
from ..design.prepare import Prepared, W, prepare
from ..design.taylor import stages as taylor_stages
from ..errors import Location, SurveyError
from . import statistics as stats
from .ci import prop_ci, t_crit
from .deff import DeffRef, srs_variances
from .flags import FlagRules, flag
from .quantiles import replicate_quantiles, woodruff, woodruff_replicate

COLUMNS = ["variable", "level", "level_label", "domain", "domain_label", "estimate", "se", "ci_low", "ci_high", "df",
           "deff", "cv", "n", "n_eff", "flag"]
CIMethod = Literal["logit", "beta", "wilson"]
DOM = "__dom"

if TYPE_CHECKING:
    from ..data.reader import Dataset

# The result type: a pandas DataFrame with COLUMNS; ``attrs["missing"]`` maps variable -> rows missing.
Estimates = pd.DataFrame


@dataclass(frozen=True)
class Spec:
    """One requested estimate: the statistic, its variable(s) and the internal column names used."""

    kind: Literal["mean", "total", "prop", "ratio", "quantile"]
    name: str  # what the user sees in `variable`
    col: str  # internal analysis column
    xcol: str | None = None
    p: float = 0.5
    only: str | None = None  # a share of several categories: report only this level
    categorical: bool = False  # a total of a categorical variable: one count per category (R svytotal(~factor))


def labels(s: pd.Series) -> pd.Series:
    """Category labels as a categorical of strings (1.0 -> '1'); missing stays missing. Vectorised."""
    small = None
    if pd.api.types.is_integer_dtype(s.dtype) and isinstance(s.dtype, np.dtype):
        small = range_codes(s.to_numpy())  # whole numbers without missing values
    elif s.dtype == np.float32:  # narrowed whole numbers (reader.narrow): coded as they are, not widened
        small = whole_number_codes(s.to_numpy())
    elif pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        small = whole_number_codes(pd.to_numeric(s, errors="coerce").astype(float).to_numpy())
    if small is not None:  # coded answers (0/1, 1..99): codes straight from the range
        codes, values = small
        return pd.Series(pd.Categorical.from_codes(codes, categories=[str(x) for x in values]), index=s.index)
    if isinstance(s.dtype, pd.CategoricalDtype) and all(isinstance(c, str) for c in s.cat.categories):
        # groups named by text (a tabulation plan's bins): the categories present, in text order, as the
        # object path below gives them, from the codes (no Python object per row)
        cat = s.array.remove_unused_categories().as_unordered()
        return pd.Series(cat.reorder_categories(sorted(cat.categories)), index=s.index)
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        v = pd.to_numeric(s, errors="coerce").astype(float)
        cat = pd.Categorical(v)
        cats = cat.categories.to_numpy(dtype=float)
        names = [str(int(c)) if c == round(c) else f"{c:g}" for c in cats]
    else:
        cat = pd.Categorical(s.astype(object).where(s.notna(), None))
        names = [str(c) for c in cat.categories]
    if len(set(names)) != len(names):  # e.g. 1 and "1" in one object column
        cat = pd.Categorical(pd.Series(cat).astype(object).map(lambda x: x if pd.isna(x) else str(x)))
        names = [str(c) for c in cat.categories]
    else:
        cat = cat.rename_categories(names)
    return pd.Series(cat, index=s.index)


def refuse_overflow(name: str, est: np.ndarray, se: np.ndarray, domains: pd.Series) -> None:
    """An estimate or SE that overflowed float64 (weights or values near 1e308) is refused, naming it: ``inf``
    with an SE of 0 would be published as a number."""
    bad = np.isinf(np.asarray(est, dtype=float)) | np.isinf(np.asarray(se, dtype=float))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise SurveyError(f"the estimate of '{name}' ({list(domains)[i]}) overflows: its weighted sums exceed the "
                          "largest number a computer holds (about 1.8e308); check the weights and values for "
                          "impossible sizes, or rescale them", location=Location(variable=name),
                          rule="estimate-overflow")


def _var(df: pd.DataFrame, name: str, role: str) -> pd.Series:
    if name not in df.columns:
        from ..questionnaire.names import did_you_mean, shown

        raise SurveyError(f"the {role} variable {shown(name)} is not in the data"
                          f"{did_you_mean(name, [str(c) for c in df.columns])}", location=Location(variable=name),
                          rule="estimate-variable-missing")
    return df[name]


def numeric_var(df: pd.DataFrame, name: str, role: str) -> np.ndarray:
    """Analysis variable as floats (missing -> NaN); text that is not a number is an error naming the row."""
    s = _var(df, name, role)
    if pd.api.types.is_numeric_dtype(s.dtype):
        return s.to_numpy(dtype=float, na_value=np.nan)
    v = pd.to_numeric(s, errors="coerce")
    bad = v.isna() & s.notna() & (s.astype(str).str.strip() != "")
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise SurveyError(f"the {role} variable '{name}' must be numeric, but row {i + 1} holds {s.iloc[i]!r}"
                          f" (use --prop for a categorical variable)", location=Location(variable=name, row=i + 1),
                          rule="estimate-not-numeric")
    return v.to_numpy(dtype=float, na_value=np.nan)


def domain_column(df: pd.DataFrame, by: Sequence[str] | None) -> pd.Series | None:
    """'sex=1; agegrp=2' per row as a categorical (missing where any domain variable is missing), or None."""
    if not by:
        return None
    parts = [labels(_var(df, b, "domain")) for b in by]
    codes = np.zeros(len(df), dtype=np.int64)  # each row's combination, one digit (code + 1) per variable
    ok = np.ones(len(df), dtype=bool)
    for p in parts:  # in place: ten million rows hold one int64 array, not one per step
        c = p.cat.codes.to_numpy()
        ok &= c >= 0
        codes *= len(p.cat.categories) + 1
        codes += c
        codes += 1
    full, uniq = _combination_codes(codes, ok)
    names = []
    for u in uniq:
        pieces, rest = [], int(u)
        for b, p in zip(reversed(by), reversed(parts), strict=True):
            k = len(p.cat.categories) + 1
            pieces.append(f"{b}={p.cat.categories[rest % k - 1]}")
            rest //= k
        names.append("; ".join(reversed(pieces)))
    return pd.Series(pd.Categorical.from_codes(full, categories=names), index=df.index)


def _combination_codes(codes: np.ndarray, ok: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes 0..k-1 of the domain combinations present (in sorted order; -1 where a domain variable is missing)
    and the combinations; *codes* is overwritten. A bincount over the range when it is narrow, else a sort."""
    if not ok.any():
        return np.full(len(codes), -1, dtype=np.int64), np.zeros(0, dtype=np.int64)
    if not ok.all():
        codes[~ok] = 0  # no combination is 0: each variable adds at least 1 at its place
    top = int(codes.max())
    if top > max(SPAN, int(ok.sum())):
        inv, uniq = np.unique(codes[ok], return_inverse=True)[::-1]
        full = np.full(len(codes), -1, dtype=np.int64)
        full[ok] = inv
        return full, uniq
    present = np.bincount(codes, minlength=top + 1) > 0
    present[0] = False
    rank = np.cumsum(present) - 1
    rank[0] = -1
    for i in range(0, len(codes), BLOCK):
        block = codes[i:i + BLOCK]
        block[:] = rank[block]
    return codes, np.flatnonzero(present)


def category_key(codes: Sequence[object]) -> str:
    """The level name of a share of several categories: '1,2'."""
    return ",".join(str(labels(pd.Series([c])).iloc[0]) for c in codes)


def category_indicator(lab: pd.Series, var: str, codes: Sequence[object], meta: Metadata) -> pd.Series:
    """A two-level categorical: the categories *codes* together ('1,2') against the other answers.

    Missing answers stay missing, so the base is the substantive answers. A code that is a declared missing
    code, or that neither occurs nor has a label, is an error (a share of it would be a made-up 0).
    """
    wanted = [str(labels(pd.Series([c])).iloc[0]) for c in codes]
    present = {str(c) for c in lab.cat.categories}
    info = meta.info(var)
    for code in wanted:
        if code in present:
            continue
        num = pd.to_numeric(pd.Series([code]), errors="coerce").iloc[0]
        if not pd.isna(num) and (float(num) in info.missing or any(lo <= num <= hi for lo, hi in info.missing_ranges)):
            raise SurveyError(f"category {code} of '{var}' is a missing-value code ({info.value_label(code) or 'missing'}),"
                              " not an answer; shares are of substantive answers", location=Location(variable=var),
                              rule="estimate-category")
        if info.value_label(code) is None:
            known = ", ".join(sorted(present, key=lambda x: (len(x), x))) or "none"
            raise SurveyError(f"category {code} does not occur in '{var}' and has no label (categories found: "
                              f"{known})", location=Location(variable=var), rule="estimate-category")
    key = ",".join(wanted)
    inside = lab.isin(wanted).to_numpy()
    codes_arr = np.where(lab.isna().to_numpy(), -1, np.where(inside, 0, 1)).astype(np.int64)
    return pd.Series(pd.Categorical.from_codes(codes_arr, categories=[key, f"not {key}"]), index=lab.index)


def is_categorical(s: pd.Series, measure: str | None) -> bool:
    """Whether a total of *s* is a count per category: text, categorical or boolean data, or a variable declared
    nominal or ordinal (a select_one of a questionnaire, a labelled .sav/.dta variable of that level)."""
    numeric = pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)
    return not numeric or measure in ("nominal", "ordinal")


def build_specs(df: pd.DataFrame, *, mean: Sequence[str], prop: Sequence[str], total: Sequence[str],
                ratio: Sequence[tuple[str, str]], quantile: Sequence[tuple[str, float]],
                category: Sequence[object] | None = None, meta: Metadata | None = None
                ) -> tuple[list[Spec], dict[str, pd.Series | np.ndarray], dict[str, int]]:
    """Analysis columns for every requested estimate, and the missing count per variable."""
    meta = meta or Metadata()
    specs: list[Spec] = []
    cols: dict[str, pd.Series | np.ndarray] = {}
    missing: dict[str, int] = {}

    def num(name: str, role: str) -> str:
        col = f"__num_{name}"
        if col not in cols:
            cols[col] = numeric_var(df, name, role)
            missing[name] = int(np.isnan(cols[col]).sum())  # type: ignore[arg-type]
        return col

    for v in mean:
        specs.append(Spec("mean", v, num(v, "mean")))
    for v in total:
        s = _var(df, v, "total")
        if is_categorical(s, meta.info(v).measure):
            col = f"__cat_{v}"
            cols[col] = labels(s)
            missing[v] = int(cols[col].isna().sum())
            specs.append(Spec("total", v, col, categorical=True))
        else:
            specs.append(Spec("total", v, num(v, "total")))
    for v in prop:
        col = f"__cat_{v}"
        lab = labels(_var(df, v, "proportion"))
        missing[v] = int(lab.isna().sum())
        if category:
            cols[col] = category_indicator(lab, v, category, meta)
            specs.append(Spec("prop", v, col, only=category_key(category)))
        else:
            cols[col] = lab
            specs.append(Spec("prop", v, col))
    for num_name, den_name in ratio:
        specs.append(Spec("ratio", f"{num_name}/{den_name}", num(num_name, "ratio numerator"),
                          num(den_name, "ratio denominator")))
    for v, p in quantile:
        if not 0 < p < 1:
            raise SurveyError(f"quantile probability {p} for '{v}' must be strictly between 0 and 1",
                              rule="estimate-quantile")
        specs.append(Spec("quantile", v, num(v, "quantile"), p=p))
    if not specs:
        raise SurveyError("nothing to estimate: give at least one mean, prop, total, ratio or quantile",
                          rule="estimate-nothing")
    return specs, cols, missing


def _level_text(spec: Spec, level: str) -> str:
    if spec.categorical:
        return level
    return {"mean": "mean", "total": "total", "ratio": "ratio", "quantile": f"q{spec.p:g}"}.get(spec.kind, level)


def _deffs(rows: pd.DataFrame, spec: Spec, frame: Mapping[str, pd.Series], dom_codes: np.ndarray,
           dom_keys: list[str], ref: DeffRef, col: stats.Column | None = None) -> tuple[np.ndarray, np.ndarray]:
    """R-definition deff and unweighted n for each output row of one spec (vectorised over domains). A mean,
    total or ratio reads its engine column *col* (its valid rows hold the data's values) when given."""
    w = frame[W].to_numpy(dtype=float)
    k = len(dom_keys)
    key_index = {key: i for i, key in enumerate(dom_keys)}
    dom_i = np.array([key_index.get(str(d), -1) for d in rows["domain"]])
    if spec.kind == "prop" or spec.categorical:
        # The weighted variance of a level indicator is p(1-p), so only n and N per domain are needed.
        cat_codes = frame[spec.col].cat.codes.to_numpy()
        use = (cat_codes >= 0) & (dom_codes >= 0) & (w > 0)
        dc, wu = (dom_codes, w) if use.all() else (dom_codes[use], w[use])
        n_d = np.bincount(dc, minlength=k).astype(float)
        big_n = np.bincount(dc, weights=wu, minlength=k)
        ok = dom_i >= 0
        d_safe = np.maximum(dom_i, 0)
        ns = np.where(ok, n_d[d_safe], 0.0)
        p = rows["est"].to_numpy(dtype=float)
        n_pop = np.where(ok, big_n[d_safe], np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            if spec.categorical:  # a count: its share of the domain, and the SRS variance of N p
                p = p / n_pop
            v = p * (1 - p) / (ns - 1) * (n_pop**2 if spec.categorical else 1.0)
            if ref == "wor":
                v = v * (1 - ns / n_pop)
            # as R: se^2 / v, so Inf where the SRS variance is 0 and the design's is not
            deffs = np.where(ok & (ns >= 2), rows["se"].to_numpy() ** 2 / v, np.nan)
        return deffs, ns
    if col is not None and col.values is not None:
        y, x, valid = col.values, (col.b if spec.xcol is not None else None), col.valid
    else:
        y = frame[spec.col].to_numpy(dtype=float)
        x = frame[spec.xcol].to_numpy(dtype=float) if spec.xcol is not None else None
        valid = ~np.isnan(y) & (dom_codes >= 0)
        if x is not None:
            valid &= ~np.isnan(x)
    v, n = srs_variances(dom_codes, k, y, w, valid, spec.kind, x=x, ref=ref)
    ok = dom_i >= 0
    ns = np.where(ok, n[np.maximum(dom_i, 0)], 0)
    if spec.kind == "quantile":
        return np.full(len(rows), np.nan), ns
    vv = np.where(ok, v[np.maximum(dom_i, 0)], np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        deffs = rows["se"].to_numpy() ** 2 / vv  # as R: Inf where the SRS variance is 0 and the design's is not
    return deffs, ns


def _rows(spec: Spec, res: stats.DomainEstimates, dom_keys: list[str], level_names: list[str], conf_level: float
          ) -> pd.DataFrame:
    """Engine rows (domain, level, est, se, lci, uci, df) from our numpy engine's result, domain-major."""
    k, n_lev = res.est.shape
    est = res.est.reshape(-1)
    se = np.sqrt(np.maximum(res.var.reshape(-1), 0.0))
    df = np.repeat(res.df, n_lev)
    t = t_crit(conf_level, df)
    out = pd.DataFrame({"domain": np.repeat(dom_keys, n_lev), "level": np.tile(level_names, k), "est": est,
                        "se": se, "lci": est - t * se, "uci": est + t * se, "df": df})
    if res.logit_var is not None:
        out["logit_se"] = np.sqrt(np.maximum(res.logit_var.reshape(-1), 0.0))
    return out


def _engine_columns(spec: Spec, frame: Mapping[str, pd.Series], dom_codes: np.ndarray) -> tuple[stats.Column, list[str]]:
    """Our engine's input for one spec, and its level names."""
    if spec.kind == "prop" or spec.categorical:
        cat = frame[spec.col]
        codes = cat.cat.codes.to_numpy().astype(np.int32)  # levels are few: int32 holds the codes
        names = [str(c) for c in cat.cat.categories]
        col = stats.column("prop", codes, dom_codes, n_levels=len(names))
        return (replace(col, kind="total", b=None) if spec.categorical else col), names
    y = frame[spec.col].to_numpy(dtype=float)
    x = frame[spec.xcol].to_numpy(dtype=float) if spec.xcol is not None else None
    return stats.column(spec.kind, y, dom_codes, x=x), [""]  # type: ignore[arg-type]


def analysed_variables(*, mean: Sequence[str] = (), prop: Sequence[str] = (), total: Sequence[str] = (),
                       ratio: Sequence[tuple[str, str]] = (), quantile: Sequence[tuple[str, float]] = (),
                       by: Sequence[str] | None = None) -> list[str]:
    """The variables :func:`estimate` reads for these statistics (a caller reads only them and the design's
    columns from a wide file)."""
    return [*mean, *prop, *total, *(x for r in ratio for x in r), *(q for q, _ in quantile), *(by or [])]


def estimate(data: pd.DataFrame | Dataset, design: Design, *, mean: Sequence[str] = (), prop: Sequence[str] = (),
             total: Sequence[str] = (), ratio: Sequence[tuple[str, str]] = (),
             quantile: Sequence[tuple[str, float]] = (), by: Sequence[str] | None = None, ci: CIMethod = "logit",
             conf_level: float = 0.95, deff: DeffRef = "wor", flags: FlagRules | None = None,
             calibration: Sequence[Record] = (), category: Sequence[object] | None = None,
             data_level: str | None = None, quantile_interval: Literal["mean", "quantile"] = "mean",
             prepared: Prepared | None = None) -> Estimates:
    """Design-based estimates with SE, CI, df, deff, CV, n, n_eff and a reliability flag, one row per estimate.

    *data* is a :class:`~surveymod.data.Dataset` (its missing codes never enter a statistic, and its value
    labels name levels and domains in ``level_label``/``domain_label``) or a plain DataFrame, analysed as it is.
    ``category`` (e.g. ``[1, 2]``) makes each ``prop`` one share of those categories together (top-two box).
    ``calibration`` (records from :func:`surveymod.weighting.run_weighting`, row-aligned with the data) makes the
    Taylor standard errors credit post-stratification, raking and calibration as R ``survey`` does.
    ``quantile_interval`` is R ``svyquantile``'s ``interval.type``: ``mean`` (Woodruff, the default) or, on
    replicate designs, ``quantile`` (the quantile's own replicate variance). ``prepared`` is *design* prepared once
    (:func:`surveymod.design.prepare.prepare`) on the same rows for several calls, which then need no design
    columns in *data* (ten million rows: 0.6 GB less at each call's peak).
    """
    analysed = analysed_variables(mean=mean, prop=prop, total=total, ratio=ratio, quantile=quantile, by=by)
    df, meta = analysis_frame(data, analysed, data_level)
    if ci not in ("logit", "beta", "wilson"):
        raise SurveyError(f"unknown CI method '{ci}' (use logit, beta or wilson)", rule="estimate-ci")
    if not 0 < conf_level < 1:
        raise SurveyError(f"confidence level {conf_level} must be between 0 and 1", rule="estimate-level")
    flags = flags or FlagRules()
    if prepared is not None and len(prepared.frame) != len(df):
        raise SurveyError(f"the prepared design has {len(prepared.frame)} rows and the data {len(df)}: prepare the "
                          "design on the data analysed", rule="estimate-prepared")
    if prepared is not None and prepared.design != design:
        raise SurveyError("the prepared design is not the design given: prepare the design given",
                          rule="estimate-prepared")
    prep = prepared if prepared is not None else prepare(df, design)
    if quantile_interval not in ("mean", "quantile"):
        raise SurveyError(f"unknown quantile interval '{quantile_interval}' (use mean or quantile)",
                          rule="estimate-quantile")
    if quantile_interval == "quantile" and prep.replicates is None:
        raise SurveyError("the 'quantile' interval recomputes the quantile with every replicate weight, so it needs "
                          "a replicate design; Taylor designs use the Woodruff ('mean') interval, as R",
                          rule="estimate-quantile")
    for rec in calibration:
        if rec.n_rows != len(df):
            raise SurveyError("the calibration records do not match the data's rows (use the data returned by "
                              "run_weighting)", rule="estimate-calibration")
    specs, cols, missing = build_specs(df, mean=mean, prop=prop, total=total, ratio=ratio, quantile=quantile,
                                       category=category, meta=meta)
    dom = domain_column(df, by)
    dom_codes, dom_keys = np.zeros(len(df), dtype=np.int64), ["all"]
    if dom is not None:
        dom_codes, dom_keys = dom.cat.codes.to_numpy().astype(np.int64), [str(c) for c in dom.cat.categories]
    k = len(dom_keys)
    w = prep.frame[W].to_numpy(dtype=float)
    # The analysis columns as Series over their arrays (no copies).
    data = {W: pd.Series(w, copy=False), **{c: v if isinstance(v, pd.Series) else pd.Series(v, copy=False)
                                             for c, v in cols.items()}}
    linear = [s for s in specs if s.kind != "quantile"]
    engine_rows: dict[int, pd.DataFrame] = {}
    inputs = {id(s): _engine_columns(s, data, dom_codes) for s in linear}
    quantiles = {s.col for s in specs if s.kind == "quantile"}
    for s in linear:  # the engine columns hold what a mean, total or ratio needs from here on: the data's
        for c in (s.col, s.xcol):  # float copies go (ten million rows: 80 MB each)
            if c is not None and c.startswith("__num_") and c not in quantiles:
                data.pop(c, None)
                cols.pop(c, None)
    if prep.replicates is not None:
        if linear:
            results = stats.replicate([inputs[id(s)][0] for s in linear], w, prep.rep_columns, dom_codes, k,
                                      prep.replicates)
            for s, r in zip(linear, results, strict=True):
                valid = inputs[id(s)][0].valid
                if not valid[dom_codes >= 0].all():  # R: degf of the design subset to non-missing values
                    r = replace(r, df=stats.replicate_df(w, prep.rep_columns, np.where(valid, dom_codes, -1), k))
                engine_rows[id(s)] = _rows(s, r, dom_keys, inputs[id(s)][1], conf_level)
        for s in (s for s in specs if s.kind == "quantile"):  # as R svyquantile.svyrep.design
            interval = replicate_quantiles if quantile_interval == "quantile" else woodruff_replicate
            q, se, lo, hi, qdf = interval(np.asarray(cols[s.col], dtype=float), w, prep.rep_columns, dom_codes, k,
                                          s.p, prep.replicates, conf_level)
            engine_rows[id(s)] = pd.DataFrame({"domain": dom_keys, "level": [""] * k, "est": q, "se": se,
                                               "lci": lo, "uci": hi, "df": qdf})
    else:
        st = taylor_stages(prep)
        dfs = stats.taylor_df(st, w, dom_codes, k).astype(float)
        key = st.psu * k + dom_codes
        def spec_df(valid: np.ndarray) -> np.ndarray:
            """R: degf of the design subset to the rows with a value (PSUs and strata holding one)."""
            if valid[dom_codes >= 0].all():
                return dfs
            return stats.taylor_df(st, w, dom_codes, k, valid).astype(float)

        for s in linear:
            col = inputs[id(s)][0]
            r, _ = stats.taylor(col, w, dom_codes, k, st, calibration, df=spec_df(col.valid), cell_key=key)
            engine_rows[id(s)] = _rows(s, r, dom_keys, inputs[id(s)][1], conf_level)
        for s in (s for s in specs if s.kind == "quantile"):  # Woodruff intervals as R svyquantile
            y = np.asarray(cols[s.col], dtype=float)
            qdf = spec_df(~np.isnan(y))
            q, se, lo, hi = woodruff(y, w, dom_codes, k, s.p, st, qdf, conf_level, calibration)
            engine_rows[id(s)] = pd.DataFrame({"domain": dom_keys, "level": [""] * k, "est": q, "se": se,
                                               "lci": lo, "uci": hi, "df": qdf})
    parts: list[pd.DataFrame] = []
    for spec in specs:
        rows = engine_rows[id(spec)]
        if spec.only is not None:
            rows = rows[rows["level"].astype(str) == spec.only].reset_index(drop=True)
        d, n = _deffs(rows, spec, data, dom_codes, dom_keys, deff, inputs[id(spec)][0] if id(spec) in inputs else None)
        est = rows["est"].to_numpy()
        se = rows["se"].to_numpy(dtype=float, copy=True)
        se[(n == 0) & np.isnan(est)] = np.nan  # an empty domain has no mean: no SE of 0 either
        rows["se"] = se
        refuse_overflow(spec.name, est, se, rows["domain"])
        if spec.kind == "prop":  # our own CI functions (ci.py), checked against R's svyciprop formulas
            # replicate designs: the logit's SE from the replicate logits, as R's svyglm in svyciprop
            lse = rows["logit_se"] if "logit_se" in rows else [None] * len(rows)
            bounds = [prop_ci(pp, se, nn, df_, method=ci, conf_level=conf_level, logit_se=ls)
                      for pp, se, nn, df_, ls in zip(est, rows["se"], n, rows["df"], lse, strict=True)]
            rows["lci"], rows["uci"] = [b[0] for b in bounds], [b[1] for b in bounds]
        with np.errstate(divide="ignore", invalid="ignore"):
            cv = rows["se"].to_numpy() / np.abs(est)
            n_eff = n / d
        level_text = [_level_text(spec, str(lv)) for lv in rows["level"]]
        domains = rows["domain"].astype(str).to_numpy()
        parts.append(pd.DataFrame({
            "variable": spec.name, "level": level_text,
            "level_label": [meta.category_label(spec.name, lv) if spec.kind == "prop" or spec.categorical else ""
                            for lv in level_text],
            "domain": domains, "domain_label": [meta.domain_label(d_) for d_ in domains],
            "estimate": est, "se": rows["se"].to_numpy(),
            "ci_low": rows["lci"].to_numpy(), "ci_high": rows["uci"].to_numpy(), "df": rows["df"].to_numpy(),
            "deff": d, "cv": cv, "n": n.astype(int), "n_eff": n_eff,
            "flag": [flag(ni, ci_, flags) for ni, ci_ in zip(n, cv, strict=True)],
        }))
    out = pd.concat(parts, ignore_index=True)[COLUMNS]
    out.attrs["missing"] = missing
    out.attrs["warnings"] = undeclared_codes_warnings(df, meta, [*mean, *total, *(q for q, _ in quantile)])
    out.attrs["metadata"] = meta.source
    out.attrs["deff_reference"] = deff
    out.attrs["ci_method"] = ci
    return out
