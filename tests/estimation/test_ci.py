"""Proportion CIs: formula fixtures (reference doc §4D, from svy's tests of R svyciprop) and R's api numbers."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from est_helpers import digits, rel

from surveymod.estimation import Design, estimate
from surveymod.estimation.ci import prop_ci

P = 0.507348258357226


@pytest.mark.parametrize(("se", "df", "method", "lo", "hi"), [
    (0.0167712595840644, 56, "beta", 0.473233376535445, 0.541412207644769),
    (0.0167712595840644, 56, "logit", 0.473768764613996, 0.54086158229386),
    (0.0192309892530454, 921, "beta", 0.468954757876348, 0.545677337133621),
    (0.0192309892530454, 921, "logit", 0.469636396975924, 0.544976682060238),
])
def test_formula_fixtures(se: float, df: int, method: str, lo: float, hi: float) -> None:
    got = prop_ci(P, se, 922, df, method=method)
    assert rel(got[0], lo) and rel(got[1], hi)


def test_wilson_reduces_to_the_classical_score_interval() -> None:
    # Wilson (1927) for 45/50 at 95% with z: (0.7864, 0.9565) -- SE of an SRS proportion, infinite df.
    lo, hi = prop_ci(0.9, math.sqrt(0.9 * 0.1 / 50), 50, math.inf, method="wilson")
    assert digits(lo, "0.7864") and digits(hi, "0.9565")


def test_wilson_design_version_by_hand() -> None:
    # p=0.2, se=0.05 -> effective n = 0.16/0.0025 = 64; t(10, .975) = 2.228138851986274
    t = 2.228138851986274
    n, z2 = 64.0, t * t
    centre = (0.2 + z2 / 128) / (1 + z2 / 64)
    half = t / (1 + z2 / 64) * math.sqrt(0.16 / 64 + z2 / (4 * 64 * 64))
    assert prop_ci(0.2, 0.05, 100, 10, method="wilson") == pytest.approx((centre - half, centre + half), rel=1e-12)
    assert n == 64.0


def test_degenerate_proportions() -> None:
    assert all(math.isnan(x) for x in prop_ci(0.0, 0.0, 10, 5))
    assert all(math.isnan(x) for x in prop_ci(0.3, 0.1, 10, 0))


def test_apistrat_svyciprop(apistrat: pd.DataFrame, rref: dict[str, float]) -> None:
    des = Design(strata="stype", weight="pw", fpc="fpc")
    lg = estimate(apistrat, des, prop=["sch.wide"]).set_index("level").loc["Yes"]
    assert digits(lg.estimate, "0.827948") and digits(lg.ci_low, "0.774540") and digits(lg.ci_high, "0.87081")
    assert rel(lg.ci_low, rref["strat_ciprop_logit_lo"]) and rel(lg.ci_high, rref["strat_ciprop_logit_hi"])
    bt = estimate(apistrat, des, prop=["sch.wide"], ci="beta").set_index("level").loc["Yes"]
    assert digits(bt.ci_low, "0.774171") and digits(bt.ci_high, "0.87343")
    assert rel(bt.ci_low, rref["strat_ciprop_beta_lo"]) and rel(bt.ci_high, rref["strat_ciprop_beta_hi"])
    wl = estimate(apistrat, des, prop=["sch.wide"], ci="wilson").set_index("level").loc["Yes"]
    assert (wl.ci_low, wl.ci_high) == pytest.approx(prop_ci(wl.estimate, wl.se, 200, 197, method="wilson"))
    assert bt.ci_low < wl.ci_low < lg.estimate < wl.ci_high < bt.ci_high


def test_apiclus1_rare_proportion(apiclus1: pd.DataFrame, rref: dict[str, float]) -> None:
    df = apiclus1.assign(ell0=(apiclus1.ell == 0).map({True: "yes", False: "no"}))
    des = Design(psu="dnum", weight="pw", fpc="fpc")
    lg = estimate(df, des, prop=["ell0"]).set_index("level").loc["yes"]
    assert digits(lg.estimate, "0.0218579") and digits(lg.ci_low, "0.002305") and digits(lg.ci_high, "0.17775")
    assert rel(lg.ci_low, rref["clus1_ell0_logit_lo"]) and rel(lg.ci_high, rref["clus1_ell0_logit_hi"])
    bt = estimate(df, des, prop=["ell0"], ci="beta").set_index("level").loc["yes"]
    assert digits(bt.ci_low, "0.000216") and digits(bt.ci_high, "0.13751")
    assert rel(bt.ci_low, rref["clus1_ell0_beta_lo"]) and rel(bt.ci_high, rref["clus1_ell0_beta_hi"])
    assert lg.flag == "suppress: cv>30%"  # cv = 0.0226/0.0219 > 1
