"""A large CSV exported to .sav/.dta a block of rows at a time (issue 30) writes the very files the whole-file export
writes: the same bytes but the header's time stamp, the same warnings; anything a block cannot decide alone goes
back to the whole-file path. The blocks are made small here (pyarrow's parse block and the rows per block), so a
few thousand rows make many blocks."""

from __future__ import annotations

import random
from pathlib import Path

import pyreadstat
import pytest
from click.testing import CliRunner

from surveymod.cli.main import cli
from surveymod.data import export_stream
from surveymod.data.export_stream import export_in_blocks
from surveymod.data.exporter import export
from surveymod.errors import SurveyError
from surveymod.questionnaire import load_valid

QUESTIONNAIRE = """\
id: blocks
title: Blocks
version: "1"
respondent_id: id
choices:
  yesno:
    - {code: 1, label: 'Yes'}
    - {code: 2, label: 'No'}
    - {code: 98, label: "Don't know", missing: dont_know}
    - {code: 99, label: Refused, missing: refusal}
  langs:
    - {code: 1, label: Macedonian}
    - {code: 2, label: Albanian}
    - {code: 3, label: Turkish}
sections:
  - name: main
    items:
      - {name: id, type: integer, label: Identifier, required: true}
      - {name: s0, type: select_one, choices: yesno, label: 'Question s0'}
      - {name: n0, type: integer, label: 'Number n0'}
      - {name: d0, type: decimal, label: 'Amount d0'}
      - {name: t0, type: text, label: 'Town'}
      - {name: p0, type: text, label: 'Phone'}
      - {name: m0, type: select_multiple, choices: langs, label: 'Languages'}
      - {name: dt0, type: date, label: 'Interview date'}
"""
ROWS = 4000
TOWNS = ["Скопје", "Tetovë", "Bitola", "Štip", ""]


def _write_csv(path: Path, rows: int = ROWS, *, phone_decimal_at: int | None = None, big_id_at: int | None = None,
               ragged_at: int | None = None) -> Path:
    rnd = random.Random(30)
    lines = ["id,s0,n0,d0,t0,p0,m0,dt0,extra_num,extra_txt,_uuid"]
    for i in range(1, rows + 1):
        n0 = str(rnd.randint(-5, 120))
        if i in (1700, 1701, 3500):  # invalid values in some blocks only: kept as text in n0_txt
            n0 = "abc" if i != 3500 else "twelve"
        d0 = f"{rnd.uniform(0, 99999):.2f}" if i % 13 else ""
        dt0 = f"2024-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}" if i != 2222 else "not a date"
        phone = f"{rnd.randint(70000000, 79999999)}" + (".5" if i == phone_decimal_at else "")
        extra_txt = "x" * (1 + i % 7) if i < 3900 else "a much longer note in the last block"
        rid = str(2**53 + 1) if i == big_id_at else str(i)
        row = [rid, rnd.choice(["1", "2", "98", "99", ""]), n0, d0, rnd.choice(TOWNS), phone,
               rnd.choice(["1", "1 2", "2 3", "", "3"]), dt0, f"{rnd.random() * 1000 - 10:.3f}", extra_txt,
               f"uuid:{i:08d}"]
        if i == ragged_at:
            row.append("surplus")
        lines.append(",".join(row))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def qn(tmp_path: Path):
    path = tmp_path / "blocks.yaml"
    path.write_text(QUESTIONNAIRE, encoding="utf-8")
    return load_valid(path)


def _without_stamp(data: bytes, target: str) -> bytes:
    if target == "sav":  # creation date and time of the file header
        return data[:92] + data[109:]
    at = data.index(b"<timestamp>")
    return data[:at] + data[at + 30:]


@pytest.mark.parametrize("target", ["sav", "dta"])
def test_blocks_write_the_whole_file_export_byte_for_byte(tmp_path: Path, qn, small_blocks: None, target: str) -> None:
    data = _write_csv(tmp_path / "survey.csv")
    whole = export(data, qn, to=target, out=tmp_path / "whole" / f"s.{target}")
    streamed = export_in_blocks(data, qn, tmp_path / "blocks" / f"s.{target}", target, min_bytes=1, block_rows=700)
    assert streamed is not None
    a = (tmp_path / "whole" / f"s.{target}").read_bytes()
    b = (tmp_path / "blocks" / f"s.{target}").read_bytes()
    assert _without_stamp(a, target) == _without_stamp(b, target)
    assert sorted(w.message for w in whole.warnings) == sorted(w.message for w in streamed.warnings)
    kept = [w.message for w in streamed.warnings if w.rule == "invalid-kept"]
    assert any(m.startswith("3 value(s) of 'n0'") for m in kept), kept  # counted over all blocks
    assert streamed.renamed == whole.renamed == {"_uuid": "uuid"}
    syntax = ".sps" if target == "sav" else ".do"
    assert (tmp_path / "blocks" / f"s{syntax}").read_text(encoding="utf-8").replace(str(tmp_path / "blocks"), "") \
        == (tmp_path / "whole" / f"s{syntax}").read_text(encoding="utf-8").replace(str(tmp_path / "whole"), "")
    assert sorted(p.name for p in (tmp_path / "blocks").iterdir()) == sorted([f"s.{target}", f"s{syntax}"])  # no spool
    frame, _ = (pyreadstat.read_sav if target == "sav" else pyreadstat.read_dta)(str(tmp_path / "blocks" / f"s.{target}"))
    assert len(frame) == ROWS
    assert frame.loc[1699, "n0_txt"] == "abc" and frame.loc[3499, "n0_txt"] == "twelve"


def test_a_kobo_style_file_goes_in_blocks_too(tmp_path: Path, qn, small_blocks: None) -> None:
    """Byte order mark, semicolons (Kobo's default), group prefixes in the header and answers written as labels:
    each block is named and typed as the whole file is."""
    plain = _write_csv(tmp_path / "plain.csv").read_text(encoding="utf-8").splitlines()
    header = ";".join(f"grp_main/{c}" if c in ("s0", "n0", "t0") else c for c in plain[0].split(","))
    rows = [r.replace(",", ";") for r in plain[1:]]
    rows = [r if i % 97 else r.replace(";1;", ";Yes;", 1) for i, r in enumerate(rows)]  # labels in some blocks
    data = tmp_path / "kobo.csv"
    data.write_bytes("\ufeff".encode() + "\n".join([header, *rows, ""]).encode("utf-8"))
    whole = export(data, qn, to="sav", out=tmp_path / "whole" / "s.sav")
    streamed = export_in_blocks(data, qn, tmp_path / "blocks" / "s.sav", "sav", min_bytes=1, block_rows=700)
    assert streamed is not None
    assert _without_stamp((tmp_path / "whole" / "s.sav").read_bytes(), "sav") \
        == _without_stamp((tmp_path / "blocks" / "s.sav").read_bytes(), "sav")
    assert sorted(w.message for w in whole.warnings) == sorted(w.message for w in streamed.warnings)
    frame, _ = pyreadstat.read_sav(str(tmp_path / "blocks" / "s.sav"))
    assert {"s0", "n0", "t0"} <= set(frame.columns)


@pytest.mark.parametrize("case", [{"phone_decimal_at": 3000}, {"big_id_at": 2500}, {"ragged_at": 3100}])
def test_what_only_the_whole_file_decides_goes_back_to_the_whole_file_path(tmp_path: Path, qn, small_blocks: None,
                                                                          case: dict[str, int]) -> None:
    data = _write_csv(tmp_path / "survey.csv", **case)
    out = tmp_path / "out" / "s.sav"
    assert export_in_blocks(data, qn, out, "sav", min_bytes=1, block_rows=700) is None
    assert not out.parent.exists() or not any(out.parent.iterdir())  # nothing written, no spool left


def test_small_files_and_rosters_are_read_whole(tmp_path: Path, qn) -> None:
    data = _write_csv(tmp_path / "survey.csv", rows=50)
    assert export_in_blocks(data, qn, tmp_path / "s.sav", "sav") is None  # under 256 MB: the whole-file path


def test_a_number_stata_cannot_store_is_located_by_the_whole_file_path(tmp_path: Path, qn, small_blocks: None) -> None:
    data = _write_csv(tmp_path / "survey.csv")
    lines = data.read_text(encoding="utf-8").splitlines()
    cells = lines[3300].split(",")
    cells[8] = "1e308"
    lines[3300] = ",".join(cells)
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert export_in_blocks(data, qn, tmp_path / "out" / "s.dta", "dta", min_bytes=1, block_rows=700) is None
    with pytest.raises(SurveyError) as err:
        export(data, qn, out=tmp_path / "out" / "s.dta")
    where = err.value.problems[0].location
    assert where.row == 3300 and where.variable == "extra_num"


def test_the_command_exports_in_blocks(tmp_path: Path, small_blocks: None, block_path) -> None:
    (tmp_path / "q.yaml").write_text(QUESTIONNAIRE, encoding="utf-8")
    data = _write_csv(tmp_path / "survey.csv")
    used = block_path(export_stream, "export_in_blocks")
    res = CliRunner().invoke(cli, ["export", str(data), "-q", str(tmp_path / "q.yaml"), "--to", "sav",
                                   "-o", str(tmp_path / "out" / "s.sav")])
    assert res.exit_code == 0, res.output
    assert used == [True]
    assert "3 value(s) of 'n0' are not valid numeric values" in res.output
    frame, meta = pyreadstat.read_sav(str(tmp_path / "out" / "s.sav"), user_missing=True)
    assert len(frame) == ROWS and meta.variable_value_labels["s0"][98] == "Don't know"
