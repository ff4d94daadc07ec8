"""LFS migration tables: the shipped plan on simulated LFS data, cells checked against direct pandas counts and the
textbook SRS-with-replacement variance formula, and plan mistakes reported with their line."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from surveymod.cli.main import _register, cli
from surveymod.errors import SurveyError
from surveymod.indicators.lfs_tables import load_plan, run_plan
from surveymod.questionnaire import load_valid
from surveymod.simulate import simulate

ROOT = Path(__file__).resolve().parents[2]
QN = ROOT / "questionnaires" / "lfs_migration.yaml"
PLAN = ROOT / "questionnaires" / "tabulation" / "lfs_migration_tables.yaml"
SHIPPED_IDS = {"T01", "T01a", "T02", "T03", "T04", "T05", "T06", "T07", "T08", "T09", "T10", "T11"}


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    """Simulated LFS migration data: 150 households, fixed seed."""
    return simulate(load_valid(QN), 150, seed=11).frames


@pytest.fixture(scope="module")
def shipped(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The shipped plan run on the simulated data."""
    plan, pos = load_plan(PLAN)
    return run_plan(plan, frames, file=str(PLAN), positions=pos, questionnaire=QN)


def test_every_table_every_cell_has_se_and_flag(shipped: dict[str, pd.DataFrame]) -> None:
    assert set(shipped) == SHIPPED_IDS
    for tid, t in shipped.items():
        assert len(t) > 0, tid
        assert t["se"].notna().all(), tid
        assert (t["se"] >= 0).all(), tid
        assert t["flag"].map(lambda f: f == "" or f.startswith(("warn:", "suppress:"))).all(), tid


def test_universe_15_74_respected(shipped: dict[str, pd.DataFrame], frames: dict[str, pd.DataFrame]) -> None:
    p = frames["person"]
    in_universe = p[(p["AGE"] >= 15) & (p["AGE"] <= 74) & p["MIGSTAT"].isin([1, 2, 3])]
    # employment rate by MIGSTAT x SEX: every person 15-74 with a known migration status counted exactly once
    assert shipped["T02"]["n"].sum() == len(in_universe)
    assert len(in_universe) < len(p[p["MIGSTAT"].isin([1, 2, 3])])  # the universe really excludes someone
    labels = {1: "Native background", 2: "Second generation", 3: "First generation"}
    t03 = shipped["T03"]
    assert len(t03) == in_universe["MIGSTAT"].nunique()
    for mig, g in in_universe.groupby("MIGSTAT"):
        cell = t03[t03["domain"].str.startswith(f"MIGSTAT={labels[int(mig)]}")]
        assert cell["n"].item() == len(g)
        # ILO unemployment rate = unemployed / labour force (hand count)
        assert cell["estimate"].item() == pytest.approx((g["ILOSTAT"] == 2).sum() / (g["ILOSTAT"] <= 2).sum())


def test_foreign_born_obstacle_table_counts(shipped: dict[str, pd.DataFrame], frames: dict[str, pd.DataFrame]) -> None:
    p = frames["person"]
    u = p[(p["AGE"] >= 15) & (p["AGE"] <= 74) & (p["COUNTRYB"] != 807) & p["JOBOBSTA"].notna()
          & (p["JOBOBSTA"] != 9)]  # 9 = not applicable, a missing code of the questionnaire
    t = shipped["T04"]
    for sex, label in ((1, "Male"), (2, "Female")):
        cells = t[t["domain"] == f"SEX={label}"]
        assert set(cells["n"]) == {int((u["SEX"] == sex).sum())}
        shares = u.loc[u["SEX"] == sex, "JOBOBSTA"].value_counts(normalize=True)
        for code, share in shares.items():
            assert cells.loc[cells["level"] == str(int(code)), "estimate"].item() == pytest.approx(share)


def _plan(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "plan.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def test_proportion_and_se_match_srs_with_replacement(tmp_path: Path, frames: dict[str, pd.DataFrame]) -> None:
    """Equal weights, no design: p = value_counts share, SE = sqrt(p(1-p)/(n-1)); inside a universe (domain of
    N sampled rows) the linearisation gives SE = sqrt(N/(N-1) * p(1-p)/n_d), worked out by hand below."""
    path = _plan(tmp_path, """\
tables:
  - {id: A, title: sex, level: person, stat: prop, variable: SEX}
  - {id: B, title: sex 15-74, level: person, universe: "15 <= AGE <= 74", stat: prop, variable: SEX}
""")
    plan, pos = load_plan(path)
    out = run_plan(plan, frames, file=str(path), positions=pos)
    sex = frames["person"]["SEX"]
    n = len(sex)
    p = float((sex == 2).mean())
    cell = out["A"][out["A"]["level"] == "2"].iloc[0]
    assert cell["estimate"] == pytest.approx(p)
    assert cell["se"] == pytest.approx(math.sqrt(p * (1 - p) / (n - 1)))
    assert cell["n"] == n
    age = frames["person"]["AGE"]
    dom = sex[(age >= 15) & (age <= 74)]
    pd_ = float((dom == 2).mean())
    cell = out["B"][out["B"]["level"] == "2"].iloc[0]
    assert cell["n"] == len(dom) < n
    assert cell["estimate"] == pytest.approx(pd_)
    assert cell["se"] == pytest.approx(math.sqrt(n / (n - 1) * pd_ * (1 - pd_) / len(dom)))


def test_unknown_variable_names_the_plan_line(tmp_path: Path, frames: dict[str, pd.DataFrame]) -> None:
    path = _plan(tmp_path, """\
tables:
  - id: A
    title: ok
    level: person
    variable: SEX
  - id: B
    title: bad
    level: person
    variable: SEX
    by: [NOSUCHVAR]
""")
    plan, pos = load_plan(path)
    with pytest.raises(SurveyError) as exc:
        run_plan(plan, frames, file=str(path), positions=pos)
    probs = exc.value.problems
    assert len(probs) == 1
    assert "NOSUCHVAR" in probs[0].message
    assert probs[0].location.file == str(path)
    assert probs[0].location.line == 10


def test_unknown_universe_variable_and_level(tmp_path: Path, frames: dict[str, pd.DataFrame]) -> None:
    path = _plan(tmp_path, """\
tables:
  - {id: A, title: a, level: person, universe: "AGEX >= 15", variable: SEX}
  - {id: B, title: b, level: household, variable: REMREC}
""")
    plan, pos = load_plan(path)
    with pytest.raises(SurveyError) as exc:
        run_plan(plan, frames, file=str(path), positions=pos)
    lines = {(p.location.line, "AGEX" in p.message or "household" in p.message) for p in exc.value.problems}
    assert lines == {(2, True), (3, True)}


def test_cli_writes_xlsx_sheets_and_html(tmp_path: Path, frames: dict[str, pd.DataFrame]) -> None:
    data = tmp_path / "data"
    data.mkdir()
    frames["main"].to_csv(data / "lfs.csv", index=False)
    frames["person"].to_csv(data / "lfs_person.csv", index=False)
    frames["emigrant"].to_csv(data / "lfs_emigrant.csv", index=False)
    _register()
    out = tmp_path / "out" / "tables.xlsx"
    res = CliRunner().invoke(cli, ["tables", str(data), "--plan", str(PLAN), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert set(load_workbook(out, read_only=True).sheetnames) == SHIPPED_IDS
    html = out.with_suffix(".html").read_text(encoding="utf-8")
    assert all(f"id='{t}'" in html for t in SHIPPED_IDS)


def test_cli_bad_plan_exit_1_with_line(tmp_path: Path, frames: dict[str, pd.DataFrame]) -> None:
    frames["person"].to_csv(tmp_path / "lfs_person.csv", index=False)
    frames["main"].to_csv(tmp_path / "lfs.csv", index=False)
    plan = _plan(tmp_path, "tables:\n  - id: A\n    title: a\n    level: person\n    variable: NOPE\n")
    _register()
    res = CliRunner().invoke(cli, ["tables", str(tmp_path / "lfs.csv"), "--plan", str(plan), "-o",
                                   str(tmp_path / "t.xlsx")])
    assert res.exit_code == 1
    assert "plan.yaml:5" in res.output and "NOPE" in res.output


def test_unreadable_universe_is_located(tmp_path: Path, frames: dict[str, pd.DataFrame]) -> None:
    path = _plan(tmp_path, "tables:\n  - id: A\n    title: a\n    level: person\n    universe: \"AGE.__class__ >= 1\"\n"
                           "    variable: SEX\n")
    plan, pos = load_plan(path)
    with pytest.raises(SurveyError) as exc:
        run_plan(plan, frames, file=str(path), positions=pos)
    assert [p.location.line for p in exc.value.problems] == [5]
    assert "cannot read the condition" in exc.value.problems[0].message
