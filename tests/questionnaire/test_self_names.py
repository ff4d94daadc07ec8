"""A quoted choice name compared with the answer itself (``.``) in a constraint means its code, as for a named
reference; lint reports a quoted value that is neither a code nor a choice name of the question's list.

Facts from outside the code: ISO 3166-1 numeric 807 is North Macedonia and 300 is Greece (alpha-2 MK, Eurostat
SCL GEO EL); the small list below is written by hand (yes = 1, no = 2, dk = 8).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from surveymod.data import check
from surveymod.instruments.xlsform import _xpath
from surveymod.questionnaire import expr as E
from surveymod.questionnaire import lint, loads
from surveymod.questionnaire.conditions import compile_condition
from surveymod.questionnaire.model import Questionnaire
from surveymod.simulate import simulate


def form(country_constraint: str, yesno_constraint: str) -> Questionnaire:
    return loads(f"""
id: selfnames
title: T
version: '1'
respondent_id: rid
choices:
  countries: {{builtin: countries}}
  yn:
    - {{code: 1, name: 'yes', label: 'Yes'}}
    - {{code: 2, name: 'no', label: 'No'}}
    - {{code: 8, name: dk, label: Don't know, missing: dont_know}}
sections:
  - name: s
    items:
      - {{name: rid, type: integer, label: Id}}
      - name: dest
        type: select_one
        choices: countries
        label: Country you moved to
        constraint: "{country_constraint}"
      - name: agree
        type: select_one
        choices: yn
        label: Agree?
        constraint: "{yesno_constraint}"
""", "selfnames.yaml")


def bad_codes(qn: Questionnaire) -> list[str]:
    """The questions whose constraint lint reports with a bad code."""
    paths = [p.location.path or "" for p in lint(qn) if p.rule == "bad-code"]
    assert all(path.endswith(".constraint") for path in paths), paths
    return sorted({"items[1]": "dest", "items[2]": "agree"}[path.split(".")[-2]] for path in paths)


def test_a_country_name_compared_with_the_answer_is_its_code() -> None:
    qn = form(". != 'MK'", ". != 'no'")
    dest, agree = qn.question("dest"), qn.question("agree")
    assert E.to_xpath(compile_condition(qn, dest.constraint, dest)) == ". != 807"
    assert E.to_xpath(compile_condition(qn, agree.constraint, agree)) == ". != 2"
    # the constraint now rejects North Macedonia (807) and accepts Greece (300); before, '807' != 'MK' was always true
    node = compile_condition(qn, dest.constraint, dest)
    assert E.truth(E.evaluate(node, {}, 2, np.array([807.0, 300.0]))).tolist() == [False, True]
    assert _xpath(qn, dest.constraint, dest) == ". != 807"
    assert bad_codes(qn) == []


def test_in_and_selected_with_the_answer_resolve_names_too() -> None:
    qn = form("not(. in ['MK', 'EL'])", ". in ['yes', 'dk']")
    dest, agree = qn.question("dest"), qn.question("agree")
    assert E.to_xpath(compile_condition(qn, dest.constraint, dest)) == "not((. = 807 or . = 300))"
    node = compile_condition(qn, agree.constraint, agree)
    assert E.truth(E.evaluate(node, {}, 3, np.array([1.0, 2.0, 8.0]))).tolist() == [True, False, True]


def test_check_and_simulate_honour_the_resolved_constraint(tmp_path: Path) -> None:
    qn = form(". != 'MK'", ". != 'no'")
    data = tmp_path / "d.csv"
    data.write_text("rid,dest,agree\n1,807,1\n2,300,2\n3,300,1\n", encoding="utf-8")
    found = {(p.row, p.variable) for p in check(data, qn).problems.itertuples() if p.rule == "constraint"}
    assert found == {(1, "dest"), (2, "agree")}
    sim = simulate(qn, 400, seed=3).main
    assert 807 not in set(sim["dest"].dropna()) and 2 not in set(sim["agree"].dropna())


def test_lint_reports_a_quoted_value_that_is_neither_a_code_nor_a_name() -> None:
    assert bad_codes(form(". != 'XX'", ". != 'nope'")) == ["agree", "dest"]
    assert bad_codes(form(". != 'MK'", ". = '2' or . = '8'")) == []  # quoted codes compare as numbers
    assert bad_codes(form(". != 'MK'", ". = '7'")) == ["agree"]
    assert bad_codes(form(". != 'MK'", ". in ['yes', 'maybe']")) == ["agree"]


def test_an_imported_xlsform_gets_its_choice_names_back_in_the_constraint(tmp_path: Path) -> None:
    from surveymod.instruments.xlsform import xlsform_rows
    from surveymod.questionnaire.xlsform_import import import_xlsform, to_yaml

    md = tmp_path / "f.md"
    md.write_text("""| survey |
|        | type        | name  | label  | constraint |
|        | select_one yn | agree | Agree? | . != 'no' |
| choices |
|         | list_name | name | label |
|         | yn        | yes  | Yes   |
|         | yn        | no   | No    |
""", encoding="utf-8")
    qn = loads(to_yaml(import_xlsform(md).data), "f.yaml")
    agree = qn.question("agree")
    code = {c.name: c.code for c in qn.choice_list(agree)}["no"]
    assert E.to_xpath(compile_condition(qn, agree.constraint, agree)) == f". != {code}"
    survey = {r["name"]: r for r in xlsform_rows(qn)["survey"]}
    assert survey["agree"]["constraint"] == ". != 'no'"  # the form's own values, as it was written
