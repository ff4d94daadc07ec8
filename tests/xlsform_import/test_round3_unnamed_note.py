"""A note without a name (pyxform names it generated_note_name_<n>) keeps its relevance in the rebuilt form.
Found on hotosm/osm-fieldwork's archived waste_collection form (row 27: a section note relevant
``${dispose}!=’yourself’``, with the curly quotes it has there); judged by pyxform (xform_compare)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from xform_compare import differences

from surveymod.instruments.xlsform import build_xlsform
from surveymod.questionnaire import loads
from surveymod.questionnaire.xlsform_import import import_xlsform, parse_missing, to_yaml


def test_an_unnamed_note_keeps_its_relevance(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "survey"
    for r in (["type", "name", "label::English(en)", "relevant"],
              ["select_one dispose", "dispose", "How do you dispose of your waste?"],
              ["note", "", "SECTION C: Waste management service satisfaction", "${dispose}!=’yourself’"],
              ["note", "", "Thank you", "${dispose} = 'area'"]):
        ws.append(r)
    ch = book.create_sheet("choices")
    for r in (["list_name", "name", "label::English(en)"], ["dispose", "yourself", "Myself"],
              ["dispose", "area", "Collection area"]):
        ch.append(r)
    form = tmp_path / "notes.xlsx"
    book.save(form)
    qn = loads(to_yaml(import_xlsform(form, parse_missing("none")).data), "notes.yaml")
    assert differences(form, build_xlsform(qn)) == []
    notes = [q for q in qn.questions(include_notes=True) if q.type == "note"]
    assert notes[1].relevant is not None  # translated, so check/simulate route by it too
