"""Routing in words, derived from the compiled conditions: universes ("Ask if ...") and skips ("If 2 → go to Q14").

Used by the paper questionnaire, the codebook and DDI so that every instrument states the same routing. Skips come
from a three-valued (true/false/unknown) reading of each later question's universe with only the filter question's
answer known: the questions that are certainly not asked after answer *c* are skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..questionnaire import expr as E
from ..questionnaire.conditions import universe
from ..questionnaire.model import Group, Question, Questionnaire

Tri = bool | None  # None = unknown


class _Missing:
    """The value of a question that is certainly not asked (XPath: comparisons false, except != true)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()


def universe_words(qn: Questionnaire, name: str, lang: str | None = None,
                   name_of: Callable[[str], str] | None = None) -> str | None:
    """The universe of question *name* in words (codes shown with their labels in *lang*), or None if everyone."""
    node = universe(qn, name)
    if node is None:
        return None
    return E.to_words(node, name_of or (lambda s: s), value_labeller(qn, lang),
                      lang=lang or qn.languages.default)


def value_labeller(qn: Questionnaire, lang: str | None) -> Callable[[str, Any], str]:
    """``value_of(var, code)`` for ``to_words``: ``2 (No)`` for codes of choice questions, the number otherwise."""

    def value_of(var: str, code: Any) -> str:
        shown = str(int(code)) if isinstance(code, float) and code.is_integer() else repr(code) if isinstance(
            code, str) else str(code)
        try:
            q = qn.question(var)
        except KeyError:
            return shown
        for c in qn.choice_list(q):
            if isinstance(code, int | float) and c.code == code:
                return f"{c.code} ({qn.text(c.label, lang)})"
        return shown

    return value_of


# ------------------------------------------------------------------------------------------ three-valued logic


def _tri_value(node: E.Node, known: dict[str, Any]) -> Any:
    """Value of an arithmetic node, or None when it depends on an unknown answer."""
    if isinstance(node, E.Num):
        return node.value
    if isinstance(node, E.Str):
        return node.value
    if isinstance(node, E.Ref):
        return known.get(node.name.lower())
    if isinstance(node, E.Unary) and node.op == "-":
        v = _tri_value(node.operand, known)
        return v if v is None or v is MISSING else -v
    if isinstance(node, E.Call) and node.name == "count_selected" and isinstance(node.args[0], E.Ref):
        return MISSING if known.get(node.args[0].name.lower()) is MISSING else None
    if isinstance(node, E.Binary) and node.op in ("+", "-", "*", "/"):
        a, b = _tri_value(node.left, known), _tri_value(node.right, known)
        if a is MISSING or b is MISSING:
            return MISSING if a is not None and b is not None else None
        if a is None or b is None or isinstance(a, str) or isinstance(b, str):
            return None
        if node.op == "/":
            return None if b == 0 else a / b
        return {"+": a + b, "-": a - b, "*": a * b}[node.op]
    return None


def _cmp(op: str, a: Any, b: Any) -> Tri:
    if a is None or b is None:
        return None
    if a is MISSING or b is MISSING:
        return op == "!="
    try:
        a, b = float(a), float(b)
    except (TypeError, ValueError):
        return (a == b) if op == "=" else (a != b) if op == "!=" else None
    return {"=": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def tri_eval(node: E.Node, known: dict[str, Any]) -> Tri:
    """Truth of a condition when only the answers in *known* (lower-case names) are known; None = cannot tell."""
    if isinstance(node, E.Binary) and node.op in ("and", "or"):
        a, b = tri_eval(node.left, known), tri_eval(node.right, known)
        if node.op == "and":
            return False if a is False or b is False else (True if a and b else None)
        return True if a is True or b is True else (False if a is False and b is False else None)
    if isinstance(node, E.Unary) and node.op == "not":
        v = tri_eval(node.operand, known)
        return None if v is None else not v
    if isinstance(node, E.Compare):
        vals = [_tri_value(o, known) for o in node.operands]
        out: Tri = True
        for op, a, b in zip(node.ops, vals, vals[1:], strict=False):
            r = _cmp(op, a, b)
            if r is False:
                return False
            if r is None:
                out = None
        return out
    if isinstance(node, E.In):
        v = _tri_value(node.operand, known)
        if v is None:
            return None
        hit = any(_cmp("=", v, _tri_value(i, known)) for i in node.items)
        return (not hit) if node.negate else hit
    if isinstance(node, E.Call) and node.name == "selected" and isinstance(node.args[0], E.Ref):
        v = known.get(node.args[0].name.lower())
        if v is MISSING:
            return False
        if v is None or not isinstance(node.args[1], E.Num | E.Str):
            return None
        return _cmp("=", v, node.args[1].value)
    if isinstance(node, E.Call) and node.name == "answered" and isinstance(node.args[0], E.Ref):
        v = known.get(node.args[0].name.lower())
        return None if v is None else v is not MISSING
    v = _tri_value(node, known)
    if v is MISSING:
        return False
    if v is None or isinstance(v, str):
        return None
    return v != 0


# -------------------------------------------------------------------------------------------------- skips


@dataclass(frozen=True)
class Skip:
    """After answer ``code`` to ``question``, go to ``target`` (a question name), or to the end of ``scope``."""

    question: str
    code: int
    target: str | None
    scope: str | None  # roster name when the skip reaches the end of the roster; None = end of questionnaire


_NOT_ASKED = {"calculate", "start", "end", "today", "deviceid", "audit", "username", "phonenumber", "simserial",
              "subscriberid", "imei", "email", "start-geopoint", "background-audio", "background-geopoint",
              "hidden", "xml-external", "csv-external"}
"""XLSForm types an imported question may keep (``xlsform.type``) that the form fills in itself: metadata the
device records, calculations, external data. The paper form does not ask them."""


def is_asked(q: Question) -> bool:
    """True for a question an interviewer asks: not a calculation, not metadata the device records, not a
    variable only the exports have (an imported form's ``_index`` and repeat line numbers)."""
    if q.type == "calculate":
        return False
    kept = (q.xlsform or {}).get("type")
    return kept is None or (kept != "" and kept.split()[0].lower() not in _NOT_ASKED)


def _sequence(qn: Questionnaire) -> list[tuple[Question, str | None]]:
    """Asked questions (not calculated) in order, each with its innermost roster name."""
    out = []
    for it, parents in qn.walk():
        if isinstance(it, Question) and it.type != "note" and is_asked(it):
            rosters = [g.name for g in parents if isinstance(g, Group) and g.is_roster]
            out.append((it, rosters[-1] if rosters else None))
    return out


def skips(qn: Questionnaire) -> dict[str, list[Skip]]:
    """For each select_one/scale filter question, the answers after which later questions are skipped."""
    seq = _sequence(qn)
    universes = {q.name: universe(qn, q.name) for q, _ in seq}
    out: dict[str, list[Skip]] = {}
    for i, (q, roster) in enumerate(seq):
        if q.type not in ("select_one", "scale"):
            continue
        found: list[Skip] = []
        for c in qn.choice_list(q):
            known: dict[str, Any] = {q.name.lower(): float(c.code)}

            def inside(k: int, roster: str | None = roster) -> bool:
                return k < len(seq) and (roster is None or seq[k][1] == roster)

            j = i + 1
            while inside(j):
                u = universes[seq[j][0].name]
                if u is None or tri_eval(u, known) is not False:
                    break
                known[seq[j][0].name.lower()] = MISSING  # certainly skipped: its answer is missing
                j += 1
            if j == i + 1:
                continue
            if inside(j):
                found.append(Skip(q.name, c.code, seq[j][0].name, None))
            else:
                found.append(Skip(q.name, c.code, None, roster))
        if found:
            out[q.name] = found
    return out
