"""Calibration-aware Taylor SEs through ``estimate(..., calibration=result.calibration)`` against R survey 4.1.1.

Reference numbers: tests/data/estimation/r_calibrated.csv, written by make_calibrated_reference.R next to it
(dclus1 <- svydesign(id=~dnum, weights=~pw, data=apiclus1, fpc=~fpc), then rake / postStratify / calibrate /
trimWeights and svyby). Domains and proportions on calibrated designs are where a variance that ignores the
calibration, or credits it wrongly, is most visibly off.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from surveymod.estimation import Design, estimate
from surveymod.weighting import run_weighting

REF_FILE = Path(__file__).resolve().parents[1] / "data" / "estimation" / "r_calibrated.csv"
DESIGN = "design:\n  weight: pw\n  psu: dnum\n  fpc: fpc\nsteps:\n"
STYPE = "      - variables: stype\n        targets: {E: 4421, H: 755, M: 1018}\n"
SCHWIDE = "      - variables: sch.wide\n        targets: {'No': 1072, 'Yes': 5122}\n"
RAKE = "  - step: rake\n    tolerance: 1.0e-12\n    max_iter: 200\n    margins:\n" + STYPE + SCHWIDE
PS = "  - step: poststratify\n    margin:\n      variables: stype\n      targets: {E: 4421, H: 755, M: 1018}\n"
CAL = "  - step: calibrate\n    method: linear\n    margins:\n" + STYPE + "    totals: {api99: 3914069}\n"
LOGIT = "  - step: calibrate\n    method: logit\n    bounds: [0.5, 2]\n    tolerance: 1.0e-10\n    margins:\n" + STYPE
TRIM = "  - step: trim\n    lower: 30\n    upper: 60\n    redistribute: additive\n    strict: false\n"


@pytest.fixture(scope="module")
def ref() -> dict[str, float]:
    with open(REF_FILE, newline="") as fh:
        return {row["name"]: float(row["value"]) for row in csv.DictReader(fh)}


def sig(a: float, b: float, digits: int = 6) -> bool:
    """a and b agree to `digits` significant digits."""
    return abs(a - b) <= 0.5 * 10 ** (1 - digits) * abs(b)


def weighted(apiclus1: pd.DataFrame, write_spec, steps: str):
    return run_weighting(apiclus1, write_spec(DESIGN + steps))


def check_by(out: pd.DataFrame, ref: dict[str, float], prefix: str, var: str) -> None:
    for _, row in out.iterrows():
        level = row["domain"].split("=", 1)[1]
        assert sig(row["estimate"], ref[f"{prefix}_{level}"]), (prefix, level, row["estimate"])
        assert sig(row["se"], ref[f"{prefix}_{level}_se"]), (prefix, level, row["se"], ref[f"{prefix}_{level}_se"])


def test_raked_domains_props_ratio_totals(apiclus1, write_spec, ref) -> None:
    res = weighted(apiclus1, write_spec, RAKE)
    cal = res.calibration
    check_by(estimate(res.data.main, res.design, calibration=cal, mean=["api00"], by=["comp.imp"]), ref,
             "rake_api00_by_compimp", "api00")
    p = estimate(res.data.main, res.design, calibration=cal, prop=["awards"])
    no = p[p.level == "No"].iloc[0]
    assert sig(no.estimate, ref["rake_awards_No"]) and sig(no.se, ref["rake_awards_No_se"])
    r = estimate(res.data.main, res.design, calibration=cal, ratio=[("api00", "api99")])
    assert sig(r.estimate[0], ref["rake_ratio"]) and sig(r.se[0], ref["rake_ratio_se"])
    check_by(estimate(res.data.main, res.design, calibration=cal, total=["enroll"], by=["stype"]), ref,
             "rake_enroll_total_by_stype", "enroll")


def test_without_the_records_the_se_is_the_uncalibrated_one(apiclus1, write_spec, ref) -> None:
    """The records matter: the same estimate, but without them the SE ignores the raking (more than 1% off)."""
    res = weighted(apiclus1, write_spec, RAKE)
    with_records = estimate(res.data.main, res.design, calibration=res.calibration, mean=["enroll"])
    without = estimate(res.data.main, res.design, mean=["enroll"])
    assert with_records.estimate[0] == pytest.approx(without.estimate[0], rel=1e-12)
    assert abs(without.se[0] / with_records.se[0] - 1) > 0.01


def test_poststratified_domains(apiclus1, write_spec, ref) -> None:
    res = weighted(apiclus1, write_spec, PS)
    check_by(estimate(res.data.main, res.design, calibration=res.calibration, mean=["api00"], by=["sch.wide"]), ref,
             "ps_api00_by_schwide", "api00")


def test_linear_calibration_domains(apiclus1, write_spec, ref) -> None:
    res = weighted(apiclus1, write_spec, CAL)
    check_by(estimate(res.data.main, res.design, calibration=res.calibration, mean=["api00"], by=["comp.imp"]), ref,
             "cal_api00_by_compimp", "api00")


def test_logit_calibration(apiclus1, write_spec, ref) -> None:
    res = weighted(apiclus1, write_spec, LOGIT)
    out = estimate(res.data.main, res.design, calibration=res.calibration, mean=["api00"])
    assert sig(out.estimate[0], ref["logit_api00"]) and sig(out.se[0], ref["logit_api00_se"])


def test_trim_after_rake_domains(apiclus1, write_spec, ref) -> None:
    res = weighted(apiclus1, write_spec, RAKE + TRIM)
    check_by(estimate(res.data.main, res.design, calibration=res.calibration, mean=["api00"], by=["comp.imp"]), ref,
             "trim_api00_by_compimp", "api00")


def test_records_must_match_the_rows(apiclus1, write_spec) -> None:
    from surveymod.errors import SurveyError

    res = weighted(apiclus1, write_spec, RAKE)
    with pytest.raises(SurveyError, match="calibration records"):
        estimate(res.data.main.iloc[:100], res.design, calibration=res.calibration, mean=["api00"])


def test_replicate_df_is_rank_minus_one_per_domain(ref) -> None:
    """R degf(subset(as.svrepdesign(dclus1, "JK1"), stype == s)): 14, 7, 11, not 'replicates - 1' everywhere."""
    df = pd.read_csv(REF_FILE.parent / "apiclus1_jk1.csv")
    des = Design(weight="pw", repweights=r"repw\d+", reptype="jk1", mse=False)
    out = estimate(df, des, mean=["api00"], by=["stype"])
    for _, row in out.iterrows():
        s = row["domain"].split("=")[1]
        assert row["df"] == ref[f"jk1_degf_{s}"]
    assert estimate(df, des, mean=["api00"]).df[0] == ref["jk1_degf"]


@pytest.mark.parametrize(("prefix", "steps", "data", "design", "var", "by", "p"), [
    ("q50_api00_clus1_by_stype", None, "apiclus1", Design(psu="dnum", weight="pw", fpc="fpc"), "api00", "stype", 0.5),
    ("q25_api00_strat_by_schwide", None, "apistrat", Design(strata="stype", weight="pw", fpc="fpc"), "api00",
     "sch.wide", 0.25),
    ("q50_api00_rake_by_compimp", RAKE, "apiclus1", None, "api00", "comp.imp", 0.5),
])
def test_domain_quantiles_as_r_svyquantile(apiclus1, write_spec, ref, prefix, steps, data, design, var, by, p) -> None:
    """svyby(~api00, ~d, des, svyquantile, quantiles=p): qrule 'math', Woodruff SE with the domain's df."""
    frame = apiclus1 if data == "apiclus1" else pd.read_csv(REF_FILE.parents[1] / "api" / "apistrat.csv")
    cal: list = []
    if steps is not None:
        res = weighted(frame, write_spec, steps)
        frame, design, cal = res.data.main, res.design, res.calibration
    out = estimate(frame, design, calibration=cal, quantile=[(var, p)], by=[by])
    for _, row in out.iterrows():
        level = row["domain"].split("=", 1)[1]
        assert row["estimate"] == ref[f"{prefix}_{level}"]
        assert sig(row["se"], ref[f"{prefix}_{level}_se"]), (level, row["se"], ref[f"{prefix}_{level}_se"])
        assert row["ci_low"] <= row["estimate"] <= row["ci_high"]
