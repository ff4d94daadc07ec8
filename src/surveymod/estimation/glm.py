"""Design-based regression as R ``svyglm``: linear (gaussian) and logistic (quasibinomial) models.

- fit: weighted least squares / IRLS with the sampling weights (R ``glm`` with the weights scaled to mean 1, the
  same coefficients);
- Taylor SEs (R ``svy.varcoef``): influence values ``X w (y - mu) (X' W X)^-1`` (W = w, or w mu(1-mu) for the
  logistic model), projected on the calibration records and summed by PSU and SSU, through the same variance as
  every other estimate (``taylor.variance``, covariance form);
- replicate SEs (R ``svyglm.svyrep.design``): the model refitted with every replicate weight, the replicate
  variance of the coefficients with the design's scale, rscales and mse;
- df = degf of the design subset to the rows with every model variable + 1 - number of coefficients (R
  ``df.residual``); t statistics, two-sided p and CIs use t(df), as R's ``summary.svyglm`` for gaussian and
  quasibinomial families;
- predictors: numbers enter as they are; text, categorical, boolean and nominal/ordinal variables as treatment
  dummies of their 2nd, 3rd, ... level (R's default contrasts), named ``var`` + level as R names them. Rows with a
  missing value in any model variable are left out (zero-weighted, PSUs kept), as R's ``na.action``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from ..data.meta import analysis_frame
from ..errors import Location, SurveyError
from . import statistics as stats
from .calibration import Record, project
from .ci import t_crit
from .design import Design
from .estimate import is_categorical, labels, numeric_var
from .prepare import Prepared, W, prepare
from .taylor import group_sums, variance
from .taylor import stages as taylor_stages
from .tdist import t_tail

if TYPE_CHECKING:
    from ..data.reader import Dataset

Family = Literal["gaussian", "binomial"]
GLM_COLUMNS = ["term", "estimate", "se", "t", "df", "p", "ci_low", "ci_high"]


def parse_formula(text: str) -> tuple[str, list[str]]:
    """'y ~ a + b' -> ('y', ['a', 'b']); only names joined by '+' (no interactions or transformations)."""
    lhs, sep, rhs = text.partition("~")
    terms = [t.strip() for t in rhs.split("+")]
    if not sep or not lhs.strip() or not all(terms) or any(c in text for c in "*:()^|"):
        raise SurveyError(f"the model formula '{text}' is not 'y ~ x1 + x2 + ...' (variable names joined by +)",
                          rule="glm-formula")
    return lhs.strip(), terms


def _design_matrix(df: pd.DataFrame, xs: Sequence[str], measures: dict[str, str | None]
                   ) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Intercept, numeric columns and treatment dummies; names as R; rows with a missing predictor."""
    cols, names = [np.ones(len(df))], ["(Intercept)"]
    missing = np.zeros(len(df), dtype=bool)
    for x in xs:
        if x not in df.columns:
            raise SurveyError(f"the predictor '{x}' is not in the data", location=Location(variable=x),
                              rule="estimate-variable-missing")
        s = df[x]
        if is_categorical(s, measures.get(x)):
            lab = labels(s)
            codes = lab.cat.codes.to_numpy()
            missing |= codes < 0
            for i, level in enumerate(lab.cat.categories[1:], start=1):
                cols.append((codes == i).astype(float))
                names.append(f"{x}{level}")
        else:
            v = numeric_var(df, x, "predictor")
            missing |= np.isnan(v)
            cols.append(np.nan_to_num(v))
            names.append(x)
    return np.column_stack(cols), names, missing


def _fit(x: np.ndarray, y: np.ndarray, w: np.ndarray, family: Family, start: np.ndarray | None = None
         ) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients and fitted means of the weighted model (rows with w = 0 take no part)."""
    if family == "gaussian":
        xw = x * w[:, None]
        beta = np.linalg.lstsq(xw.T @ x, xw.T @ y, rcond=None)[0]
        return beta, x @ beta
    beta = np.zeros(x.shape[1]) if start is None else start.copy()
    for _ in range(100):
        mu = 1 / (1 + np.exp(-(x @ beta)))
        v = mu * (1 - mu)
        step = np.linalg.lstsq((x * (w * v)[:, None]).T @ x, x.T @ (w * (y - mu)), rcond=None)[0]
        beta = beta + step
        if np.max(np.abs(step) / (np.abs(beta) + 1e-8)) < 1e-13:
            break
    else:
        raise SurveyError("the logistic model did not converge in 100 iterations (separation: a predictor that "
                          "predicts the outcome perfectly?)", rule="glm-convergence")
    return beta, 1 / (1 + np.exp(-(x @ beta)))


def svyglm(data: pd.DataFrame | Dataset, design: Design, y: str, x: Sequence[str], *,
           family: Family = "gaussian", level: float = 0.95, calibration: Sequence[Record] = (),
           data_level: str | None = None) -> pd.DataFrame:
    """Coefficients of the model of *y* on *x* with design-based SEs, t, df, p and CIs (one row per term)."""
    if family not in ("gaussian", "binomial"):
        raise SurveyError(f"unknown model family '{family}' (use gaussian or binomial)", rule="glm-family")
    df, meta = analysis_frame(data, [y, *x], data_level)
    prep = prepare(df, design)
    yv = numeric_var(df, y, "response")
    if family == "binomial":
        bad = ~np.isnan(yv) & (yv != 0) & (yv != 1)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise SurveyError(f"the response '{y}' of a logistic model must be 0 or 1, but row {i + 1} holds "
                              f"{yv[i]:g}", location=Location(variable=y, row=i + 1), rule="glm-response")
    xm, names, missing = _design_matrix(df, x, {v: meta.info(v).measure for v in x})
    valid = ~missing & ~np.isnan(yv)
    yv = np.where(valid, yv, 0.0)
    w_full = prep.frame[W].to_numpy(dtype=float)
    w = np.where(valid, w_full, 0.0)
    beta, mu = _fit(xm, yv, w, family)
    used = np.where(valid, 0, -1)
    if prep.replicates is not None:
        cov, dof = _replicate_cov(prep, xm, yv, valid, family, beta), stats.replicate_df(
            w_full, prep.rep_columns, used, 1)[0]
    else:
        st = taylor_stages(prep)
        vw = w if family == "gaussian" else w * mu * (1 - mu)
        a_inv = np.linalg.pinv((xm * vw[:, None]).T @ xm)
        infl = (xm * (w * (yv - mu))[:, None]) @ a_inv
        if calibration:
            infl = project(infl, calibration)
        z2 = None if st.ssu is None else group_sums(st.ssu, len(st.psu_of_ssu), infl)
        cov = variance(st, group_sums(st.psu, st.n_psu, infl), z2, covariance=True)
        dof = stats.taylor_df(st, w_full, used, 1)[0]
    dof = float(dof) + 1 - len(beta)
    se = np.sqrt(np.maximum(np.diag(cov), 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        tstat = beta / se
    crit = float(t_crit(level, dof)) if dof > 0 else float("nan")
    p = [2 * t_tail(dof, abs(t)) if dof > 0 and s > 0 else float("nan") for t, s in zip(tstat, se, strict=True)]
    out = pd.DataFrame({"term": names, "estimate": beta, "se": se, "t": tstat, "df": dof, "p": p,
                        "ci_low": beta - crit * se, "ci_high": beta + crit * se})
    out.attrs["family"] = family
    out.attrs["n"] = int(valid.sum())
    return out


def _replicate_cov(prep: Prepared, xm: np.ndarray, y: np.ndarray, valid: np.ndarray, family: Family,
                   beta: np.ndarray) -> np.ndarray:
    """The replicate covariance of the coefficients: the model refitted with every replicate weight."""
    rep = prep.replicates
    assert rep is not None
    betas = np.array([_fit(xm, y, np.where(valid, r, 0.0), family, start=beta)[0] for r in prep.rep_columns])
    return stats.replicate_cov(beta, betas, rep)
