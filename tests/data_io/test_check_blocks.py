"""A large CSV checked a block of rows at a time (issue 30) gives the whole-file check's report, row for row and in
the same order: row numbers go on across blocks, duplicate ids are found across blocks, what is said once per file
is said once and reading's counts are added up. Blocks are made small here so a few thousand rows make many."""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
from click.testing import CliRunner

from surveymod.cli.main import cli
from surveymod.data import check_blocks
from surveymod.data.check_blocks import check_in_blocks
from surveymod.data.checker import check
from surveymod.data.reader import read
from surveymod.questionnaire import load_valid

QUESTIONNAIRE = """\
id: blockcheck
title: Block check
version: "1"
respondent_id: id
choices:
  yesno:
    - {code: 1, label: 'Yes'}
    - {code: 2, label: 'No'}
    - {code: 98, label: "Don't know", missing: dont_know}
  langs:
    - {code: 1, label: Macedonian}
    - {code: 2, label: Albanian}
sections:
  - name: main
    items:
      - {name: id, type: integer, label: Identifier, required: true}
      - {name: works, type: select_one, choices: yesno, label: 'Works', required: true}
      - {name: hours, type: integer, min: 0, max: 80, relevant: 'works = 1', required: true, label: 'Hours',
         constraint: '. <= 60', constraint_message: 'more than 60 hours'}
      - {name: income, type: decimal, min: 0, label: 'Income'}
      - {name: town, type: text, label: 'Town'}
      - {name: langs, type: select_multiple, choices: langs, label: 'Languages'}
      - {name: visited, type: date, label: 'Visit'}
      - {name: remarks, type: text, label: 'Remarks'}
"""
ROWS = 3000


def _write_csv(path: Path) -> Path:
    rnd = random.Random(7)
    lines = ["id,works,hours,income,town,langs,visited,extra"]
    for i in range(1, ROWS + 1):
        works = rnd.choice(["1", "2", "98", "", "Yes", "7"])  # labels to map, a code not in the list, gaps
        hours = rnd.choice(["", "10", "45", "65", "90", "x", "7.5"])
        income = rnd.choice(["", "1200.50", "-3", "abc"])
        langs = rnd.choice(["1", "1 2", "", "3"])
        visited = rnd.choice(["2024-03-01", "", "someday"])
        rid = str(i) if i not in (2900, 1200) else "17"  # id 17 three times, in three blocks
        lines.append(",".join([rid, works, hours, income, rnd.choice(["Skopje", "Tetovo", ""]), langs, visited,
                               str(rnd.randint(0, 9))]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_blocks_give_the_whole_file_report(tmp_path: Path, small_blocks: None) -> None:
    (tmp_path / "q.yaml").write_text(QUESTIONNAIRE, encoding="utf-8")
    qn = load_valid(tmp_path / "q.yaml")
    data = _write_csv(tmp_path / "survey.csv")
    whole = check(read(data, qn))
    blocks = check_in_blocks(data, qn, min_bytes=1, block_rows=500)
    assert blocks is not None
    assert blocks.rows == whole.rows == {"main": ROWS}
    pd.testing.assert_frame_equal(blocks.problems, whole.problems)
    rules = set(whole.problems["rule"])
    assert {"duplicate-id", "code-not-in-list", "out-of-range", "constraint", "not-applicable", "required-missing",
            "wrong-type", "unknown-column", "missing-column", "labels-mapped"} <= rules, rules
    dup = whole.problems[whole.problems["rule"] == "duplicate-id"]
    assert list(dup["row"]) == [17, 1200, 2900]
    mapped = whole.problems[whole.problems["rule"] == "labels-mapped"]["message"]
    assert len(mapped) == 1  # one line for the file, its count over all blocks


def test_declared_rules_and_small_files_are_checked_whole(tmp_path: Path) -> None:
    (tmp_path / "q.yaml").write_text(QUESTIONNAIRE, encoding="utf-8")
    qn = load_valid(tmp_path / "q.yaml")
    data = _write_csv(tmp_path / "survey.csv")
    assert check_in_blocks(data, qn) is None  # under 256 MB


def test_the_command_checks_in_blocks(tmp_path: Path, small_blocks: None, block_path) -> None:
    (tmp_path / "q.yaml").write_text(QUESTIONNAIRE, encoding="utf-8")
    data = _write_csv(tmp_path / "survey.csv")
    runner = CliRunner()
    args = ["check", str(data), "-q", str(tmp_path / "q.yaml"), "--fail-on", "never"]
    whole = runner.invoke(cli, [*args, "-o", str(tmp_path / "whole.csv")])
    used = block_path(check_blocks, "check_in_blocks")
    blocks = runner.invoke(cli, [*args, "-o", str(tmp_path / "blocks.csv")])
    assert whole.exit_code == blocks.exit_code == 0, blocks.output
    assert used == [True]
    assert blocks.output.replace("blocks.csv", "") == whole.output.replace("whole.csv", "")
    assert (tmp_path / "blocks.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()


def test_only_counted_findings_are_added_up_over_blocks() -> None:
    """A finding that counts values (Problem.count) is added up over the blocks; one whose message merely starts
    with a number (how many headers are labels: the same in every block) is said once, unchanged."""
    from surveymod.errors import Location, Problem, added_up

    where = Location(file="data.csv", variable="works")
    mapped = [Problem(f"{n} values written as labels were mapped to codes", "labels-mapped", "warning", where,
                      count=n) for n in (3, 4, 5)]
    headers = [Problem("2 column header(s) are question labels", "label-headers", "warning",
                       Location(file="data.csv"))] * 3
    got = added_up([mapped[0], headers[0], mapped[1], headers[1], mapped[2], headers[2]])
    assert [p.message for p in got] == ["12 values written as labels were mapped to codes",
                                        "2 column header(s) are question labels"]
    assert got[0].count == 12


def test_checks_that_find_nothing_to_judge_in_some_blocks_keep_the_order(tmp_path: Path,
                                                                         small_blocks: None) -> None:
    """A check with nothing to judge in a block (the constraint where no answer is in range, dates all valid, no
    select_multiple code outside the list) still takes its step there: the findings of later checks come out in
    the whole file's order, not interleaved by block."""
    (tmp_path / "q.yaml").write_text(QUESTIONNAIRE, encoding="utf-8")
    qn = load_valid(tmp_path / "q.yaml")
    lines = ["id,works,hours,income,town,langs,visited"]
    for i in range(1, 2001):
        first = i <= 1000
        hours = ("65" if i % 2 else "") if first else ("90" if i % 2 else "")  # the constraint: first half only
        visited = "2024-03-01" if first else ("someday" if i % 3 == 0 else "2024-03-02")
        langs = "1 2" if first else ("7" if i % 5 == 0 else "2")
        lines.append(f"{i},1,{hours},10,Skopje,{langs},{visited}")
    data = tmp_path / "survey.csv"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    whole = check(read(data, qn))
    blocks = check_in_blocks(data, qn, min_bytes=1, block_rows=500)
    assert blocks is not None
    assert {"constraint", "required-missing", "wrong-type", "code-not-in-list"} <= set(whole.problems["rule"])
    pd.testing.assert_frame_equal(blocks.problems, whole.problems)
