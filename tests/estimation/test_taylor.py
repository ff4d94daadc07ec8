"""Taylor linearisation against R survey (reference doc §4 A-C and tests/data/estimation/r_reference.csv)."""

from __future__ import annotations

import pandas as pd
import pytest
from est_helpers import digits, rel

from surveymod.estimation import Design, estimate

STRAT = Design(strata="stype", weight="pw", fpc="fpc")
CLUS1 = Design(psu="dnum", weight="pw", fpc="fpc")


def row(res: pd.DataFrame, variable: str, level: str, domain: str = "all") -> pd.Series:
    hit = res[(res.variable == variable) & (res.level == level) & (res.domain == domain)]
    assert len(hit) == 1, res
    return hit.iloc[0]


def test_apistrat_mean_total_ratio(apistrat: pd.DataFrame, rref: dict[str, float]) -> None:
    res = estimate(apistrat, STRAT, mean=["api00"], total=["enroll"], ratio=[("api00", "api99")])
    m = row(res, "api00", "mean")
    assert digits(m.estimate, "662.2874") and digits(m.se, "9.4089") and digits(m.deff, "1.20446")
    assert digits(m.cv, "0.014207") and m.df == 197
    assert rel(m.estimate, rref["strat_mean_api00"]) and rel(m.se, rref["strat_mean_api00_se"])
    assert rel(m.deff, rref["strat_mean_api00_deff"])
    t = row(res, "enroll", "total")
    assert digits(t.estimate, "3687178") and digits(t.se, "114642")
    assert rel(t.se, rref["strat_total_enroll_se"]) and rel(t.deff, rref["strat_total_enroll_deff"])
    r = row(res, "api00/api99", "ratio")
    assert digits(r.estimate, "1.052261") and digits(r.se, "0.0036439") and rel(r.se, rref["strat_ratio_se"])
    assert rel(r.deff, rref["strat_ratio_deff"])


def test_deff_with_replacement_reference(apistrat: pd.DataFrame, apiclus1: pd.DataFrame,
                                         rref: dict[str, float]) -> None:
    res = estimate(apistrat, STRAT, mean=["api00"], deff="wr")
    assert rel(res.deff[0], rref["strat_mean_api00_deff_wr"])
    res = estimate(apiclus1, Design(psu="dnum", weight="pw"), mean=["api00"], deff="wr")
    assert rel(res.se[0], rref["clus1wr_mean_api00_se"]) and rel(res.deff[0], rref["clus1wr_mean_api00_deff_wr"])


def test_apiclus1_with_fpc_t_interval(apiclus1: pd.DataFrame, rref: dict[str, float]) -> None:
    res = estimate(apiclus1, CLUS1, mean=["api00"], total=["enroll"])
    m = row(res, "api00", "mean")
    assert digits(m.estimate, "644.1694") and digits(m.se, "23.5422") and m.df == 14
    # R: confint(svymean(~api00, dclus1), df=degf(dclus1)) -- we use t with the design df by default.
    assert digits(m.ci_low, "593.6763") and digits(m.ci_high, "694.6625")
    assert rel(m.ci_low, rref["clus1_mean_api00_t_lo"]) and rel(m.ci_high, rref["clus1_mean_api00_t_hi"])
    t = row(res, "enroll", "total")
    assert digits(t.estimate, "3404940") and digits(t.se, "932235") and digits(t.deff, "31.31")


def test_apiclus1_proportions_and_deff(apiclus1: pd.DataFrame, rref: dict[str, float]) -> None:
    res = estimate(apiclus1, CLUS1, prop=["stype"])
    for lev, est, se, deff in [("E", "0.786885", "0.046337", "2.40115"), ("H", "0.076503", "0.026810", "1.90802"),
                               ("M", "0.136612", "0.029649", "1.39773")]:
        r = row(res, "stype", lev)
        assert digits(r.estimate, est) and digits(r.se, se) and digits(r.deff, deff)
        assert rel(r.deff, rref[f"clus1_prop_stype_{lev}_deff"])
        assert r.n == 183 and r.n_eff == pytest.approx(183 / r.deff)


def test_two_stage_apiclus2(apiclus2: pd.DataFrame, rref: dict[str, float]) -> None:
    res = estimate(apiclus2, Design(psu="dnum", ssu="snum", fpc="fpc1", fpc2="fpc2"), mean=["api00"],
                   total=["enroll"])
    m, t = row(res, "api00", "mean"), row(res, "enroll", "total")
    assert digits(m.estimate, "670.81") and digits(m.se, "30.099") and rel(m.se, rref["clus2_mean_api00_se"])
    assert digits(t.estimate, "2639273") and digits(t.se, "799638") and rel(t.se, rref["clus2_total_enroll_se"])
    assert res.attrs["missing"]["enroll"] == int(apiclus2.enroll.isna().sum()) > 0


def test_two_stage_with_replacement(apiclus2: pd.DataFrame, rref: dict[str, float]) -> None:
    res = estimate(apiclus2, Design(psu="dnum", ssu="snum", weight="pw"), mean=["api00"])
    assert digits(res.se[0], "30.712") and rel(res.se[0], rref["clus2wr_mean_api00_se"])


def test_quantiles_woodruff(apistrat: pd.DataFrame) -> None:
    res = estimate(apistrat, STRAT, quantile=[("api00", 0.25), ("api00", 0.5), ("api00", 0.75)])
    for q, est, lo, hi, se in [("q0.25", 565, 535, 597, "15.719"), ("q0.5", 668, 642, 694, "13.184"),
                               ("q0.75", 756, 726, 778, "13.184")]:
        r = row(res, "api00", q)
        assert (r.estimate, r.ci_low, r.ci_high) == (est, lo, hi) and digits(r.se, se)


def test_fpc_as_sampling_fraction_equals_population_size(apistrat: pd.DataFrame) -> None:
    # R svydesign accepts fpc as N_h or as n_h/N_h; both must give the same SE (9.4089).
    df = apistrat.assign(frac=apistrat.groupby("stype").pw.transform("size") / apistrat.fpc)
    res = estimate(df, Design(strata="stype", weight="pw", fpc="frac"), mean=["api00"])
    assert digits(res.se[0], "9.4089")


def test_psu_ids_nested_in_strata(apistrat: pd.DataFrame) -> None:
    # Each school is its own PSU; numbering PSUs 1..n_h within each stratum must give the same answer.
    df = apistrat.assign(psu_in=apistrat.groupby("stype").cumcount() + 1)
    res = estimate(df, Design(strata="stype", psu="psu_in", weight="pw", fpc="fpc"), mean=["api00"])
    assert digits(res.se[0], "9.4089")

