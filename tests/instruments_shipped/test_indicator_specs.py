"""Indicator definitions: the shipped specs load, every variable they name exists, and bad specs are located."""

from __future__ import annotations

from pathlib import Path

import pytest
from shipped_paths import IDIR, QDIR

from surveymod.errors import SurveyError
from surveymod.indicators.spec import (
    IndexIndicator,
    PrePostIndicator,
    RecordIndicator,
    ShareIndicator,
    check_spec,
    load_checked,
    load_indicator_spec,
    variables,
)
from surveymod.questionnaire.conditions import compile_condition
from surveymod.questionnaire.expr import evaluate_row
from surveymod.questionnaire.loader import load
from surveymod.questionnaire.model import Questionnaire

SPECS = sorted(IDIR.glob("*.yaml"))


def test_specs_are_shipped() -> None:
    assert [p.name for p in SPECS] == ["perception.yaml", "training.yaml"]


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_shipped_spec_loads_and_checks_clean(path: Path) -> None:
    spec = load_checked(path)
    assert spec.indicators


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.name)
def test_every_named_variable_exists_in_its_questionnaires(path: Path) -> None:
    spec = load_indicator_spec(path)
    for ind in spec.indicators:
        for key in ind.instruments:
            qfile = (path.parent / spec.instruments[key].questionnaire).resolve()
            assert qfile.parent == QDIR.resolve()
            names = {q.name for q in load(qfile).questions()}
            for var, _ in variables(ind):
                assert var in names, f"{ind.id}: {var} not in {qfile.name}"


def test_outcome3_indicators_cover_both_populations_and_waves() -> None:
    spec = load_indicator_spec(IDIR / "perception.yaml")
    by_id = {i.id: i for i in spec.indicators}
    assert {"pm_pos_index", "pm_pos_share", "pub_pos_index", "pub_pos_share", "pub_mai", "pm_mai",
            "pub_reached"} <= set(by_id)
    assert [spec.instruments[k].period for k in by_id["pm_pos_index"].instruments] == ["baseline", "year3"]
    share = by_id["pub_pos_share"]
    assert isinstance(share, ShareIndicator) and share.index == "pub_pos_index" and share.above == 50
    reached = by_id["pub_reached"]
    assert isinstance(reached, ShareIndicator) and reached.condition == "camp_seen = 1"
    assert "total" in reached.statistics
    idx = by_id["pm_pos_index"]
    assert isinstance(idx, IndexIndicator)
    # agree-scales (1 = strongly agree) are reversed; ESS 0-10 items (10 = positive) are not
    assert {i.var: i.reverse for i in idx.items}["dev_econ"] is True
    assert {i.var: i.reverse for i in idx.items}["imbgeco"] is False


def test_training_indicator_matches_the_test_form(forms: dict[str, Questionnaire]) -> None:
    spec = load_indicator_spec(IDIR / "training.yaml")
    (ind,) = spec.indicators
    assert isinstance(ind, PrePostIndicator)
    qn = forms["training_prepost"]
    codes = {c.name: c.code for c in qn.choice_list(qn.question(ind.test))}
    assert (ind.pre, ind.post) == (codes["pre"], codes["post"])
    assert ind.max_score == sum(q.score or 0 for q in qn.questions() if q.score)


# ------------------------------------------------------------------------------------------- the test form


def _items(qn: Questionnaire):
    return [q for q in qn.questions() if q.score is not None]


def test_training_form_has_10_to_15_items_with_one_correct_answer(forms: dict[str, Questionnaire]) -> None:
    qn = forms["training_prepost"]
    items = _items(qn)
    assert 10 <= len(items) <= 15
    for q in items:
        assert sum(c.correct for c in qn.choice_list(q)) == 1, q.name
    areas = {(q.source.ref or "").split("(")[-1].rstrip(")") for q in items if q.source}
    assert areas == {"terminology", "legal", "data", "ethics"}


def test_total_score_agrees_with_declared_correct_answers(forms: dict[str, Questionnaire]) -> None:
    qn = forms["training_prepost"]
    items = _items(qn)
    total = compile_condition(qn, qn.question("total_score").calculation or "")
    pct = compile_condition(qn, qn.question("pct_score").calculation or "")
    right = {q.name: next(c.code for c in qn.choice_list(q) if c.correct) for q in items}
    wrong = {q.name: next(c.code for c in qn.choice_list(q) if not c.correct) for q in items}
    assert evaluate_row(total, right) == 14
    assert evaluate_row(total, wrong) == 0
    assert evaluate_row(total, {q.name: 8 for q in items}) == 0  # don't know scores nothing
    assert evaluate_row(total, {q.name: None for q in items}) == 0
    for q in items:  # each item alone: exactly its declared score
        assert evaluate_row(total, wrong | {q.name: right[q.name]}) == q.score, q.name
    half = wrong | {q.name: right[q.name] for q in items[:7]}
    assert evaluate_row(pct, half | {"total_score": evaluate_row(total, half)}) == 50.0


# ------------------------------------------------------------------------------------------- bad specs


def _write(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "spec.yaml"
    p.write_text(body, encoding="utf-8")
    return p


HEAD = f"""id: t
title: T
instruments:
  base:
    questionnaire: {QDIR / 'perception_baseline.yaml'}
    period: baseline
indicators:
"""


def test_missing_variable_is_reported_with_its_line(tmp_path: Path) -> None:
    p = _write(tmp_path, HEAD + """  - id: x
    kind: index
    title: X
    instruments: [base]
    items:
      - {var: imbgeco, min: 0, max: 10}
      - {var: imbgecoo, min: 0, max: 10}
""")
    problems = check_spec(load_indicator_spec(p))
    assert [(p_.location.line, p_.rule) for p_ in problems] == [(14, "indicator-variable")]
    assert "'imbgecoo' does not exist in questionnaire 'perception_baseline'" in problems[0].message
    with pytest.raises(SurveyError):
        load_checked(p)


def test_unknown_instrument_index_and_code(tmp_path: Path) -> None:
    p = _write(tmp_path, HEAD + """  - id: s
    kind: share
    title: S
    instruments: [base, endline]
    index: nothing
    above: 50
  - id: m
    kind: score
    title: M
    instruments: [base]
    items:
      - {var: mai_1, points: {1: 3, 5: 1}}
    range: [0, 3]
""")
    rules = sorted((pr.rule, pr.location.line) for pr in check_spec(load_indicator_spec(p)))
    assert rules == [("indicator-code", 19), ("indicator-instrument", 11), ("indicator-reference", 12)]


def test_schema_errors_are_located(tmp_path: Path) -> None:
    p = _write(tmp_path, HEAD + """  - id: x
    kind: average
    title: X
""")
    with pytest.raises(SurveyError) as exc:
        load_indicator_spec(p)
    assert exc.value.problems[0].location.line is not None
    assert exc.value.problems[0].location.file == str(p)


def test_share_needs_exactly_one_rule_and_records_need_a_source(tmp_path: Path) -> None:
    p = _write(tmp_path, HEAD + """  - id: s
    kind: share
    title: S
    instruments: [base]
    condition: "camp_seen = 1"
    index: pos
    above: 50
""")
    with pytest.raises(SurveyError, match="either 'condition' or 'index'"):
        load_indicator_spec(p)
    p = _write(tmp_path, HEAD + """  - id: r
    kind: record
    title: Articles published
    values: {baseline: 0, year1: 12}
    source: "Media monitoring log"
""")
    spec = load_checked(p)
    assert isinstance(spec.indicators[0], RecordIndicator) and spec.indicators[0].values["year1"] == 12
