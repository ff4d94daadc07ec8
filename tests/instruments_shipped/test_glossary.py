"""questionnaires/translation/glossary.yaml is the one place the instruments' Macedonian and Albanian terms come from.

Checks: the glossary's structure and review status; every text of a shipped form whose English uses a checked term
(migrant, refugee, asylum seeker, household, respondent ...) renders it with the glossary's mk and sq term (its
stem: both languages inflect nouns, "бегалец/бегалци/бегалците"); and the region labels are the glossary's names,
whose Macedonian forms are those of the census reference (../shared/reference/census_mk.md §6: "Вардарски регион").
"""

from __future__ import annotations

import re

import pytest
import yaml
from shipped_paths import QDIR, SHIPPED

from surveymod.questionnaire.lint import lint
from surveymod.questionnaire.model import Questionnaire

GLOSSARY = yaml.safe_load((QDIR / "translation" / "glossary.yaml").read_text(encoding="utf-8"))
TERMS: dict[str, dict[str, str]] = GLOSSARY["terms"]
CHECKED = {k: v for k, v in TERMS.items() if v.get("check")}
# NUTS-3 MK001..MK008 in census order, with the Macedonian names of the census reference (census_mk.md §6)
REGIONS_MK = ["Вардарски регион", "Источен регион", "Југозападен регион", "Југоисточен регион",
              "Пелагониски регион", "Полошки регион", "Североисточен регион", "Скопски регион"]


def test_glossary_structure_and_review_status() -> None:
    for lang in ("mk", "sq"):
        r = GLOSSARY["review"][lang]
        assert r["status"] in ("draft", "reviewed")
        if r["status"] == "reviewed":   # a sign-off names the reviewer and the date
            assert r["reviewer"] and re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(r["date"]))
    for term in ("migrant", "immigrant", "emigrant", "refugee", "asylum seeker", "returnee", "remittances",
                 "development actor", "household", "reference person", "interviewer", "respondent", "consent",
                 "don't know", "refusal", "no answer"):
        assert TERMS[term]["mk"] and TERMS[term]["sq"], term
        assert re.search(r"[\u0400-\u04FF]", TERMS[term]["mk"]), term
    for v in CHECKED.values():
        assert v["mk_match"].lower() in v["mk"].lower() and v["sq_match"].lower() in v["sq"].lower()


@pytest.mark.parametrize("name", SHIPPED)
def test_instruments_follow_the_glossary(forms: dict[str, Questionnaire], name: str) -> None:
    """`surveymod validate`'s glossary rule (questionnaire.glossary) finds no text that renders a term differently."""
    qn = forms[name]
    drafts = set(qn.languages.draft)
    reviewed = {lang for lang in ("mk", "sq") if GLOSSARY["review"][lang]["status"] == "reviewed"}
    assert drafts | reviewed >= {"mk", "sq"}  # a language is either reviewed in the glossary or still a draft
    assert qn.glossary == "translation/glossary.yaml"
    assert [str(p) for p in lint(qn) if p.rule.startswith("glossary")] == []


@pytest.mark.parametrize("name", [n for n in SHIPPED if n.startswith("perception")])
def test_region_names_are_the_glossarys(forms: dict[str, Questionnaire], name: str) -> None:
    qn = forms[name]
    labels = [c.label for c in qn.choice_list(qn.question("region"))]
    glossary = [TERMS[f"{c.label['en']} Region"] for c in qn.choice_list(qn.question("region"))]
    assert [lab["mk"] for lab in labels] == REGIONS_MK == [g["mk"] for g in glossary]
    assert [lab["sq"] for lab in labels] == [g["sq"] for g in glossary]
    # Albanian: "Rajoni" + genitive of the name ("i Vardarit") or the compass adjective ("Lindor")
    assert [lab["sq"] for lab in labels] == ["Rajoni i Vardarit", "Rajoni Lindor", "Rajoni Jugperëndimor",
                                            "Rajoni Juglindor", "Rajoni i Pellagonisë", "Rajoni i Pollogut",
                                            "Rajoni Verilindor", "Rajoni i Shkupit"]
