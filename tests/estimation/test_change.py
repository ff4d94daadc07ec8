"""Baseline -> endline change against R svycontrast (reference doc §4A and r_reference.csv)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from est_helpers import digits, rel

from surveymod.errors import SurveyError
from surveymod.estimation import Design, change

DSTRAT = Design(strata="stype", weight="pw", fpc="fpc")


@pytest.fixture()
def waves(apistrat: pd.DataFrame) -> pd.DataFrame:
    return apistrat.assign(hi=(apistrat.api00 > 700).astype(int))


def test_panel_matches_svycontrast(waves: pd.DataFrame, rref: dict[str, float]) -> None:
    # R: b <- svyby(~hi, ~yr.rnd, dstrat, svymean, covmat=TRUE); svycontrast(b, quote((Yes-No)/No*100))
    # Same design, covariance kept: our panel mode with the school as the shared unit.
    base, end = waves[waves["yr.rnd"] == "No"], waves[waves["yr.rnd"] == "Yes"]
    res = change(base, DSTRAT, end, DSTRAT, prop=["hi"], category=1, panel_id="snum")
    r = res.iloc[0]
    assert digits(r.baseline, "0.4439671") and digits(r.baseline_se, "0.0399541")
    assert digits(r.endline, "0.1557421") and digits(r.endline_se, "0.0817889")
    assert digits(r["diff"], "-0.288225") and digits(r.diff_se, "0.09115")
    assert rel(r["diff"], rref["panel_diff"]) and rel(r.diff_se, rref["panel_diff_se"])
    assert digits(r["pct_change"], "-64.920346") and digits(r.pct_change_se, "18.7019")
    assert rel(r["pct_change"], rref["panel_pct"]) and rel(r.pct_change_se, rref["panel_pct_se"])
    assert r.df == 197 and r.method == "panel"
    from scipy import stats
    assert r.pct_p == pytest.approx(2 * stats.t.sf(64.920346 / 18.7019, 197), rel=1e-4)


def test_independent_waves_variances_add(waves: pd.DataFrame, rref: dict[str, float]) -> None:
    base, end = waves[waves.awards == "No"], waves[waves.awards == "Yes"]
    res = change(base, DSTRAT, end, DSTRAT, prop=["hi"], category=1)
    r = res.iloc[0]
    assert rel(r.baseline, rref["indep_base"]) and rel(r.endline, rref["indep_end"])
    assert rel(r.baseline_se, rref["indep_base_se"]) and rel(r.endline_se, rref["indep_end_se"])
    assert rel(r["diff"], rref["indep_diff"]) and rel(r.diff_se, rref["indep_diff_se"])
    assert rel(r["pct_change"], rref["indep_pct"]) and rel(r.pct_change_se, rref["indep_pct_se"])
    assert r.method == "independent" and r.df == (87 - 3) + (113 - 3)


def test_change_by_domain_and_mean(waves: pd.DataFrame) -> None:
    base, end = waves[waves.awards == "No"], waves[waves.awards == "Yes"]
    res = change(base, DSTRAT, end, DSTRAT, mean=["api00"], by=["stype"])
    assert list(res.domain) == ["stype=E", "stype=H", "stype=M"] and set(res.level) == {"mean"}
    e = res.iloc[0]
    assert e["diff"] == pytest.approx(e.endline - e.baseline)
    assert e.diff_se == pytest.approx((e.baseline_se**2 + e.endline_se**2) ** 0.5)


def test_panel_needs_same_design(waves: pd.DataFrame) -> None:
    with pytest.raises(SurveyError, match="differ in: fpc"):
        change(waves, DSTRAT, waves, Design(strata="stype", weight="pw"), prop=["hi"], panel_id="snum")


def test_true_panel_keeps_covariance(apistrat: pd.DataFrame, rref: dict[str, float]) -> None:
    # The same schools in both waves (api99 then api00); R: stacked design with id=~snum, svyby + svycontrast.
    base = apistrat.assign(hi=(apistrat.api99 > 700).astype(int))
    end = apistrat.assign(hi=(apistrat.api00 > 700).astype(int))
    r = change(base, DSTRAT, end, DSTRAT, prop=["hi"], category=1, panel_id="snum").iloc[0]
    assert rel(r["diff"], rref["panel2_diff"]) and rel(r.diff_se, rref["panel2_diff_se"])
    assert rel(r["pct_change"], rref["panel2_pct"]) and rel(r.pct_change_se, rref["panel2_pct_se"])
    ind = change(base, DSTRAT, end, DSTRAT, prop=["hi"], category=1).iloc[0]
    assert ind["diff"] == pytest.approx(r["diff"]) and ind.diff_se > 2 * r.diff_se  # covariance matters here


@pytest.mark.parametrize("panel", [False, True])
def test_wide_fragmented_frames_no_performance_warning(apistrat: pd.DataFrame, rref: dict[str, float],
                                                       panel: bool, tmp_path) -> None:
    """Issue 18: `change` printed pandas PerformanceWarnings. A weighted file has hundreds of replicate columns and
    read_csv returns one block per column, so every column insert into the user's frame warned. The same file read
    back with 200 extra columns, warnings turned into errors, still gives R's svycontrast numbers."""
    import warnings

    extra = pd.DataFrame({f"bw{i}": 1.0 for i in range(200)}, index=apistrat.index)
    pd.concat([apistrat, extra], axis=1).assign(hi0=lambda d: (d.api99 > 700).astype(int),
                                                hi1=lambda d: (d.api00 > 700).astype(int)
                                                ).to_csv(tmp_path / "wide.csv", index=False)
    wide = pd.read_csv(tmp_path / "wide.csv")
    base, end = wide.rename(columns={"hi0": "hi"}), wide.rename(columns={"hi1": "hi"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = change(base, DSTRAT, end, DSTRAT, prop=["hi"], category=1, panel_id="snum" if panel else None).iloc[0]
    if panel:
        assert rel(r["diff"], rref["panel2_diff"]) and rel(r.diff_se, rref["panel2_diff_se"])
    else:
        assert r["diff"] == pytest.approx(rref["panel2_diff"]) and r.method == "independent"


def test_panel_uses_the_design_weight_from_prob() -> None:
    """A panel over a design given by selection probabilities weights by 1/prob, as estimate (checked against R)
    does; it used to weight every row 1 (review finding)."""
    import pandas as pd

    from surveymod.estimation import Design, change, estimate

    d = pd.read_csv(Path(__file__).resolve().parents[1] / "data" / "api" / "apistrat.csv").assign(
        p=lambda x: 1 / x["pw"])
    des = Design(prob="p", strata="stype")
    level = estimate(d, des, mean=["api00"])["estimate"].iloc[0]
    res = change(d, des, d.assign(api00=d["api00"] + 5), des, mean=["api00"], panel_id="snum")
    assert res["baseline"].iloc[0] == pytest.approx(level, rel=1e-12)
    assert res["diff"].iloc[0] == pytest.approx(5.0, rel=1e-9)
