"""The demo's simulated fieldwork: the monitoring report flags exactly the interviewers planted as bad (speeder,
straightliner, curbstoner), the household entered twice and the PSU not visited, and leaves the survey data the
demo analyses untouched.

External source: the simulation's own truth file names the planted interviewers; nothing here is the report's
output pasted back.
"""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
import yaml

from surveymod.fieldwork.demo import BAD, monitor_demo, simulate_fieldwork
from surveymod.questionnaire import load
from surveymod.resources import shipped
from surveymod.simulate import load_effects, load_sample_design, simulate

FORM = shipped("questionnaires", "perception_endline.yaml")


@pytest.fixture(scope="module", params=[2026, 7])
def demo(request, tmp_path_factory):
    seed = request.param
    sim = simulate(load(FORM), 1500, seed + 1, design=load_sample_design(shipped("examples", "designs",
                                                                           "perception_design.yaml")),
                   effects=load_effects(shipped("examples", "designs", "perception_effects.yaml")), wave="endline")
    before = sim.main.copy()
    out = tmp_path_factory.mktemp(f"fw{seed}")
    paths = monitor_demo(out, sim.main, FORM, seed, echo=lambda s: None)
    return out, paths, before, sim.main, seed


def _flags(out) -> pd.DataFrame:
    return pd.read_csv(out / "monitoring" / "tables" / "flags.csv", dtype={"interviewer": str})


def test_the_analysed_data_is_not_changed(demo) -> None:
    _, _, before, after, _ = demo
    pd.testing.assert_frame_equal(before, after)


def test_each_planted_interviewer_is_flagged_on_its_own_fault(demo) -> None:
    out, *_ = demo
    f = _flags(out)
    checks = {who: set(g["check"]) for who, g in f.groupby("interviewer")}
    assert "speeders" in checks[str(BAD["speeder"])]
    assert "straightlining in grids" in checks[str(BAD["straightliner"])]
    curb = checks[str(BAD["curbstoner"])]
    assert {"back-check discrepancies (type 1)", "Kish line 1 (oldest) selected too often (z)"} <= curb


def test_no_good_interviewer_is_flagged_on_a_share_or_z(demo) -> None:
    out, *_ = demo
    f = _flags(out)
    truth = yaml.safe_load((out / "fieldwork" / "truth.yaml").read_text())
    planted = {str(v) for v in BAD.values()}
    # the household entered twice belongs to a good interviewer: that flag is right, and the only one allowed
    others = f[~f["interviewer"].isin(planted) & ~f["check"].isin(["household interviewed twice",
                                                                   "identical answers"])]
    assert others.empty, others
    dup = pd.read_csv(out / "monitoring" / "tables" / "duplicates.csv", dtype=str)
    psu, hh = truth["duplicated_household"]
    assert f"{psu} / {hh}" in set(dup["key"])


def test_the_unvisited_psu_is_a_gap(demo) -> None:
    out, *_ = demo
    truth = yaml.safe_load((out / "fieldwork" / "truth.yaml").read_text())
    gaps = pd.read_csv(out / "monitoring" / "tables" / "gaps.csv", dtype=str)
    assert gaps["psu"].tolist() == [str(truth["unvisited_psu"])]


def test_the_cli_reproduces_the_report_from_the_written_files(demo, tmp_path) -> None:
    out, *_, seed = demo
    if seed != 2026:
        pytest.skip("one seed is enough for the command line")
    fw = out / "fieldwork"
    proc = subprocess.run([sys.executable, "-m", "surveymod", "monitor", str(fw / "endline_fieldwork.csv"),
                           "-q", str(FORM), "--sample", str(fw / "sample.csv"), "--backcheck",
                           str(fw / "backcheck.csv"), "--thresholds", str(fw / "thresholds.yaml"), "-o",
                           str(tmp_path / "m")], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    again = pd.read_csv(tmp_path / "m" / "tables" / "flags.csv", dtype={"interviewer": str})
    pd.testing.assert_frame_equal(again, _flags(out))
    html = (tmp_path / "m" / "monitor.html").read_text(encoding="utf-8")
    assert "RR3" in html and "data:image/png;base64," in html and "<script" not in html


def test_simulated_fieldwork_has_every_disposition_and_paradata() -> None:
    sim = simulate(load(FORM), 300, 5)
    fw = simulate_fieldwork(sim.main, 5)["data"]
    assert set(fw["disposition"].dropna().astype(int)) == {1, 2, 3, 4, 5, 6}
    assert fw["intv_id"].notna().all() and fw["int_date"].notna().all()
    done = fw["disposition"] <= 2
    assert fw.loc[done, ["t_start_h", "t_end_h", "duration"]].notna().all().all()
