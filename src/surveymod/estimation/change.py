"""Change between a baseline and an endline wave: difference in points and relative % change, with SEs.

Delta method as R ``svycontrast``: diff = e1 - e0, Var = V00 + V11 - 2 V01; % change = 100 (e1/e0 - 1) with
gradient (-100 e1/e0^2, 100/e0). Independent waves (two samples, each with its own design): V01 = 0 and the df is
df0 + df1 (as if the waves were stacked as separate strata). Panel (``panel_id``: the same respondents, or the same
PSUs named by the design's psu column): both waves are stacked into one design whose PSUs are shared, so the
covariance V01 is kept; the df is #PSU - #strata of the rows used. CIs use t(df); p-values are two-sided t tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..data.meta import Metadata, analysis_frame, undeclared_codes_warnings
from ..design.calibration import Record
from ..design.design import Design
from ..design.prepare import PSU, STRATA, Prepared, W, design_weights, prepare
from ..design.taylor import stages as taylor_stages
from ..errors import Location, SurveyError
from . import statistics as linear
from .estimate import DOM, category_indicator, category_key, domain_column, estimate, labels, numeric_var
from .tdist import t_quantile, t_tail

if TYPE_CHECKING:
    from ..data.reader import Dataset

WAVE = "__wave"
IND = "__y"
CHANGE_COLUMNS = ["variable", "level", "level_label", "domain", "domain_label", "baseline", "baseline_se", "endline", "endline_se", "diff",
                  "diff_se", "diff_ci_low", "diff_ci_high", "diff_p", "pct_change", "pct_change_se", "pct_ci_low",
                  "pct_ci_high", "pct_p", "df", "n_base", "n_end", "method"]


def _with_columns(df: pd.DataFrame, **cols: object) -> pd.DataFrame:
    """*df* plus *cols* (replacing same-named ones), joined in one concat: inserting columns one by one into a
    frame of many blocks (read_csv gives one block per column, weighted files carry hundreds of replicate
    columns) makes pandas print a PerformanceWarning on the user's terminal and copies the frame each time."""
    keep = df.drop(columns=[c for c in cols if c in df.columns])
    return pd.concat([keep, pd.DataFrame(cols, index=df.index)], axis=1)


def _analysis(df: pd.DataFrame, var: str, kind: str, category: Sequence[object], meta: Metadata,
              present: set[str] | None = None) -> np.ndarray:
    """The analysed values: an indicator of the ``category`` categories for a proportion (NaN where missing, so the
    base is the substantive answers), else the number."""
    if kind == "prop":
        lab = labels(df[var]) if var in df.columns else numeric_var(df, var, "proportion")
        if present is not None:  # a category absent from this wave is fine if the other wave has it
            lab = lab.cat.set_categories(sorted(present | {str(c) for c in lab.cat.categories}))
        ind = category_indicator(lab, var, category, meta)
        codes = ind.cat.codes.to_numpy()
        return np.where(codes < 0, np.nan, (codes == 0).astype(float))
    return numeric_var(df, var, "mean")


def _levels(category: object) -> list[object]:
    """The compared categories: one code, or several (a share of 'very good' and 'good' together)."""
    if isinstance(category, list | tuple):
        return list(category)
    return [category]


def contrast(e0: float, e1: float, v00: float, v11: float, v01: float, df: float, conf_level: float = 0.95
             ) -> dict[str, float]:
    """Difference and % change with delta-method SEs, t CIs and two-sided p-values."""
    t = t_quantile(df, 1 - (1 - conf_level) / 2) if df > 0 else float("nan")
    diff, diff_se = e1 - e0, float(np.sqrt(max(v00 + v11 - 2 * v01, 0.0)))
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = 100.0 * (e1 / e0 - 1.0) if e0 != 0 else float("nan")
        g0, g1 = (-100.0 * e1 / e0**2, 100.0 / e0) if e0 != 0 else (float("nan"), float("nan"))
    pct_se = float(np.sqrt(max(g0 * g0 * v00 + g1 * g1 * v11 + 2 * g0 * g1 * v01, 0.0)))

    def p(est: float, se: float) -> float:
        return 2 * t_tail(df, abs(est / se)) if se > 0 and df > 0 else float("nan")

    return {"diff": diff, "diff_se": diff_se, "diff_ci_low": diff - t * diff_se, "diff_ci_high": diff + t * diff_se,
            "diff_p": p(diff, diff_se), "pct_change": pct, "pct_change_se": pct_se,
            "pct_ci_low": pct - t * pct_se, "pct_ci_high": pct + t * pct_se, "pct_p": p(pct, pct_se)}


def _specs(prop: Sequence[str], mean: Sequence[str]) -> list[tuple[str, str]]:
    out = [(v, "prop") for v in prop] + [(v, "mean") for v in mean]
    if not out:
        raise SurveyError("nothing to compare: give at least one prop or mean variable", rule="change-nothing")
    return out


def change(base: pd.DataFrame | Dataset, base_design: Design, end: pd.DataFrame | Dataset, end_design: Design, *,
           prop: Sequence[str] = (), mean: Sequence[str] = (), category: object = 1, by: Sequence[str] | None = None,
           panel_id: str | None = None, conf_level: float = 0.95, base_calibration: Sequence[Record] = (),
           end_calibration: Sequence[Record] = ()) -> pd.DataFrame:
    """Baseline -> endline change per variable and domain; ``panel_id`` (or shared PSUs) makes it a panel.

    Each wave is a :class:`~surveymod.data.Dataset` (its missing codes never enter a statistic; its labels
    fill ``level_label``/``domain_label``) or a plain DataFrame. ``category`` is the category whose share is
    compared, or a list of categories compared together (``[1, 2]``: very good or good).
    ``base_calibration``/``end_calibration``: each wave's calibration records (from its weighting run), so that
    independent waves' Taylor SEs credit the calibration; a panel stacks the waves and cannot use them.
    """
    columns = [*prop, *mean, *(by or [])]
    base_df, meta = analysis_frame(base, columns)
    end_df, end_meta = analysis_frame(end, columns)
    meta = meta if meta.variables else end_meta
    cats = _levels(category)
    if panel_id is not None and (base_calibration or end_calibration):
        raise SurveyError("calibration records apply to independent waves; a panel is estimated on the stacked "
                          "waves without them (use replicate weights for calibrated panels)",
                          rule="change-panel-calibration")
    by = list(by or [])
    rows: list[dict[str, object]] = []
    for var, kind in _specs(prop, mean):
        lev = category_key(cats) if kind == "prop" else "mean"
        values = {}
        if kind == "prop":
            present = _categories(base_df, var) | _categories(end_df, var)
            values = {w: _analysis(d, var, kind, cats, meta, present) for w, d in (("b", base_df), ("e", end_df))}
        if panel_id is None:
            rows += _independent(base_df, base_design, end_df, end_design, var, kind, cats, by, conf_level, lev,
                                 (base_calibration, end_calibration), values, meta)
        else:
            rows += _panel(base_df, base_design, end_df, end_design, var, kind, cats, by, panel_id, conf_level, lev,
                           values, meta)
    out = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    out["level_label"] = [meta.category_label(v, lv) if lv != "mean" else ""
                          for v, lv in zip(out["variable"], out["level"], strict=True)]
    out["domain_label"] = [meta.domain_label(str(d)) for d in out["domain"]]
    warnings = undeclared_codes_warnings(base_df, meta, mean) + undeclared_codes_warnings(end_df, end_meta, mean)
    out.attrs["warnings"] = list(dict.fromkeys(warnings))
    out.attrs["metadata"] = meta.source
    return out


def _categories(df: pd.DataFrame, var: str) -> set[str]:
    return {str(c) for c in labels(df[var]).cat.categories} if var in df.columns else set()


def _independent(b: pd.DataFrame, bd: Design, e: pd.DataFrame, ed: Design, var: str, kind: str,
                 category: Sequence[object], by: list[str], conf_level: float, lev: str,
                 calibration: tuple[Sequence[Record], Sequence[Record]] = ((), ()),
                 values: dict[str, np.ndarray] | None = None, meta: Metadata | None = None
                 ) -> list[dict[str, object]]:
    """Each wave estimated in its own design; the covariance between waves is zero."""
    res = []
    meta = meta or Metadata()
    for wave, df, des, cal in (("b", b, bd, calibration[0]), ("e", e, ed, calibration[1])):
        if var not in df.columns:
            raise SurveyError(f"the variable '{var}' is not in both waves", rule="change-variable-missing")
        y = values[wave] if values else _analysis(df, var, kind, category, meta)
        r = estimate(_with_columns(df, **{IND: y}), des, mean=[IND], by=by or None, calibration=cal)
        res.append(r.set_index("domain"))
    out = []
    for dom in [d for d in res[0].index if d in res[1].index]:
        r0, r1 = res[0].loc[dom], res[1].loc[dom]
        df_ = float(r0.df + r1.df)
        c = contrast(r0.estimate, r1.estimate, r0.se**2, r1.se**2, 0.0, df_, conf_level)
        out.append({"variable": var, "level": lev, "domain": dom, "baseline": r0.estimate, "baseline_se": r0.se,
                    "endline": r1.estimate, "endline_se": r1.se, **c, "df": df_, "n_base": int(r0.n),
                    "n_end": int(r1.n), "method": "independent"})
    return out


def _same_design(bd: Design, ed: Design) -> None:
    keys = ("strata", "psu", "ssu", "fpc", "fpc2", "repweights", "reptype", "fay_rho", "scale", "rscales", "mse")
    diff = [k for k in keys if getattr(bd, k) != getattr(ed, k)]
    if diff:
        raise SurveyError(f"a panel needs the same design in both waves (except the weight); they differ in: "
                          f"{', '.join(diff)}", rule="change-panel-design")


def _mean_covariance(prep: Prepared, y: np.ndarray, dom: pd.Series) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Domain means of ``y`` with their full covariance (domains share PSUs): Taylor or replicate."""
    codes = dom.cat.codes.to_numpy().astype(np.int64)
    keys = [str(c) for c in dom.cat.categories]
    col = linear.column("mean", y, codes)
    w = prep.frame[W].to_numpy(dtype=float)
    if prep.replicates is not None:
        assert prep.reps is not None
        est, cov = linear.replicate_covariance(col, w, prep.reps, codes, len(keys), prep.replicates)
        return keys, est, cov
    res, cov = linear.taylor(col, w, codes, len(keys), taylor_stages(prep), covariance=True)
    assert cov is not None
    return keys, res.est[:, 0], cov


def _panel(b: pd.DataFrame, bd: Design, e: pd.DataFrame, ed: Design, var: str, kind: str,
           category: Sequence[object], by: list[str], panel_id: str, conf_level: float, lev: str,
           values: dict[str, np.ndarray] | None = None, meta: Metadata | None = None) -> list[dict[str, object]]:
    """Both waves stacked in one design with shared PSUs (the respondent is the PSU if no psu column)."""
    _same_design(bd, ed)
    meta = meta or Metadata()
    for df, name in ((b, "baseline"), (e, "endline")):
        for col in [panel_id, var, *by]:
            if col not in df.columns:
                raise SurveyError(f"the column '{col}' is not in the {name} data", rule="change-variable-missing")
        dup = df[panel_id].duplicated(keep="first").to_numpy()
        if dup.any():
            i = int(np.argmax(dup))
            raise SurveyError(f"the panel id '{panel_id}' is not unique in the {name} data: {df[panel_id].iloc[i]!r} "
                              f"appears again in row {i + 1}; a panel needs one row per unit and wave",
                              location=Location(row=i + 1, variable=panel_id), rule="change-panel-id")
    parts = []
    for key, df, des, wave in (("b", b, bd, "0"), ("e", e, ed, "1")):
        w = design_weights(df, des)  # the weight column, 1/prob or N_h/n_h from the FPC, as estimate derives it
        y = values[key] if values else _analysis(df, var, kind, category, meta)
        parts.append(_with_columns(df, **{WAVE: wave, "__pw": w, IND: y}))
    stacked = pd.concat(parts, ignore_index=True)
    design = bd.model_copy(update={"weight": "__pw", "prob": None, "psu": bd.psu or panel_id})
    prep = prepare(stacked, design)
    dom = domain_column(stacked, [WAVE, *by])
    assert dom is not None
    frame = prep.frame.assign(**{DOM: dom.array, IND: stacked[IND].to_numpy()})
    prep = replace(prep, frame=frame)
    keys, est, cov = _mean_covariance(prep, frame[IND].to_numpy(dtype=float), dom)
    index = {k: i for i, k in enumerate(keys)}
    valid = ~np.isnan(frame[IND].to_numpy()) & (frame[W].to_numpy() > 0)
    out = []
    for k0 in [k for k in keys if k.startswith(f"{WAVE}=0")]:
        rest = k0[len(f"{WAVE}=0"):]
        k1 = f"{WAVE}=1{rest}"
        if k1 not in index:
            continue
        i, j = index[k0], index[k1]
        used = valid & frame[DOM].isin([k0, k1]).to_numpy()
        if prep.replicates is not None:
            df_ = float(prep.replicates.n_reps - 1)
        else:
            df_ = float(frame.loc[used, PSU].nunique() - frame.loc[used, STRATA].nunique())
        c = contrast(est[i], est[j], cov[i, i], cov[j, j], cov[i, j], df_, conf_level)
        n0 = int((valid & (frame[DOM] == k0).to_numpy()).sum())
        n1 = int((valid & (frame[DOM] == k1).to_numpy()).sum())
        out.append({"variable": var, "level": lev, "domain": rest.lstrip("; ") or "all", "baseline": est[i],
                    "baseline_se": float(np.sqrt(cov[i, i])), "endline": est[j],
                    "endline_se": float(np.sqrt(cov[j, j])), **c, "df": df_, "n_base": n0, "n_end": n1,
                    "method": "panel"})
    return out
