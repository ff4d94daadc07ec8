"""Issue 26: LFS data a statistics office would accept.

Hand-made households break each declared plausibility rule of ``questionnaires/lfs_migration.yaml`` (the expected
outcome worked out by hand from the rule's definition), derived variables are recomputed by ``check`` and by the
EU-LFS export, YEARESID 999 is missing for analysis, a missing roster table is an error, and the simulated LFS passes
``check`` with 0 errors and its EU-LFS file the validation rules.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from click.testing import CliRunner

from surveymod.cli.main import _register, cli
from surveymod.data import check, read
from surveymod.questionnaire import load_valid, loads
from surveymod.questionnaire.lint import lint
from surveymod.simulate import simulate

from .test_lfs_plausibility import write_frames

ROOT = Path(__file__).resolve().parents[2]
QN = ROOT / "questionnaires" / "lfs_migration.yaml"
MK = 807


@pytest.fixture(scope="module")
def base() -> dict[str, pd.DataFrame]:
    """Simulated households (valid: the test below proves it) to plant hand-made households into."""
    return {k: v.copy() for k, v in simulate(load_valid(QN), 300, seed=26).frames.items()}


def _run(args: list[str]) -> tuple[int, str]:
    _register()
    res = CliRunner().invoke(cli, args)
    return res.exit_code, res.output


def _problems(frames: dict[str, pd.DataFrame], tmp_path: Path) -> pd.DataFrame:
    return check(read(write_frames(frames, tmp_path), QN)).problems


def test_simulated_lfs_passes_check_and_respects_the_rules(base: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    probs = _problems(base, tmp_path)
    assert probs[probs["severity"] == "error"].empty, probs.head(10).to_string()
    p, em = base["person"], base["emigrant"]
    assert (p.loc[p["HHLINK"] == 1, "AGE"] >= 15).all()          # issue: 483 reference persons under 15
    mothers = p[p["HHMOTH"] > 0].merge(p[["HHID", "LINENO", "AGE"]], left_on=["HHID", "HHMOTH"],
                                       right_on=["HHID", "LINENO"], suffixes=("", "_m"))
    assert len(mothers) > 10 and (mothers["AGE_m"] - mothers["AGE"] >= 15).all()
    assert em["EMAGE"].max() <= 100                               # issue: 772 emigrants aged 100+


def _row(p: pd.DataFrame, hh: float, line: int) -> int:
    return int(np.flatnonzero((p["HHID"] == hh).to_numpy() & (p["LINENO"] == line).to_numpy())[0])


def _households(p: pd.DataFrame, size: int, k: int) -> list[float]:
    sizes = p.groupby("HHID")["LINENO"].size()
    return list(sizes.index[sizes >= size][:k])


def test_hand_made_households_break_each_rule(base: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    f = {k: v.copy() for k, v in base.items()}
    p, em, main = f["person"], f["emigrant"], f["main"]
    year = dict(zip(main["HHID"], main["INTYEAR"], strict=True))
    h = _households(p, 3, 8)
    cases: list[tuple[str, int, str, str]] = []   # (level, row, rule, severity)
    # A: reference person (line 1) aged 12 -> reference-person-age
    r = _row(p, h[0], 1)
    p.loc[r, "AGE"] = 12
    cases.append(("person", r, "reference-person-age", "error"))
    # B: the reference person recorded on line 2 -> reference-person-line (and line 1 not 1)
    p.loc[_row(p, h[1], 1), "HHLINK"] = 5
    r = _row(p, h[1], 2)
    p.loc[r, ["HHLINK", "AGE"]] = [1, 40]
    cases.append(("person", r, "reference-person-line", "error"))
    # C: partner of the reference person aged 11 -> partner-age
    r = _row(p, h[2], 2)
    p.loc[r, ["HHLINK", "AGE"]] = [2, 11]
    cases.append(("person", r, "partner-age", "error"))
    # D: mother (line 2, 30) of a child (line 3, 25): gap 5 < 12 -> mother-age-gap; also < 15 -> warning
    m, c = _row(p, h[3], 2), _row(p, h[3], 3)
    p.loc[m, ["SEX", "AGE", "HHMOTH", "HHFATH"]] = [2, 30, 0, 0]
    p.loc[c, ["AGE", "HHMOTH", "HHFATH"]] = [25, 2, 0]
    cases += [("person", c, "mother-age-gap", "error"), ("person", c, "mother-age-gap-usual", "warning")]
    # E: mother 13 years older (12 <= 13 < 15): only the warning
    m, c = _row(p, h[4], 2), _row(p, h[4], 3)
    p.loc[m, ["SEX", "AGE", "HHMOTH", "HHFATH"]] = [2, 40, 0, 0]
    p.loc[c, ["AGE", "HHMOTH", "HHFATH"]] = [27, 2, 0]
    cases.append(("person", c, "mother-age-gap-usual", "warning"))
    no_error_row = c
    # F: father (line 2, 50) of line 3 aged 40: gap 10 -> father-age-gap
    fa, c = _row(p, h[5], 2), _row(p, h[5], 3)
    p.loc[fa, ["SEX", "AGE", "HHMOTH", "HHFATH"]] = [1, 50, 0, 0]
    p.loc[c, ["AGE", "HHFATH", "HHMOTH"]] = [40, 2, 0]
    cases.append(("person", c, "father-age-gap", "error"))
    # G: an employment migrant aged 20 who arrived 10 years ago (aged 10) -> work-migrant-age
    r = _row(p, h[6], 1)
    y = year[h[6]]
    p.loc[r, ["AGE", "COUNTRYB", "ALWAYSLIVED", "YEARARRIV", "MONTHARRIV", "YEARESID", "MIGREAS"]] = \
        [20, 688, np.nan, y - 10, np.nan, 10, 1]
    cases.append(("person", r, "work-migrant-age", "warning"))
    # H: a return migrant aged 16 who came back 5 years ago (aged 11) -> return-migrant-age
    r = _row(p, h[7], 1)
    p.loc[r, ["AGE", "RETWORK", "RETYEAR", "RETCNTRY", "RETREAS"]] = [16, 1, year[h[7]] - 5, 276, 1]
    cases.append(("person", r, "return-migrant-age", "warning"))
    # I-K: emigrants: aged 104; left for work 10 years ago aged 20 - 10 = 10; tertiary education, left aged 15
    e = em.index[:3]
    ey = em.loc[e, "HHID"].map(year)
    em.loc[e[0], "EMAGE"] = 104
    em.loc[e[1], ["EMAGE", "EMYEAR", "EMREAS"]] = [20, ey[e[1]] - 10, 1]
    em.loc[e[2], ["EMAGE", "EMYEAR", "EMEDUC", "EMREAS"]] = [20, ey[e[2]] - 5, 3, 3]
    cases += [("emigrant", 0, "emigrant-age", "error"), ("emigrant", 1, "emigrant-age-at-leaving", "warning"),
              ("emigrant", 2, "emigrant-tertiary-age", "warning")]

    probs = _problems(f, tmp_path)
    for level, row, rule, severity in cases:
        hit = probs[(probs["level"] == level) & (probs["row"] == row + 1) & (probs["rule"] == rule)]
        assert len(hit) == 1 and hit["severity"].iloc[0] == severity, (rule, probs[probs["row"] == row + 1])
        assert "household" in hit["message"].iloc[0]
        if level == "person":
            assert f"line {int(p.loc[row, 'LINENO'])}" in hit["message"].iloc[0]
    assert probs[(probs["level"] == "person") & (probs["row"] == no_error_row + 1)
                 & (probs["rule"] == "mother-age-gap")].empty
    declared = {r.name for r in load_valid(QN).rules}
    assert declared == {c[2] for c in cases} | {"father-age-gap-usual"}   # every rule is exercised (F too)
    assert len(probs[(probs["row"] == _row(p, h[5], 3) + 1) & (probs["rule"] == "father-age-gap-usual")]) == 1


def test_rules_are_validated_with_their_yaml_line() -> None:
    text = QN.read_text(encoding="utf-8") + (
        "  - name: bad-rule\n    roster: persons\n    check: \"AGEE >= 15\"\n    message: \"x\"\n"
        "  - name: bad-related\n    roster: persons\n    related: {mother: REGION}\n"
        "    check: \"mother_AGE > AGE\"\n    message: \"x\"\n")
    probs = [p for p in lint(loads(text, "lfs.yaml")) if p.rule in ("rule", "expression-syntax")]
    msgs = " | ".join(str(p) for p in probs)
    assert "unknown variable 'AGEE'" in msgs and "REGION" in msgs
    assert all(p.location.line for p in probs)


def test_derived_yearesid_recomputed_by_check_and_export(base: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    f = {k: v.copy() for k, v in base.items()}
    p, main = f["person"], f["main"]
    r = int(np.flatnonzero(p["COUNTRYB"].to_numpy() != MK)[0])
    hh = p.loc[r, "HHID"]
    intyear = int(main.loc[main["HHID"] == hh, "INTYEAR"].iloc[0])
    # arrived 42 full years before the interview year, month not stated: YEARESID = 42 (by hand); stored as 3
    p.loc[r, ["AGE", "YEARARRIV", "MONTHARRIV", "YEARESID", "COUNTRPR"]] = [60, intyear - 42, np.nan, 3, np.nan]
    probs = _problems(f, tmp_path / "in")
    hit = probs[(probs["row"] == r + 1) & (probs["rule"] == "derived-mismatch")]
    assert list(hit["variable"]) == ["YEARESID"] and " 42," in hit["message"].iloc[0]
    main["w"] = 100.0
    code, out = _run(["export", str(write_frames(f, tmp_path / "in")), "-q", str(QN), "--to", "eulfs",
                      "-o", str(tmp_path / "t.csv"), "--coeff", "w"])
    assert code == 0, out
    assert "YEARESID: 1 stored value(s) differ" in out
    t = pd.read_csv(tmp_path / "t.csv", dtype=str, keep_default_na=False)
    assert t.loc[r, "YEARESID"] == "042"                          # not 003


def test_yearesid_999_is_missing_in_estimates_and_exports(base: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    data = write_frames(base, tmp_path / "in")
    person = tmp_path / "in" / "lfs_person.csv"
    y = base["person"]["YEARESID"]
    expected = y[y < 999].mean()                                  # pandas, no design: the plain mean of durations
    assert (y == 999).sum() > 100 and expected < 60
    code, out = _run(["estimate", str(person), "-q", str(QN), "--mean", "YEARESID", "-o", str(tmp_path / "e.csv")])
    assert code == 0, out
    est = pd.read_csv(tmp_path / "e.csv")
    assert est["estimate"].iloc[0] == pytest.approx(expected, rel=1e-12)
    code, out = _run(["export", str(data), "-q", str(QN), "-o", str(tmp_path / "x" / "lfs.sav")])
    assert code == 0, out
    df, _ = pyreadstat.read_sav(str(tmp_path / "x" / "lfs_person.sav"), user_missing=False)
    assert df["YEARESID"].mean() == pytest.approx(expected, rel=1e-12)      # 999 read back as missing
    code, out = _run(["export", str(data), "-q", str(QN), "-o", str(tmp_path / "x" / "lfs.dta")])
    assert code == 0, out
    dta, _ = pyreadstat.read_dta(str(tmp_path / "x" / "lfs_person.dta"))
    assert dta["YEARESID"].mean() == pytest.approx(expected, rel=1e-12)    # 999 is an extended missing value


def test_missing_roster_table_is_an_error(base: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    frames = {k: v for k, v in base.items() if k != "person"}
    data = write_frames(frames, tmp_path)
    code, out = _run(["check", str(data), "-q", str(QN)])
    assert code == 1
    assert "person" in out and "missing-table" in out and "lfs_person.csv" in out
