"""A calculate whose expression is kept verbatim (XPath the condition language cannot say) is read by what its
``bind::type`` declares: ``int``/``decimal`` as numbers, ``string`` or nothing as text (an XForm calculate is a
string unless declared otherwise, ODK XForm spec). The round trip is judged by pyxform (xform_compare)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from xform_compare import differences

from surveymod.data import check, read
from surveymod.instruments.xlsform import build_xlsform
from surveymod.questionnaire import loads
from surveymod.questionnaire.xlsform_import import import_xlsform, parse_missing, to_yaml


def _form(tmp_path: Path) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "survey"
    for r in (["type", "name", "label", "calculation", "bind::type"],
              ["integer", "age", "Age"],
              ["text", "name", "Name"],
              ["calculate", "first_age", "", "indexed-repeat(${age}, ${age}, 1) + 0", "int"],
              ["calculate", "stamp", "", "once(decimal-date-time(now()))", "decimal"],
              ["calculate", "tag", "", "concat(${name}, '-', position(..))", "string"],
              ["calculate", "first_name", "", "indexed-repeat(${name}, ${name}, 1)"]):
        ws.append(r)
    out = tmp_path / "calcs.xlsx"
    book.save(out)
    return out


def test_verbatim_calculates_are_read_as_their_bind_type_declares(tmp_path: Path) -> None:
    form = _form(tmp_path)
    result = import_xlsform(form, parse_missing("none"))
    qn = loads(to_yaml(result.data), "calcs.yaml")
    types = {q.name: q.type for q in qn.questions()}
    assert (types["first_age"], types["stamp"], types["tag"], types["first_name"]) == (
        "integer", "decimal", "text", "text")
    assert differences(form, build_xlsform(qn)) == []
    data = tmp_path / "calcs.csv"
    data.write_text("kobo_index,age,name,first_age,stamp,tag,first_name\n1,40,Ana,40,20000.5,Ana-1,0012\n"
                    "2,31,Ilir,31,20001.25,Ilir-1,Ilir\n", encoding="utf-8")
    ds = read(data, qn)
    main = ds.main
    assert main["first_age"].tolist() == [40.0, 31.0] and main["stamp"].tolist() == [20000.5, 20001.25]
    assert main["first_name"].tolist() == ["0012", "Ilir"]  # text stays text, every digit kept
    problems = check(ds).problems
    assert problems[problems["rule"].eq("wrong-type")].empty
