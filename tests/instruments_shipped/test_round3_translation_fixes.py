"""The translation corrections of issue 27's native review (mk and sq samples of 101 items), held in place.

Each expectation is the reviewer's finding restated as a fact about the shipped texts: the wrong or awkward
rendering is gone and the correction is there. Country names are those of the Macedonian and Albanian Wikipedia
articles ("Брегот на Слоновата Коска", "Соединети Американски Држави"; "Bregu i Fildishtë", "Palestina").
"""

from __future__ import annotations

import pytest
from shipped_paths import PERCEPTION, QDIR, SHIPPED

from surveymod.instruments.paper import build_paper
from surveymod.questionnaire.codelists import builtin_choices
from surveymod.questionnaire.model import Questionnaire
from surveymod.questionnaire.phrases import PHRASES


def _all_text(name: str) -> str:
    return (QDIR / f"{name}.yaml").read_text(encoding="utf-8")


def _choice(qn: Questionnaire, var: str, code: int) -> dict[str, str]:
    return next(c.label for c in qn.choice_list(qn.question(var)) if c.code == code)


def test_sq_non_refoulement_is_sent_back_not_return(forms: dict[str, Questionnaire]) -> None:
    sq = _choice(forms["training_prepost"], "k_nonrefoul", 3)["sq"]
    assert "dërgohet prapa" in sq and "nuk mund të kthehet" not in sq


def test_mk_training_gloss_does_not_give_the_answer_away(forms: dict[str, Questionnaire]) -> None:
    qn = forms["training_prepost"]
    q = qn.question("k_data_stock")
    correct = _choice(qn, "k_data_stock", 2)["mk"]          # "Бројот на мигранти што живеат ..."
    assert correct.startswith("Бројот на мигранти")
    assert "број" not in (q.label or {})["mk"].lower()       # the question no longer glosses it as "number of"


@pytest.mark.parametrize("name", PERCEPTION)
def test_perception_corrections(forms: dict[str, Questionnaire], name: str) -> None:
    qn = forms[name]
    short = (qn.question("rfgfrpc").short or {})["mk"]
    assert "стравуваат" in short and "загрозени" not in short      # "not afraid", not "not really endangered"
    assert [_choice(qn, "mai_1", c)["mk"] for c in (1, 2)] == ["Добро нешто", "Лошо нешто"]
    assert "работа" not in (qn.question("mai_1").label or {})["mk"]   # "a good/bad job" reading is gone
    assert _choice(qn, "imsmetn", 3)["mk"] == "Да дозволи малкумина"  # ESS "a few", not "неколкумина" (several)
    consent = (qn.question("consent").label or {})
    assert "анкетар/анкетарка" in consent["mk"] and "anketues/anketuese" in consent["sq"]
    assert "му се" not in (qn.question("consent").instruction or {})["mk"]
    educ = {c.code: c.label["sq"] for c in qn.choice_list(qn.question("educ"))}
    assert educ[7] == "Fakultet, cikli i parë (studime themelore)" and "bachelor" not in educ[7]
    assert educ[8] == "Magjistraturë ose doktoraturë"
    assert "migracion" not in _all_text(name).lower()


@pytest.mark.parametrize("name", PERCEPTION)
def test_sq_ethnicity_question_is_grammatical(forms: dict[str, Questionnaire], name: str) -> None:
    assert (forms[name].question("ethnic").label or {})["sq"] == "Cilit komunitet etnik mendoni se i përkisni?"


def test_lfs_corrections(forms: dict[str, Questionnaire]) -> None:
    qn = forms["lfs_migration"]
    assert _choice(qn, "MIGSTAT", 1)["mk"].startswith("Без мигрантско потекло")
    text = _all_text("lfs_migration")
    for gone in ("Домородно", "домородно", "наполнети", "НСТЕ", "Урбано", "arsim i mesëm i ulët", "terciar"):
        assert gone not in text, gone


@pytest.mark.parametrize("name", SHIPPED)
def test_no_informal_routing_words(forms: dict[str, Questionnaire], name: str) -> None:
    for lang, informal in (("mk", ("Прашај ако", "Оди на", "Прашај за")), ("sq", ("Pyet nëse", "Shko te", "Pyet për"))):
        html = build_paper(forms[name], lang)
        for word in informal:
            assert word not in html, (lang, word)
    assert PHRASES["ask_if"]["mk"] == "Прашајте ако" and PHRASES["go_to"]["sq"] == "Shkoni te"


def test_country_names() -> None:
    names = {c.label["en"]: c.label for c in builtin_choices("countries")}
    assert names["Côte d'Ivoire"]["mk"] == "Брегот на Слоновата Коска"
    assert names["Côte d'Ivoire"]["sq"] == "Bregu i Fildishtë"
    assert names["United States"]["mk"] == "Соединети Американски Држави"
    assert names["Palestine, State of"]["sq"] == "Palestina"
    inverted = [(lang, lab[lang]) for lab in names.values() for lang in ("mk", "sq")
                if lab[lang].rstrip().endswith((" i", " e", " të", ", САД", "Британски"))]
    assert inverted == []   # no catalogue-style "X, Shteti i" names left on the tablets' list
