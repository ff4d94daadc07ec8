"""Routing in words and skips (hand-derived from the household fixture), the paper questionnaire and the codebook."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import html as lhtml

from surveymod.instruments.codebook import build_codebook_html, build_codebook_markdown
from surveymod.instruments.paper import build_paper, question_numbers
from surveymod.instruments.routing import MISSING, skips, tri_eval, universe_words
from surveymod.questionnaire import expr as E
from surveymod.questionnaire.model import Questionnaire

from .conftest import ALL_FILES, file_id, loaded


def test_three_valued_logic() -> None:
    c = E.parse("15 <= age <= 74 and work = 1")
    assert tri_eval(c, {"age": 30.0}) is None
    assert tri_eval(c, {"age": 80.0}) is False
    assert tri_eval(c, {"age": 30.0, "work": 1.0}) is True
    assert tri_eval(E.parse("a = 1 or b = 2"), {"a": 1.0}) is True
    assert tri_eval(E.parse("not (a = 1)"), {"a": 1.0}) is False
    assert tri_eval(E.parse("a = 1"), {"a": MISSING}) is False  # not asked: comparisons false ...
    assert tri_eval(E.parse("a != 1"), {"a": MISSING}) is True  # ... except !=
    assert tri_eval(E.parse("count_selected(r) >= 1"), {"r": MISSING}) is False


def test_household_skips(household: Questionnaire) -> None:
    s = {k: [(x.code, x.target, x.scope) for x in v] for k, v in skips(household).items()}
    # born in North Macedonia (807): work, hours, reason and yarr are all skipped -> next person
    assert s["COUNTRYB"] == [(807, None, "members")]
    assert s["work"] == [(2, "reason", None), (8, "reason", None), (9, "reason", None)]
    assert s["donate"] == [(2, "volunteer", None), (8, "volunteer", None), (9, "volunteer", None)]
    assert [x[0] for x in s["trust"]] == [3, 7, 8, 9, 6] and {x[1] for x in s["trust"]} == {"donate"}
    assert "sex" not in s and "imbgeco" not in s


def test_universe_words(household: Questionnaire) -> None:
    assert universe_words(household, "work") == ("age is between 15 and 74 and COUNTRYB is not 807 "
                                                  "(North Macedonia)")
    assert universe_words(household, "comment") == "hhsize is at least 1 and trust is one of 1 (A lot), 2 (Some)"
    assert universe_words(household, "hhsize") is None


def _text(page: str) -> str:
    doc = lhtml.fromstring(page)
    for style in doc.xpath("//style"):
        style.drop_tree()
    return " ".join(" ".join(doc.itertext()).split())


def test_paper_household(household: Questionnaire) -> None:
    nums = question_numbers(household)
    assert (nums["hhid"], nums["int_date"], nums["age"], nums["COUNTRYB"], nums["work"]) == (
        "Q1", "Q2", "Q6", "Q7", "Q8")
    assert "adults" not in nums and "intro_note" not in nums
    page = build_paper(household, "en")
    assert "@media print" in page and "@page" in page
    t = _text(page)
    assert "Ask if: Q6 is between 15 and 74 and Q7 is not 807 (North Macedonia) Q8. Did this person" in t
    assert "2 No → Go to Q10" in t and "1 Yes 2 No" in t
    assert "807 North Macedonia → Next row of the roster" in t
    assert "3 None → Go to Q15" in t
    assert "Interviewer: Copy from the assignment sheet." in t
    assert "Ask this section if: Q3 is at least 1" in t
    assert "Afghanistan" not in t.split("Show card A")[0]  # 250 countries are written in, not printed at Q7 ...
    assert "Afghanistan" in t.split("Show card A")[1]  # ... but listed on the show card at the end (issue 26)
    mk = _text(build_paper(household, "mk"))
    assert "Q8. Дали ова лице работело за пари минатата недела?" in mk and "Одете на Q10" in mk


def test_codebook_household(household: Questionnaire) -> None:
    md = build_codebook_markdown(household)
    assert "### `work`: Worked last week" in md
    assert "- Universe: age is between 15 and 74 and COUNTRYB is not 807 (North Macedonia)" in md
    assert "| 8 | Don't know | don't know |" in md
    assert "- Source: EU-LFS Reg. (EU) 2019/2240, Annex I; variable COUNTRYB" in md
    assert "## File `hh_test_person.csv`" in md and "linked to the top level by hhid" in md
    assert "| `reason_2` | Reason for moving :: Family | select_multiple dummy | F1.0 |" in md
    page = build_codebook_html(household, "mk")
    t = _text(page)
    assert "Работел минатата недела" in t and "Не знам" in t
    doc = lhtml.fromstring(page)
    assert doc.xpath("//tr[@class='missing']/td[1]/text()")[:2] == ["77", "88"]


@pytest.mark.parametrize("path", ALL_FILES, ids=file_id)
def test_paper_and_codebook_for_every_questionnaire(path: Path) -> None:
    qn = loaded(path)
    nums = question_numbers(qn)
    for lang in qn.languages.all:
        t = _text(build_paper(qn, lang))
        assert all(f"{n}." in t for n in nums.values())
    md = build_codebook_markdown(qn)
    for q in qn.questions():
        if q.type != "select_multiple":
            assert f"### `{q.name}`" in md
    lhtml.fromstring(build_codebook_html(qn))
