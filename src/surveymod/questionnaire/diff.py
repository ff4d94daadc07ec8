"""Differences between two versions or waves of an instrument, and whether indicator items stay comparable.

Items are matched by variable name (case-insensitive).  Every difference is reported; a change to what the
respondent is asked or how the answer is coded (question text, codes and their labels, missing-value flags, scale
range and anchors, routing/universe, type, calculation) *breaks comparability* of that item.  Hints, interviewer
instructions, short labels, constraints, provenance and position are reported but do not break it.  Items that
indicator definitions read (and the variables their calculations use) are the ones whose comparability matters.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from . import expr as E
from .conditions import compile_condition, universe
from .model import Choice, Group, LangText, Question, Questionnaire

BREAKING = frozenset({"removed", "type", "wording", "codes", "routing", "range", "calculation", "roster"})


@dataclass(frozen=True)
class Change:
    """One difference. ``name`` is the variable ('' for questionnaire metadata)."""

    kind: str
    name: str
    detail: str
    indicator: bool = False

    @property
    def breaks(self) -> bool:
        """True when the item's answers can no longer be compared between the two versions."""
        return self.kind in BREAKING

    def __str__(self) -> str:
        tag = " [indicator item]" if self.indicator else ""
        who = f"{self.name}{tag}: " if self.name else ""
        return f"{self.kind:<11} {who}{self.detail}"


@dataclass
class DiffResult:
    """All changes between ``old`` and ``new``, with the indicator items that were checked."""

    old_label: str
    new_label: str
    changes: list[Change] = field(default_factory=list)
    indicator_items: set[str] = field(default_factory=set)

    def of_kind(self, *kinds: str) -> list[Change]:
        return [c for c in self.changes if c.kind in kinds]

    @property
    def added(self) -> list[str]:
        return [c.name for c in self.of_kind("added")]

    @property
    def removed(self) -> list[str]:
        return [c.name for c in self.of_kind("removed")]

    @property
    def not_comparable(self) -> dict[str, list[str]]:
        """Indicator items whose comparability is broken, with the kinds of change that break it."""
        out: dict[str, list[str]] = {}
        for c in self.changes:
            if c.indicator and c.breaks:
                out.setdefault(c.name, [])
                if c.kind not in out[c.name]:
                    out[c.name].append(c.kind)
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "old": self.old_label, "new": self.new_label,
            "changes": [{"kind": c.kind, "name": c.name, "detail": c.detail, "indicator": c.indicator,
                         "breaks_comparability": c.breaks} for c in self.changes],
            "indicator_items": sorted(self.indicator_items),
            "not_comparable": self.not_comparable,
        }


# ------------------------------------------------------------------------------------------------- comparison


def diff(old: Questionnaire, new: Questionnaire, indicator_items: Iterable[str] = ()) -> DiffResult:
    """Every change from *old* to *new*; *indicator_items* are variable names indicators read."""
    wanted = {n.lower() for n in indicator_items}
    items = _closure(old, wanted) | _closure(new, wanted)
    res = DiffResult(_label(old), _label(new), indicator_items=items)
    res.changes += _metadata(old, new)
    old_q = {q.name.lower(): q for q in old.questions(include_notes=True)}
    new_q = {q.name.lower(): q for q in new.questions(include_notes=True)}
    for key, q in old_q.items():
        if key not in new_q:
            res.changes.append(Change("removed", q.name, f"{q.type} question no longer in the new version",
                                      key in items))
    for key, q in new_q.items():
        if key not in old_q:
            where = _section(new, q.name)
            res.changes.append(Change("added", q.name, f"new {q.type} question (section '{where}')", key in items))
    for key, oq in old_q.items():
        nq = new_q.get(key)
        if nq is not None:
            res.changes += [Change(kind, nq.name, detail, key in items)
                            for kind, detail in _question_changes(old, oq, new, nq)]
    return res


def _label(qn: Questionnaire) -> str:
    parts = [qn.id, f"version {qn.version}"]
    if qn.wave:
        parts.append(f"wave {qn.wave}")
    return f"{qn.file or qn.id} ({', '.join(parts)})"


def _closure(qn: Questionnaire, names: set[str]) -> set[str]:
    """Names plus every variable the calculations among them use, transitively (agegrp -> age)."""
    out = set(names)
    todo = list(names)
    index = {q.name.lower(): q for q in qn.questions()}
    while todo:
        q = index.get(todo.pop())
        if q is None or q.type != "calculate" or not q.calculation:
            continue
        try:
            refs = E.references(E.parse(q.calculation))
        except E.ExprSyntaxError:
            continue
        for r in refs:
            if r.name.lower() not in out:
                out.add(r.name.lower())
                todo.append(r.name.lower())
    return out


def _metadata(old: Questionnaire, new: Questionnaire) -> list[Change]:
    out: list[Change] = []
    for f in ("id", "version", "wave", "respondent_id", "key"):
        a, b = getattr(old, f), getattr(new, f)
        if a != b:
            out.append(Change("metadata", "", f"{f}: {a!r} -> {b!r}"))
    if old.title != new.title:
        out.append(Change("metadata", "", f"title: {old.text(old.title)!r} -> {new.text(new.title)!r}"))
    if old.languages.all != new.languages.all:
        out.append(Change("metadata", "", f"languages: {old.languages.all} -> {new.languages.all}"))
    return out


def _section(qn: Questionnaire, name: str) -> str:
    for it, parents in qn.walk():
        if it.name.lower() == name.lower():
            return "/".join(p.name for p in parents) or "(top)"
    return "?"


def _roster_name(qn: Questionnaire, name: str) -> str | None:
    g: Group | None = qn.roster_of(name)
    return g.name if g is not None else None


def _question_changes(old: Questionnaire, oq: Question, new: Questionnaire, nq: Question) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if oq.type != nq.type:
        out.append(("type", f"{oq.type} -> {nq.type}"))
    out += [("wording", d) for d in _text_changes(oq.label, nq.label, "question text")]
    out += [("translation", d) for d in _added_languages(oq.label, nq.label, "question text")]
    for f, what in (("short", "variable label"), ("hint", "hint"), ("instruction", "interviewer instruction")):
        a, b = getattr(oq, f), getattr(nq, f)
        out += [("label", d) for d in _text_changes(a, b, what)]
    out += [("codes", d) for d in _code_changes(old.choice_list(oq), new.choice_list(nq))]
    if (oq.min, oq.max) != (nq.min, nq.max):
        out.append(("range", f"valid range {_rng(oq)} -> {_rng(nq)}"))
    a_rule, b_rule = _universe_text(old, oq.name), _universe_text(new, nq.name)
    if a_rule != b_rule:
        out.append(("routing", f"asked when {a_rule or 'always'} -> {b_rule or 'always'}"))
    if _expr_text(old, oq.calculation) != _expr_text(new, nq.calculation):
        out.append(("calculation", f"{oq.calculation!r} -> {nq.calculation!r}"))
    if _expr_text(old, oq.constraint, oq) != _expr_text(new, nq.constraint, nq):
        out.append(("constraint", f"{oq.constraint!r} -> {nq.constraint!r}"))
    if oq.required != nq.required:
        out.append(("required", f"{oq.required} -> {nq.required}"))
    ro, rn = _roster_name(old, oq.name), _roster_name(new, nq.name)
    if (ro or "").lower() != (rn or "").lower():
        out.append(("roster", f"unit changed: roster {ro or '(none)'} -> {rn or '(none)'}"))
    so, sn = _section(old, oq.name), _section(new, nq.name)
    if so.lower() != sn.lower():
        out.append(("moved", f"section {so} -> {sn}"))
    if oq.source != nq.source:
        out.append(("source", "provenance changed"))
    out += _xlsform_changes(oq.xlsform or {}, nq.xlsform or {})
    return out


_VERBATIM_KIND = {"relevant": "routing", "calculation": "calculation", "constraint": "constraint"}


def _xlsform_changes(a: dict[str, str], b: dict[str, str]) -> list[tuple[str, str]]:
    """Changed cells an imported XLSForm keeps verbatim (XPath the condition language cannot say, types, columns);
    Kobo's own bookkeeping ($kuid, $autoname ...) is left out."""
    out: list[tuple[str, str]] = []
    for key in dict.fromkeys([*a, *b]):
        if key.startswith("$") or a.get(key) == b.get(key):
            continue
        base = key.split("::")[0].removeprefix("bind:").removeprefix(":").lower()
        out.append((_VERBATIM_KIND.get(base, "xlsform"), f"XLSForm {key}: {a.get(key)!r} -> {b.get(key)!r}"))
    return out


def _rng(q: Question) -> str:
    def g(v: float | None) -> str:
        return "-" if v is None else f"{v:g}"

    return f"[{g(q.min)}, {g(q.max)}]"


def _text_changes(a: LangText | None, b: LangText | None, what: str) -> list[str]:
    """Texts present in both versions that differ, one message per language."""
    a, b = a or {}, b or {}
    out = []
    for lang in sorted(set(a) | set(b)):
        ta, tb = a.get(lang), b.get(lang)
        if ta is not None and tb is not None and ta.strip() != tb.strip():
            out.append(f"{what} ({lang}) {_short(ta)!r} -> {_short(tb)!r}")
        elif ta is not None and tb is None:
            out.append(f"{what} ({lang}) removed")
    return out


def _added_languages(a: LangText | None, b: LangText | None, what: str) -> list[str]:
    a, b = a or {}, b or {}
    return [f"{what} translated into {lang}" for lang in sorted(set(b) - set(a))]


def _short(s: str, n: int = 70) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"


def _code_changes(a: list[Choice], b: list[Choice]) -> list[str]:
    ca, cb = {c.code: c for c in a}, {c.code: c for c in b}
    out: list[str] = []
    gone = sorted(set(ca) - set(cb))
    new = sorted(set(cb) - set(ca))
    if gone:
        out.append("codes removed: " + ", ".join(f"{k} {_short(_first(ca[k].label), 30)!r}" for k in gone))
    if new:
        out.append("codes added: " + ", ".join(f"{k} {_short(_first(cb[k].label), 30)!r}" for k in new))
    for k in sorted(set(ca) & set(cb)):
        x, y = ca[k], cb[k]
        for d in _text_changes(x.label, y.label, f"label of code {k}"):
            out.append(d)
        if x.missing != y.missing:
            out.append(f"code {k} missing-value flag {x.missing or 'none'} -> {y.missing or 'none'}")
        if x.name != y.name:
            out.append(f"code {k} name {x.name!r} -> {y.name!r}")
        if x.correct != y.correct:
            out.append(f"code {k} correct answer {x.correct} -> {y.correct}")
    return out


def _first(t: LangText) -> str:
    return next(iter(t.values()), "") if t else ""


def _lower_refs(node: E.Node) -> E.Node:
    return E.transform(node, lambda n: E.Ref(n.pos, n.name.lower()) if isinstance(n, E.Ref) else None)


def _universe_text(qn: Questionnaire, name: str) -> str:
    """The full universe (own and enclosing conditions, names resolved to codes) in one canonical text."""
    try:
        node = universe(qn, name)
    except E.ExprSyntaxError:
        return "<unparsable>"
    return "" if node is None else E.to_xpath(_lower_refs(node))


def _expr_text(qn: Questionnaire, text: str | None, owner: Question | None = None) -> str:
    if not text:
        return ""
    try:
        return E.to_xpath(_lower_refs(compile_condition(qn, text, owner)))
    except E.ExprSyntaxError:
        return " ".join(text.split())

