"""Printable paper questionnaire (HTML with print CSS), one language per file.

Questions are numbered Q1, Q2, ... (calculated variables are not asked, notes are read out unnumbered). Each answer
code has a code box; numbers get one box per digit. Routing is written out for the interviewer from the compiled
conditions: "Ask if: Q7 is between 15 and 74 ..." above a filtered question (``to_words`` with question numbers
and choice labels) and "→ Go to Q14" beside an answer after which the next questions are certainly not asked
(see :mod:`.routing`). The framing words (:mod:`surveymod.questionnaire.phrases`) and the condition words
(``expr.WORDS``) are in en/mk/sq.
A long list (countries) is written in and coded from a show card printed at the end, in the same language.

This module only lays the form out as plain data (:class:`Section`, :class:`PaperQuestion`, the answer parts and
:class:`Card`, all plain text); the ``paper.html`` template and its macros (``paper_macros.html``) draw it, with
autoescape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..questionnaire import expr as E
from ..questionnaire.conditions import compile_condition
from ..questionnaire.model import Group, Question, Questionnaire
from ..questionnaire.phrases import phrase
from .routing import Skip, is_asked, skips, value_labeller

WORDS = ("ask_if", "interviewer", "all_apply", "day_month_year", "section_if")
"""The frame words the template writes itself (the others are composed into the texts below)."""


def question_numbers(qn: Questionnaire) -> dict[str, str]:
    """``{variable: 'Q7'}`` for every asked question (calculations, metadata and notes have none)."""
    out: dict[str, str] = {}
    for q in qn.questions():
        if is_asked(q):
            out[q.name] = f"Q{len(out) + 1}"
    return out


def _digits_for(q: Question) -> int:
    if q.type == "year":
        return 4
    vals = [abs(int(v)) for v in (q.min, q.max) if v is not None]
    return max(2, len(str(max(vals)))) if vals else 4


LONG_LIST = 30
"""Lists longer than this (e.g. countries) are written in and coded later; only routed and own codes are printed."""


# ------------------------------------------------------------------------------- the form as data (plain text)
@dataclass
class Row:
    """One answer code: the code in its box, its label, and the skip beside it or (on a show card) its name."""

    code: str
    label: str
    goto: str = ""
    name: str = ""


@dataclass
class Lines:
    """Write-in lines."""

    kind: ClassVar[str] = "lines"
    count: int = 2


@dataclass
class Digits:
    """One box per digit (and two after the decimal comma), then the unit."""

    kind: ClassVar[str] = "digits"
    count: int
    decimals: bool = False
    unit: str = ""


@dataclass
class DateBoxes:
    """Day / month / year boxes with the order written after them."""

    kind: ClassVar[str] = "date"


@dataclass
class Codes:
    """The answer codes, each with a box."""

    kind: ClassVar[str] = "codes"
    rows: list[Row]


@dataclass
class Scale:
    """A scale: the anchor texts above the boxes of every value from low to high ('' where a value has none)."""

    kind: ClassVar[str] = "scale"
    anchors: list[str]
    values: list[int]


@dataclass
class Instruction:
    """An instruction to the interviewer under the answer (e.g. which show card codes it)."""

    kind: ClassVar[str] = "instruction"
    text: str


Answer = Lines | Digits | DateBoxes | Codes | Scale | Instruction


@dataclass
class PaperQuestion:
    """One asked question (``number`` 'Q7') or a note read out (``number`` '')."""

    kind: ClassVar[str] = "question"
    name: str
    label: str
    number: str = ""
    ask_if: str = ""
    hint: str = ""
    instruction: str = ""
    showcard: str = ""
    all_apply: bool = False
    answers: list[Answer] = field(default_factory=list)


@dataclass
class Section:
    """A group: its heading (level 2-4), the roster instruction (rosters only), its filter, its items."""

    kind: ClassVar[str] = "section"
    title: str
    level: int
    roster: str = ""
    section_if: str = ""
    items: list[PaperQuestion | Section] = field(default_factory=list)


@dataclass
class Card:
    """A show card printed at the end: its title, the questions using it, every code sorted by label."""

    title: str
    used_at: str
    rows: list[Row]


class _Paper:
    """Lays out one questionnaire in one language as sections and show cards."""

    def __init__(self, qn: Questionnaire, lang: str) -> None:
        self.qn = qn
        self.lang = lang
        self.numbers = question_numbers(qn)
        self.skips = skips(qn)
        self.value_of = value_labeller(qn, lang)
        self.cards: dict[str, tuple[str, list[Any], list[str]]] = {}   # list key -> (letter, codes, used at)

    def name_of(self, var: str) -> str:
        for name, no in self.numbers.items():
            if name.lower() == var.lower():
                return no
        return var

    def words(self, text: str) -> str:
        node = compile_condition(self.qn, text)
        return E.to_words(node, self.name_of, self.value_of, lang=self.lang)

    def t(self, value: Any) -> str:
        return self.qn.text(value, self.lang)

    def goto(self, s: Skip) -> str:
        if s.target:
            return f"→ {phrase('go_to', self.lang)} {self.numbers[s.target]}"
        return f"→ {phrase('end_roster' if s.scope else 'end', self.lang)}"

    # ------------------------------------------------------------------------------------------------ groups
    def group(self, g: Group, depth: int) -> Section:
        sec = Section(title=self.t(g.title) if g.title else g.name, level=3 if g.is_roster else min(2 + depth, 4))
        if g.is_roster:
            extra = []
            if g.count:
                extra.append(f"{phrase('rows', self.lang)}: {self.words(g.count)}")
            if g.max_rows:
                extra.append(f"{phrase('at_most', self.lang)} {g.max_rows}")
            sec.roster = f"{phrase('roster', self.lang)}{' (' + '; '.join(extra) + ')' if extra else ''}."
        if g.relevant:
            sec.section_if = self.words(g.relevant)
        for it in g.items:
            if isinstance(it, Group):
                sec.items.append(self.group(it, depth + 1))
            elif (q := self.question(it)) is not None:
                sec.items.append(q)
        return sec

    # --------------------------------------------------------------------------------------------- questions
    def question(self, q: Question) -> PaperQuestion | None:
        if q.type != "note" and not is_asked(q):
            return None
        out = PaperQuestion(name=q.name, label=self.t(q.label), ask_if=self.words(q.relevant) if q.relevant else "")
        if q.type == "note":
            return out
        out.number = self.numbers[q.name]
        out.hint = self.t(q.hint) if q.hint else ""
        out.instruction = self.t(q.instruction) if q.instruction else ""
        out.showcard = phrase("show_card", self.lang, card=q.showcard) if q.showcard else ""
        out.all_apply = q.type == "select_multiple"
        if q.type == "scale":
            out.answers = self.scale(q)
        elif q.type in ("select_one", "select_multiple"):
            out.answers = self.codes(q, self.qn.choice_list(q))
        elif q.type in ("integer", "decimal", "year"):
            out.answers = self.number(q)
        elif q.type == "date":
            out.answers = [DateBoxes()]
        else:
            out.answers = [Lines()]
        return out

    def codes(self, q: Question, choices: list[Any]) -> list[Answer]:
        jumps = {s.code: s for s in self.skips.get(q.name, [])}
        out: list[Answer] = []
        if len(choices) > LONG_LIST:  # e.g. countries: write in the answer, code it later; print routed codes only
            card = self.card(q, choices)
            out += [Lines(1), Digits(max(len(str(c.code)) for c in choices)),
                    Instruction(phrase("show_card_ref", self.lang, card=card))]
            builtin = {c.code for c in (self.qn.choices[q.choices].all() if isinstance(q.choices, str)
                                        and q.choices in self.qn.choices else [])}
            own = {c.code for c in self.qn.choices[q.choices].choices} if isinstance(q.choices, str) and (
                q.choices in self.qn.choices) else set()
            choices = [c for c in choices if c.code in jumps or c.missing or c.code in own or c.code not in builtin]
            if not choices:
                return out
        out.append(Codes([Row(str(c.code), self.t(c.label), self.goto(jumps[c.code]) if c.code in jumps else "")
                          for c in choices]))
        return out

    def card(self, q: Question, choices: list[Any]) -> str:
        """The letter of the show card (annex) holding *q*'s long list: one card per builtin list (all country
        questions share the countries card, their own special codes stay printed at the question)."""
        cl = self.qn.choices.get(q.choices) if isinstance(q.choices, str) else None
        key = f"builtin:{cl.builtin}" if cl is not None and cl.builtin else f"list:{q.choices if isinstance(q.choices, str) else q.name}"
        if key not in self.cards:
            codes = [c for c in choices if cl is None or not cl.builtin or c.code not in {o.code for o in cl.choices}]
            self.cards[key] = (chr(ord("A") + len(self.cards)), codes, [])
        letter, _, used = self.cards[key]
        used.append(self.numbers[q.name])
        return letter

    def annexes(self) -> list[Card]:
        """The show cards: every code of each long list with its label in this language, sorted by label."""
        out = []
        for key, (letter, codes, used) in self.cards.items():
            title = phrase("country_codes" if key == "builtin:countries" else "code", self.lang)
            ordered = sorted(codes, key=lambda c: self.t(c.label).casefold())
            out.append(Card(title=f"{phrase('show_card_title', self.lang, card=letter)}: {title}",
                            used_at=f"{phrase('used_at', self.lang)}: {', '.join(used)}",
                            rows=[Row(str(c.code), self.t(c.label), name=c.name or "") for c in ordered]))
        return out

    def scale(self, q: Question) -> list[Answer]:
        lo, hi = int(q.min or 0), int(q.max or 0)
        anchors = q.anchors or {}
        values = list(range(lo, hi + 1))
        out: list[Answer] = [Scale([self.t(anchors[v]) if v in anchors else "" for v in values], values)]
        special = self.qn._named_or_inline(q)
        return out + self.codes(q, special) if special else out

    def number(self, q: Question) -> list[Answer]:
        out: list[Answer] = [Digits(_digits_for(q), decimals=q.type == "decimal", unit=self.t(q.unit) if q.unit else "")]
        special = self.qn._named_or_inline(q)
        return out + self.codes(q, special) if special else out


def paper_layout(qn: Questionnaire, lang: str) -> tuple[list[Section], list[Card]]:
    """The questionnaire in *lang* as the paper form lays it out: its sections and the show cards at the end."""
    p = _Paper(qn, lang)
    sections = [p.group(sec, 0) for sec in qn.sections]
    return sections, p.annexes()


def build_paper(qn: Questionnaire, lang: str | None = None) -> str:
    """The paper questionnaire in *lang* as a self-contained HTML page (print it, or save as PDF from a browser):
    the layout (:func:`paper_layout`) drawn by the ``paper.html`` template, which escapes every text."""
    from ..templates import render

    lang = lang or qn.languages.default
    sections, cards = paper_layout(qn, lang)
    return render("paper.html", page="paper", lang=lang, title=qn.text(qn.title, lang), form_id=qn.id,
                  version_word=phrase("version", lang), version=qn.version,
                  description=qn.text(qn.description, lang) if qn.description else None,
                  w={k: phrase(k, lang) for k in WORDS}, sections=sections, cards=cards)
