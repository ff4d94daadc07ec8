"""Real published XLSForms (REACH, UNHCR, HOT OSM, Kobo's form builder) imported, validated and rebuilt losslessly.

The forms and the export are in tests/data/xlsform_wild (SOURCES.md: repository, path, commit, licence). A round
trip is judged by what pyxform makes of the original and of the rebuilt form (xform_compare: nodes, types, choices,
languages, parsed relevance/constraint/calculation, messages); other expectations come from the forms' own sheets
and the export's own columns.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from xform_compare import differences, pyxform_json

from surveymod.cli.main import cli
from surveymod.data import check, read
from surveymod.errors import SurveyError
from surveymod.instruments.paper import question_numbers
from surveymod.instruments.xlsform import build_xlsform
from surveymod.questionnaire import lint, load_valid, loads
from surveymod.questionnaire.diff import diff
from surveymod.questionnaire.xlsform_import import import_xlsform, parse_missing, to_yaml

WILD = Path(__file__).parents[1] / "data" / "xlsform_wild"
PYXFORM = Path(__file__).parents[1] / "data" / "xlsform"
TALAFAR = WILD / "reach_talafar_water.xlsx"
MSNA = WILD / "reach_msna_2024_kobo_tool_v11.xlsx"
MSNA_DATA = WILD / "reach_msna_2024_dummy_raw_data.xlsx"
UNHCR = WILD / "unhcr_kobo_xlsform_examples.xlsx"
OPEN = WILD / "kobo_open_repeat.xlsx"
BIRDS = WILD / "kobo_bird_nests.xlsx"  # three nested repeats
OR_OTHER = WILD / "kobo_or_other.xlsx"  # select_one/select_multiple ... or_other
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")  # openpyxl: headers/footers it cannot parse


def _imported(form: Path, missing: str = "auto"):
    result = import_xlsform(form, parse_missing(missing))
    return result, loads(to_yaml(result.data), f"{form.stem}.yaml")  # what `surveymod import` writes, read back


def _survey_rows(form: Path) -> list[dict[str, str]]:
    """The survey sheet as pyxform reads it (row 2 first)."""
    from pyxform.xls2json_backends import get_xlsform

    return [{str(k).strip(): str(v).strip() for k, v in (r or {}).items() if v is not None}
            for r in get_xlsform(str(form)).survey]


@pytest.mark.parametrize("form", [TALAFAR, MSNA, UNHCR, OPEN, BIRDS, OR_OTHER, *sorted(
    p for p in PYXFORM.glob("*.xls*") if p.stem not in ("calculate_without_calculation", "group_name_test"))],
    ids=lambda p: p.name)
def test_round_trip_keeps_what_pyxform_makes_of_the_form(form: Path) -> None:
    result, qn = _imported(form)
    assert [str(p) for p in lint(qn) if p.severity == "error"] == []
    assert differences(form, build_xlsform(qn)) == []


def test_renamed_question_keeps_its_choice_names_in_the_rebuilt_relevance() -> None:
    # the form: relevant "selected(${water_supply_other_neighbourhoods},'somewhat_worse') or selected(..., 'much_worse')"
    # on water_supply_other_neighbourhoods_how; the 41-character name is renamed for SPSS/Stata
    rows = {r.get("name"): r for r in _survey_rows(TALAFAR)}
    original = rows["water_supply_other_neighbourhoods_how"]["relevant"]
    assert "'somewhat_worse'" in original
    _, qn = _imported(TALAFAR)
    q = next(q for q in qn.questions() if (q.xlsform or {}).get("name") == "water_supply_other_neighbourhoods")
    assert len(q.name) <= 31
    book = openpyxl.load_workbook(__import__("io").BytesIO(build_xlsform(qn)))
    ws = book["survey"]
    head = [c.value for c in ws[1]]
    rebuilt = next(r for r in ws.iter_rows(min_row=2, values_only=True)
                   if r[head.index("name")] == "water_supply_other_neighbourhoods_how")
    text = rebuilt[head.index("relevant")]
    assert "${water_supply_other_neighbourhoods}" in text and "'somewhat_worse'" in text and "'much_worse'" in text
    assert "'4'" not in text and "'5'" not in text


def test_constraint_messages_and_required_notes_survive_the_rebuild() -> None:
    js = pyxform_json(build_xlsform(_imported(TALAFAR)[1]))
    binds = {}

    def rec(children, prefix=""):
        for ch in children:
            binds[ch["name"]] = ch.get("bind") or {}
            rec(ch.get("children", []))

    rec(js["children"])
    # telephone_number: regex constraint (kept verbatim) with its English and Arabic message (the form's row)
    row = next(r for r in _survey_rows(TALAFAR) if r.get("name") == "telephone_number")
    assert binds["telephone_number"]["jr:constraintMsg"]["English (en)"] == row["constraint_message::English (en)"]
    assert binds["telephone_number"]["jr:constraintMsg"]["Arabic (ar)"] == row["constraint_message::Arabic (ar)"]
    for note in ("note_water_expenditure", "piped_water_note"):  # type note, required true in the form
        assert binds[note].get("required") in ("true()", "true", "yes")


def test_text_calculates_are_text_and_the_export_reads_without_false_errors() -> None:
    rows = {r.get("name"): r for r in _survey_rows(MSNA)}
    assert rows["parent_instance_name"]["calculation"] == "${instance_name}"  # a uuid() copied: text
    result, qn = _imported(MSNA)
    assert qn.question("parent_instance_name").type == "text"
    assert any(w.rule == "xpath-verbatim" and "gives text" in w.message and w.location.row is not None
               for w in result.warnings)
    ds = read(MSNA_DATA, load_valid(MSNA))
    assert not [c for f in ds.frames.values() for c in f.columns if str(c).endswith("_txt")]
    problems = check(ds).problems
    calcs = {q.name for q in qn.questions() if (q.xlsform or {}).get("type") == "calculate"}
    assert problems[problems["rule"].eq("wrong-type") & problems["variable"].isin(calcs)].empty
    lines = {g.key for g, _ in qn.walk() if getattr(g, "is_roster", False)}  # keys numbered by the reader
    assert problems[problems["variable"].isin(lines) & problems["rule"].ne("row-not-applicable")].empty
    # every member row has the household whose uuid it carries (the export's own columns)
    main = ds.main.reset_index(drop=True)
    pos = {u: i for i, u in enumerate(main["uuid"])}
    for level in ("roster", "edu_ind", "health_ind", "nut_ind"):
        f = ds.frames[level]
        assert len(f) == 121
        assert list(f["kobo_index"].astype(int)) == [int(main["kobo_index"].iloc[pos[u]]) for u in f["uuid"]]


def test_dont_know_and_prefer_not_to_answer_are_offered_as_missing() -> None:
    # l_yn_dnk_pnta in the form: yes / no / dnk "Don't know" / pnta "Prefer not to answer"
    result, qn = _imported(MSNA)
    got = {c.name: c.missing for c in qn.choices["l_yn_dnk_pnta"].all()}
    assert got == {"yes": None, "no": None, "dnk": "dont_know", "pnta": "refusal"}
    said = [w for w in result.warnings if w.rule == "missing-marked"]
    assert any("'dnk'" in w.message and "l_yn_dnk_pnta" in w.message and w.location.path == "choices" for w in said)
    _, none = _imported(MSNA, "none")
    assert all(c.missing is None for lst in none.choices.values() for c in lst.all())
    _, chosen = _imported(MSNA, "l_yn_dnk_pnta:dnk=dont_know")
    assert {c.name: c.missing for c in chosen.choices["l_yn_dnk_pnta"].all()}["pnta"] is None
    assert {c.name: c.missing for c in chosen.choices["l_yn_dnk_pnta"].all()}["dnk"] == "dont_know"
    res = CliRunner().invoke(cli, ["import", str(MSNA), "-o", "x.yaml", "--missing", "dnk=maybe"])
    assert res.exit_code == 2 and "--missing" in res.output


def test_one_name_in_two_groups_becomes_two_variables() -> None:
    rows = _survey_rows(UNHCR)
    at = [i + 2 for i, r in enumerate(rows) if r.get("name") == "fourteen"]
    assert len(at) == 2  # the form uses 'fourteen' in two groups
    result, qn = _imported(UNHCR)
    same = [q for q in qn.questions(include_notes=True) if (q.xlsform or {}).get("name", q.name) == "fourteen"]
    assert len(same) == 2 and len({q.name for q in same}) == 2
    assert any(w.location.row == at[1] and w.rule == "xlsform-renamed" for w in result.warnings)


def test_an_open_kobo_repeat_is_a_roster_of_any_size() -> None:
    _, qn = _imported(OPEN)
    roster = next(g for g, _ in qn.walk() if getattr(g, "is_roster", False))
    assert roster.count is None and roster.max_rows is None
    assert [p for p in lint(qn) if p.severity == "error"] == []


def test_pyxform_row_numbers_are_survey_rows() -> None:
    with pytest.raises(SurveyError) as exc:
        import_xlsform(WILD / "hot_osm_health.xls")
    p = exc.value.problems[0]
    assert p.location.path == "survey" and p.location.row == 8
    assert _survey_rows(WILD / "hot_osm_health.xls")[8 - 2]["type"].endswith("yes_no")


_FORM = """| survey |
|        | type           | name    | label       | required | calculation | relevant                       |
|        | select_one yn  | consent | Consent?    |          |             |                                |
|        | note           | stop    | No consent. | true     |             | ${consent} = 'no'              |
|        | calculate      | c_one   |             | true     | 1 + 1       |                                |
|        | select_one yn  | other   | Other?      |          |             |                                |
|        | text           | why     | Why?        |          |             | selected(${consent}, ${other}) |
|        | begin_repeat   | kids    | Children    |          |             |                                |
|        | text           | kname   | Name        |          |             |                                |
|        | end_repeat     | kids    |             |          |             |                                |
| choices |
|        | list_name | name | label |
|        | yn        | yes  | Yes   |
|        | yn        | no   | No    |
"""


def test_kobo_builder_shapes_validate_and_check_runs(tmp_path: Path) -> None:
    form = tmp_path / "form.md"
    form.write_text(_FORM, encoding="utf-8")
    result, qn = _imported(form)
    assert [p for p in lint(qn) if p.severity == "error"] == []
    assert qn.question("why").relevant is None  # selected(${a}, ${b}) compares two answers: kept verbatim
    assert (qn.question("why").xlsform or {}).get("relevant") == "selected(${consent}, ${other})"
    assert differences(form, build_xlsform(qn)) == []
    data = tmp_path / "data.csv"
    data.write_text("consent,other,why,_index\nyes,yes,x,1\nno,,,2\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["check", str(data), "-q", str(form)])
    assert res.exit_code in (0, 1), res.output  # never 3 ('expected a constant')


def test_an_unknown_type_is_refused_at_its_row(tmp_path: Path) -> None:
    form = tmp_path / "form.md"
    form.write_text(_FORM.replace("| text           | kname ", "| fancy_widget   | kname "), encoding="utf-8")
    with pytest.raises(SurveyError) as exc:
        import_xlsform(form)
    p = exc.value.problems[0]
    assert p.location.row == 8 and "fancy_widget" in p.message  # header row 1, kname row 8


def test_diff_of_original_and_rebuilt_is_empty_and_a_relevance_edit_is_found(tmp_path: Path) -> None:
    _, qn = _imported(TALAFAR)
    rebuilt = tmp_path / "rebuilt.xlsx"
    rebuilt.write_bytes(build_xlsform(qn))
    assert [c for c in diff(load_valid(TALAFAR), load_valid(rebuilt)).changes if c.kind != "metadata"] == []
    book = openpyxl.load_workbook(TALAFAR)
    ws = book["survey"]
    head = [c.value for c in ws[1]]
    for r in ws.iter_rows(min_row=2):
        if r[head.index("name")].value == "water_supply_other_neighbourhoods_how":
            r[head.index("relevant")].value = "selected(${water_supply_other_neighbourhoods},'much_worse')"
    edited = tmp_path / "edited.xlsx"
    book.save(edited)
    changes = diff(load_valid(TALAFAR), load_valid(edited)).changes
    assert [c.kind for c in changes if c.name.startswith("water_supply_other_neighbour")] == ["routing"]


def test_paper_numbers_only_what_an_interviewer_asks() -> None:
    # asked rows of the form: not groups, notes, calculates or metadata the device records
    skip = {"begin_group", "end_group", "begin_repeat", "end_repeat", "note", "calculate", "start", "end", "today",
            "deviceid", "audit"}
    asked = [r["name"] for r in _survey_rows(MSNA) if r.get("type") and r["type"].split()[0] not in skip]
    numbers = question_numbers(load_valid(MSNA))
    ours = {q.name: (q.xlsform or {}).get("name", q.name) for q in load_valid(MSNA).questions()}
    assert [ours[n] for n in numbers] == asked
