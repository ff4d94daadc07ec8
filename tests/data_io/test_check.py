"""The checker on the broken-file corpus: each file gives exactly the hand-worked findings and no row is dropped."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from surveymod.cli.main import _register, cli
from surveymod.data import check, read
from surveymod.questionnaire import loads

from .conftest import FIELD, QN_PATH

# file → {(level, row, variable, rule)} of errors and warnings, worked out by hand from the files (see README.md)
EXPECTED = {
    "odk_central/hh_migration_test.csv": set(),
    "kobo.xlsx": set(),
    "bom.csv": set(),
    "cp1251.csv": set(),
    # labels and choice names are mapped to codes, and said so (issue 13: 'yes' becoming 1 unreported)
    "labels.csv": {("", None, "region", "labels-mapped"), ("", None, "any_emig", "labels-mapped")},
    "wrong_codes.csv": {("main", 1, "region", "code-not-in-list"), ("main", 2, "any_emig", "code-not-in-list")},
    "text_in_numeric.csv": {("main", 1, "hhsize", "wrong-type"), ("main", 2, "income", "wrong-type"),
                            ("main", 3, "hhsize", "wrong-type"), ("main", 3, "interview_date", "wrong-type")},
    "routing.csv": {("main", 1, "n_emig", "not-applicable"), ("main", 2, "n_emig", "required-missing")},
    "range_constraint.csv": {("main", 1, "hhsize", "out-of-range"), ("main", 3, "hhsize", "out-of-range"),
                             ("main", 1, "n_emig", "constraint"), ("main", 2, "n_emig", "constraint"),
                             ("main", 3, "income", "out-of-range")},
    "duplicate_ids.csv": {("main", 1, "hhid", "duplicate-id"), ("main", 3, "hhid", "duplicate-id")},
    "orphans": {("person", 2, "hhid", "orphan-row")},
    "truncated.csv": {("", 3, None, "truncated-file"), ("main", 3, "region", "required-missing"),
                      ("main", 3, "hhsize", "required-missing"), ("main", 3, "any_emig", "required-missing")},
    "unknown_columns.csv": {("main", None, "gps_lat", "unknown-column"),
                            ("main", None, "interviewer_note", "unknown-column")},
}


def _found(report) -> set[tuple]:
    p = report.problems[report.problems["severity"] != "info"]
    return {(r.level, None if pd.isna(r.row) else int(r.row), None if pd.isna(r.variable) else r.variable, r.rule)
            for r in p.itertuples()}


def _data_rows(path) -> int:
    """Rows of a CSV counted with the csv module (independent of pandas)."""
    raw = path.read_bytes()
    text = raw.decode("cp1251") if path.name == "cp1251.csv" else raw.decode("utf-8-sig")
    return len(list(csv.reader(io.StringIO(text)))) - 1


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_findings(name, qn):
    report = check(FIELD / name, qn)
    assert _found(report) == EXPECTED[name]
    if name.endswith(".csv"):
        assert report.rows["main"] == _data_rows(FIELD / name)


def test_messages_say_what_is_wrong_in_plain_words(qn):
    p = check(FIELD / "wrong_codes.csv", qn).problems.set_index("variable")
    assert p.loc["region", "message"] == "code 7 is not in the list (1 Skopje, 2 Pelagonia, 3 Polog)"
    assert p.loc["region", "respondent_id"] == "401" and p.loc["region", "value"] == "7"
    r = check(FIELD / "routing.csv", qn).problems.set_index("rule")
    assert "does not apply (asked only if any_emig is 1)" in r.loc["not-applicable", "message"]


def test_summary_counts_by_rule_and_variable(qn):
    s = check(FIELD / "range_constraint.csv", qn).summary()
    counts = {(r.rule, r.variable): r.count for r in s.itertuples()}
    assert counts[("out-of-range", "hhsize")] == 2
    assert counts[("constraint", "n_emig")] == 2
    assert counts[("out-of-range", "income")] == 1


def test_roster_rules_across_levels(qn, tmp_path):
    """Roster rows see household answers (routing, constraint), duplicates by hhid+pline, roster-count."""
    (tmp_path / "hh.csv").write_text(
        "hhid,interview_date,region,resp_name,hhsize,any_emig,n_emig,income\n"
        "1,2026-11-22,1,A,2,2,,\n2,2026-11-22,1,B,1,2,,\n", encoding="utf-8")
    (tmp_path / "hh-persons.csv").write_text(
        "hhid,pline,sex,age,works,langs\n"
        "1,1,1,40,1,1 9\n1,1,2,12,1,\n2,2,1,30,1,2\n", encoding="utf-8")
    (tmp_path / "hh-emigrants.csv").write_text(
        "hhid,eline,ename,dest,reasons,reason_oth\n1,1,Ана,276,4,\n", encoding="utf-8")
    found = _found(check(tmp_path / "hh.csv", qn))
    assert found == {
        ("person", 1, "pline", "duplicate-id"), ("person", 2, "pline", "duplicate-id"),
        ("person", 1, "langs", "code-not-in-list"),                 # 9 is not a language code
        ("person", 2, "works", "not-applicable"),                   # age 12 < 15
        ("person", 3, "pline", "constraint"),                       # pline 2 > hhsize 1 of household 2
        # the line number is a key, not an answer: the row existing where the roster does not apply is said once
        ("emigrant", 1, "eline", "row-not-applicable"), ("emigrant", 1, "ename", "not-applicable"),
        ("emigrant", 1, "dest", "not-applicable"), ("emigrant", 1, "reasons", "not-applicable"),  # any_emig = 2
        ("person", None, "birth_date", "missing-column"), ("emigrant", None, "year_left", "missing-column"),
    }


def test_select_multiple_dummies_disagreeing_with_raw_are_flagged(qn, tmp_path):
    (tmp_path / "hh.csv").write_text(
        "hhid,interview_date,region,resp_name,hhsize,any_emig,n_emig,income\n1,2026-11-22,1,A,1,2,,\n",
        encoding="utf-8")
    (tmp_path / "hh-persons.csv").write_text(
        "hhid,pline,sex,age,works,langs,langs/1,langs/2,langs/3,langs/4\n1,1,1,40,1,1 2,1,0,0,0\n",
        encoding="utf-8")
    found = _found(check(tmp_path / "hh.csv", qn))
    assert found == {("person", 1, "langs_2", "select-multiple-mismatch"),
                     ("person", None, "birth_date", "missing-column")}


def test_roster_count_against_the_count_question(qn, tmp_path):
    (tmp_path / "hh.csv").write_text(
        "hhid,interview_date,region,resp_name,hhsize,any_emig,n_emig,income\n1,2026-11-22,1,A,3,2,,\n",
        encoding="utf-8")
    (tmp_path / "hh-persons.csv").write_text("hhid,pline,sex,age\n1,1,1,10\n1,2,2,8\n", encoding="utf-8")
    found = _found(check(tmp_path / "hh.csv", qn))
    assert found == {("main", 1, "hhsize", "roster-count"), ("person", None, "works", "missing-column"),
                     ("person", None, "langs", "missing-column"), ("person", None, "birth_date", "missing-column")}


def test_vectorised_check_of_many_rows_is_fast(tmp_path):
    """200,000 rows with one planted error of each kind: exactly those are found, quickly."""
    import time

    qn = loads(QN_PATH.read_text(encoding="utf-8"))
    n = 200_000
    rng = np.random.default_rng(1)
    main = pd.DataFrame({"hhid": np.arange(1, n + 1), "interview_date": "2026-11-22",
                         "region": rng.integers(1, 4, n), "resp_name": "Име", "hhsize": rng.integers(1, 9, n),
                         "any_emig": 2, "n_emig": np.nan, "income": rng.uniform(0, 1e5, n).round(2)})
    main.loc[10, "region"] = 5
    main.loc[20, "hhsize"] = 31
    main.loc[30, "n_emig"] = 1
    path = tmp_path / "many.parquet"
    main.to_parquet(path)
    ds = read(path, qn)
    t0 = time.perf_counter()
    report = check(ds)
    elapsed = time.perf_counter() - t0
    assert _found(report) == {("main", 11, "region", "code-not-in-list"), ("main", 21, "hhsize", "out-of-range"),
                              ("main", 31, "n_emig", "not-applicable")}
    assert elapsed < 10


def test_cli_check_exit_codes_and_report_files(tmp_path):
    _register()
    runner = CliRunner()
    bad = runner.invoke(cli, ["check", str(FIELD / "wrong_codes.csv"), "-q", str(QN_PATH),
                              "-o", str(tmp_path / "r.xlsx")])
    assert bad.exit_code == 1, bad.output
    assert "code 7 is not in the list" in bad.output
    sheets = pd.read_excel(tmp_path / "r.xlsx", sheet_name=None)
    assert set(sheets) == {"summary", "problems"} and len(sheets["problems"]) >= 2
    ok = runner.invoke(cli, ["check", str(FIELD / "wrong_codes.csv"), "-q", str(QN_PATH), "--fail-on", "never",
                             "-o", str(tmp_path / "r.csv")])
    assert ok.exit_code == 0
    assert pd.read_csv(tmp_path / "r.csv", encoding="utf-8-sig")["rule"].tolist().count("code-not-in-list") == 2
    warn = runner.invoke(cli, ["check", str(FIELD / "unknown_columns.csv"), "-q", str(QN_PATH)])
    assert warn.exit_code == 0
    strict = runner.invoke(cli, ["check", str(FIELD / "unknown_columns.csv"), "-q", str(QN_PATH),
                                 "--fail-on", "warning", "-o", str(tmp_path / "r.html")])
    assert strict.exit_code == 1
    assert "gps_lat" in (tmp_path / "r.html").read_text(encoding="utf-8")
    empty = runner.invoke(cli, ["check", str(FIELD / "empty.csv"), "-q", str(QN_PATH)])
    assert empty.exit_code == 1 and "empty" in empty.output and "Traceback" not in empty.output


@pytest.mark.parametrize("values", [[3, 1, 3, 2, np.nan, np.nan, 7], [5.0, 5.0, 6.0], [1, 2, 3], [1e12, 1, 1e12],
                                    [2.5, 2.5, 1.0], ["a", "b", "a"]])
def test_duplicate_keys_are_those_pandas_finds(values):
    """The bincount path for whole-number keys marks the rows pandas' duplicated(keep=False) marks."""
    import importlib

    checker = importlib.import_module("surveymod.data.checker")
    frame = pd.DataFrame({"id": values})
    want = frame.duplicated(["id"], keep=False).to_numpy() & frame["id"].notna().to_numpy()
    got = checker._duplicated(frame, ["id"]) & frame["id"].notna().to_numpy()
    assert got.tolist() == want.tolist()
