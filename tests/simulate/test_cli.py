"""``surveymod simulate`` and ``surveymod plan`` from the command line: files, truth, exit codes, messages."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
from click.testing import CliRunner

from surveymod.atomic import MANIFEST
from surveymod.cli.main import _register, cli

from .helpers import FIXTURES, ROOT

_register()
EXAMPLES = ROOT / "examples" / "designs"


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, list(args))
    return r.exit_code, r.stdout, r.stderr


def test_simulate_csv_with_rosters(tmp_path: Path) -> None:
    out = tmp_path / "hh.csv"
    code, stdout, stderr = run("simulate", str(FIXTURES / "household_sim.yaml"), "-n", "200", "--seed", "3",
                               "-o", str(out))
    assert code == 0, stderr
    main = pd.read_csv(out)
    person = pd.read_csv(tmp_path / "hh_person.csv")
    assert len(main) == 200 and len(person) == main["hhsize"].sum()
    assert set(person["hhid"]) <= set(main["hhid"])
    truth = json.loads((tmp_path / "hh.truth.json").read_text(encoding="utf-8"))
    assert truth["seed"] == 3 and truth["n"] == 200


def test_simulate_sav_with_design_and_effects(tmp_path: Path) -> None:
    out = tmp_path / "end.sav"
    code, _, stderr = run("simulate", str(FIXTURES / "perception_sim.yaml"), "-n", "300", "--seed", "1",
                          "--wave", "endline", "--design", str(EXAMPLES / "perception_design.yaml"),
                          "--effects", str(_effects(tmp_path)),
                          "-o", str(out))
    assert code == 0, stderr
    df, meta = pyreadstat.read_sav(str(out))
    assert len(df) == 300 and {"stratum", "psu", "dweight"} <= set(df.columns)
    assert meta.variable_value_labels["sex"] == {1.0: "Male", 2.0: "Female"}
    truth = json.loads((tmp_path / "end.truth.json").read_text(encoding="utf-8"))
    assert truth["endline"] is True and truth["effects"][0]["change"] == pytest.approx(8)


@pytest.mark.parametrize("folder", ["out", "out/", "existing"])
def test_simulate_into_a_folder_writes_one_file_per_level(tmp_path: Path, folder: str) -> None:
    """`-o DIR` (issue 18: used to fail with "unknown export format ''"): one CSV per level named as the README's
    tables command reads a folder (<id>.csv, <id>_<level>.csv), the truth beside them, each file named on stdout."""
    if folder == "existing":
        (tmp_path / folder).mkdir()
    out = str(tmp_path / folder)
    code, stdout, stderr = run("simulate", str(FIXTURES / "household_sim.yaml"), "-n", "40", "--seed", "3",
                               "-o", out)
    assert code == 0, stderr
    d = Path(out)
    qid = "household_sim"
    # the fixture declares two rosters, `level: person` and `level: emigrant`
    assert sorted(p.name for p in d.iterdir() if p.name != MANIFEST) == sorted([f"{qid}.csv", f"{qid}_person.csv", f"{qid}_emigrant.csv",
                                                          f"{qid}.truth.json"])
    for p in d.iterdir():
        if p.name == MANIFEST:
            continue
        assert f"wrote {p}" in stdout
    assert "one CSV file per level (main, person, emigrant)" in stdout
    main, person = pd.read_csv(d / f"{qid}.csv"), pd.read_csv(d / f"{qid}_person.csv")
    assert len(main) == 40 and len(person) == main["hhsize"].sum()


def test_simulate_folder_format_and_conflict(tmp_path: Path) -> None:
    code, _, stderr = run("simulate", str(FIXTURES / "household_sim.yaml"), "-n", "20", "-o", str(tmp_path / "d"),
                          "--format", "sav")
    assert code == 0, stderr
    df, meta = pyreadstat.read_sav(str(tmp_path / "d" / "household_sim_person.sav"))
    assert len(df) > 0 and meta.variable_value_labels
    code, _, stderr = run("simulate", str(FIXTURES / "household_sim.yaml"), "-n", "20", "-o",
                          str(tmp_path / "x.csv"), "--format", "sav")
    assert code == 1 and "--format sav does not match" in stderr and not (tmp_path / "x.csv").exists()


def _effects(tmp_path: Path) -> Path:
    p = tmp_path / "e.yaml"
    p.write_text("effects:\n  - item: att1\n    positive: [1, 2]\n    baseline: 40\n    change: 8\n"
                 "    domains:\n      - {where: 'agegrp = 1', change: 12}\n", encoding="utf-8")
    return p


def test_simulate_user_errors_exit_1(tmp_path: Path) -> None:
    bad = tmp_path / "e.yaml"
    bad.write_text("effects:\n  - item: nosuch\n    positive: [1]\n    baseline: 10\n", encoding="utf-8")
    code, _, stderr = run("simulate", str(FIXTURES / "perception_sim.yaml"), "-n", "10", "--effects", str(bad),
                          "-o", str(tmp_path / "x.csv"))
    assert code == 1 and "e.yaml:2" in stderr and "nosuch" in stderr and "Traceback" not in stderr
    code, _, stderr = run("simulate", str(FIXTURES / "perception_sim.yaml"), "-n", "0", "-o", "x.csv")
    assert code == 2


def test_simulate_refuses_to_overwrite_its_input(tmp_path: Path) -> None:
    q = tmp_path / "q.yaml"
    q.write_text((FIXTURES / "perception_sim.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    before = q.read_bytes()
    code, _, stderr = run("simulate", str(q), "-n", "5", "-o", str(q))
    assert code == 1 and q.read_bytes() == before
    eff = tmp_path / "out.truth.json"
    eff.write_text("nonsubstantive: 0.01\n", encoding="utf-8")
    code, _, stderr = run("simulate", str(q), "-n", "5", "--effects", str(eff), "-o", str(tmp_path / "out.csv"))
    assert code == 1 and "refusing to overwrite" in stderr
    assert eff.read_text(encoding="utf-8") == "nonsubstantive: 0.01\n"
    assert not (tmp_path / "out.csv").exists()
    assert q.read_text(encoding="utf-8").startswith("id: perception_sim")


def test_plan_commands() -> None:
    code, out, _ = run("plan", "proportion", "--moe", "0.05", "--json")
    assert code == 0 and json.loads(out)["n"] == 385
    code, out, _ = run("plan", "change", "--p1", "0.5", "--p2", "0.75", "--power", "0.9", "--json")
    assert code == 0 and json.loads(out)["n"] == 77
    code, out, _ = run("plan", "proportion", "--moe", "0.05", "--take", "10", "--icc", "0.05", "--rr", "0.7")
    assert code == 0 and "558 completed interviews, issue 798" in out
    code, out, _ = run("plan", "mdc", "-n", "50", "--p1", "0.5", "--power", "0.9", "--json")
    assert code == 0 and json.loads(out)["p2"] == pytest.approx(0.8026, abs=5e-5)
    code, _, err = run("plan", "change", "--p1", "0.5")
    assert code == 1 and "--p2" in err
    code, _, err = run("plan", "proportion", "--moe", "0.05", "--deff", "2", "--icc", "0.1")
    assert code == 1


def test_help_texts() -> None:
    for cmd in (["simulate"], ["plan"], ["plan", "proportion"], ["plan", "mean"], ["plan", "change"],
                ["plan", "mdc"]):
        code, out, _ = run(*cmd, "--help")
        assert code == 0 and "Usage" in out
