"""Conditions bound to a questionnaire: parse once, resolve quoted choice names to codes, combine universes.

Everything that evaluates or renders routing (check, simulate, XLSForm, paper, DDI) goes through here, so a
condition means the same thing in every instrument.
"""

from __future__ import annotations

from functools import reduce

from . import expr as E
from .model import Group, Question, Questionnaire


def resolve_names(qn: Questionnaire, node: E.Node, owner: Question | None = None) -> E.Node:
    """Replace a quoted choice name compared with a choice question (``COUNTRYB != 'MK'``) by its numeric code.

    *owner* is the question a constraint belongs to: ``.`` (its answer) is resolved exactly like a reference to it,
    so ``. != 'MK'`` on a country question compares with 807. Without an owner ``.`` is left as it is.
    """
    index = qn._index()

    def codes_for(ref: E.Node) -> dict[str, int] | None:
        q = index.get(ref.name.lower()) if isinstance(ref, E.Ref) else owner if isinstance(ref, E.Self) else None
        if q is not None and q.is_choice:
            return {c.name: c.code for c in qn.choice_list(q) if c.name}
        return None

    def fix(value: E.Node, names: dict[str, int] | None) -> E.Node:
        if names is not None and isinstance(value, E.Str) and value.value in names:
            return E.Num(value.pos, float(names[value.value]))
        return value

    def fn(n: E.Node) -> E.Node | None:
        if isinstance(n, E.Compare):
            ops = list(n.operands)
            for i in range(len(ops) - 1):
                ops[i + 1] = fix(ops[i + 1], codes_for(ops[i]))
                ops[i] = fix(ops[i], codes_for(ops[i + 1]))
            return E.Compare(n.pos, n.ops, tuple(ops))
        if isinstance(n, E.In):
            names = codes_for(n.operand)
            return E.In(n.pos, n.operand, tuple(fix(i, names) for i in n.items), n.negate)
        if isinstance(n, E.Call) and n.name == "selected" and len(n.args) == 2:
            return E.Call(n.pos, n.name, (n.args[0], fix(n.args[1], codes_for(n.args[0]))))
        return None

    return E.transform(node, fn)


def compile_condition(qn: Questionnaire, text: str, owner: Question | None = None) -> E.Node:
    """Parse *text* and resolve choice names; raises ExprSyntaxError on bad syntax.

    Pass the question as *owner* when compiling its constraint, so names compared with ``.`` are resolved too.
    """
    cache = qn._compiled
    key = text if owner is None else f"{text}\x00{owner.name.lower()}"
    if key not in cache:
        cache[key] = resolve_names(qn, E.parse(text), owner)
    return cache[key]


def own_conditions(qn: Questionnaire, item: Question | Group) -> list[E.Node]:
    """The item's own ``relevant`` condition, compiled (empty if it has none)."""
    return [compile_condition(qn, item.relevant)] if item.relevant else []


def universe(qn: Questionnaire, name: str) -> E.Node | None:
    """The full condition under which question *name* is asked: its own and every enclosing group's, and-ed."""
    for it, parents in qn.walk():
        if isinstance(it, Question) and it.name.lower() == name.lower():
            conds = [c for g in parents for c in own_conditions(qn, g)] + own_conditions(qn, it)
            if not conds:
                return None
            return reduce(lambda a, b: E.Binary(a.pos, "and", a, b), conds)
    raise KeyError(name)
