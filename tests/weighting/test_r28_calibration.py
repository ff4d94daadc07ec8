"""Issue 28: bounded linear calibration as R ``calibrate(calfun="linear", bounds=)`` and share margins beside
count margins in one rake step, against R survey 4.1.1 (tests/data/estimation/make_r28_weighting_reference.R)."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest
from r_replicate_common import DATA

from surveymod.errors import SurveyError
from surveymod.estimation import estimate
from surveymod.weighting import run_weighting

DESIGN = "design:\n  weight: pw\n  psu: dnum\n  fpc: fpc\n"
STYPE = "      - variables: stype\n        targets: {E: 4421, H: 755, M: 1018}\n"


@pytest.fixture(scope="module")
def ref() -> dict[str, float]:
    with open(DATA / "estimation" / "r28_weighting.csv", newline="") as fh:
        return {row["name"]: float(row["value"]) for row in csv.DictReader(fh)}


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * abs(b)


def test_bounded_linear_calibration_is_r(apiclus1: pd.DataFrame, write_spec, ref: dict[str, float]) -> None:
    spec = (DESIGN + "steps:\n  - step: calibrate\n    method: linear\n    bounds: [0.7, 1.6]\n    tolerance: 1.0e-10\n"
            "    max_iter: 100\n    margins:\n" + STYPE + "    totals: {api99: 3914069}\noutput: w\n")
    res = run_weighting(apiclus1, write_spec(spec))
    g = res.data.main["w"].to_numpy() / apiclus1["pw"].to_numpy()
    assert g.min() == pytest.approx(ref["blin_g_min"]) and g.max() == pytest.approx(ref["blin_g_max"])
    assert int((np.isclose(g, 0.7) | np.isclose(g, 1.6)).sum()) == ref["blin_at_bounds"]
    r_w = pd.read_csv(DATA / "estimation" / "r28_bounded_linear_weights.csv")
    np.testing.assert_allclose(res.data.main["w"].to_numpy(), r_w["weight"].to_numpy(), rtol=1e-8)
    est = estimate(res.data.main, res.design, mean=["api00"], total=["enroll"], calibration=res.calibration)
    assert _close(est.estimate[0], ref["blin_api00"]) and _close(est.se[0], ref["blin_api00_se"])
    assert _close(est.estimate[1], ref["blin_enroll"]) and _close(est.se[1], ref["blin_enroll_se"])


def test_linear_bounds_must_bracket_one(apiclus1: pd.DataFrame, write_spec) -> None:
    spec = (DESIGN + "steps:\n  - step: calibrate\n    method: linear\n    bounds: [1.2, 1.6]\n    margins:\n" + STYPE
            + "output: w\n")
    with pytest.raises(SurveyError, match="L < 1 < U"):
        run_weighting(apiclus1, write_spec(spec))


def test_share_margin_beside_a_count_margin(apiclus1: pd.DataFrame, write_spec, ref: dict[str, float]) -> None:
    spec = (DESIGN + "steps:\n  - step: rake\n    tolerance: 1.0e-12\n    max_iter: 200\n    margins:\n" + STYPE
            + "      - variables: sch.wide\n        targets: {'No': 0.2, 'Yes': 0.8}\n        kind: share\n"
            "output: w\n")
    res = run_weighting(apiclus1, write_spec(spec))
    assert res.data.main["w"].sum() == pytest.approx(6194)
    assert any(p.rule == "weighting-share-total" for p in res.diagnostics.problems)
    est = estimate(res.data.main, res.design, mean=["api00"], total=["enroll"], calibration=res.calibration)
    assert _close(est.estimate[0], ref["share_rake_api00"]) and _close(est.se[0], ref["share_rake_api00_se"])
    assert _close(est.estimate[1], ref["share_rake_enroll"]) and _close(est.se[1], ref["share_rake_enroll_se"])


def test_count_margins_that_disagree_are_located(apiclus1: pd.DataFrame, write_spec) -> None:
    spec = (DESIGN + "steps:\n  - step: rake\n    margins:\n" + STYPE
            + "      - variables: sch.wide\n        targets: {'No': 1000, 'Yes': 5000}\n"
            "      - variables: awards\n        targets: {'No': 0.3, 'Yes': 0.7}\n        kind: share\noutput: w\n")
    with pytest.raises(SurveyError, match="totals differ") as exc:
        run_weighting(apiclus1, write_spec(spec))
    assert exc.value.problems[0].location.line is not None
