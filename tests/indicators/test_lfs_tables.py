"""LFS migration tables: the shipped plan on simulated LFS data (drawn with the shipped LFS design), cells checked
against direct pandas sums of the household weights and the textbook SRS-with-replacement variance formula, and plan
mistakes reported with their line."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from surveymod.cli.main import _register, cli
from surveymod.errors import SurveyError
from surveymod.questionnaire import load_valid
from surveymod.simulate import load_sample_design, simulate
from surveymod.tables import load_plan, run_plan

ROOT = Path(__file__).resolve().parents[2]
QN = ROOT / "questionnaires" / "lfs_migration.yaml"
PLAN = ROOT / "questionnaires" / "tabulation" / "lfs_migration_tables.yaml"
DESIGN = ROOT / "examples" / "designs" / "lfs_design.yaml"
SHIPPED_IDS = {"T01", "T01a", "T02", "T03", "T04", "T05", "T06", "T07", "T08", "T09", "T10", "T11"}


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    """Simulated LFS migration data: 400 households drawn with the shipped LFS design (stratum, psu and the
    household design weight dweight on the household file only), fixed seed."""
    return simulate(load_valid(QN), 400, seed=11, design=load_sample_design(DESIGN)).frames


def _weighted(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Persons with their household's design weight, joined by hand (pandas merge on HHID)."""
    out = frames["person"].merge(frames["main"][["HHID", "dweight"]], on="HHID", how="left", validate="m:1")
    assert out["dweight"].notna().all()
    return out


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
    p = _weighted(frames)
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
        # ILO unemployment rate = weighted unemployed / weighted labour force (household weights, by hand)
        w = g["dweight"]
        assert cell["estimate"].item() == pytest.approx((w * (g["ILOSTAT"] == 2)).sum() / (w * (g["ILOSTAT"] <= 2)).sum())


def test_foreign_born_obstacle_table_counts(shipped: dict[str, pd.DataFrame], frames: dict[str, pd.DataFrame]) -> None:
    p = _weighted(frames)
    u = p[(p["AGE"] >= 15) & (p["AGE"] <= 74) & (p["COUNTRYB"] != 807) & p["JOBOBSTA"].notna()
          & (p["JOBOBSTA"] != 9)]  # 9 = not applicable, a missing code of the questionnaire
    t = shipped["T04"]
    for sex, label in ((1, "Male"), (2, "Female")):
        cells = t[t["domain"] == f"SEX={label}"]
        assert set(cells["n"]) == {int((u["SEX"] == sex).sum())}
        g = u[u["SEX"] == sex]
        shares = g.groupby("JOBOBSTA")["dweight"].sum() / g["dweight"].sum()  # weighted shares
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


def test_an_empty_universe_is_named(tmp_path: Path, frames: dict[str, pd.DataFrame]) -> None:
    path = _plan(tmp_path, """\
tables:
  - {id: A, title: a, level: person, universe: "AGE > 200", variable: SEX}
""")
    plan, pos = load_plan(path)
    with pytest.raises(SurveyError, match=r"table 'A': no rows in the universe 'AGE > 200'"):
        run_plan(plan, frames, file=str(path), positions=pos)


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
    assert all(f'id="{t}"' in html for t in SHIPPED_IDS)


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


def test_population_tables_are_weighted_totals(shipped: dict[str, pd.DataFrame],
                                               frames: dict[str, pd.DataFrame]) -> None:
    """Issue 18: T01a said "(persons)" but counted sampled rows. Each cell must be the sum of the household design
    weights of its persons (15-74), and every shipped table must say it is weighted."""
    p = _weighted(frames)
    u = p[(p["AGE"] >= 15) & (p["AGE"] <= 74) & p["MIGSTAT"].isin([1, 2, 3])]
    t = shipped["T01a"]
    assert "weighted" in t["title"].iloc[0]
    labels = {1: "Native background", 2: "Second generation", 3: "First generation"}
    for (mig, sex), g in u.groupby(["MIGSTAT", "SEX"]):
        cell = t[t["domain"].str.startswith(f"MIGSTAT={labels[int(mig)]}")
                 & t["domain"].str.endswith(f"SEX={'Male' if sex == 1 else 'Female'}")]
        assert cell["n"].item() == len(g)
        assert cell["estimate"].item() == pytest.approx(g["dweight"].sum())
        assert cell["estimate"].item() > 20 * len(g)  # a population figure, not a sample count
    em = frames["emigrant"].merge(frames["main"][["HHID", "dweight"]], on="HHID", validate="m:1")
    t10 = shipped["T10"]
    stated = em["EMREAS"].isin([1, 2, 3, 4, 5]) & em["EMSEX"].isin([1, 2])  # 8 = don't know (questionnaire)
    assert t10["estimate"].sum() == pytest.approx(em.loc[stated, "dweight"].sum())
    for tid, table in shipped.items():
        assert set(table["weight"]) == {"weighted (dweight)"}, tid


def test_shipped_plan_names_the_module_as_the_regulation_does() -> None:
    """The 2021 module is the eight-yearly detailed topic LF8YA (Reg. (EU) 2019/1700, Delegated Reg. 2020/256;
    ../shared/reference/lfs_migration_module.md §0.2), not an ad hoc subject."""
    text = PLAN.read_text(encoding="utf-8")
    assert "LF8YA" in text and "eight-yearly" in text
    assert "ad-hoc" not in text.lower() and "ad hoc module" not in text.lower()


def test_total_without_weight_is_refused_at_its_line(tmp_path: Path, frames: dict[str, pd.DataFrame]) -> None:
    path = _plan(tmp_path, """\
derive:
  POP: {expr: "AGE >= 0", level: person}
tables:
  - {id: A, title: shares, level: person, stat: prop, variable: SEX}
  - id: B
    title: persons
    level: person
    stat: total
    variable: POP
""")
    plan, pos = load_plan(path)
    with pytest.raises(SurveyError) as exc:
        run_plan(plan, frames, file=str(path), positions=pos)
    [prob] = exc.value.problems
    assert prob.rule == "tables-total-unweighted" and prob.location.line == 8 and "needs a weight" in prob.message


def test_unweighted_table_says_so(tmp_path: Path, frames: dict[str, pd.DataFrame]) -> None:
    path = _plan(tmp_path, "tables:\n  - {id: A, title: sex, level: person, stat: prop, variable: SEX}\n")
    plan, pos = load_plan(path)
    out = run_plan(plan, frames, file=str(path), positions=pos)
    assert set(out["A"]["weight"]) == {"unweighted (sample counts and shares, not population estimates)"}
    from surveymod.tables import tables_html

    assert "<strong>unweighted (sample counts" in tables_html(out, "t")


def test_weight_missing_from_data_is_located(tmp_path: Path, frames: dict[str, pd.DataFrame]) -> None:
    path = _plan(tmp_path, """\
design:
  weight: COEFFMOD
key: HHID
tables:
  - {id: A, title: sex, level: person, stat: prop, variable: SEX}
""")
    plan, pos = load_plan(path)
    with pytest.raises(SurveyError) as exc:
        run_plan(plan, frames, file=str(path), positions=pos)
    [prob] = exc.value.problems
    assert prob.location.line == 2 and "COEFFMOD" in prob.message and "person data" in prob.message
    # without `key` the household weight cannot reach the person roster: said so, not silently unweighted
    path = _plan(tmp_path, "design: {weight: dweight}\ntables:\n  - {id: A, title: s, level: person, stat: prop, "
                           "variable: SEX}\n")
    plan, pos = load_plan(path)
    with pytest.raises(SurveyError, match="set 'key'"):
        run_plan(plan, frames, file=str(path), positions=pos)


def test_lfs_design_households_follow_the_census(frames: dict[str, pd.DataFrame]) -> None:
    """examples/designs/lfs_design.yaml: households per region = Census 2021 residents (MakStat T1003P21, summed
    from tests/data/census_mk/region_sex_age_2021.csv) / 3.0; the design weights of a simulated sample add up to
    them in every region, so the weighted tables are population figures."""
    census = pd.read_csv(ROOT / "tests" / "data" / "census_mk" / "region_sex_age_2021.csv")
    residents = census.groupby("nuts3")["population"].sum()
    assert residents.sum() == 1_836_713
    households = {int(k[-1]): round(v / 3.0) for k, v in residents.items()}  # MK00k -> REGION k
    got = frames["main"].groupby("REGION")["dweight"].sum()
    for region, n in households.items():
        assert got[region] == pytest.approx(n, abs=1), region


def test_declared_missing_codes_are_blank_in_derived_variables_too(frames: dict[str, pd.DataFrame]) -> None:
    """A YEARESID of 99 declared missing (--missing 99) gives exactly the tables of a blank YEARESID: the code
    reaches neither a derived duration band nor a cell (review finding: derived variables used raw codes)."""
    from surveymod.data.meta import from_questionnaire
    from surveymod.data.reader import Dataset

    person = frames["person"]
    answered = person.index[person["YEARESID"].notna()][:40]
    assert len(answered) == 40
    planted = {**frames, "person": person.assign(YEARESID=person["YEARESID"].where(
        ~person.index.isin(answered), 99.0))}
    blank = {**frames, "person": person.assign(YEARESID=person["YEARESID"].where(
        ~person.index.isin(answered), np.nan))}
    meta = from_questionnaire(load_valid(QN))
    plan, pos = load_plan(PLAN)
    declared = Dataset(frames=planted, meta=meta).declare_missing([99.0])
    got = run_plan(plan, declared, file=str(PLAN), positions=pos)
    want = run_plan(plan, Dataset(frames=blank, meta=meta), file=str(PLAN), positions=pos)
    for tid in want:
        pd.testing.assert_frame_equal(got[tid], want[tid], obj=tid)


def test_plan_columns_are_what_the_shipped_plan_uses():
    from surveymod.tables import load_plan, plan_columns

    plan, _ = load_plan(Path(__file__).parents[2] / "questionnaires" / "tabulation" / "lfs_migration_tables.yaml")
    used = plan_columns(plan)
    design = [c for c in (plan.design.weight, plan.design.strata, plan.design.psu, plan.key) if c]
    assert all(used(c) for c in design)
    for t in plan.tables:
        assert all(used(c) for c in [*t.by, *([t.variable] if t.variable else [])]), t.id
    assert not used("resp_name") and not used("NOT_A_COLUMN")


def test_a_ratio_table_that_also_names_a_variable_uses_the_ratio_in_its_universe(tmp_path: Path,
                                                                               frames: dict[str, pd.DataFrame]
                                                                               ) -> None:
    """`variable:` beside `ratio:` changes nothing: both ratio columns are read and both are cut to the universe
    (by hand: the ratio of the two sums over the universe rows, equal weights)."""
    path = _plan(tmp_path, """\
derive:
  ONE: {expr: "AGE >= 0", level: person}
  MALE: {expr: "SEX = 1", level: person}
tables:
  - {id: R, title: men per person 15-74, level: person, universe: "15 <= AGE <= 74", stat: ratio,
     ratio: [MALE, ONE]}
  - {id: RV, title: the same naming a variable, level: person, universe: "15 <= AGE <= 74", stat: ratio,
     variable: MALE, ratio: [MALE, ONE]}
""")
    plan, pos = load_plan(path)
    out = run_plan(plan, frames, file=str(path), positions=pos)
    person = frames["person"]
    inside = person["AGE"].between(15, 74)
    want = float((person.loc[inside, "SEX"] == 1).sum() / inside.sum())
    for tid in ("R", "RV"):
        assert out[tid]["estimate"].iloc[0] == pytest.approx(want), tid
    assert out["RV"]["se"].iloc[0] == pytest.approx(out["R"]["se"].iloc[0])


@pytest.mark.parametrize("main_keys,roster_keys", [
    (["h1", "h2", "h3", "h2"], ["h2", "h9", "h1", "h3", "h2"]),  # text; a roster key with no household; a repeat
    ([1.0, 2.0, 3.0, 2.0], [2, 9, 1, 3, 2]),  # the main file's keys read as floats, the roster's as integers
])
def test_design_columns_are_carried_by_household_key(main_keys: list, roster_keys: list) -> None:
    """Each roster row gets its household's design columns (the first household row with its key); a row whose
    household is not in the main data gets a missing value (check_plan then reports it)."""
    from surveymod.tables import Plan, carry_design

    plan = Plan.model_validate({"design": {"strata": "st", "psu": "ea", "weight": "w"}, "key": "HHID",
                                "tables": [{"id": "T", "title": "Age", "level": "person", "stat": "mean",
                                            "variable": "AGE"}]})
    main = pd.DataFrame({"HHID": main_keys, "st": ["a", "b", "c", "z"], "ea": [10, 20, 30, 99],
                         "w": [1.5, 2.5, 3.5, 9.9]})
    person = pd.DataFrame({"HHID": roster_keys, "AGE": [30, 40, 50, 60, 70]})
    out = carry_design({"main": main, "person": person}, plan)["person"]
    assert list(out.columns) == ["HHID", "AGE", "w", "st", "ea"]
    assert out["st"].tolist()[:1] + out["st"].tolist()[2:] == ["b", "a", "c", "b"] and pd.isna(out["st"].iloc[1])
    np.testing.assert_array_equal(out["w"].to_numpy(), [2.5, np.nan, 1.5, 3.5, 2.5])
    assert list(person.columns) == ["HHID", "AGE"]  # the input is not changed
