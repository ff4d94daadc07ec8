"""Printable paper questionnaire (HTML with print CSS), one language per file.

Questions are numbered Q1, Q2, ... (calculated variables are not asked, notes are read out unnumbered). Each answer
code has a code box; numbers get one box per digit. Routing is written out for the interviewer from the compiled
conditions: "Ask if: Q7 is between 15 and 74 ..." above a filtered question (``to_words`` with question numbers
and choice labels) and "→ Go to Q14" beside an answer after which the next questions are certainly not asked
(see :mod:`.routing`). The framing words (:mod:`surveymod.questionnaire.phrases`) and the condition words
(``expr.WORDS``) are in en/mk/sq.
A long list (countries) is written in and coded from a show card printed at the end, in the same language.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..questionnaire import expr as E
from ..questionnaire.conditions import compile_condition
from ..questionnaire.model import Group, Question, Questionnaire
from ..questionnaire.phrases import phrase
from ..syntax.html import html_text
from .routing import Skip, is_asked, skips, value_labeller


def _w(key: str, lang: str) -> str:
    return phrase(key, lang)


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


class _Paper:
    def __init__(self, qn: Questionnaire, lang: str) -> None:
        self.qn = qn
        self.lang = lang
        self.numbers = question_numbers(qn)
        self.skips = skips(qn)
        self.value_of = value_labeller(qn, lang)
        self.out: list[str] = []
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
        return html_text(self.qn.text(value, self.lang))

    def goto(self, s: Skip) -> str:
        if s.target:
            return f'<span class="goto">→ {_w("go_to", self.lang)} {self.numbers[s.target]}</span>'
        key = "end_roster" if s.scope else "end"
        return f'<span class="goto">→ {_w(key, self.lang)}</span>'

    # ------------------------------------------------------------------------------------------------ groups
    def group(self, g: Group, depth: int) -> None:
        title = self.t(g.title) if g.title else html_text(g.name)
        if g.is_roster:
            self.out.append('<div class="roster">')
            self.out.append(f"<h3>{title}</h3>")
            extra = []
            if g.count:
                extra.append(f"{_w('rows', self.lang)}: {html_text(self.words(g.count))}")
            if g.max_rows:
                extra.append(f"{_w('at_most', self.lang)} {g.max_rows}")
            self.out.append(f'<p class="instr">{_w("roster", self.lang)}'
                            f"{' (' + '; '.join(extra) + ')' if extra else ''}.</p>")
        else:
            self.out.append(f"<h{min(2 + depth, 4)}>{title}</h{min(2 + depth, 4)}>")
        if g.relevant:
            self.out.append(f'<p class="sectionif">{_w("section_if", self.lang)}: '
                            f"{html_text(self.words(g.relevant))}</p>")
        for it in g.items:
            if isinstance(it, Group):
                self.group(it, depth + 1)
            else:
                self.question(it)
        if g.is_roster:
            self.out.append("</div>")

    # --------------------------------------------------------------------------------------------- questions
    def question(self, q: Question) -> None:
        if q.type != "note" and not is_asked(q):
            return
        o = self.out
        if q.type == "note":
            o.append(f'<div class="q note" id="{html_text(q.name)}">')
            if q.relevant:
                o.append(f'<p class="askif">{_w("ask_if", self.lang)}: {html_text(self.words(q.relevant))}</p>')
            o.append(f"<p>{self.t(q.label)}</p></div>")
            return
        no = self.numbers[q.name]
        o.append(f'<div class="q" id="{html_text(q.name)}">')
        o.append(f'<span class="var">{html_text(q.name)}</span>')
        if q.relevant:
            o.append(f'<p class="askif">{_w("ask_if", self.lang)}: {html_text(self.words(q.relevant))}</p>')
        o.append(f'<p><span class="qno">{no}.</span>{self.t(q.label)}</p>')
        if q.hint:
            o.append(f'<p class="hint">{self.t(q.hint)}</p>')
        if q.instruction:
            o.append(f'<p class="instr"><b>{_w("interviewer", self.lang)}:</b> {self.t(q.instruction)}</p>')
        if q.showcard:
            o.append(f'<p class="instr"><b>{html_text(phrase("show_card", self.lang, card=q.showcard))}</b></p>')
        if q.type == "select_multiple":
            o.append(f'<p class="instr">{_w("all_apply", self.lang)}</p>')
        if q.type == "scale":
            self.scale(q)
        elif q.type in ("select_one", "select_multiple"):
            self.codes(q, self.qn.choice_list(q))
        elif q.type in ("integer", "decimal", "year"):
            self.number(q)
        elif q.type == "date":
            boxes = '<span class="digit"></span>' * 2
            o.append(f'<div class="digits">{boxes} / {boxes} / {boxes * 2} '
                     f'<span class="hint">({_w("day_month_year", self.lang)})</span></div>')
        else:
            o.append('<div class="line"></div><div class="line"></div>')
        o.append("</div>")

    def codes(self, q: Question, choices: list[Any]) -> None:
        jumps = {s.code: s for s in self.skips.get(q.name, [])}
        if len(choices) > LONG_LIST:  # e.g. countries: write in the answer, code it later; print routed codes only
            width = max(len(str(c.code)) for c in choices)
            boxes = '<span class="digit"></span>' * width
            self.out.append(f'<div class="line"></div><div class="digits">{boxes}</div>')
            card = self.card(q, choices)
            self.out.append(f'<p class="instr">{html_text(phrase("show_card_ref", self.lang, card=card))}</p>')
            builtin = {c.code for c in (self.qn.choices[q.choices].all() if isinstance(q.choices, str)
                                        and q.choices in self.qn.choices else [])}
            own = {c.code for c in self.qn.choices[q.choices].choices} if isinstance(q.choices, str) and (
                q.choices in self.qn.choices) else set()
            choices = [c for c in choices if c.code in jumps or c.missing or c.code in own or c.code not in builtin]
            if not choices:
                return
        rows = []
        for c in choices:
            go = self.goto(jumps[c.code]) if c.code in jumps else ""
            rows.append(f'<tr><td><span class="box">{c.code}</span></td><td>{self.t(c.label)}</td><td>{go}</td></tr>')
        self.out.append('<table class="codes">' + "".join(rows) + "</table>")

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

    def annexes(self) -> None:
        """The show cards: every code of each long list with its label in this language, sorted by label."""
        for key, (letter, codes, used) in self.cards.items():
            title = _w("country_codes", self.lang) if key == "builtin:countries" else _w("code", self.lang)
            self.out.append(f'<section class="card"><h2>{html_text(phrase("show_card_title", self.lang, card=letter))}: '
                            f"{html_text(title)}</h2>")
            self.out.append(f'<p class="meta">{html_text(_w("used_at", self.lang))}: {", ".join(used)}</p>')
            ordered = sorted(codes, key=lambda c: self.qn.text(c.label, self.lang).casefold())
            rows = "".join(f'<tr><td><span class="box">{c.code}</span></td><td>{self.t(c.label)}</td>'
                           f'<td class="var">{html_text(c.name or "")}</td></tr>' for c in ordered)
            self.out.append(f'<table class="codes cardlist">{rows}</table></section>')

    def scale(self, q: Question) -> None:
        qn = self.qn
        lo, hi = int(q.min or 0), int(q.max or 0)
        anchors = q.anchors or {}
        heads = "".join(f"<td>{html_text(qn.text(anchors[v], self.lang)) if v in anchors else ''}</td>"
                        for v in range(lo, hi + 1))
        boxes = "".join(f'<td><span class="box">{v}</span></td>' for v in range(lo, hi + 1))
        self.out.append(f'<table class="codes scale"><tr>{heads}</tr><tr>{boxes}</tr></table>')
        special = qn._named_or_inline(q)
        if special:
            self.codes(q, special)

    def number(self, q: Question) -> None:
        n = _digits_for(q)
        boxes = '<span class="digit"></span>' * n
        if q.type == "decimal":
            boxes += ' , <span class="digit"></span><span class="digit"></span>'
        unit = f" {self.t(q.unit)}" if q.unit else ""
        self.out.append(f'<div class="digits">{boxes}{unit}</div>')
        special = self.qn._named_or_inline(q)
        if special:
            self.codes(q, special)


def build_paper(qn: Questionnaire, lang: str | None = None) -> str:
    """The paper questionnaire in *lang* as a self-contained HTML page (print it, or save as PDF from a browser).

    The questions are laid out by :class:`_Paper`, which escapes every text it writes (``t``), and go into the
    page as one fragment; the page itself is the ``paper.html`` template."""
    from markupsafe import Markup

    from ..templates import render

    lang = lang or qn.languages.default
    p = _Paper(qn, lang)
    for sec in qn.sections:
        p.group(sec, 0)
    p.annexes()
    return render("paper.html", page="paper", lang=lang, title=qn.text(qn.title, lang), form_id=qn.id,
                  version_word=_w("version", lang), version=qn.version,
                  description=qn.text(qn.description, lang) if qn.description else None,
                  questions=Markup("\n".join(p.out)))


Renderer = Callable[[Questionnaire, str | None], str]
