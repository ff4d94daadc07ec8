"""Translation sheet: export, fill, import back into the YAML text (comments and layout kept), report missing."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from click.testing import CliRunner
from openpyxl import load_workbook

from surveymod.cli.main import _register, cli
from surveymod.instruments.translations import build_translation_sheet, import_translations, translation_rows
from surveymod.questionnaire import load, loads

from .conftest import FIXTURES

SRC = FIXTURES / "translate.yaml"

# hand-written translations for every row of translate.yaml, keyed by YAML path
MK = {
    "title": "Тест за превод",
    "sections[0].title": "Прв дел",
    "sections[0].items[0].label": "Дали се согласувате?",
    "sections[0].items[0].hint": "Читајте полека.",
    "sections[0].items[1].label": "Колку се согласувате?",
    "sections[0].items[1].anchors.0": "Воопшто не",
    "sections[0].items[2].label": 'Тој рече "здраво"',
    "choices.yn[1].label": "Не",
}


def _filled(sheet: bytes, texts: dict[str, str], lang: str) -> bytes:
    wb = load_workbook(io.BytesIO(sheet))
    ws = wb["translations"]
    header = [c.value for c in ws[1]]
    col = header.index(lang)
    for row in ws.iter_rows(min_row=2):
        if row[0].value in texts:
            row[col].value = texts[row[0].value]
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_rows_and_sheet() -> None:
    qn = load(SRC)
    keys = [r.key for r in translation_rows(qn)]
    assert keys == ["title", "sections[0].title", "sections[0].items[0].label", "sections[0].items[0].hint",
                    "sections[0].items[1].label", "sections[0].items[1].anchors.0",
                    "sections[0].items[1].anchors.10", "sections[0].items[2].label", "choices.yn[0].label",
                    "choices.yn[1].label"]
    ws = load_workbook(io.BytesIO(build_translation_sheet(qn)))["translations"]
    assert [c.value for c in ws[1]][:6] == ["key", "variable", "field", "en", "mk", "sq"]  # then TRAPD columns
    row = [c.value for c in ws[4]]
    assert row[:4] == ["sections[0].items[0].label", "q1", "label", "Do you agree?"]


def test_round_trip_keeps_comments_and_reports_missing() -> None:
    text = SRC.read_text(encoding="utf-8")
    qn = loads(text, str(SRC))
    res = import_translations(_filled(build_translation_sheet(qn), MK, "mk"), text, str(SRC))
    assert res.updated == len(MK)
    assert res.problems == []
    # everything outside the edited values is unchanged
    assert "# keep this comment" in res.text and "# the title" in res.text
    assert res.text.startswith("# Fixture for the translation round trip")
    assert "      mk: \"Прв дел\"\n" in res.text  # block mapping: a new line at the same indentation
    merged = loads(res.text)
    got = {r.key: r.texts.get("mk") for r in translation_rows(merged)}
    for key, value in MK.items():
        assert got[key] == value, key
    assert got["sections[0].items[1].anchors.10"] == "Целосно"  # untouched existing translation
    assert got["choices.yn[0].label"] == "Да"
    assert merged.text(merged.question("q1").label, "en") == "Do you agree?"
    # Albanian was not filled: every row reported, located at its YAML line; Macedonian complete
    assert {p.location.path for p in res.missing} == {r.key for r in translation_rows(merged)}
    assert all("'sq'" in p.message and p.location.line for p in res.missing)


def test_stale_and_unknown_rows_are_reported() -> None:
    text = SRC.read_text(encoding="utf-8")
    sheet = _filled(build_translation_sheet(loads(text)), {"title": "Changed source"}, "en")
    wb = load_workbook(io.BytesIO(sheet))
    wb["translations"].append(["sections[9].label", "zz", "label", "x", "y", ""])
    buf = io.BytesIO()
    wb.save(buf)
    res = import_translations(buf.getvalue(), text)
    assert sorted(p.rule for p in res.problems) == ["translation-sheet", "translation-stale"]
    assert res.text == text and res.updated == 0


def test_cli_import_never_overwrites_input(tmp_path: Path) -> None:
    _register()
    yml = tmp_path / "q.yaml"
    shutil.copy(SRC, yml)
    sheet = tmp_path / "s.xlsx"
    sheet.write_bytes(_filled(build_translation_sheet(load(yml)), MK, "mk"))
    runner = CliRunner()
    before = yml.read_text(encoding="utf-8")
    r = runner.invoke(cli, ["translations", "import", str(sheet), str(yml), "-o", str(yml)])
    assert r.exit_code == 1 and "refusing to overwrite" in r.output and yml.read_text(encoding="utf-8") == before
    out = tmp_path / "out.yaml"
    r = runner.invoke(cli, ["translations", "import", str(sheet), str(yml), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "8 text(s) added or changed; 10 still missing" in r.output
    assert load(out).text(load(out).question("q1").label, "mk") == "Дали се согласувате?"
    assert yml.read_text(encoding="utf-8") == before
    r = runner.invoke(cli, ["translations", "import", str(sheet), str(yml), "-o", str(out), "--strict"])
    assert r.exit_code == 1
    r = runner.invoke(cli, ["translations", "import", str(sheet), str(yml), "--in-place"])
    assert r.exit_code == 0 and "Дали се согласувате?" in yml.read_text(encoding="utf-8")
