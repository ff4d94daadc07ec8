"""Golden tests on apiclus1 against R survey 4.1-1 reference numbers (shared/reference/estimation.md, section 4B).

dclus1 <- svydesign(id=~dnum, weights=~pw, data=apiclus1, fpc=~fpc); pop.types E 4421, H 755, M 1018;
sch.wide No 1072 / Yes 5122.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from surveymod.estimation import estimate
from surveymod.weighting import run_weighting

DESIGN = "design:\n  weight: pw\n  psu: dnum\n  fpc: fpc\n"
STYPE = "      - variables: stype\n        targets: {E: 4421, H: 755, M: 1018}\n"
SCHWIDE = "      - variables: sch.wide\n        targets: {'No': 1072, 'Yes': 5122}\n"
PS = "  - step: poststratify\n    margin:\n      variables: stype\n      targets: {E: 4421, H: 755, M: 1018}\n"
RAKE = "  - step: rake\n    tolerance: 1.0e-10\n    margins:\n" + STYPE + SCHWIDE
JK1 = "  - step: replicates\n    method: jk1\n"


def sig(a: float, b: float, digits: int = 6) -> bool:
    """a and b agree to `digits` significant digits (relative difference below 0.5e-(digits-1))."""
    return abs(a - b) <= 0.5 * 10 ** (1 - digits) * abs(b)


def calibrated_estimate(res, y: str, stat: str = "mean") -> tuple[float, float]:
    """Estimate and Taylor SE on the weighted data, crediting the calibration records (R postStrata)."""
    kw = {"mean": [y]} if stat == "mean" else {"total": [y]}
    out = estimate(res.data.main, res.design, calibration=res.calibration, **kw)
    return float(out.estimate[0]), float(out.se[0])


def run(apiclus1, write_spec, steps: str):
    return run_weighting(apiclus1, write_spec(DESIGN + "steps:\n" + steps))


def rep_se(result, y: str, stat: str = "mean", mse: bool = False) -> float:
    """Replicate SE with the pipeline's scales: scale * sum(rscales * (t_r - c)^2), c = t (mse) or mean(t_r) (R default)."""
    d, diag = result.data.main, result.diagnostics
    cols = [f"repw{k}" for k in range(1, diag.replicates["n_replicates"] + 1)]
    yv = d[y].to_numpy(dtype=float)

    def est(w: np.ndarray) -> float:
        return float(w @ yv / w.sum()) if stat == "mean" else float(w @ yv)

    full = est(d["final_weight"].to_numpy())
    reps = np.array([est(d[c].to_numpy()) for c in cols])
    centre = full if mse else reps.mean()
    rs = np.array(diag.replicates["rscales"])
    return float(np.sqrt(diag.replicates["scale"] * np.sum(rs * (reps - centre) ** 2)))


def test_poststratify(apiclus1, write_spec):
    res = run(apiclus1, write_spec, PS)
    m, se = calibrated_estimate(res, "api00")
    assert sig(m, 642.3108) and sig(se, 23.9205)
    t, se_t = calibrated_estimate(res, "enroll", "total")
    assert sig(t, 3680893) and sig(se_t, 406293)


def test_rake(apiclus1, write_spec):
    res = run(apiclus1, write_spec, RAKE)
    m, se = calibrated_estimate(res, "api00")
    assert sig(m, 641.2303) and sig(se, 23.7036)
    t, se_t = calibrated_estimate(res, "enroll", "total")
    assert sig(t, 3647280) and sig(se_t, 400603)


def test_calibrate_linear(apiclus1, write_spec):
    steps = ("  - step: calibrate\n    method: linear\n    margins:\n" + STYPE + "    totals: {api99: 3914069}\n")
    res = run(apiclus1, write_spec, steps)
    m, se = calibrated_estimate(res, "api00")
    assert sig(m, 665.3091) and sig(se, 3.44175)


def test_trim_after_rake_matches_r_trimweights(apiclus1, write_spec):
    steps = RAKE + "  - step: trim\n    lower: 30\n    upper: 60\n    redistribute: additive\n    strict: false\n"
    res = run(apiclus1, write_spec, steps)
    w = res.data.main["final_weight"]
    assert w.min() >= 30 - 1e-9 and w.max() <= 60 + 1e-9
    assert abs(w.sum() - 6194) < 1e-6  # redistribution keeps the total
    m, se = calibrated_estimate(res, "api00")
    assert sig(m, 641.1854)
    # R credits each raking margin with the weights stored at raking time (not the trimmed ones); so do we.
    assert sig(se, 23.7665)


def test_jk1_poststratified(apiclus1, write_spec):
    res = run(apiclus1, write_spec, JK1 + PS)
    assert res.diagnostics.replicates["n_replicates"] == 15
    assert sig(rep_se(res, "api00"), 26.934, 5)
    assert sig(rep_se(res, "api00", mse=True), 26.936, 5)


def test_jk1_raked(apiclus1, write_spec):
    res = run(apiclus1, write_spec, JK1 + RAKE)
    assert sig(rep_se(res, "api00"), 26.874, 5)
    assert sig(rep_se(res, "enroll", "total"), 463582, 6)
    # the result's design (replicate columns, scales) gives the same through estimate()
    out = estimate(res.data.main, res.design.model_copy(update={"mse": False}), mean=["api00"], total=["enroll"])
    assert sig(out.se[0], 26.874, 5) and sig(out.se[1], 463582, 6)


def test_jkn_apistrat(write_spec):
    """as.svrepdesign(dstrat, "JKn"): mean 662.28736, SE 9.40894 (R, estimation.md 4A); fpc enters the scales."""
    data = pd.read_csv(Path(__file__).resolve().parents[1] / "data" / "api" / "apistrat.csv")
    spec = write_spec("design:\n  weight: pw\n  strata: stype\n  fpc: fpc\nsteps:\n  - step: replicates\n"
                      "    method: jkn\n")
    res = run_weighting(data, spec)
    d = res.data.main
    assert sig(float((d.final_weight * d.api00).sum() / d.final_weight.sum()), 662.28736, 8)
    assert sig(rep_se(res, "api00"), 9.40894, 6)


def test_bootstrap_reproducible_and_raked_per_replicate(apiclus1, write_spec):
    """Rao-Wu bootstrap: the same seed gives the same replicates, and every replicate meets the raking margins."""
    steps = "  - step: replicates\n    method: bootstrap\n    n: 50\n    seed: 11\n" + RAKE
    a = run(apiclus1, write_spec, steps).data.main
    b = run(apiclus1, write_spec, steps).data.main
    reps = [f"repw{k}" for k in range(1, 51)]
    np.testing.assert_array_equal(a[reps].to_numpy(), b[reps].to_numpy())
    by_type = a.groupby("stype")[reps].sum()
    np.testing.assert_allclose(by_type.loc["H"].to_numpy(), 755, rtol=1e-8)
    np.testing.assert_allclose(a.groupby("sch.wide")[reps].sum().loc["No"].to_numpy(), 1072, rtol=1e-8)


def test_progress_is_told_each_step(apiclus1, write_spec):
    said: list[str] = []
    run_weighting(apiclus1, write_spec(DESIGN + "steps:\n" + JK1 + RAKE), progress=said.append)
    assert said == ["step 1 of 2: replicates (main weight, 183 rows)",
                    "step 2 of 2: rake (main weight, 183 rows)",
                    "replicate weights: every step again on each of 15 replicates"]
