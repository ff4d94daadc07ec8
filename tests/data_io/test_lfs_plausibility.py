"""Plausibility rules of the LFS migration module: implausible records planted in simulated data are caught by
``surveymod check`` with their row and variable; the untouched simulated data pass.

The planted cases are those of the issue, worked out by hand: a 3-year-old who arrived in 1908 (YEARESID 114:
arrival before birth, duration of stay longer than the age); a return year 11 years before the interview, outside
the question's 10-year window (while 10 years before is inside); two reference persons in one household; a father
line pointing at a younger member; a mother line pointing at a line that is not in the household.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from surveymod.cli.main import _register, cli
from surveymod.data import check, read
from surveymod.questionnaire import load_valid
from surveymod.simulate import simulate

ROOT = Path(__file__).resolve().parents[2]
QN = ROOT / "questionnaires" / "lfs_migration.yaml"
MK = 807


def write_frames(frames: dict[str, pd.DataFrame], folder: Path, stem: str = "lfs") -> Path:
    """The levels as <stem>.csv (households) and <stem>_<level>.csv (rosters); returns the household file."""
    folder.mkdir(parents=True, exist_ok=True)
    for level, frame in frames.items():
        name = f"{stem}.csv" if level == "main" else f"{stem}_{level}.csv"
        frame.to_csv(folder / name, index=False)
    return folder / f"{stem}.csv"


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return {k: v.copy() for k, v in simulate(load_valid(QN), 200, seed=21).frames.items()}


def _problems(frames: dict[str, pd.DataFrame], tmp_path: Path) -> pd.DataFrame:
    return check(read(write_frames(frames, tmp_path), QN)).problems


def test_simulated_lfs_passes_check(frames: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    probs = _problems(frames, tmp_path)
    assert probs[probs["severity"] == "error"].empty, probs.head(10).to_string()
    p = frames["person"]
    # the simulator respects the cross-row rules: one reference person per household ...
    assert (p.groupby("HHID")["HHLINK"].apply(lambda s: int((s == 1).sum())) == 1).all()
    # ... parents on other lines are older, of the parent's sex, and their country of birth is copied
    for var, cob, sex in (("HHFATH", "COBFATH", 1), ("HHMOTH", "COBMOTH", 2)):
        linked = p[p[var] > 0].merge(p[["HHID", "LINENO", "AGE", "SEX", "COUNTRYB"]], left_on=["HHID", var],
                                     right_on=["HHID", "LINENO"], suffixes=("", "_parent"))
        assert len(linked) == int((p[var] > 0).sum()) > 10
        assert (linked["AGE_parent"] > linked["AGE"]).all()
        assert (linked["SEX_parent"] == sex).all()
        asked = linked[linked[cob].notna()]
        assert len(asked) and (asked[cob] == asked["COUNTRYB_parent"]).all()
    assert probs[probs["severity"] == "warning"].empty, probs.head(10).to_string()


def _has(probs: pd.DataFrame, row: int, variable: str, rule: str) -> bool:
    hit = probs[(probs["level"] == "person") & (probs["row"] == row) & (probs["variable"] == variable)
                & (probs["rule"] == rule) & (probs["severity"] == "error")]
    return len(hit) > 0


def test_planted_implausible_records_are_caught_with_row_and_variable(frames: dict[str, pd.DataFrame],
                                                                      tmp_path: Path) -> None:
    f = {k: v.copy() for k, v in frames.items()}
    p, main = f["person"], f["main"]
    intyear = p["HHID"].map(main.set_index("HHID")["INTYEAR"])

    # 1. a 3-year-old foreign-born child who "arrived in 1908": YEARESID = INTYEAR - 1908 (114 in 2022)
    foreign = p.index[p["COUNTRYB"].notna() & (p["COUNTRYB"] != MK) & (p["AGE"] < 15)]
    assert len(foreign), "the seed must give a foreign-born child"
    i = foreign[0]
    p.loc[i, ["AGE", "YEARARRIV", "MONTHARRIV"]] = [3, 1908, np.nan]
    p.loc[i, "YEARESID"] = intyear[i] - 1908
    assert p.loc[i, "YEARESID"] >= 112
    # 2. return year 11 years before the interview (outside "the last 10 years"); another at exactly 10 (inside)
    ret = p.index[p["RETWORK"].isin([1, 2])]
    assert len(ret) >= 2
    j, j_ok = ret[0], ret[1]
    p.loc[j, "RETYEAR"] = intyear[j] - 11
    p.loc[j_ok, "RETYEAR"] = intyear[j_ok] - 10
    # 3. two reference persons: line 2 of a household of 3+ also declared reference person
    sizes = p.groupby("HHID")["LINENO"].transform("size")
    hh = p.loc[(sizes >= 3) & (p["HHID"] != p.loc[i, "HHID"]), "HHID"].iloc[0]
    r1 = p.index[(p["HHID"] == hh) & (p["LINENO"] == 1)][0]
    r2 = p.index[(p["HHID"] == hh) & (p["LINENO"] == 2)][0]
    p.loc[r2, "HHLINK"] = 1
    # 4. father line pointing at a member who is not older (in another household, to keep cases apart)
    others = p[(sizes >= 2) & ~p["HHID"].isin([hh, p.loc[i, "HHID"]])]
    hh2 = others["HHID"].iloc[0]
    a = p.index[(p["HHID"] == hh2) & (p["LINENO"] == 1)][0]
    b = p.index[(p["HHID"] == hh2) & (p["LINENO"] == 2)][0]
    young, old = (a, b) if p.loc[a, "AGE"] <= p.loc[b, "AGE"] else (b, a)
    p.loc[old, "HHFATH"] = p.loc[young, "LINENO"]
    # 5. mother line pointing at a line that is not in the household (its last member's row is missing)
    hh3 = p.loc[(sizes >= 3) & ~p["HHID"].isin([hh, hh2, p.loc[i, "HHID"]]), "HHID"].iloc[0]
    last = p.index[p["HHID"] == hh3][-1]
    first = p.index[(p["HHID"] == hh3) & (p["LINENO"] == 1)][0]
    p.loc[first, "HHMOTH"] = p.loc[last, "LINENO"]
    p = p.drop(index=last)
    rows = {k: int(p.index.get_loc(k)) + 1 for k in (i, j, j_ok, r1, r2, old, first)}  # 1-based data rows
    f["person"] = p.reset_index(drop=True)

    probs = _problems(f, tmp_path)
    assert _has(probs, rows[i], "YEARARRIV", "constraint")          # arrival before birth
    assert _has(probs, rows[i], "YEARESID", "constraint")           # 114 years of stay at age 3
    assert _has(probs, rows[j], "RETYEAR", "constraint")            # outside the 10-year window
    assert not _has(probs, rows[j_ok], "RETYEAR", "constraint")     # 10 years ago is inside
    assert _has(probs, rows[r1], "HHLINK", "reference-person")
    assert _has(probs, rows[r2], "HHLINK", "reference-person")
    assert _has(probs, rows[old], "HHFATH", "parent-line")
    assert _has(probs, rows[first], "HHMOTH", "parent-line")
    msg = probs[(probs["row"] == rows[first]) & (probs["rule"] == "parent-line")]["message"].item()
    assert "no such line" in msg
    # nothing else is reported by the new household rules
    household = probs[probs["rule"].isin(["reference-person", "parent-line"])]
    assert set(zip(household["row"], household["variable"], strict=True)) == {
        (rows[r1], "HHLINK"), (rows[r2], "HHLINK"), (rows[old], "HHFATH"), (rows[first], "HHMOTH")}


def test_parent_of_the_wrong_sex_or_another_country_of_birth_is_a_warning(frames: dict[str, pd.DataFrame],
                                                                         tmp_path: Path) -> None:
    f = {k: v.copy() for k, v in frames.items()}
    p = f["person"]
    linked = p.index[(p["HHFATH"] > 0) & p["COBFATH"].notna()]
    i = linked[0]
    father = p.index[(p["HHID"] == p.loc[i, "HHID"]) & (p["LINENO"] == p.loc[i, "HHFATH"])][0]
    p.loc[father, "SEX"] = 2                                          # the "father" is a woman
    p.loc[i, "COBFATH"] = 300 if p.loc[father, "COUNTRYB"] != 300 else 8  # not the father's own answer
    probs = _problems(f, tmp_path)
    row = int(p.index.get_loc(i)) + 1
    sev = probs[(probs["row"] == row) & probs["rule"].isin(["parent-sex", "parent-country"])]
    assert set(zip(sev["variable"], sev["rule"], sev["severity"], strict=True)) == {
        ("HHFATH", "parent-sex", "warning"), ("COBFATH", "parent-country", "warning")}


def test_household_without_reference_person_and_cli_exit(frames: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    f = {k: v.copy() for k, v in frames.items()}
    p = f["person"]
    hh = p["HHID"].iloc[0]
    p.loc[(p["HHID"] == hh) & (p["HHLINK"] == 1), "HHLINK"] = 5
    data = write_frames(f, tmp_path)
    _register()
    res = CliRunner().invoke(cli, ["check", str(data), "-q", str(QN)])
    assert res.exit_code == 1
    assert "no reference person" in res.output and "reference-person" in res.output
