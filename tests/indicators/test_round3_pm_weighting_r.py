"""Issue 25: indicator 3a is weighted as the list sample it is - strata by type of institution, the finite population
correction from the list counts, linear calibration to the list totals - and the shipped spec
(weights/perception_policymakers.yaml) gives R survey's weights, estimate and standard errors.

External source: R survey (svydesign with fpc, calibrate(calfun = "linear"), as.svrepdesign(type = "JKn")) run by
tests/data/programme/pm_list_sample/reference.R on pm_interviews.csv (the completed interviews of one simulated
baseline study). The numbers below were printed by that script with R 4.x / survey 4.x; the last test reruns it when
Rscript is installed.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml

from surveymod.estimation import Design, estimate
from surveymod.resources import shipped
from surveymod.weighting import load_weighting_spec, run_weighting

HERE = Path(__file__).resolve().parents[1] / "data" / "programme" / "pm_list_sample"
R = {  # Rscript reference.R
    "weight_row1": 5.10619414449334, "weight_row2": 5.59740991629943, "weight_row3": 6.73177076184557,
    "weight_row50": 5.10619414449334, "weight_row357": 2.45408049761427,
    "weight_min": 2.45408049761427, "weight_max": 7.69793607921924, "weight_sum": 2000,
    "taylor_mean": 0.422215051541079, "taylor_se": 0.0247990102646886,
    "design_mean": 0.426276024328686, "design_se": 0.0244790974632447,
    "jkn_mean": 0.422215051541079, "jkn_se": 0.0248762517572419,
}
LIST = {"list_stratum": {1: 620, 2: 480, 3: 350, 4: 410, 5: 140}, "sex": {1: 1180, 2: 820}}


def _data() -> pd.DataFrame:
    return pd.read_csv(HERE / "pm_interviews.csv")


def _spec() -> Path:
    return shipped("weights", "perception_policymakers.yaml")


def test_the_shipped_spec_is_the_list_design() -> None:
    raw = yaml.safe_load(_spec().read_text(encoding="utf-8"))
    assert raw["design"] == {"weight": "dweight", "strata": "list_stratum", "fpc": "list_size"}
    cal = next(s for s in raw["steps"] if s["step"] == "calibrate")
    assert {m["variables"]: m["targets"] for m in cal["margins"]} == LIST
    assert sum(LIST["list_stratum"].values()) == sum(LIST["sex"].values())


def test_calibrated_weights_equal_r() -> None:
    res = run_weighting(_data(), _spec())
    w = res.data.main["final_weight"].to_numpy()
    for row in (1, 2, 3, 50, 357):
        assert w[row - 1] == pytest.approx(R[f"weight_row{row}"], rel=1e-9)
    assert (w.min(), w.max(), w.sum()) == pytest.approx((R["weight_min"], R["weight_max"], R["weight_sum"]), rel=1e-9)
    d = res.data.main.assign(w=w)
    for var, totals in LIST.items():  # the list totals are met
        assert d.groupby(var)["w"].sum().to_dict() == pytest.approx(totals, rel=1e-9)


def test_jkn_estimate_and_se_equal_r() -> None:
    res = run_weighting(_data(), _spec())
    e = estimate(res.data.main, res.design, mean=["positive"], calibration=res.calibration).iloc[0]
    assert e["estimate"] == pytest.approx(R["jkn_mean"], rel=1e-9)
    assert e["se"] == pytest.approx(R["jkn_se"], rel=1e-6)


def test_taylor_se_with_fpc_and_calibration_equals_r(tmp_path: Path) -> None:
    raw = yaml.safe_load(_spec().read_text(encoding="utf-8"))
    raw["steps"] = [s for s in raw["steps"] if s["step"] != "replicates"]
    spec = tmp_path / "taylor.yaml"
    spec.write_text(yaml.safe_dump(raw), encoding="utf-8")
    res = run_weighting(_data(), spec)
    e = estimate(res.data.main, res.design, mean=["positive"], calibration=res.calibration).iloc[0]
    assert (e["estimate"], e["se"]) == pytest.approx((R["taylor_mean"], R["taylor_se"]), rel=1e-6)
    plain = estimate(_data(), Design(weight="dweight", strata="list_stratum", fpc="list_size"),
                     mean=["positive"]).iloc[0]
    assert (plain["estimate"], plain["se"]) == pytest.approx((R["design_mean"], R["design_se"]), rel=1e-6)


def test_demo_weights_3a_with_the_list_spec(tmp_path: Path) -> None:
    from surveymod.demo import copy_inputs

    copy_inputs(tmp_path)
    text = (tmp_path / "programme.yaml").read_text(encoding="utf-8")
    for wave in ("pm_baseline", "pm_endline"):
        block = text.split(f"  {wave}:\n", 1)[1].split("\n  \n", 1)[0]
        assert "weighting: weights/perception_policymakers.yaml" in block.split("label:")[0]
    assert load_weighting_spec(tmp_path / "weights" / "perception_policymakers.yaml").spec.design.fpc == "list_size"


@pytest.mark.skipif(shutil.which("Rscript") is None, reason="Rscript (R with survey) is not installed")
def test_rerun_r_reference() -> None:
    out = subprocess.run(["Rscript", "reference.R"], cwd=HERE, capture_output=True, text=True, check=True)
    got = {k: float(v) for k, v in (ln.split() for ln in out.stdout.splitlines() if ln.strip())}
    assert got == pytest.approx(R, rel=1e-9)
