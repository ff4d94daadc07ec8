"""Model and lint behaviour on the valid base questionnaire and small variations."""

from __future__ import annotations

from pathlib import Path

import pytest

from surveymod.errors import SurveyError
from surveymod.questionnaire import expr as E
from surveymod.questionnaire import load, loads, universe, validate
from surveymod.questionnaire.codelists import builtin_choices
from surveymod.questionnaire.names import name_problem

BASE = Path(__file__).parent / "base.yaml"


def test_base_is_valid() -> None:
    qn, problems = validate(BASE)
    assert qn is not None
    assert [str(p) for p in problems if p.severity == "error"] == []
    assert [q.name for q in qn.questions()] == ["hhid", "hhsize", "line", "sex", "age", "countryb", "works",
                                                "arrived"]
    assert qn.roster_of("age").name == "members"
    assert qn.roster_of("hhsize") is None


def test_quoted_choice_name_resolves_to_iso_numeric_code() -> None:
    qn = load(BASE)
    node = universe(qn, "arrived")
    # 'MK' is North Macedonia: ISO 3166-1 numeric 807
    assert E.to_xpath(node) == "${countryb} != 807 and ${age} >= 15"


def test_country_list_uses_eurostat_geo_codes() -> None:
    by_name = {c.name: c for c in builtin_choices("countries")}
    # ISO 3166-1 numeric codes (from the standard), Eurostat SCL GEO alpha-2 (EL, UK)
    assert by_name["EL"].code == 300
    assert by_name["UK"].code == 826
    assert by_name["MK"].code == 807
    assert by_name["DE"].code == 276
    assert "GR" not in by_name and "GB" not in by_name
    assert by_name["DE"].label["mk"] == "Германија"
    assert by_name["DE"].label["sq"] == "Gjermani"


@pytest.mark.parametrize(("name", "ok"), [("age", True), ("Q1_a", True), ("_x", False), ("1a", False),
                                         ("a.b", False), ("ALL", False), ("with", False), ("int", False),
                                         ("x" * 32, True), ("x" * 33, False), ("str12", False)])
def test_variable_names_safe_for_spss_and_stata(name: str, ok: bool) -> None:
    assert (name_problem(name) is None) is ok


def test_plain_string_text_goes_to_default_language() -> None:
    qn = loads("id: a\ntitle: T\nversion: '1'\nlanguages: {default: sq}\nsections:\n  - name: s\n    items:\n"
               "      - {name: q, type: integer, label: Mosha}\n")
    assert qn.question("q").label == {"sq": "Mosha"}


def test_yaml_norway_code_is_not_a_boolean() -> None:
    qn = loads("id: a\ntitle: T\nversion: '1'\nchoices:\n  c:\n    - {code: 578, name: NO, label: Norway}\n"
               "sections:\n  - name: s\n    items:\n      - {name: q, type: select_one, choices: c, label: Q}\n")
    assert qn.choices["c"].choices[0].name == "NO"


def test_pending_language_gap_is_a_warning_with_count() -> None:
    text = BASE.read_text(encoding="utf-8").replace("others: [mk]", "others: [mk, sq], pending: [sq]")
    qn = loads(text, "x.yaml")
    from surveymod.questionnaire import lint

    problems = lint(qn)
    assert not [p for p in problems if p.severity == "error"]
    pend = [p for p in problems if p.rule == "translation-pending"]
    assert len(pend) == 1 and "'sq'" in pend[0].message


def test_schema_errors_are_all_reported_at_once() -> None:
    with pytest.raises(SurveyError) as info:
        loads("id: a\ntitle: T\nversion: '1'\nsections:\n  - name: s\n    items:\n"
              "      - {name: q, type: nope, label: Q}\n      - {name: r, type: select_one, label: R}\n", "f.yaml")
    lines = sorted(p.location.line for p in info.value.problems)
    assert lines == [7, 8]


def test_json_schema_exports() -> None:
    from surveymod.questionnaire.model import Questionnaire

    schema = Questionnaire.model_json_schema()
    assert "sections" in schema["properties"]
    assert "Question" in schema["$defs"]
