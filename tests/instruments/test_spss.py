"""SPSS syntax: MISSING VALUES rules (hand-worked) and real runs in PSPP, asserting on its dictionary output."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path

import pytest

from surveymod.instruments.spss import build_spss, missing_spec
from surveymod.questionnaire import loads
from surveymod.questionnaire.dictionary import data_dictionary, raw_columns
from surveymod.questionnaire.model import Questionnaire
from surveymod.syntax.spss import spss_string, starts_comment

from .conftest import ALL_FILES, file_id, loaded

needs_pspp = pytest.mark.skipif(shutil.which("pspp") is None, reason="PSPP (`pspp`) is not installed")

MINI = """
id: mini
title: Mini
version: '1'
choices:
  five_missing:
    - {code: 1, label: A}
    - {code: 5, label: B}
    - {code: 2, label: DK, missing: dont_know}
    - {code: 3, label: RF, missing: refusal}
    - {code: 7, label: NA, missing: not_applicable}
    - {code: 8, label: NS, missing: not_stated}
  range_plus_one:
    - {code: 1, label: A}
    - {code: 3, label: B}
    - {code: 2, label: DK, missing: dont_know}
    - {code: 7, label: RF, missing: refusal}
    - {code: 8, label: NA, missing: not_applicable}
    - {code: 9, label: NS, missing: not_stated}
sections:
  - name: s
    items:
      - {name: a, type: select_one, choices: five_missing, label: A}
      - {name: b, type: select_one, choices: range_plus_one, label: B}
      - name: n
        type: integer
        label: N
        min: 0
        max: 100
        choices:
          - {code: 997, label: DK, missing: dont_know}
          - {code: 998, label: RF, missing: refusal}
          - {code: 999, label: NA, missing: no_answer}
          - {code: 9999, label: NS, missing: not_stated}
"""


def test_missing_values_fit_spss_limits(household: Questionnaire) -> None:
    d = data_dictionary(household)
    assert missing_spec(d.variable("work")) == ("8, 9", [])
    assert missing_spec(d.variable("trust")) == ("6 THRU 9", [])  # 4 codes, contiguous, no substantive inside
    assert missing_spec(d.variable("sex")) == (None, [])
    qn = loads(MINI)
    m = data_dictionary(qn)
    # 2, 3, 7, 8 with substantive 5 between: no range possible -> first three kept, 8 reported
    assert missing_spec(m.variable("a")) == ("2, 3, 7", [8])
    # 2..9 would include the substantive 3: range 7..9 plus the single value 2
    assert missing_spec(m.variable("b")) == ("7 THRU 9, 2", [])
    # 997..9999 above the valid range 0..100: one range covers them all
    assert missing_spec(m.variable("n")) == ("997 THRU 9999", [])


def test_quoting_and_comment_words() -> None:
    assert spss_string("Don't") == "'Don''t'"
    long = spss_string("x" * 400)
    assert long.count("'") == 6 and "\n    + " in long  # three pieces joined with +
    assert starts_comment("comment") and starts_comment("COMM") and starts_comment("doc")
    assert not starts_comment("com") and not starts_comment("comments") and not starts_comment("docnum")


def test_dropped_missing_code_is_reported() -> None:
    s = build_spss(loads(MINI))
    assert [p.rule for p in s.problems] == ["spss-missing-values"]
    assert "codes 8 of 'a'" in s.problems[0].message


def _run_pspp(workdir: Path, sps: str, extra: str = "") -> tuple[str, str]:
    (workdir / "job.sps").write_text(sps + extra, encoding="utf-8")
    run = subprocess.run(["pspp", "-O", "format=csv", "-o", "out.csv", "job.sps"], cwd=workdir,
                         capture_output=True, text=True, timeout=120)
    out = (workdir / "out.csv").read_text(encoding="utf-8") if (workdir / "out.csv").exists() else ""
    log = run.stdout + run.stderr + out
    assert run.returncode == 0, log
    assert "warning:" not in log.lower() and "error:" not in log.lower(), log
    return out, log


def _tables(out: str) -> dict[str, list[list[str]]]:
    tables: dict[str, list[list[str]]] = {}
    current = None
    for row in csv.reader(io.StringIO(out)):
        if row and row[0].startswith("Table: "):
            current = row[0][7:]
            tables[current] = []
        elif row and current:
            tables[current].append(row)
    return tables


HH_TOP = ('hhid,int_date,hhsize,imbgeco,trust,comment,donate,amount,volunteer,adults,share\n'
          '1,2026-11-21,2,5,1,"Good, ""very""",1,100,2,1,0.5\n'
          '2,2026-11-20,1,88,9,,2,,8,0,1\n')
HH_MEMBERS = ("hhid,line,sex,age,COUNTRYB,work,hours,reason,yarr\n"
              "1,1,1,34,807,,,,\n"
              "1,2,2,40,8,1,38.5,1 3,2015\n"
              "2,1,1,998,8,8,,2,\n")


@needs_pspp
def test_household_sps_in_pspp_labels_and_missing(household: Questionnaire, tmp_path: Path) -> None:
    (tmp_path / "hh_test.csv").write_text(HH_TOP, encoding="utf-8")
    (tmp_path / "hh_test_person.csv").write_text(HH_MEMBERS, encoding="utf-8")
    _run_pspp(tmp_path, build_spss(household, "en").text)
    out, _ = _run_pspp(tmp_path, "GET FILE='hh_test.sav'.\nDISPLAY DICTIONARY.\nLIST.\n")
    t = _tables(out)
    variables = {r[0]: r for r in t["Variables"][1:]}
    assert variables["trust"][2] == 'Do you "trust" the local council?'
    assert variables["trust"][-1] == "6 THRU 9"
    assert variables["donate"][-1] == "8; 9" and variables["volunteer"][-1] == "8; 9"
    assert variables["imbgeco"][-1] == "77; 88; 99" and variables["imbgeco"][3] == "Ordinal"
    assert variables["hhsize"][2] == "Household size" and variables["hhsize"][7] == "F2.0"
    assert variables["share"][7] == "F10.2" and variables["int_date"][7] == "SDATE10"
    labels = t["Value Labels"]
    assert ["", "8[a]", "Don't know"] in labels and ["", "6[a]", "Not applicable"] in labels
    data = t["Data List"]
    assert data[1][:3] == ["1", "2026/11/21", "2"] and data[1][5] == 'Good, "very"'
    # members: dummies computed from the space-separated answer; sysmis when not asked
    out, _ = _run_pspp(tmp_path, "GET FILE='hh_test_person.sav'.\nDISPLAY DICTIONARY.\nLIST.\n")
    t = _tables(out)
    head = t["Data List"][0]
    rows = [dict(zip(head, r, strict=True)) for r in t["Data List"][1:]]
    assert [(r["reason_1"], r["reason_2"], r["reason_3"]) for r in rows] == [
        (".", ".", "."), ("1", "0", "1"), ("0", "1", "0")]
    variables = {r[0]: r for r in t["Variables"][1:]}
    assert variables["reason_3"][2] == "Reason for moving :: Study" and variables["reason_3"][7] == "F1.0"
    assert variables["age"][-1] == "998" and variables["work"][-1] == "8; 9"


@needs_pspp
def test_macedonian_labels_in_pspp(household: Questionnaire, tmp_path: Path) -> None:
    (tmp_path / "hh_test.csv").write_text(HH_TOP, encoding="utf-8")
    (tmp_path / "hh_test_person.csv").write_text(HH_MEMBERS, encoding="utf-8")
    _run_pspp(tmp_path, build_spss(household, "mk").text)
    out, _ = _run_pspp(tmp_path, "GET FILE='hh_test_person_mk.sav'.\nDISPLAY DICTIONARY.\n")
    t = _tables(out)
    variables = {r[0]: r for r in t["Variables"][1:]}
    assert variables["work"][2] == "Работел минатата недела"
    assert ["Работел минатата недела", "1", "Да"] in t["Value Labels"]


def _fake_csv(qn: Questionnaire, directory: Path) -> None:
    """Two rows per data level: the first code / lower bound of every column, then blanks (not asked)."""
    d = data_dictionary(qn)
    for level in d.levels:
        cols = [d.variable(i) for i in level.ids] + raw_columns(level)
        first = []
        for v in cols:
            if v.kind == "date":
                first.append("2026-01-15")
            elif v.kind == "string":
                codes = [str(c.code) for c in qn.choice_list(v.question)][:2]
                first.append(" ".join(codes) if v.qtype == "select_multiple" else "text, with comma")
            elif v.value_labels:
                first.append(str(next(iter(v.value_labels))))
            else:
                first.append(str(int(v.question.min)) if v.question.min is not None else "1")
        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow([v.name for v in cols])
        w.writerow(first)
        w.writerow(["" for _ in cols])
        (directory / f"{level.name}.csv").write_text(buf.getvalue(), encoding="utf-8")


@needs_pspp
@pytest.mark.parametrize("path", ALL_FILES, ids=file_id)
def test_every_questionnaire_sps_runs_clean(path: Path, tmp_path: Path) -> None:
    qn = loaded(path)
    _fake_csv(qn, tmp_path)
    for lang in qn.languages.all:
        _run_pspp(tmp_path, build_spss(qn, lang).text)
    d = data_dictionary(qn)
    out, _ = _run_pspp(tmp_path, f"GET FILE='{qn.id}.sav'.\nDISPLAY DICTIONARY.\n")
    variables = {r[0]: r for r in _tables(out)["Variables"][1:]}
    top = [v for v in d.levels[0].variables]
    assert set(variables) == {v.name for v in top}
    for v in top:
        if v.missing and len(v.missing) <= 3:
            assert variables[v.name][-1] == "; ".join(str(c) for c in sorted(v.missing)), v.name


@needs_pspp
def test_missing_ranges_in_pspp(tmp_path: Path) -> None:
    (tmp_path / "mini.csv").write_text("a,b,n\n1,2,997\n", encoding="utf-8")
    out, _ = _run_pspp(tmp_path, build_spss(loads(MINI)).text, "DISPLAY DICTIONARY.\n")
    variables = {r[0]: r for r in _tables(out)["Variables"][1:]}
    assert (variables["a"][-1], variables["b"][-1], variables["n"][-1]) == ("2; 3; 7", "7 THRU 9; 2",
                                                                             "997 THRU 9999")
    assert variables["n"][7] == "F4.0"
