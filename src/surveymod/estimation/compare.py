"""Comparisons within one survey: domain contrasts with their covariance, the design-based t test and the
Rao-Scott test of independence, as R ``svycontrast(svyby(..., covmat=TRUE))``, ``svyttest`` and ``svychisq``.

- contrasts: every pair of domains (or the pairs asked for), ``est_b - est_a`` with
  ``Var = V_aa + V_bb - 2 V_ab`` from the domains' joint Taylor (or replicate) covariance; t = diff / se with the df
  of the design subset to the rows with a value in the compared domains (R ``degf``), two-sided p from t(df), CI
  ``diff -+ t(df) se``. A proportion is the mean of the category's indicator.
- t test (R ``svyttest(y ~ g)``, a ``svyglm`` of y on the binary group): the difference of the two group means
  (second group minus first), its SE, and df = degf - 1 (the regression's residual df).
- chi-squared (R ``svychisq``, default ``statistic="F"``): Pearson's X^2 of the weighted table scaled to the number
  of rows, divided by the mean generalised design effect (trace of Delta / its size, Rao-Scott second-order), on
  F(d0, d0 nu) with d0 = tr(Delta)^2 / tr(Delta^2) and nu = #PSU - #strata of the whole design (replicate:
  ``degf``). ``statistic="Chisq"`` is the first-order correction X^2 / mean(eigenvalues) on chi^2((r-1)(c-1)).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from ..data.meta import Metadata, analysis_frame
from ..errors import Location, SurveyError
from . import statistics as stats
from .calibration import Record
from .ci import t_crit
from .design import Design
from .estimate import _var, category_indicator, domain_column, labels, numeric_var
from .prepare import Prepared, W, prepare
from .taylor import stages as taylor_stages
from .tdist import t_tail

if TYPE_CHECKING:
    from ..data.reader import Dataset

CONTRAST_COLUMNS = ["variable", "level", "domain_a", "domain_b", "estimate_a", "estimate_b", "diff", "se", "t", "df",
                    "p", "ci_low", "ci_high"]


def _values(df: pd.DataFrame, var: str, category: Sequence[object] | None, meta: Metadata
            ) -> tuple[np.ndarray, str]:
    """The analysed values: the indicator of ``category`` (NaN where missing) for a proportion, else the number."""
    if category is None:
        return numeric_var(df, var, "compared"), "mean"
    ind = category_indicator(labels(_var(df, var, "compared")), var, category, meta)
    codes = ind.cat.codes.to_numpy()
    return np.where(codes < 0, np.nan, (codes == 0).astype(float)), str(ind.cat.categories[0])


def _joint(prep: Prepared, y: np.ndarray, dom: np.ndarray, k: int, records: Sequence[Record]
           ) -> tuple[np.ndarray, np.ndarray, float]:
    """Domain means of ``y``, their covariance (k x k) and the df of the rows with a value in a domain."""
    w = prep.frame[W].to_numpy(dtype=float)
    col = stats.column("mean", y, dom)
    used = np.where(col.valid, 0, -1)
    if prep.replicates is not None:
        est, cov = stats.replicate_covariance(col, w, prep.reps, dom, k, prep.replicates)
        return est, cov, float(stats.replicate_df(w, prep.rep_columns, used, 1)[0])
    st = taylor_stages(prep)
    res, cov = stats.taylor(col, w, dom, k, st, records, covariance=True)
    assert cov is not None
    return res.est[:, 0], cov, float(stats.taylor_df(st, w, used, 1)[0])


def contrasts(data: pd.DataFrame | Dataset, design: Design, var: str, by: Sequence[str], *,
              category: Sequence[object] | None = None, pairs: Sequence[tuple[str, str]] | None = None,
              level: float = 0.95, calibration: Sequence[Record] = (), data_level: str | None = None
              ) -> pd.DataFrame:
    """Differences between domains of the mean of *var* (or, with *category*, of the share of those categories),
    with SE from the domains' covariance, t, df, p and CI; one row per pair (b minus a)."""
    df, meta = analysis_frame(data, [var, *by], data_level)
    prep = prepare(df, design)
    dom = domain_column(df, by)
    assert dom is not None
    keys = [str(c) for c in dom.cat.categories]
    codes = dom.cat.codes.to_numpy().astype(np.int64)
    y, lev = _values(df, var, category, meta)
    est, cov, dof = _joint(prep, y, codes, len(keys), calibration)
    index = {key: i for i, key in enumerate(keys)}
    wanted = list(pairs) if pairs else [(keys[i], keys[j]) for i in range(len(keys)) for j in range(i + 1, len(keys))]
    rows = []
    t = float(t_crit(level, dof)) if dof > 0 else float("nan")
    for a, b in wanted:
        for name in (a, b):
            if name not in index:
                raise SurveyError(f"domain '{name}' is not among the domains of {', '.join(by)} ({', '.join(keys)})",
                                  location=Location(variable=by[0]), rule="compare-domain")
        i, j = index[a], index[b]
        diff = est[j] - est[i]
        se = float(np.sqrt(max(cov[i, i] + cov[j, j] - 2 * cov[i, j], 0.0)))
        tstat = diff / se if se > 0 else float("nan")
        p = 2 * t_tail(dof, abs(tstat)) if dof > 0 and se > 0 else float("nan")
        rows.append({"variable": var, "level": "mean" if category is None else lev, "domain_a": a, "domain_b": b,
                     "estimate_a": est[i], "estimate_b": est[j], "diff": diff, "se": se, "t": tstat, "df": dof,
                     "p": p, "ci_low": diff - t * se, "ci_high": diff + t * se})
    return pd.DataFrame(rows, columns=CONTRAST_COLUMNS)


def ttest(data: pd.DataFrame | Dataset, design: Design, var: str, group: str, *, level: float = 0.95,
          calibration: Sequence[Record] = (), data_level: str | None = None) -> pd.DataFrame:
    """R ``svyttest(var ~ group)``: the difference of the means of the two groups (second minus first in sorted
    order), SE, t, df = degf - 1, two-sided p and CI. A group variable with other than two values is an error."""
    df, _meta = analysis_frame(data, [var, group], data_level)
    lab = labels(_var(df, group, "group"))
    if len(lab.cat.categories) != 2:
        raise SurveyError(f"the t test needs a group variable with two values; '{group}' has "
                          f"{len(lab.cat.categories)} ({', '.join(map(str, lab.cat.categories[:6]))})",
                          location=Location(variable=group), rule="compare-group")
    prep = prepare(df, design)
    y = numeric_var(df, var, "compared")
    codes = lab.cat.codes.to_numpy().astype(np.int64)
    est, cov, dof = _joint(prep, y, codes, 2, calibration)
    dof -= 1  # the residual df of svyglm(y ~ g): degf + 1 - 2 coefficients
    diff = est[1] - est[0]
    se = float(np.sqrt(max(cov[0, 0] + cov[1, 1] - 2 * cov[0, 1], 0.0)))
    tstat = diff / se if se > 0 else float("nan")
    t = float(t_crit(level, dof)) if dof > 0 else float("nan")
    g = [str(c) for c in lab.cat.categories]
    return pd.DataFrame([{"variable": var, "group": group, "level_a": g[0], "level_b": g[1], "mean_a": est[0],
                          "mean_b": est[1], "diff": diff, "se": se, "t": tstat, "df": dof,
                          "p": 2 * t_tail(dof, abs(tstat)) if dof > 0 and se > 0 else float("nan"),
                          "ci_low": diff - t * se, "ci_high": diff + t * se}])


def _cell_means(prep: Prepared, cells: np.ndarray, n_cells: int, records: Sequence[Record]
                ) -> tuple[np.ndarray, np.ndarray]:
    """Shares of the cells (codes 0..n_cells-1, -1 missing) among the rows with both answers, and their covariance."""
    w = prep.frame[W].to_numpy(dtype=float)
    dom = np.zeros(len(w), dtype=np.int64)
    col = stats.column("prop", cells, dom, n_levels=n_cells)
    if prep.replicates is None:
        res, cov = stats.taylor(col, w, dom, 1, taylor_stages(prep), records, covariance=True)
        assert cov is not None
        return res.est[0], cov
    a = col.a
    reps = prep.reps
    assert reps is not None
    with np.errstate(divide="ignore", invalid="ignore"):
        est = (w @ a) / (w @ col.valid)
        est_r = (reps.T @ a) / (reps.T @ col.valid.astype(float))[:, None]
    assert prep.replicates is not None
    return est, stats.replicate_cov(est, est_r, prep.replicates)


def chisq(data: pd.DataFrame | Dataset, design: Design, row: str, col: str, *,
          statistic: Literal["F", "Chisq"] = "F", calibration: Sequence[Record] = (),
          data_level: str | None = None) -> pd.DataFrame:
    """R ``svychisq(~row + col, design, statistic=)``: Rao-Scott corrected Pearson test of independence."""
    from scipy import special  # only here (scipy.stats would take most of a second to import)

    if statistic not in ("F", "Chisq"):
        raise SurveyError(f"unknown chi-squared statistic '{statistic}' (use F or Chisq)", rule="compare-statistic")
    df, _meta = analysis_frame(data, [row, col], data_level)
    prep = prepare(df, design)
    r_lab, c_lab = labels(_var(df, row, "row")), labels(_var(df, col, "column"))
    nr, nc = len(r_lab.cat.categories), len(c_lab.cat.categories)
    if nr < 2 or nc < 2:
        raise SurveyError(f"a test of independence needs two values or more in each variable ('{row}' has {nr}, "
                          f"'{col}' has {nc})", rule="compare-table")
    rc, cc = r_lab.cat.codes.to_numpy().astype(np.int64), c_lab.cat.codes.to_numpy().astype(np.int64)
    cells = np.where((rc >= 0) & (cc >= 0), rc + nr * cc, -1)  # rows vary fastest, as R's interaction()
    n = len(df)  # R: N = rows of the model matrix, those with a missing answer included
    mean, v = _cell_means(prep, cells, nr * nc, calibration)
    # Pearson's X^2 of the weighted table scaled to N (R chisq.test(svytable(..., Ntotal = N)))
    table = mean.reshape(nc, nr).T * n
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        x2 = float(np.nansum((table - expected) ** 2 / expected))
    # Cmat: the interaction columns of the saturated model, residualised on the main effects (R qr.resid)
    rows_i, cols_i = np.tile(np.arange(nr), nc), np.repeat(np.arange(nc), nr)
    x1 = np.column_stack([np.ones(nr * nc), *(rows_i == i for i in range(1, nr)), *(cols_i == j for j in range(1, nc))])
    x12 = np.column_stack([(rows_i == i) & (cols_i == j) for j in range(1, nc) for i in range(1, nr)]).astype(float)
    q, _ = np.linalg.qr(x1.astype(float))
    cmat = x12 - q @ (q.T @ x12)
    with np.errstate(divide="ignore"):
        inv = np.where(mean == 0, 0.0, 1 / mean)
    denom = cmat.T @ (inv[:, None] * cmat) / n
    numer = cmat.T @ (inv[:, None] * v * inv[None, :]) @ cmat
    delta = np.linalg.solve(denom, numer)
    tr, tr2 = float(np.trace(delta)), float(np.trace(delta @ delta))
    if prep.replicates is not None:
        w = prep.frame[W].to_numpy(dtype=float)
        nu = float(stats.replicate_df(w, prep.rep_columns, np.zeros(len(w), dtype=np.int64), 1)[0])
    else:
        st = taylor_stages(prep)
        nu = float(st.n_psu - st.n_strata)
    if statistic == "F":
        d0 = tr**2 / tr2
        f = x2 / tr
        ddf = d0 * nu  # P(F > f) = I_x(ddf/2, d0/2) with x = ddf / (ddf + d0 f)
        out = {"statistic": "F", "value": f, "ndf": d0, "ddf": ddf,
               "p": float(special.betainc(ddf / 2, d0 / 2, ddf / (ddf + d0 * f)))}
    else:
        k = delta.shape[0]
        out = {"statistic": "Chisq", "value": x2, "ndf": float(k), "ddf": float("inf"),
               "p": float(special.gammaincc(k / 2, x2 / (tr / k) / 2))}
    return pd.DataFrame([{"row": row, "col": col, "pearson_x2": x2, **out,
                          "method": "Pearson's X^2: Rao & Scott adjustment"}])
