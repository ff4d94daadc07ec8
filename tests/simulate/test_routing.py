"""Property tests: simulated records follow the routing exactly, meet every constraint and use valid codes,
for the test questionnaires and every shipped questionnaire; the same seed gives identical frames."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from surveymod.questionnaire import load_valid
from surveymod.simulate import simulate

from .helpers import problems, questionnaire_files

FILES = questionnaire_files()


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_routing_constraints_codes(path: Path, seed: int) -> None:
    qn = load_valid(path)
    sim = simulate(qn, 1500, seed)
    assert len(sim.main) == 1500
    assert problems(qn, sim.frames, sim.keys) == []


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_same_seed_same_frames_other_seed_differs(path: Path) -> None:
    qn = load_valid(path)
    a, b, c = simulate(qn, 300, 7), simulate(qn, 300, 7), simulate(qn, 300, 8)
    assert a.frames.keys() == b.frames.keys()
    for k in a.frames:
        pd.testing.assert_frame_equal(a.frames[k], b.frames[k])
    assert not a.main.equals(c.main)


def test_checker_catches_a_routing_break() -> None:
    """The property check itself can fail: answering a filtered question outside its universe is reported."""
    qn = load_valid(FILES[0].parent / "perception_sim.yaml")
    sim = simulate(qn, 200, 1)
    frames = dict(sim.frames)
    main = frames["main"].copy()
    main.loc[main["knows_migrant"] != 1, "relation"] = 1.0
    frames["main"] = main
    assert any(p.startswith("relation:") for p in problems(qn, frames, sim.keys))


CHECK_RULES = {"not-applicable", "required-missing", "constraint", "roster-count", "orphan-row", "duplicate-id",
               "missing-column", "wrong-type"}
VALUE_RULES = {"code-not-in-list", "out-of-range"}


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_record_passes_surveymod_check(path: Path) -> None:
    """The data checker (surveymod.data.check) finds no routing, constraint, key, code or range error in simulated
    data, calculated variables included."""
    check_mod = pytest.importorskip("surveymod.data.checker")
    from surveymod.data.reader import Dataset

    qn = load_valid(path)
    sim = simulate(qn, 1000, 11)
    report = check_mod.check(Dataset(frames=sim.frames, questionnaire=qn))
    p = report.problems
    errors = p[p["severity"] == "error"]
    bad = errors[errors["rule"].isin(CHECK_RULES | VALUE_RULES)]
    assert bad.empty, bad.head(10).to_string()
    assert set(report.rows) == set(sim.frames)
