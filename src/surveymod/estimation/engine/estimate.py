"""svy's estimators (the only place that calls them): used for quantiles on replicate-weight designs.

Means, proportions, totals, ratios and Taylor quantiles are computed by our own engine (``statistics.py``,
``quantiles.py``); ``run`` still accepts every kind, and a golden test checks svy against R through it.

Input is a :class:`~surveymod.estimation.prepare.Prepared` frame (canonical design columns) and plain column names;
output is a pandas frame with one row per (domain, level): ``domain, level, est, se, lci, uci, df``. Domains are a
single string column whose missing values mean "in no domain": those rows are zero-weighted through svy's
``where=`` (never deleted), so every PSU stays in the variance.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import pandas as pd
import polars as pl
import svy

from ..prepare import FPC, FPC2, PSU, REP_PREFIX, SSU, STRATA, Prepared, W
from .frames import to_polars

Kind = Literal["mean", "total", "prop", "ratio", "quantile"]

# Our (R survey) lonely-PSU names -> svy Singleton methods. R's "certainty" and "remove" give the same Taylor
# variance (a singleton stratum contributes nothing), which is svy's "skip".
_LONELY = {"remove": "skip", "certainty": "skip", "adjust": "center", "average": "scale"}


def _rep_wgts(prep: Prepared) -> svy.RepWgts:
    """The svy replicate-weight variant for our reptype, with explicit scales when the design gives them."""
    r = prep.replicates
    assert r is not None
    common: dict[str, object] = {"prefix": REP_PREFIX, "n_reps": r.n_reps, "wgt": W}
    if r.scales is not None:
        common["scale"] = list(r.scales)
    if r.reptype in ("brr", "fay"):
        return svy.BrrWgts(fay_coef=r.fay_rho if r.reptype == "fay" else 0.0, **common)  # type: ignore[arg-type]
    if r.reptype == "jk1":
        return svy.JackknifeWgts(kind="jk1", **common)  # type: ignore[arg-type]
    if r.reptype == "jkn":
        return svy.JackknifeWgts(**common)  # type: ignore[arg-type]  (scales always set for JKn)
    return svy.BootstrapWgts(**common)  # type: ignore[arg-type]


def design_columns(prep: Prepared) -> list[str]:
    """The canonical design columns present in ``prep.frame``."""
    if prep.replicates is not None:
        return [W]
    cols = [W, STRATA, PSU]
    cols += [SSU] if prep.has_ssu else []
    cols += [FPC] if prep.has_fpc else []
    cols += [FPC2] if prep.has_fpc2 else []
    return cols


def build_sample(prep: Prepared, columns: Sequence[str]) -> svy.Sample:
    """A svy Sample over the design columns plus ``columns`` (converted to Polars once)."""
    cols = list(dict.fromkeys([*design_columns(prep), *columns]))
    data = to_polars(prep.frame, cols)
    if prep.replicates is not None:
        assert prep.reps is not None
        names = [f"{REP_PREFIX}{i + 1}" for i in range(prep.reps.shape[1])]
        data = pl.concat([data, pl.DataFrame({c: prep.reps[:, i] for i, c in enumerate(names)})], how="horizontal")
        design = svy.Design(wgt=W, rep_wgts=_rep_wgts(prep))
    else:
        pop: object = None
        if prep.has_fpc:
            pop = svy.PopSize(psu=FPC, ssu=FPC2) if prep.has_fpc2 else FPC
        lonely = prep.design.lonely_psu
        design = svy.Design(stratum=STRATA, psu=PSU, ssu=SSU if prep.has_ssu else None, wgt=W,
                            pop_size=pop, singleton=_LONELY.get(lonely))  # type: ignore[arg-type]
    return svy.Sample(data=data, design=design)


def _where(by: str | None) -> pl.Expr | None:
    return pl.col(by).is_not_null() if by is not None else None


def run(sample: svy.Sample, prep: Prepared, kind: Kind, y: str, *, x: str | None = None, p: float = 0.5,
        by: str | None = None, ci_method: str = "logit", alpha: float = 0.05, by_has_missing: bool = True,
        y_has_missing: bool = True) -> pd.DataFrame:
    """One estimator on one variable, overall or by the domain column ``by``; rows ``domain, level, est, se...``.

    Rows with a missing ``by`` value are zero-weighted through ``where=``; rows with a missing ``y`` through
    ``drop_nulls`` (svy keeps their PSUs). Both are skipped when there is nothing missing (faster).
    """
    rep = prep.replicates
    kw: dict[str, object] = {"by": by, "where": _where(by) if by_has_missing else None, "alpha": alpha,
                             "drop_nulls": y_has_missing}
    if rep is not None:
        kw["method"] = "replication"
        kw["variance_center"] = "estimate" if rep.mse else "rep_mean"
    est = sample.estimation
    if kind == "mean":
        res = est.mean(y, **kw)  # type: ignore[arg-type]
    elif kind == "total":
        res = est.total(y, **kw)  # type: ignore[arg-type]
    elif kind == "prop":
        res = est.prop(y, ci_method=ci_method, **kw)  # type: ignore[arg-type]
    elif kind == "ratio":
        assert x is not None
        res = est.ratio(y, x, **kw)  # type: ignore[arg-type]
    else:
        res = est.quantile(y, p=p, q_method="higher", **kw)  # type: ignore[arg-type]
    table = res.to_polars()  # type: ignore[union-attr]
    n = table.height
    dom = table[by].to_list() if by is not None else ["all"] * n
    level = table[y].cast(pl.Utf8).to_list() if kind == "prop" else [""] * n
    return pd.DataFrame({
        "domain": dom, "level": level,
        "est": table["est"].to_numpy(), "se": table["se"].to_numpy(),
        "lci": table["lci"].to_numpy(), "uci": table["uci"].to_numpy(),
        "df": table["df"].cast(pl.Float64).to_numpy(),
    })
