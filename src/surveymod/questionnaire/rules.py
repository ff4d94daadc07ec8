"""Plausibility rules declared in the questionnaire (``rules:``), evaluated on whole columns of one roster.

A rule says which rows it is about (``each``) and what must hold there (``check``), in the condition language.
``related: {mother: HHMOTH}`` makes the mother's answers visible as ``mother_AGE`` etc.: the values on the line of
the same household that HHMOTH names (missing where the pointer is 0, blank or names no line; the rule does not
apply there: ``parent-line`` reports bad pointers).  The same evaluation serves ``surveymod check`` (a problem per
row that breaks a rule) and ``surveymod simulate`` (which draws answers that respect the rules).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import Location, Problem
from . import expr as E
from .conditions import compile_condition
from .model import Group, Questionnaire, Rule


@dataclass(frozen=True)
class Outcome:
    """Where a rule applies and where it is broken (row masks), and the related members' row numbers."""

    applies: np.ndarray
    broken: np.ndarray
    related_rows: dict[str, np.ndarray]


def roster_of_rule(qn: Questionnaire, rule: Rule) -> Group | None:
    """The roster a rule checks (None for the top level)."""
    if rule.roster is None:
        return None
    for g in qn.rosters():
        if g.name == rule.roster or g.level == rule.roster:
            return g
    raise KeyError(rule.roster)


def related_names(rule: Rule, node: E.Node) -> dict[str, tuple[str, str]]:
    """Variable references of *node* that name a related member: ``mother_AGE`` -> (``mother``, ``AGE``)."""
    out: dict[str, tuple[str, str]] = {}
    for ref in E.references(node):
        for prefix in rule.related:
            if ref.name.lower().startswith(prefix.lower() + "_"):
                out[ref.name] = (prefix, ref.name[len(prefix) + 1:])
    return out


def nodes(qn: Questionnaire, rule: Rule) -> tuple[E.Node | None, E.Node]:
    """The compiled ``each`` (None = every row) and ``check`` conditions."""
    return (compile_condition(qn, rule.each) if rule.each else None), compile_condition(qn, rule.check)


def rule_variable(qn: Questionnaire, rule: Rule) -> str | None:
    """The variable a broken rule is reported on: ``variable`` or the first own variable ``check`` names."""
    if rule.variable:
        return rule.variable
    _, check = nodes(qn, rule)
    rel = related_names(rule, check)
    return next((r.name for r in E.references(check) if r.name not in rel), None)


class _RuleEnv(Mapping[str, Any]):
    """The rows' own variables plus the related members' (``prefix_VAR``), looked up on first use."""

    def __init__(self, env: Mapping[str, Any], rule: Rule, rows: dict[str, np.ndarray]) -> None:
        self._env, self._rule, self._rows = env, rule, rows

    def __getitem__(self, name: str) -> Any:
        for prefix, idx in self._rows.items():
            if name.lower().startswith(prefix.lower() + "_"):
                base = np.asarray(self._env[name[len(prefix) + 1:]])
                vals = base[np.where(idx >= 0, idx, 0)]
                if vals.dtype == object:
                    return np.where(idx >= 0, vals, None)
                return np.where(idx >= 0, vals.astype("float64"), np.nan)
        return self._env[name]

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        return name in self._env or any(name.lower().startswith(p.lower() + "_") and name[len(p) + 1:] in self._env
                                        for p in self._rows)

    def __iter__(self) -> Iterator[str]:
        return iter(self._env)

    def __len__(self) -> int:
        return len(self._env)


def member_rows(groups: np.ndarray, line: np.ndarray, pointer: np.ndarray) -> np.ndarray:
    """For each row, the row of the same household whose line number is *pointer* (-1 if none, 0 or blank)."""
    where = {(int(g), float(ln)): i for i, (g, ln) in enumerate(zip(groups, line, strict=True)) if not np.isnan(ln)}
    out = np.full(len(groups), -1, dtype=np.int64)
    for i in np.flatnonzero(~np.isnan(pointer) & (pointer > 0)):
        out[i] = where.get((int(groups[i]), float(pointer[i])), -1)
    return out


def evaluate_rule(qn: Questionnaire, rule: Rule, env: Mapping[str, Any], n: int,
                  groups: np.ndarray | None = None, line: np.ndarray | None = None) -> Outcome:
    """Evaluate *rule* on *n* rows. *groups* (household index per row) and *line* are needed for ``related``.

    A row where the check cannot be judged (an input is missing) is not broken: comparisons with a missing value
    are false, so the check is judged only where every variable it names is answered.
    """
    each, check = nodes(qn, rule)
    rows: dict[str, np.ndarray] = {}
    if rule.related:
        assert groups is not None and line is not None
        for prefix, pointer in rule.related.items():
            rows[prefix] = member_rows(groups, line, np.asarray(env[pointer], dtype="float64"))
    renv = _RuleEnv(env, rule, rows)
    applies = np.ones(n, dtype=bool) if each is None else E.truth(E.evaluate(each, renv, n))
    for idx in rows.values():
        applies &= idx >= 0
    judged = applies.copy()
    for ref in E.references(check):
        judged &= ~_missing(np.asarray(renv[ref.name]))
    ok = E.truth(E.evaluate(check, renv, n))
    return Outcome(applies, judged & ~ok, rows)


def _missing(a: np.ndarray) -> np.ndarray:
    if a.dtype == object:
        return np.array([v is None or (isinstance(v, float) and np.isnan(v)) or v == "" for v in a], dtype=bool)
    return np.isnan(a.astype("float64"))


def lint_rules(qn: Questionnaire) -> list[Problem]:
    """Located problems of the ``rules:`` block: unknown roster, bad syntax, unknown or out-of-roster names."""
    out: list[Problem] = []

    def add(path: str, message: str, rule: str = "rule") -> None:
        f, line, col = qn.locate(path)
        out.append(Problem(message, rule, "error", Location(f, line, col, path)))

    index = qn._index()
    seen: set[str] = set()
    for i, rule in enumerate(qn.rules):
        path = f"rules[{i}]"
        if rule.name in seen:
            add(f"{path}.name", f"duplicate rule name '{rule.name}'")
        seen.add(rule.name)
        try:
            roster = roster_of_rule(qn, rule)
        except KeyError:
            add(f"{path}.roster", f"unknown roster '{rule.roster}'")
            continue
        visible = _visible(qn, roster)
        for prefix, pointer in rule.related.items():
            if pointer.lower() not in visible or qn.roster_of(pointer) is not roster or roster is None:
                add(f"{path}.related", f"'{pointer}' ({prefix}) is not a line-number question of roster "
                                       f"'{rule.roster}'")
        for field in ("each", "check"):
            text = getattr(rule, field)
            if not text:
                continue
            try:
                node = compile_condition(qn, text)
            except E.ExprSyntaxError as exc:
                add(f"{path}.{field}", str(exc), "expression-syntax")
                continue
            rel = related_names(rule, node)
            for ref in E.references(node):
                name = rel[ref.name][1] if ref.name in rel else ref.name
                if ref.name in rel and (qn.roster_of(name) is not roster or name.lower() not in index):
                    add(f"{path}.{field}", f"'{ref.name}': '{name}' is not a question of roster '{rule.roster}'")
                elif ref.name not in rel and name.lower() not in visible:
                    add(f"{path}.{field}", f"unknown variable '{ref.name}' (not in roster '{rule.roster}' nor "
                                           "an enclosing level)")
        if rule.variable and rule.variable.lower() not in visible:
            add(f"{path}.variable", f"unknown variable '{rule.variable}'")
    return out


def _visible(qn: Questionnaire, roster: Group | None) -> set[str]:
    """Lower-case names of the questions a row of *roster* sees: its own and its enclosing levels'."""
    out: set[str] = set()
    for q in qn.questions():
        r = qn.roster_of(q.name)
        if r is None or r is roster or (roster is not None and _encloses(qn, r, roster)):
            out.add(q.name.lower())
    return out


def _encloses(qn: Questionnaire, outer: Group, inner: Group) -> bool:
    g: Group | None = inner
    while g is not None:
        g = qn.roster_of(g.name)
        if g is outer:
            return True
    return False
