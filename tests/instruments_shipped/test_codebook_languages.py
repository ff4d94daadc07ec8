"""The Macedonian and Albanian codebooks and paper questionnaires of every shipped form have no English frame text.

The English side of the instruments' phrase table is the list of frame words an English codebook or paper form is
made of ("Universe", "All respondents", "Variable", "Missing" ...). A mk/sq instrument must contain none of them;
what stays in the form's own single language is blanked first: the sources (publication titles), constraint and
calculation expressions (code), variable and group names, and the question types (the format's keywords). The
English codebook, checked the same way, must contain them, so the check itself can fail.
"""

from __future__ import annotations

import html
import re

import pytest
from shipped_paths import QDIR

from surveymod.instruments.codebook import build_codebook_html, build_codebook_markdown
from surveymod.instruments.paper import build_paper
from surveymod.questionnaire.loader import load
from surveymod.questionnaire.model import Question, Questionnaire
from surveymod.questionnaire.phrases import PHRASES

SHIPPED = sorted(QDIR.glob("[lpt]*.yaml"))
QUESTION_TYPES = ["select_multiple", "select_one", "integer", "decimal", "calculate", "scale", "year", "date",
                  "text", "note"]


def english_fragments() -> set[str]:
    """The words of every English phrase, cut at its ``{slots}``: 'Universe', 'All respondents', 'to' is too short."""
    out = set()
    for table in PHRASES.values():
        for part in re.split(r"\{\w+\}", table["en"]):
            part = part.strip(" .,;:()")
            if len(re.sub(r"[^A-Za-z]", "", part)) >= 4:
                out.add(part)
    return out


def own_text(qn: Questionnaire) -> list[str]:
    """Text the questionnaire keeps in one language (or code): sources, expressions, names, longest first."""
    keep = list(qn.sources) + [qn.id]
    for item, _ in qn.walk():
        keep.append(item.name)
        if isinstance(item, Question):
            if item.source:
                keep += [t for t in (item.source.ref, item.source.note, item.source.variable) if t]
            keep += [t for t in (item.constraint, item.calculation) if t]
    return sorted({k for k in keep if k}, key=len, reverse=True)


def english_left(text: str, qn: Questionnaire) -> list[str]:
    text = html.unescape(re.sub(r"(?s)<style>.*?</style>|<[^>]+>", " ", text))
    for k in own_text(qn):
        text = text.replace(k, " ")
    text = re.sub(r"\b(" + "|".join(QUESTION_TYPES) + r")\b", " ", text)
    return sorted(f for f in english_fragments()
                  if re.search(r"(?<![A-Za-z])" + re.escape(f) + r"(?![A-Za-z])", text))


@pytest.fixture(scope="module", params=SHIPPED, ids=lambda p: p.stem)
def form(request: pytest.FixtureRequest) -> Questionnaire:
    return load(request.param)


def test_the_phrase_table_is_complete_for_mk_and_sq() -> None:
    missing = [f"{k}.{lang}" for k, t in PHRASES.items() for lang in ("mk", "sq") if not t.get(lang)]
    assert missing == []
    for k, t in PHRASES.items():  # the slots of every translation are those of the English phrase
        slots = set(re.findall(r"\{\w+\}", t["en"]))
        assert all(set(re.findall(r"\{\w+\}", t[lang])) == slots for lang in ("mk", "sq")), k


def test_shipped_forms_are_all_found() -> None:
    assert {p.stem for p in SHIPPED} >= {"lfs_migration", "perception_baseline", "training_prepost"}


@pytest.mark.parametrize("lang", ["mk", "sq"])
def test_codebooks_have_no_english_frame_words(form: Questionnaire, lang: str) -> None:
    assert lang in form.languages.all
    assert english_left(build_codebook_markdown(form, lang), form) == []
    assert english_left(build_codebook_html(form, lang), form) == []


@pytest.mark.parametrize("lang", ["mk", "sq"])
def test_paper_questionnaires_have_no_english_frame_words(form: Questionnaire, lang: str) -> None:
    assert english_left(build_paper(form, lang), form) == []


def test_the_check_finds_the_english_frame_in_english(form: Questionnaire) -> None:
    found = set(english_left(build_codebook_markdown(form, "en"), form))
    assert {"Universe", "Variable", "Label", "Type", "Format", "Source", "Codebook"} <= found
