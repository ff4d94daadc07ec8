"""TRAPD columns of the translation sheet (issue 27): two translations, a review comment and the adjudication per
language; the adjudicated text (the language's own column) goes into the YAML, the review cells are kept in a notes
file on import and come back on the next export. The layout follows the ESS translation guidelines (TRAPD:
Translation, Review, Adjudication, Pretesting, Documentation; Harkness 2003)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import yaml
from click.testing import CliRunner
from openpyxl import load_workbook

from surveymod.cli.main import _register, cli
from surveymod.instruments.translations import (
    TRAPD_ROLES,
    build_translation_sheet,
    import_translations,
    merge_notes,
    read_notes,
    trapd_role,
)
from surveymod.questionnaire import load, loads

from .conftest import FIXTURES

SRC = FIXTURES / "translate.yaml"
KEY = "sections[0].items[0].label"   # q1 "Do you agree?"


def _fill(sheet: bytes, cells: dict[tuple[str, str], str]) -> bytes:
    wb = load_workbook(io.BytesIO(sheet))
    ws = wb["translations"]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        for (key, column), value in cells.items():
            if row[0].value == key:
                row[header.index(column)].value = value
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_sheet_has_the_trapd_columns_after_the_languages() -> None:
    ws = load_workbook(io.BytesIO(build_translation_sheet(load(SRC))))["translations"]
    header = [c.value for c in ws[1]]
    assert header == ["key", "variable", "field", "en", "mk", "sq",
                      "mk translator 1", "mk translator 2", "mk review comment", "mk adjudication",
                      "sq translator 1", "sq translator 2", "sq review comment", "sq adjudication"]
    assert [trapd_role(h) for h in header[6:10]] == [("mk", r) for r in TRAPD_ROLES]
    assert trapd_role("mk") is None and trapd_role(" adjudication") is None


def test_import_merges_the_adjudicated_text_and_returns_the_review_cells() -> None:
    text = SRC.read_text(encoding="utf-8")
    sheet = _fill(build_translation_sheet(loads(text)), {
        (KEY, "mk translator 1"): "Дали се согласувате?", (KEY, "mk translator 2"): "Се сложувате ли?",
        (KEY, "mk review comment"): "T2 is colloquial", (KEY, "mk adjudication"): "T1 kept (M. Petrovska)",
        (KEY, "mk"): "Дали се согласувате?"})
    res = import_translations(sheet, text)
    assert res.problems == []      # the review columns are not mistaken for languages
    assert load_text(res.text, "mk") == "Дали се согласувате?"
    assert "Се сложувате" not in res.text                       # only the adjudicated text enters the YAML
    assert res.notes == {KEY: {"mk": {"translator 1": "Дали се согласувате?", "translator 2": "Се сложувате ли?",
                                      "review comment": "T2 is colloquial",
                                      "adjudication": "T1 kept (M. Petrovska)"}}}


def load_text(yaml_text: str, lang: str) -> str:
    qn = loads(yaml_text)
    return qn.text(qn.question("q1").label, lang)


def test_merge_keeps_older_cells() -> None:
    old = {KEY: {"mk": {"translator 1": "a", "review comment": "old"}}, "title": {"sq": {"translator 1": "t"}}}
    new = {KEY: {"mk": {"review comment": "new", "adjudication": "done"}}}
    assert merge_notes(old, new) == {KEY: {"mk": {"translator 1": "a", "review comment": "new",
                                                  "adjudication": "done"}},
                                     "title": {"sq": {"translator 1": "t"}}}


def test_cli_round_trip_keeps_the_review_cells(tmp_path: Path) -> None:
    _register()
    yml = tmp_path / "q.yaml"
    shutil.copy(SRC, yml)
    runner = CliRunner()
    sheet = tmp_path / "s.xlsx"
    sheet.write_bytes(_fill(build_translation_sheet(load(yml)), {
        (KEY, "mk"): "Дали се согласувате?", (KEY, "mk review comment"): "Провери регистар",
        ("title", "sq translator 1"): "Testi i përkthimit"}))
    out = tmp_path / "out.yaml"
    r = runner.invoke(cli, ["translations", "import", str(sheet), str(yml), "-o", str(out)])
    assert r.exit_code == 0 and "2 TRAPD review cell(s)" in r.output and "--notes" in r.output  # not silently lost
    notes = tmp_path / "notes.yaml"
    r = runner.invoke(cli, ["translations", "import", str(sheet), str(yml), "-o", str(out), "--notes", str(notes)])
    assert r.exit_code == 0, r.output
    data = yaml.safe_load(notes.read_text(encoding="utf-8"))
    assert data["form"] == "tr_test"
    assert data["notes"][KEY] == {"mk": {"review comment": "Провери регистар"}}
    assert read_notes(notes)["title"] == {"sq": {"translator 1": "Testi i përkthimit"}}
    # the next export shows the kept cells again
    outdir = tmp_path / "build"
    r = runner.invoke(cli, ["build", str(out), "--to", "translations", "-o", str(outdir), "--notes", str(notes)])
    assert r.exit_code == 0, r.output
    ws = load_workbook(outdir / "tr_test_translations.xlsx")["translations"]
    header = [c.value for c in ws[1]]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    assert rows[KEY][header.index("mk review comment")].value == "Провери регистар"
    assert rows["title"][header.index("sq translator 1")].value == "Testi i përkthimit"
    assert rows[KEY][header.index("mk")].value == "Дали се согласувате?"
    # a second import of a sheet with other cells merges, keeping the earlier ones
    sheet2 = tmp_path / "s2.xlsx"
    sheet2.write_bytes(_fill(build_translation_sheet(load(out)), {(KEY, "mk adjudication"): "OK"}))
    r = runner.invoke(cli, ["translations", "import", str(sheet2), str(out), "-o", str(tmp_path / "o2.yaml"),
                            "--notes", str(notes)])
    assert r.exit_code == 0, r.output
    assert read_notes(notes)[KEY] == {"mk": {"review comment": "Провери регистар", "adjudication": "OK"}}
    # the notes file is never one of the inputs
    r = runner.invoke(cli, ["translations", "import", str(sheet), str(yml), "-o", str(out), "--notes", str(yml)])
    assert r.exit_code == 1 and "refusing to overwrite" in r.output
