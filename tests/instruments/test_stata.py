"""Stata do-file: golden assertions on the household fixture and a small lexer over every generated do-file
(no Stata here): balanced quotes, valid names, label sets defined before use, one label language per language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from surveymod.instruments.stata import build_stata
from surveymod.questionnaire.model import Questionnaire
from surveymod.questionnaire.names import NAME_PATTERN
from surveymod.syntax.stata import stata_name, stata_string

from .conftest import ALL_FILES, file_id, loaded


def test_quoting() -> None:
    assert stata_string("Yes") == '"Yes"'
    assert stata_string('Do you "trust" them?') == '`"Do you "trust" them?"\''
    assert stata_string("Costs in $ and `x'") == '"Costs in \\$ and \\`x\'"'
    assert stata_string("two\nlines") == '"two lines"'


def test_names() -> None:
    used: set[str] = set()
    assert stata_name("yes-no", used) == "yes_no"
    assert stata_name("yes_no", used) == "yes_no_2"
    assert stata_name("1list", used) == "L1list"
    assert len(stata_name("x" * 40, used)) == 32


def test_household_golden(household: Questionnaire) -> None:
    do = build_stata(household)
    lines = do.text.splitlines()
    assert "version 14" in lines
    # one shared set per choice list, attached to every variable using it
    assert 'label define yn 1 "Yes", replace' in lines
    assert 'label define yn .a "Don\'t know", add' in lines and 'label define yn .b "Refusal", add' in lines
    assert "label values donate yn" in lines and "label values volunteer yn" in lines
    # non-substantive codes -> extended missing, fixed letter per kind
    assert "replace work = .a if work == 8  // Don't know" in lines
    assert "replace trust = .c if trust == 6  // Not applicable" in lines
    assert "replace age = .a if age == 998  // Don't know" in lines
    # label languages: default renamed, others new, back to default before saving
    assert lines.count("label language en, rename") == 2 and lines.count("label language mk, new") == 2
    assert 'label define yn_mk 1 "Да", replace' in lines and "label values work yn_mk" in lines
    assert 'label variable work "Работел минатата недела"' in lines
    # compound quotes for embedded quotes
    assert 'label variable trust `"Do you "trust" the local council?"\'' in lines
    # dummies and dates
    assert ('generate byte reason_3 = strpos(" " + strtrim(reason) + " ", " 3 ") > 0 if strtrim(reason) != ""'
            in lines)
    assert 'quietly generate double _sm_date = date(int_date, "YMD")' in lines
    # variable labels over 80 characters are cut, with a warning
    cut = [ln for ln in lines if ln.startswith("label variable imbgeco ") and "…" in ln]
    assert len(cut) == 1 and len(cut[0].split('"')[1]) <= 80
    assert [p.rule for p in do.problems] == ["label-shortened"]


_STRING = re.compile(r'`"(?:(?!"\').)*"\'|"[^"]*"')


def _lex_check(text: str) -> list[str]:
    """Problems a Stata parser would trip on: unbalanced quotes, bad names, undefined label sets."""
    errors = []
    defined: set[str] = set()
    languages: list[str] = []
    for n, line in enumerate(text.splitlines(), 1):
        code = line.split("  //")[0] if not line.startswith("*") else ""
        rest = _STRING.sub("S", code)
        if '"' in rest or '`"' in rest:
            errors.append(f"line {n}: unbalanced quotes: {line}")
        words = rest.split()
        if words[:2] == ["label", "define"]:
            name = words[2]
            if not NAME_PATTERN.match(name):
                errors.append(f"line {n}: bad label name {name}")
            if not re.fullmatch(r"-?\d+|\.[a-z]", words[3]):
                errors.append(f"line {n}: bad label value {words[3]}")
            defined.add(name)
        if words[:2] == ["label", "values"]:
            if words[3] not in defined:
                errors.append(f"line {n}: label set {words[3]} used before definition")
        if words[:2] in (["label", "variable"], ["label", "values"]) and not NAME_PATTERN.match(words[2]):
            errors.append(f"line {n}: bad variable name {words[2]}")
        if words[:2] == ["label", "language"] and len(words) > 3:
            languages.append(words[2].rstrip(","))
        if words[:2] == ["label", "variable"]:
            m = _STRING.search(code)
            inner = m.group(0).strip('`"\'') if m else ""
            if len(inner.replace("\\$", "$").replace("\\`", "`")) > 80:
                errors.append(f"line {n}: variable label over 80 characters")
        if words and words[0] == "import" and "clear" not in words:
            errors.append(f"line {n}: import without clear")
    return errors


@pytest.mark.parametrize("path", ALL_FILES, ids=file_id)
def test_every_do_file_lexes(path: Path) -> None:
    qn = loaded(path)
    text = build_stata(qn).text
    assert _lex_check(text) == []
    for lang in qn.languages.all[1:]:
        assert f"label language {lang}, new" in text
    # one save command per level (counted as commands: a label may contain the letters "save ", e.g. "kërkesave")
    assert sum(line.startswith("save ") for line in text.splitlines()) == 1 + len(qn.rosters())


def test_lexer_catches_mistakes() -> None:
    bad = 'label define yn 1 "Yes, replace\nlabel values q nope\nlabel variable 1q "x"\n'
    assert len(_lex_check(bad)) == 3
