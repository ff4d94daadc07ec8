"""The weight command end to end on the shipped perception spec, and the Census 2021 margins derivation.

Census checks use the totals printed in shared/reference/census_mk.md (MakStat T1003P21): total 1,836,713,
men 911,087, women 925,626; 15+ 1,525,366 (men 750,340, women 775,026); 65+ men 143,219, women 172,112.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pandas as pd
from click.testing import CliRunner

from surveymod.cli.main import _register, cli

ROOT = Path(__file__).resolve().parents[2]
WEIGHTS = ROOT / "weights"
SOURCE = ROOT / "tests" / "data" / "census_mk"


def _derive_module():
    spec = importlib.util.spec_from_file_location("derive", WEIGHTS / "derive_census_margins.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_census_national_totals_from_source():
    table = _derive_module().read_table(SOURCE)
    assert table[("0000", "0", "0")] == 1836713
    assert table[("0000", "1", "0")] == 911087
    assert table[("0000", "2", "0")] == 925626


def test_shipped_margins_match_derivation_and_printed_totals(tmp_path):
    mod = _derive_module()
    assert mod.main(["--source", str(SOURCE), "--out", str(WEIGHTS), "--check"]) == 0
    sa = pd.read_csv(WEIGHTS / "mk2021_sex_agegrp_15plus.csv", comment="#")
    assert sa["count"].sum() == 1525366
    by_sex = sa.groupby("sex")["count"].sum()
    assert by_sex["male"] == 750340 and by_sex["female"] == 775026
    old = sa[sa.agegrp == "65+"].set_index("sex")["count"]
    assert old["male"] == 143219 and old["female"] == 172112
    reg = pd.read_csv(WEIGHTS / "mk2021_region_15plus.csv", comment="#")
    assert list(reg.region) == [f"MK00{i}" for i in range(1, 9)] and reg["count"].sum() == 1525366
    rs = pd.read_csv(WEIGHTS / "mk2021_region_sex_15plus.csv", comment="#")
    assert rs["count"].sum() == 1525366
    # region x sex agrees with the shared region_sex_age table (derived independently by the research step)
    shared = pd.read_csv(SOURCE / "region_sex_age_2021.csv")
    young = {"0-4", "5-9", "10-14"}
    s15 = shared[~shared.age_group.isin(young)].groupby(["nuts3", "sex"])["population"].sum()
    for _, r in rs.iterrows():
        assert s15[(r.region, r.sex)] == r["count"]
    assert not any("18" in p.name for p in WEIGHTS.glob("*.csv"))  # no 18+ margin presented as exact


def _synthetic(seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 8 * 10 * 12
    region = np.repeat([f"MK00{r}" for r in range(1, 9)], 120)
    psu = np.repeat(np.arange(80), 12)
    return pd.DataFrame({"id": np.arange(n), "region": region, "psu": psu,
                         "base_weight": rng.uniform(500, 1500, n),
                         "sex": rng.choice(["male", "female"], n),
                         "agegrp": rng.choice(["15-24", "25-34", "35-44", "45-54", "55-64", "65+"], n),
                         "result": rng.choice([1, 1, 1, 2, 3], n)})


def test_weight_command_on_perception_spec(tmp_path):
    data = _synthetic()
    src = tmp_path / "survey.csv"
    data.to_csv(src, index=False)
    out = tmp_path / "weighted.csv"
    _register()
    res = CliRunner().invoke(cli, ["weight", str(src), "--spec", str(WEIGHTS / "perception_general_public.yaml"),
                                   "-o", str(out), "--report", str(tmp_path / "rep")])
    assert res.exit_code == 0, res.output
    w = pd.read_csv(out)
    assert len(w) == len(data) and list(w.columns[: data.shape[1]]) == list(data.columns)
    assert (w[w.result != 1].final_weight == 0).all()
    assert w.final_weight.sum() == np.float64(1525366).round() or abs(w.final_weight.sum() - 1525366) < 1e-3
    assert {f"bw{k}" for k in (1, 200)} <= set(w.columns)
    rep = json.loads((tmp_path / "rep" / "weighted_weighting_report.json").read_text())
    assert [s["step"] for s in rep["steps"]] == ["replicates", "nonresponse", "rake", "trim"]
    assert rep["final_weights"]["kish_deff"] >= 1.0
    assert (tmp_path / "rep" / "weighted_weighting_report.html").read_text().startswith("<!DOCTYPE html>")
