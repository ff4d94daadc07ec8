"""Issue 29: the paper questionnaire is drawn by Jinja2 templates (templates/paper.html, paper_macros.html) with
autoescape. Markup and template syntax written into any text of a form (title, section and roster titles, question,
hint, instruction, unit, choice and scale labels, a show-card entry) reach the page as literal text: no element is
made from them and no template expression in them is evaluated."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import html as lhtml

from surveymod.instruments.paper import build_paper
from surveymod.questionnaire import loads

HH = Path(__file__).parent.parent / "data" / "questionnaires" / "household.yaml"
EVIL = "<script>alert(1)</script> {{ 7*7 }} {% if 1 %}x{% endif %} & \"q\" 'a'"
PLACES = ['"Household test survey"', '"Interview"', '"Household members"', '"Household number"',
          '"Read the consent statement."', '"Copy from the assignment sheet."', '"Count even one hour."',
          "hours", '"Male"', '"Bad for the economy"', '"Abroad, country unknown"', '"Work"']


@pytest.fixture(scope="module")
def page() -> str:
    text = HH.read_text(encoding="utf-8")
    for place in PLACES:
        assert f"{{en: {place}" in text, place
        text = text.replace(f"{{en: {place}", f"{{en: '{place.strip(chr(34))} {EVIL.replace(chr(39), 2 * chr(39))}'")
    return build_paper(loads(text, "household.yaml"), "en")


def test_hostile_text_is_text_on_the_paper_form(page: str) -> None:
    doc = lhtml.document_fromstring(page)
    assert doc.xpath("//script") == []
    visible = [t for t in doc.xpath("//body//text()") if EVIL in t]
    # each place once (the title also in <title>), the show-card entry on the card at the end
    assert len(visible) >= len(PLACES), len(visible)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; {{ 7*7 }} {% if 1 %}x{% endif %} &amp;" in page
    evaluated = [t for t in doc.xpath("//text()") if "alert(1)" in t and EVIL not in t]
    assert evaluated == []  # never "... 49 x ..."

