"""``select_one x or_other`` in a form with several languages: the rebuilt XLSForm gives the same XForm as the
original, judged by pyxform (xform_compare), which labels the added choice "Other" in every language of the list
and the added text question "Specify other." in no language."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from xform_compare import differences, pyxform_json

from surveymod.instruments.xlsform import build_xlsform
from surveymod.questionnaire import lint, loads
from surveymod.questionnaire.xlsform_import import import_xlsform, parse_missing, to_yaml

E, M, S = "label::English (en)", "label::Macedonian (mk)", "label::Albanian (sq)"


def _form(tmp_path: Path, choice_header: list[str]) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "survey"
    for r in (["type", "name", E, M, S],
              ["select_one country or_other", "dest", "Destination", "Дестинација", "Destinacioni"],
              ["select_multiple reason or specify other", "why", "Why?", "Зошто?", "Pse?"],
              ["begin_repeat", "member", "Member", "Член", "Anëtar"],
              ["select_one country or_other", "m_dest", "Where?", "Каде?", "Ku?"],
              ["end_repeat", "member"]):
        ws.append(r)
    ch = book.create_sheet("choices")
    ch.append(["list_name", "name", *choice_header])
    for r in (["country", "DE", "Germany", "Германија", "Gjermania"], ["country", "AT", "Austria", "Австрија",
                                                                        "Austria"],
              ["reason", "work", "Work", "Работа", "Punë"], ["reason", "family", "Family", "Семејство", "Familja"]):
        ch.append(r[: 2 + len(choice_header)])
    st = book.create_sheet("settings")
    st.append(["form_id", "default_language"])
    st.append(["or_other_langs", "English (en)"])
    out = tmp_path / "or_other_langs.xlsx"
    book.save(out)
    return out


@pytest.mark.parametrize("header", [[E, M, S], [E, M], ["label"]], ids=["three", "two", "plain"])
def test_or_other_in_several_languages_round_trips(tmp_path: Path, header: list[str]) -> None:
    form = _form(tmp_path, header)
    result = import_xlsform(form, parse_missing("auto"))
    qn = loads(to_yaml(result.data), "or_other_langs.yaml")
    assert [str(p) for p in lint(qn) if p.severity == "error"] == []
    rebuilt = build_xlsform(qn)
    assert differences(form, rebuilt) == []
    # what pyxform made of the original: the added question has a label in no language
    other = next(c for c in pyxform_json(form)["children"] if c["name"] == "dest_other")
    assert other["label"] == "Specify other."
