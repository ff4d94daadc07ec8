"""`surveymod import` on pyxform's own public example forms (tests/data/xlsform/SOURCE.md).

What the assertions compare against is pyxform: the questions it builds from the original form (names, types,
choice names, relevance) must be the questions it builds from our re-built form; its own error messages give the
rows of the forms it refuses. Facts about single forms were read off the spreadsheets themselves.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from xlsform_roundtrip import pyxform_json, questions

from surveymod.cli.main import cli
from surveymod.errors import SurveyError
from surveymod.instruments.xlsform import build_xlsform, xlsform_rows
from surveymod.questionnaire import lint, loads
from surveymod.questionnaire.conditions import compile_condition
from surveymod.questionnaire.xlsform_import import import_xlsform, to_yaml, variable_name
from surveymod.questionnaire.xpath import translate

DATA = Path(__file__).parents[1] / "data" / "xlsform"
REFUSED = {"calculate_without_calculation.xls": 34, "group_name_test.xls": 3}
FORMS = sorted(p.name for p in DATA.iterdir() if p.suffix in (".xls", ".xlsx", ".csv", ".md")
         and p.name not in REFUSED and p.name != "SOURCE.md")


def _import(name: str):
    result = import_xlsform(DATA / name)
    qn = loads(to_yaml(result.data), f"{name}.yaml")  # what `surveymod import` writes, loaded back
    return result, qn


@pytest.mark.parametrize("name", FORMS)
def test_import_validates_and_round_trips_through_pyxform(name: str) -> None:
    result, qn = _import(name)
    assert [p for p in lint(qn) if p.severity == "error"] == []
    original = questions(pyxform_json(DATA / name))
    rebuilt = questions(pyxform_json(build_xlsform(qn)))
    assert rebuilt == original
    # no question lost: every named row of the survey sheet (as pyxform reads it) is a variable or a group
    from pyxform.xls2json_backends import get_xlsform

    ours = {(it.xlsform or {}).get("name", it.name) for it, _ in qn.walk()}
    rows = {str(r.get("name") or r.get("Name") or "").strip() for r in get_xlsform(str(DATA / name)).survey
            if not str(r.get("type") or r.get("Type") or "").lower().startswith("end ")}
    assert rows - {""} <= ours


def test_tutorial_relevance_is_translated_and_resolved_to_codes() -> None:
    _, qn = _import("tutorial.xls")
    q = qn.question("age_in_months")
    # tutorial.xls: bind:relevant "${older_than_five}='no'", bind:constraint ". <= 72"
    assert q.relevant == "older_than_five = 'no'"
    assert q.constraint == ". <= 72"
    codes = {c.name: c.code for c in qn.choice_list(qn.question("older_than_five"))}
    assert list(codes) == ["yes", "no"]
    node = compile_condition(qn, q.relevant)
    assert node.operands[1].value == codes["no"]
    assert qn.rosters()[0].name == "member"  # begin repeat member ... end repeat
    # the XLSForm writes the names back, not the codes
    survey = {r["name"]: r for r in xlsform_rows(qn)["survey"]}
    assert survey["age_in_months"]["relevant"] == "${older_than_five} = 'no'"
    assert survey["literate"]["relevant"] == ("${sex} = 'female' and ${age_in_years} >= 15 and "
                                              "${age_in_years} <= 49")


def test_multilingual_field_form_keeps_both_languages() -> None:
    result, qn = _import("UCL_Biomass_Plot_Form.xlsx")
    assert qn.languages.default == "sw"  # settings: default_language "Swahili (sw)"
    assert qn.languages.others == ["en"]
    assert qn.xlsform.languages == {"sw": "Swahili (sw)", "en": "English (en)"}
    yes = qn.choices["yes_no"].choices[0]
    assert (yes.name, yes.label) == ("yes", {"sw": "Ndiyo", "en": "Yes"})
    assert qn.version == "2022-04-11 16:26:28.971000"
    # the nested repeat 'stems' (inside 'trees') is reported, and kept as a repeat in the XLSForm
    nested = [w for w in result.warnings if w.rule == "nested-repeat"]
    assert len(nested) == 1 and nested[0].location.row == 43
    row = next(r for r in xlsform_rows(qn)["survey"] if r.get("name") == "stems")
    assert row["type"] == "begin_repeat"


def test_untranslatable_xpath_is_kept_verbatim_located_and_built_back() -> None:
    result, qn = _import("xlsform_spec_test.xlsx")
    xpath = "regex(${address}, '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,4}')"
    warning = next(w for w in result.warnings if w.rule == "xpath-verbatim")
    assert (warning.location.path, warning.location.row, warning.location.variable) == ("survey", 7, "relevant")
    note = qn.question("email_note")
    assert note.relevant is None and note.xlsform == {"relevant": xpath}
    row = next(r for r in xlsform_rows(qn)["survey"] if r.get("name") == "email_note")
    assert row["relevant"] == xpath
    # names that are no SPSS/Stata names are renamed by the documented rule and written back as they were
    assert qn.question("label_test").xlsform["name"] == "label-test"
    assert qn.question("v_1").xlsform["name"] == "_1"
    assert qn.question("FALSE_").xlsform["name"] == "FALSE"
    types = {q.name: (q.type, (q.xlsform or {}).get("type")) for q in qn.questions(include_notes=True)}
    assert types["geopoint_test"] == ("text", "geopoint")
    assert types["time_test"] == ("text", "time")
    assert types["calculate_test"] == ("calculate", None)
    assert qn.question("calculate_test").calculation == "2 + 2"


def test_or_other_is_expanded_as_pyxform_does() -> None:
    _, qn = _import("or_other.xlsx")
    names = [c.name for c in qn.choices["colors"].choices]
    assert names == ["red", "green", "blue", "mauve", "apricot", "other"]
    other = qn.question("fav_color_other")
    assert other.type == "text" and other.relevant == "selected(fav_color, 'other')"


@pytest.mark.parametrize(("name", "row"), sorted(REFUSED.items()))
def test_form_pyxform_refuses_is_reported_with_its_row(name: str, row: int) -> None:
    with pytest.raises(SurveyError) as info:
        import_xlsform(DATA / name)
    problem = info.value.problems[0]
    assert problem.rule == "xlsform-refused"
    assert (problem.location.path, problem.location.row) == ("survey", row)


@pytest.mark.parametrize(("xpath", "condition"), [
    ("${age} >= 15 and ${sex}='f'", "age >= 15 and sex = 'f'"),
    ("not(selected(${q}, 'yes'))", "not (selected(q, 'yes'))"),
    ("count-selected(${m}) > 1", "count_selected(m) > 1"),
    ("${a} != ''", "answered(a)"),
    ("${a} = '' or ${b} > 2", "not answered(a) or b > 2"),
    ("string-length(${a}) > 0", "answered(a)"),
    ("${a} div 2 + ${b} mod 3", "a / 2 + b mod 3"),
    ("if(${a} > 1, 2, 3)", "if(a > 1, 2, 3)"),
    ("true()", "true"),
    (". <= 72", ". <= 72"),
])
def test_xpath_translations(xpath: str, condition: str) -> None:
    assert translate(xpath) == condition


@pytest.mark.parametrize("xpath", [
    "today()", "../x = 1", "/data/x = 1", "regex(., '[0-9]+')", "concat(${a}, 'x')", "${a}[1] = 2",
    "${a} = ‘yes’", "position(..) = 1", "sum(${a})",
])
def test_xpath_the_grammar_cannot_say(xpath: str) -> None:
    assert translate(xpath) is None


def test_variable_name_rule() -> None:
    taken: set[str] = set()
    assert variable_name("label-test", taken) == "label_test"
    assert variable_name("_1", taken) == "v_1"
    assert variable_name("with", taken) == "with_"
    long = "what_is_the_main_reason_you_left_your_country_of_birth"
    assert variable_name(long, taken) == long[:31]
    assert variable_name(long + "_again", taken) == long[:29] + "_2"
    assert variable_name(long, taken, room=3) == long[:28]


def test_cli_import_validate_and_diff(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "tutorial.yaml"
    res = runner.invoke(cli, ["import", str(DATA / "tutorial.xls"), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert out.exists() and "wrote" in res.output
    res = runner.invoke(cli, ["validate", str(out), str(DATA / "xlsform_spec_test.xlsx")])
    assert res.exit_code == 0, res.output
    res = runner.invoke(cli, ["diff", str(DATA / "tutorial.xls"), str(out)])
    assert res.exit_code == 0, res.output
    copy = tmp_path / "form.xls"
    copy.write_bytes((DATA / "tutorial.xls").read_bytes())
    res = runner.invoke(cli, ["import", str(copy), "-o", str(copy)])
    assert res.exit_code == 1 and copy.read_bytes() == (DATA / "tutorial.xls").read_bytes()
    res = runner.invoke(cli, ["validate", str(DATA / "calculate_without_calculation.xls")])
    assert res.exit_code == 1 and "row 34" in res.output


KOBO_FORM = Path(__file__).parents[1] / "data" / "kobo" / "migration_hh.xlsx"


def test_migration_form_round_trips_and_diffs_against_a_new_version(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    qn = loads(to_yaml(import_xlsform(KOBO_FORM).data), "migration_hh.yaml")
    assert questions(pyxform_json(build_xlsform(qn))) == questions(pyxform_json(KOBO_FORM))
    wb = load_workbook(KOBO_FORM)
    for row in wb["survey"].iter_rows():
        if row[1].value == "m_abroad":
            row[5].value = "${m_age} >= 18"
        if row[1].value == "hh_size":
            row[2].value = "How many people usually live here?"
        if row[1].value == "remit_amount":
            row[6].value = "regex(., '^[0-9]+$')"  # XPath the condition language cannot say: kept verbatim
    wb["choices"].delete_rows(wb["choices"].max_row)  # plan: 98 "Don't know"
    v2 = tmp_path / "migration_hh_v2.xlsx"
    wb.save(v2)
    res = CliRunner().invoke(cli, ["diff", str(KOBO_FORM), str(v2)])
    assert res.exit_code == 0, res.output
    assert "hh_size: question text (en) 'How many people live in this household?' -> 'How many people usually " \
           "live here?'" in res.output
    assert "m_abroad: asked when" in res.output and "${m_age} >= 18" in res.output
    assert "plan_to_leave_in_the_next_twelv: codes removed: 98 \"Don't know\"" in res.output
    assert "remit_amount: XLSForm constraint: None -> \"regex(., '^[0-9]+$')\"" in res.output


@pytest.mark.parametrize("form", [DATA / "xlsform_spec_test.xlsx", KOBO_FORM])
def test_rebuilt_form_passes_odk_validate(form: Path, tmp_path: Path) -> None:
    import shutil

    if shutil.which("java") is None:
        pytest.skip("Java is not installed (ODK Validate)")
    from pyxform.xls2xform import convert

    _, qn = _import(form.name) if form.parent == DATA else (None, loads(to_yaml(import_xlsform(form).data)))
    out = tmp_path / "rebuilt.xlsx"
    out.write_bytes(build_xlsform(qn))
    convert(xlsform=str(out), validate=True)  # raises on any ODK Validate error


SHIPPED = Path(__file__).parents[2] / "questionnaires"


@pytest.mark.parametrize("name", ["lfs_migration", "perception_baseline", "training_prepost"])
def test_import_is_the_inverse_of_our_own_xlsform(name: str, tmp_path: Path) -> None:
    from surveymod.questionnaire import load_valid

    qn = load_valid(SHIPPED / f"{name}.yaml")
    form = tmp_path / f"{name}.xlsx"
    form.write_bytes(build_xlsform(qn))
    result = import_xlsform(form)
    back = loads(to_yaml(result.data))
    # every condition translated back; the sample preloads (pulldata, issue 27) stay verbatim XLSForm cells
    assert [w for w in result.warnings if w.rule == "xpath-verbatim"
            and not ("pulldata(" in w.message or w.location.variable == "trigger")] == []
    assert [p for p in lint(back) if p.severity == "error"] == []
    ours = [(q.name, q.type) for q in qn.questions(include_notes=True)]
    meta = set(qn.metadata.rows())  # the form's metadata rows come back as the imported form's own rows
    kept = [(q.name, q.type) for q in back.questions(include_notes=True)
            if (q.xlsform or {}).get("type") not in ("", *meta)]
    # years come back as integers and scales as select_one: the XLSForm has no other way to say them
    assert kept == [(n, {"year": "integer", "scale": "select_one"}.get(t, t)) for n, t in ours]
    assert questions(pyxform_json(build_xlsform(back))) == questions(pyxform_json(form))


_BOTH = """| survey |               |       |                 |                     |                        |
|        | type          | name  | {a}             | {b}                 | label::Macedonian (mk) |
|        | select_one yn | agree | {agree_a}       | {agree_b}           | Дали се согласувате?   |
|        | integer       | age   | Age             | Age                 | Возраст                |
| choices |              |       |                 |                     |                        |
|        | list_name     | name  | {a}             | {b}                 | label::Macedonian (mk) |
|        | yn            | yes   | {yes_a}         | {yes_b}             | Да                     |
|        | yn            | no    | No              | No                  | Не                     |
| settings |             |       |                 |                     |                        |
|        | form_id       | default_language |      |                     |                        |
|        | both          | English (en)     |      |                     |                        |
"""


@pytest.mark.parametrize("specific_first", [False, True])
def test_label_and_label_of_the_default_language_keep_the_specific_one(tmp_path: Path, specific_first: bool) -> None:
    cells = {"label": ("Agree?", "Yes"), "label::English (en)": ("Do you agree?", "Yes, I do")}
    a, b = list(cells)[::-1] if specific_first else list(cells)
    form = tmp_path / "both.md"
    form.write_text(_BOTH.format(a=a, b=b, agree_a=cells[a][0], agree_b=cells[b][0], yes_a=cells[a][1],
                                 yes_b=cells[b][1]), encoding="utf-8")
    # pyxform (4.x) itself takes whichever of the two columns comes last: the form is ambiguous
    pyx = pyxform_json(form)
    agree = next(c for c in pyx["children"] if c["name"] == "agree")
    assert agree["label"]["English (en)"] == cells[b][0]
    assert pyx["choices"]["yn"][0]["label"]["English (en)"] == cells[b][1]
    # the import keeps the language-specific column whatever the order, and says so
    result = import_xlsform(form)
    qn = loads(to_yaml(result.data), "both.yaml")
    assert qn.question("agree").label == {"en": "Do you agree?", "mk": "Дали се согласувате?"}
    assert qn.choice_list(qn.question("agree"))[0].label == {"en": "Yes, I do", "mk": "Да"}
    found = {(str(p.location.path), p.location.row, p.location.variable, p.severity) for p in result.warnings
             if p.rule == "xlsform-duplicate-text"}
    # differing texts: a warning on the row (the md table's rows are numbered as pyxform numbers them);
    # the same text (age, 'No'): one info per sheet and column
    assert found == {("survey", 2, "label", "warning"), ("choices", 2, "label", "warning"),
                     ("survey", None, "label", "info"), ("choices", None, "label", "info")}
