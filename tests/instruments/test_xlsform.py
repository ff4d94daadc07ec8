"""XLSForm: every questionnaire converts with pyxform and passes ODK Validate (Java) with no warning; the binds
(relevant, constraint, required, repeat count) reach the XForm."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from surveymod.instruments.xlsform import build_xlsform, language_column, xlsform_rows
from surveymod.questionnaire.model import Group, Question, Questionnaire

from .conftest import ALL_FILES, file_id, loaded

pyxform = pytest.importorskip("pyxform", reason="pyxform (the [xlsform] extra) is not installed")
needs_java = pytest.mark.skipif(shutil.which("java") is None,
                                reason="ODK Validate needs Java (`java` not on PATH)")


def _convert(xlsx: bytes | dict) -> str:
    from pyxform.xls2xform import convert

    if isinstance(xlsx, bytes):
        r = convert(xlsform=xlsx, validate=True, file_type=".xlsx")
    else:
        r = convert(xlsform=xlsx, validate=True)
    assert r.warnings == [], r.warnings
    return r.xform


def _binds(xform: str) -> dict[str, str]:
    """Bind element text by the last step of its nodeset."""
    return {m.group(1).rsplit("/", 1)[-1]: m.group(0) for m in re.finditer(r'<bind nodeset="([^"]+)"[^>]*/>', xform)}


def test_language_columns() -> None:
    assert language_column("en") == "English (en)"
    assert language_column("mk") == "Macedonian (mk)"
    assert language_column("sq") == "Albanian (sq)"


def test_workbook_layout(household: Questionnaire) -> None:
    wb = load_workbook(io.BytesIO(build_xlsform(household)))
    assert wb.sheetnames == ["survey", "choices", "settings"]
    survey = [c.value for c in wb["survey"][1]]
    for col in ("type", "name", "label::English (en)", "label::Macedonian (mk)", "relevant", "constraint",
                "constraint_message::Macedonian (mk)", "required", "hint::English (en)", "calculation",
                "repeat_count"):
        assert col in survey, col
    assert "guidance_hint::English (en)" not in survey  # instructions are in the hint (issue 27)
    types = [r[0].value for r in wb["survey"].iter_rows(min_row=2)]
    assert "begin_repeat" in types and "select_multiple reasons" in types and "calculate" in types
    assert not any("or_other" in (t or "") for t in types)
    settings = {c.value: v.value for c, v in zip(wb["settings"][1], wb["settings"][2], strict=True)}
    assert settings["form_id"] == "hh_test" and settings["version"] == "2026112101"
    assert settings["default_language"] == "English (en)"
    # numeric choice names; North Macedonia is ISO 3166-1 numeric 807
    choices = {(r[0].value, r[1].value): r for r in wb["choices"].iter_rows(min_row=2)}
    assert ("countries", "807") in choices and ("yn", "8") in choices


@needs_java
def test_household_binds(household: Questionnaire) -> None:
    xform = _convert(build_xlsform(household))
    b = _binds(xform)
    # the full relevant: chained comparison and the quoted Eurostat name 'MK' resolved to code 807
    assert 'relevant="(15 &lt;=  ../age  and  ../age  &lt;= 74) and  ../COUNTRYB  != 807"' in b["work"]
    assert "relevant=\"selected( ../reason , '1')\"" in b["reason_work"]
    assert 'relevant="count-selected( ../reason ) &gt;= 1"' in b["yarr"]
    assert 'relevant=" /hh_test/hh/hhsize  &gt;= 1"' in b["opinion"]  # group relevance
    # numeric range plus the special code 998, and the author's own constraint
    assert 'constraint="((. &gt;= 0 and . &lt;= 120) or . = 998) and (. != 0 or  ../line  &gt; 1)"' in b["age"]
    assert 'constraint=". &gt;= 1940 and . &lt;= 2026"' in b["yarr"] and 'type="int"' in b["yarr"]
    assert 'required="true()"' in b["hhid"] and 'type="date"' in b["int_date"]
    assert 'calculate=" /hh_test/hh/hhsize  - 1"' in b["adults"]
    assert 'jr:count=" /hh_test/hh/hhsize "' in xform
    assert '<translation lang="Macedonian (mk)">' in xform
    # scale: points 0..10 then the special codes 77, 88, 99
    items = re.search(r'<instance id="imbgeco_scale">(.*?)</instance>', xform).group(1)
    assert re.findall(r"<name>(\d+)</name>", items) == [str(i) for i in range(11)] + ["77", "88", "99"]


@needs_java
def test_dict_input_also_converts(household: Questionnaire) -> None:
    assert "<h:html" in _convert(xlsform_rows(household))


@needs_java
@pytest.mark.parametrize("path", ALL_FILES, ids=file_id)
def test_every_questionnaire_passes_odk_validate(path: Path) -> None:
    qn = loaded(path)
    xform = _convert(build_xlsform(qn))
    b = _binds(xform)
    for item, _ in qn.walk():
        if isinstance(item, Question) and item.type == "note" and not item.relevant:
            continue
        bind = b.get(item.name, "")
        if item.relevant:
            assert "relevant=" in bind, item.name
        if isinstance(item, Question):
            if item.required:
                assert 'required="true()"' in bind, item.name
            if item.constraint or (item.type in ("integer", "decimal") and (item.min is not None
                                                                            or item.max is not None)):
                assert "constraint=" in bind, item.name
            if item.type == "calculate":
                assert "calculate=" in bind, item.name
        if isinstance(item, Group) and item.is_roster and item.count:
            assert "jr:count=" in xform


@needs_java
def test_odk_validate_really_runs(household: Questionnaire) -> None:
    """Guard: an unknown XPath function (caught only by the Java validator) must fail the conversion."""
    from pyxform.validators.odk_validate import ODKValidateError

    rows = xlsform_rows(household)
    rows["survey"][2]["relevant"] = "foobar(1)"
    with pytest.raises(ODKValidateError):
        _convert(rows)
