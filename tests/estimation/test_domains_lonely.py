"""Domains (R svyby, per-domain df), missing values and lonely-PSU policies against R survey."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from est_helpers import digits, rel
from scipy import stats

from surveymod.errors import SurveyError
from surveymod.estimation import Design, FlagRules, estimate


def test_svyby_apistrat(apistrat: pd.DataFrame, rref: dict[str, float]) -> None:
    res = estimate(apistrat, Design(strata="stype", weight="pw", fpc="fpc"), mean=["api00"], by=["stype"])
    res = res.set_index("domain")
    for s, est, se in [("E", "674.43", "12.38248"), ("H", "625.82", "14.93713"), ("M", "636.60", "16.21471")]:
        r = res.loc[f"stype={s}"]
        assert digits(r.estimate, est) and digits(r.se, se) and rel(r.se, rref[f"strat_by_stype_{s}_se"])
        assert r.df == rref[f"strat_by_stype_{s}_df"]  # R degf(subset(dstrat, stype == s))
    # Our interval uses t with the domain df (99), so it is wider than R confint's z interval 650.1608-698.6992
    # and samplics' t(197) interval 650.0108-698.8492.
    e = res.loc["stype=E"]
    assert e.ci_low == pytest.approx(e.estimate - stats.t.ppf(0.975, 99) * e.se, rel=1e-12)
    assert e.ci_low < 650.0108 < 650.1608 and e.ci_high > 698.8492


def test_svyby_two_variables_apiclus1(apiclus1: pd.DataFrame) -> None:
    res = estimate(apiclus1, Design(psu="dnum", weight="pw", fpc="fpc"), mean=["api00"], by=["stype", "sch.wide"])
    res = res.set_index("domain")
    for key, est, se in [("stype=E; sch.wide=No", "596.3333", "43.4901"),
                         ("stype=E; sch.wide=Yes", "653.6439", "20.3172"),
                         ("stype=H; sch.wide=No", "659.3333", "27.0028"),
                         ("stype=H; sch.wide=Yes", "607.4545", "43.7047"),
                         ("stype=M; sch.wide=No", "606.3750", "41.1169"),
                         ("stype=M; sch.wide=Yes", "643.2353", "42.1285")]:
        assert digits(res.loc[key].estimate, est) and digits(res.loc[key].se, se)
    assert res.loc["stype=H; sch.wide=No"].n == 3


def test_domain_with_subset_total(apiclus1: pd.DataFrame) -> None:
    # svytotal(~enroll, subset(dclus1, sch.wide=="Yes" & comp.imp=="Yes")): 2,406,420 SE 645,444
    df = apiclus1.assign(both_yes=np.where((apiclus1["sch.wide"] == "Yes") & (apiclus1["comp.imp"] == "Yes"),
                                           "yes", "no"))
    res = estimate(df, Design(psu="dnum", weight="pw", fpc="fpc"), total=["enroll"], by=["both_yes"])
    r = res.set_index("domain").loc["both_yes=yes"]
    assert digits(r.estimate, "2406420") and digits(r.se, "645444")


def test_missing_values_zero_weighted_not_deleted(apiclus1: pd.DataFrame) -> None:
    # Blanking api00 for some rows must equal estimating in the domain of rows with api00 present (R svyby),
    # i.e. PSUs are kept; and the number of missing values is reported.
    df = apiclus1.copy()
    gone = df.index[df.stype == "H"]
    df.loc[gone, "api00"] = np.nan
    res = estimate(df, Design(psu="dnum", weight="pw", fpc="fpc"), mean=["api00"])
    dom = estimate(apiclus1, Design(psu="dnum", weight="pw", fpc="fpc"), mean=["api00"],
                   by=["stype"]).set_index("domain")
    assert res.attrs["missing"] == {"api00": len(gone)}
    both = estimate(apiclus1.assign(notH=np.where(apiclus1.stype == "H", "H", "EM")),
                    Design(psu="dnum", weight="pw", fpc="fpc"), mean=["api00"], by=["notH"]).set_index("domain")
    assert res.estimate[0] == pytest.approx(both.loc["notH=EM"].estimate, rel=1e-12)
    assert res.se[0] == pytest.approx(both.loc["notH=EM"].se, rel=1e-12)
    assert res.n[0] == 183 - len(gone) and dom.loc["stype=H"].n == len(gone)


def test_missing_domain_value_excluded(apiclus1: pd.DataFrame) -> None:
    df = apiclus1.copy()
    df.loc[df.index[:5], "sch.wide"] = None
    res = estimate(df, Design(psu="dnum", weight="pw", fpc="fpc"), mean=["api00"], by=["sch.wide"])
    assert set(res.domain) == {"sch.wide=No", "sch.wide=Yes"} and res.n.sum() == 178


def test_flags_min_n(apiclus1: pd.DataFrame) -> None:
    res = estimate(apiclus1, Design(psu="dnum", weight="pw", fpc="fpc"), mean=["api00"], by=["stype"],
                   flags=FlagRules(min_n=20, cv_warn=0.05, cv_suppress=0.5)).set_index("domain")
    assert res.loc["stype=H"].flag == "suppress: n<20"  # 14 schools
    assert res.loc["stype=E"].flag == ""  # cv 0.039
    assert res.loc["stype=M"].flag == "warn: cv>5%"  # cv 0.053


@pytest.mark.parametrize(("policy", "se"), [("remove", "5.80578"), ("certainty", "5.80578"),
                                            ("adjust", "5.82806"), ("average", "6.00955")])
def test_lonely_psu_policies(apiclus1: pd.DataFrame, rref: dict[str, float], policy: str, se: str) -> None:
    res = estimate(apiclus1, Design(strata="dnum", weight="pw", lonely_psu=policy), mean=["api00"])
    assert digits(res.estimate[0], "644.1694") and digits(res.se[0], se)
    assert rel(res.se[0], rref[f"lonely_{policy}_se"])


def test_lonely_psu_fails_by_default_naming_the_stratum(apiclus1: pd.DataFrame) -> None:
    with pytest.raises(SurveyError, match=r"stratum 413 of 'dnum' has only one PSU"):
        estimate(apiclus1, Design(strata="dnum", weight="pw"), mean=["api00"])
