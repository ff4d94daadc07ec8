"""Issue 26: the paper LFS form can be coded.  Country questions print code boxes and refer to a show card of
country codes at the end of the form, in each of its languages (en, mk, sq); no printed filter names a variable the
interviewer cannot compute (the regulation's COUNTRPR filter "YEARESID = 000-010" is written with the year and
month of arrival, and is checked here against completed years worked out by hand)."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import numpy as np
import pycountry
import pytest

from surveymod.instruments.paper import build_paper
from surveymod.questionnaire import expr as E
from surveymod.questionnaire import load_valid, loads
from surveymod.questionnaire.conditions import compile_condition
from surveymod.questionnaire.lint import lint

ROOT = Path(__file__).resolve().parents[2]
QN = ROOT / "questionnaires" / "lfs_migration.yaml"
NORTH_MACEDONIA = {"en": "North Macedonia", "mk": "Северна Македонија", "sq": "Maqedonia e Veriut"}
CARD = {"en": "Show card A: Country codes", "mk": "Картичка A: Шифри на земјите", "sq": "Kartela A: Kodet e vendeve"}


@pytest.fixture(scope="module")
def lfs():  # type: ignore[no-untyped-def]
    return load_valid(QN)


@pytest.mark.parametrize("lang", ["en", "mk", "sq"])
def test_country_show_card_in_every_language(lfs, lang: str) -> None:  # type: ignore[no-untyped-def]
    page = build_paper(lfs, lang)
    assert CARD[lang] in page
    card = page[page.index(CARD[lang]):]
    codes = set(re.findall(r'<span class="box">(\d+)</span>', card))
    iso = {c.numeric.lstrip("0") for c in pycountry.countries}       # ISO 3166-1 numeric codes (pycountry)
    assert len(iso - codes) <= 3 and len(codes) >= 240              # every country has its code on the card
    assert f'<span class="box">807</span></td><td>{NORTH_MACEDONIA[lang]}' in card
    country_qs = [q.name for q in lfs.questions() if isinstance(q.choices, str) and q.choices.startswith("country_")]
    assert len(country_qs) == 8
    ref = {"en": "show card A", "mk": "картичката A", "sq": "kartelës A"}[lang]
    assert page[:page.index(CARD[lang])].count(ref) == len(country_qs)


def test_no_printed_filter_names_a_derived_variable(lfs) -> None:  # type: ignore[no-untyped-def]
    derived = {q.name for q in lfs.questions() if q.type == "calculate"}
    for lang in ("en", "mk", "sq"):
        page = build_paper(lfs, lang)
        filters = re.findall(r'class="(?:askif|sectionif)">([^<]*)<', page)
        assert filters and not [f for f in filters if any(re.search(rf"\b{d}\b", f) for d in derived)]


def test_countrpr_filter_is_the_regulations(lfs) -> None:  # type: ignore[no-untyped-def]
    node = compile_condition(lfs, lfs.question("COUNTRPR").relevant)
    rows = list(itertools.product([2024, 2026], [1, 6, 12], range(2000, 2027), [None, 1, 6, 7, 12]))
    env = {"INTYEAR": np.array([r[0] for r in rows], float), "INTMONTH": np.array([r[1] for r in rows], float),
           "YEARARRIV": np.array([r[2] for r in rows], float),
           "MONTHARRIV": np.array([np.nan if r[3] is None else r[3] for r in rows], float)}
    got = E.truth(E.evaluate(node, env, len(rows)))
    for k, (iy, im, ay, am) in enumerate(rows):
        if ay > iy or (ay == iy and am is not None and am > im):
            continue                                                  # arrival after the interview: impossible
        completed = iy - ay - (1 if am is not None and am > im else 0)   # completed years since arrival
        assert got[k] == (0 <= completed <= 10), (iy, im, ay, am)


def test_lint_warns_about_a_filter_on_a_derived_variable() -> None:
    text = QN.read_text(encoding="utf-8")
    old = re.search(r'relevant: "answered\(YEARARRIV\)[^"]*"', text)
    assert old
    probs = lint(loads(text.replace(old.group(0), 'relevant: "YEARESID >= 0 and YEARESID <= 10"'), "x.yaml"))
    hit = [p for p in probs if p.rule == "filter-derived"]
    assert len(hit) == 1 and "YEARESID" in hit[0].message and hit[0].location.line
