"""Smoke test of benchmarks/bench_commands.py: the harness generates its data, runs whole commands and writes results.

No timing is asserted here: the speed goals live in benchmarks/ (a timed unit test would only measure the load of
the machine). The data generator is checked against the design the benchmark promises (40 strata, 2,000 PSUs per
million rows nested in strata) and against the Census 2021 margin files it rakes to.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "benchmarks" / "bench_commands.py"


def _module():
    spec = importlib.util.spec_from_file_location("bench_commands", SCRIPT)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["bench_commands"] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


def _census_levels(name: str, column: str) -> set[str]:
    with open(ROOT / "weights" / name, encoding="utf-8") as fh:
        return {row[column] for row in csv.DictReader(line for line in fh if not line.startswith("#"))}


def test_design_data_as_promised() -> None:
    bc = _module()
    assert bc.n_psu(1_000_000) == 2000 and bc.n_psu(10_000_000) == 20000 and bc.n_psu(1000) == 80
    frame = bc.design_frame(20_000)
    assert len(frame) == 20_000
    assert frame["stratum"].nunique() == 40
    # every PSU lies in exactly one stratum (nested design, as --psu with R nest=TRUE assumes)
    assert len(frame[["psu", "stratum"]].drop_duplicates()) == frame["psu"].nunique() == 80
    assert set(frame["b"].unique().tolist()) == {0, 1}
    assert sorted(frame["dom"].unique().tolist()) == list(range(1, 11))
    assert frame["w"].min() > 0
    # the raking variables have exactly the levels of the shipped census margins
    assert set(frame["sex"].astype(str).unique()) == _census_levels("mk2021_sex_agegrp_15plus.csv", "sex")
    assert set(frame["agegrp"].astype(str).unique()) == _census_levels("mk2021_sex_agegrp_15plus.csv", "agegrp")
    assert set(frame["region"].astype(str).unique()) == _census_levels("mk2021_region_15plus.csv", "region")


def test_goal_ratios_hand_worked() -> None:
    """R 12 s vs 1 s is 12x (met); 25 s at 10M vs 2 s at 1M is 12.5x (missed); 0.5 s vs 0.2 s is 2.5x (met)."""
    bc = _module()
    run = {"returncode": 0, "peak_mb": 500.0}
    result = {"rows": [1_000_000, 10_000_000], "references": {"1000000": {"estimate": 12.0}}, "runs": [
        {**run, "name": "estimate_csv", "rows": 1_000_000, "seconds": 1.0},
        {**run, "name": "weight", "rows": 1_000_000, "seconds": 2.0},
        {**run, "name": "weight", "rows": 10_000_000, "seconds": 25.0, "peak_mb": 5000.0},
        {**run, "name": "version", "rows": 0, "seconds": 0.5},
        {**run, "name": "import_click", "rows": 0, "seconds": 0.2},
    ]}
    got = {(g["goal"], g.get("command")): (round(g["ratio"], 3), g["met"]) for g in bc.goals(result)}
    assert got[("estimate_vs_r", "estimate_csv")] == (12.0, True)
    assert got[("version_vs_click", None)] == (2.5, True)
    assert got[("scale_time", "weight")] == (12.5, False)
    assert got[("scale_memory", "weight")] == (5000.0, False)
    assert "**missed**" in bc.markdown({**result, "goals": bc.goals(result), "machine": {}})


def test_quick_mode_runs(tmp_path: Path) -> None:
    """The quick mode on tiny data: every command exits 0 and the results files name each run."""
    cmd = [sys.executable, str(SCRIPT), "--quick", "--rows", "600", "--only", "version,estimate",
           "--no-svy", "--version-repeat", "1", "--cache", str(tmp_path), "--results", str(tmp_path / "res")]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        pytest.skip("the quick benchmark took more than 20 s on this machine (busy); run it by hand")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    result = json.loads((tmp_path / "res.json").read_text(encoding="utf-8"))
    names = {r["name"] for r in result["runs"]}
    assert names == {"version", "import_click", "estimate_csv", "estimate_parquet"}
    assert all(r["returncode"] == 0 and r["peak_mb"] > 0 and r["seconds"] > 0 for r in result["runs"])
    assert "kernel_estimate" in result["references"]["600"]
    assert [g["goal"] for g in result["goals"]] == ["version_vs_click"]
    est = (tmp_path / f"v{_module().GENERATOR_VERSION}_600" / "work" / "est_csv.csv").read_text(encoding="utf-8")
    assert est.count("\n") >= 20  # 2 variables x 10 domains
    assert "| estimate_csv | 600 |" in (tmp_path / "res.md").read_text(encoding="utf-8")
