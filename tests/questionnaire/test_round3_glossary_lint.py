"""The glossary-consistency rule of `surveymod validate` (issue 27): a text whose English uses a checked glossary
term must render it with the glossary's term (its stem: Macedonian and Albanian inflect), located at file:line.

The inflected forms below are Macedonian and Albanian grammar, not the code's output: бегалец / бегалци /
бегалците (refugee, refugees, the refugees); sq migrimi / migrimin (definite nominative / accusative of migrim);
përndjekje / përndiqen (persecution / they are persecuted).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from surveymod.cli.main import cli
from surveymod.errors import SurveyError
from surveymod.questionnaire import lint, load
from surveymod.questionnaire.glossary import Glossary, load_glossary, stem, term_problems

GLOSSARY = """\
review:
  mk: {status: draft, reviewer: null, date: null}
  sq:
    status: reviewed
    reviewer: "A. Reviewer"
    date: "2026-12-01"
    log:
      - {by: "A. Reviewer", date: "2026-12-01", what: "terms refugee..migration", result: "2 changes"}
terms:
  refugee: {mk: бегалец, sq: refugjat, en_match: "refugees?", mk_match: бегал, sq_match: refugjat, check: true}
  migration: {mk: миграција, sq: migrim, en_match: migration, mk_match: миграци, sq_match: migr,
              sq_avoid: migracion, check: true}
  persecution: {mk: прогон, sq: përndjekje, en_match: "persecut(?:ion|ed)", mk_match: прогон, sq_match: përnd,
                check: true}
  household: {mk: домаќинство, sq: amvisëri, en_match: "households?", check: true}
  urban: {mk: градска, sq: urban}
"""

FORM = """\
id: g
title: {en: Refugees, mk: Бегалци, sq: Refugjatët}
version: "1"
languages: {default: en, others: [mk, sq]}
glossary: glossary.yaml
sections:
  - name: s
    title: {en: Migration, mk: Миграција, sq: Migrimi}
    items:
      - name: q1
        type: text
        label:
          en: "Did the refugees in your household talk about migration?"
          mk: "Дали бегалците во вашето семејство зборуваа за миграцијата?"
          sq: "A folën refugjatët në amvisërinë tuaj për migracionin?"
      - name: q2
        type: text
        label: {en: "Are they persecuted?", mk: "Дали се прогонувани?", sq: "A përndiqen?"}
"""


@pytest.fixture()
def form(tmp_path: Path) -> Path:
    (tmp_path / "glossary.yaml").write_text(GLOSSARY, encoding="utf-8")
    path = tmp_path / "g.yaml"
    path.write_text(FORM, encoding="utf-8")
    return path


def _line(needle: str) -> int:
    return FORM[: FORM.index(needle)].count("\n") + 1


def test_inflected_forms_pass_and_other_words_are_flagged(tmp_path: Path) -> None:
    (tmp_path / "glossary.yaml").write_text(GLOSSARY, encoding="utf-8")
    g = load_glossary(tmp_path / "glossary.yaml")
    assert term_problems(g, "The refugees", {"mk": "Бегалците", "sq": "Refugjatët"}) == []
    assert term_problems(g, "persecution", {"mk": "прогонот", "sq": "përndjekja"}) == []
    assert term_problems(g, "persecuted", {"mk": "прогонувани", "sq": "përndiqen"}) == []
    assert term_problems(g, "migration", {"mk": "миграцијата", "sq": "migrimin"}) == []
    # a different word, and the calque the glossary says to avoid (it starts with the accepted stem 'migr')
    assert term_problems(g, "The refugees", {"mk": "Избеглиците", "sq": "Refugjatët"}) == [
        ("mk", "'refugee' is not rendered as the glossary's 'бегалец' in mk")]
    assert term_problems(g, "migration", {"mk": "миграција", "sq": "migracioni"}) == [
        ("sq", "'migration' is rendered with 'migracion' in sq; the glossary has 'migrim'")]
    # terms without an explicit stem: the rendering's words cut to stems (домаќинство -> домаќинст)
    assert stem("домаќинство") == "домаќинст" and stem("бегалец") == "бегал"
    assert term_problems(g, "households", {"mk": "домаќинствата", "sq": "amvisëritë"}) == []
    assert term_problems(g, "household", {"mk": "семејство", "sq": "amvisëri"})[0][0] == "mk"
    # unchecked terms and words inside other words are not flagged
    assert term_problems(g, "urban", {"mk": "урбано", "sq": "urban"}) == []
    assert term_problems(g, "refugeeship", {"mk": "x", "sq": "y"}) == []


def test_validate_warns_at_the_line_of_the_translation(form: Path) -> None:
    qn = load(form)
    found = [(p.rule, p.severity, p.location.line, p.message) for p in lint(qn) if p.rule == "glossary-term"]
    # "семејство" is family, not household; "migracion" is the calque
    assert found == [
        ("glossary-term", "warning", _line('mk: "Дали бегалците'),
         "the label of 'q1': 'household' is not rendered as the glossary's 'домаќинство' in mk"),
        ("glossary-term", "warning", _line('sq: "A folën'),
         "the label of 'q1': 'migration' is rendered with 'migracion' in sq; the glossary has 'migrim'")]
    result = CliRunner().invoke(cli, ["validate", str(form)])
    assert result.exit_code == 0, result.output    # a warning, not an error
    line = _line('sq: "A folën')
    assert f"g.yaml:{line}:" in result.output and "[glossary-term]" in result.output
    strict = CliRunner().invoke(cli, ["validate", "--strict", str(form)])
    assert strict.exit_code == 1


def test_missing_or_malformed_glossary_is_a_located_error(form: Path) -> None:
    # a missing glossary is a located warning (a form copied without its glossary stays usable), a malformed one
    # an error
    (form.parent / "glossary.yaml").unlink()
    found = [p for p in lint(load(form)) if p.rule == "glossary-missing"]
    assert [(p.severity, p.location.line) for p in found] == [("warning", _line("glossary: glossary.yaml"))]
    (form.parent / "glossary.yaml").write_text(GLOSSARY.replace('reviewer: "A. Reviewer"', "reviewer: null"),
                                               encoding="utf-8")
    errs = [p for p in lint(load(form)) if p.severity == "error"]
    assert len(errs) == 1 and errs[0].location.file and errs[0].location.file.endswith("glossary.yaml")
    assert errs[0].location.line == 3 and "reviewer" in errs[0].message


def test_checked_term_needs_an_english_pattern(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("terms:\n  x:\n    mk: икс\n    check: true\n", encoding="utf-8")
    with pytest.raises(SurveyError) as exc:
        load_glossary(bad)
    assert "en_match" in str(exc.value) and "bad.yaml:2" in str(exc.value)


def test_review_log_records_who_reviewed_what(tmp_path: Path) -> None:
    (tmp_path / "glossary.yaml").write_text(GLOSSARY, encoding="utf-8")
    g: Glossary = load_glossary(tmp_path / "glossary.yaml")
    entry = g.review["sq"].log[0]
    assert (entry.by, entry.date, entry.what) == ("A. Reviewer", "2026-12-01", "terms refugee..migration")
    shipped = load_glossary(Path(__file__).parents[2] / "questionnaires" / "translation" / "glossary.yaml")
    for lang in ("mk", "sq"):
        assert shipped.review[lang].log, lang           # the issue 27 review is on record
        assert "101 items" in shipped.review[lang].log[0].what


def test_yaml_text_without_a_file_skips_a_relative_glossary() -> None:
    from surveymod.questionnaire import loads

    qn = loads(FORM, "<string>")
    assert [p for p in lint(qn) if p.rule.startswith("glossary")] == []
