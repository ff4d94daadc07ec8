"""Make simulated household rosters respect the cross-row EU-LFS rules that ``check`` enforces.

Answers are drawn question by question, so a roster could get two reference persons or a "father" younger than
his child.  After generation, in each household: line 1 is the reference person (other lines drawn as reference
person become 5 = other relative); a father/mother line that does not name an existing, older member of the
parent's sex becomes 0 (not in the household); and where the parent lives in the household, COBFATH/COBMOTH are
copied from the parent's own COUNTRYB (as the interviewer instruction says), after which the calculations that
use them (MIGSTAT) are evaluated again.  The roles come from the questions' EU-LFS sources
(``questionnaire/household.py``); nothing in the shipped routing depends on these variables.

The questionnaire's declared ``rules:`` are respected too: a rule on a row's own answers is met while drawing, as
an extra constraint of the question it names that is generated last (:func:`rule_constraints`); a rule on a related
member (``related: {mother: HHMOTH}``) that a drawn pointer breaks makes the pointer 0 (not in the household).
"""

from __future__ import annotations

import numpy as np

from ..questionnaire import expr as E
from ..questionnaire.conditions import compile_condition, universe
from ..questionnaire.household import PARENT_SEX, REFERENCE_PERSON, HouseholdRoles, household_roles
from ..questionnaire.model import Group, Question, Questionnaire
from ..questionnaire.rules import evaluate_rule, nodes, roster_of_rule
from .levels import LevelEnv, LevelRows

OTHER_RELATIVE = 5
"""HHLINK code given to extra reference persons (EU-LFS HHLINK 5 = other relative)."""


def repair_households(qn: Questionnaire, levels: dict[str, LevelRows]) -> None:
    """Fix HHLINK, the parent pointers and the parents' countries of birth of every person roster, in place."""
    for roles in household_roles(qn):
        lvl = levels.get(roles.roster.name)
        if lvl is None or lvl.n == 0 or lvl.parent_row is None or roles.line not in lvl.cols:
            continue
        if roles.link and roles.link in lvl.cols:
            link = lvl.cols[roles.link]
            first = lvl.cols[roles.line] == 1
            link[first] = REFERENCE_PERSON
            link[~first & (link == REFERENCE_PERSON)] = OTHER_RELATIVE
        _rule_pointers(qn, roles, lvl)
        if _parents(roles, lvl):
            _recalculate(qn, lvl, {p.birth for p in roles.parent_items if p.birth})


def rule_constraints(qn: Questionnaire, order: list[Question | Group]) -> dict[str, list[E.Node]]:
    """Declared rules without related members as extra constraints: ``not each or <an input is missing> or check``,
    attached to the rule's own-roster question generated last (a calculated variable cannot be redrawn: skipped)."""
    pos = {it.name.lower(): i for i, it in enumerate(order) if isinstance(it, Question)}
    out: dict[str, list[E.Node]] = {}
    for rule in qn.rules:
        if rule.related:
            continue
        roster = roster_of_rule(qn, rule)
        each, check = nodes(qn, rule)
        refs = [r.name for r in E.references(check) + (E.references(each) if each is not None else [])]
        own = [n for n in refs if n.lower() in pos and qn.roster_of(n) is roster]
        if not own:
            continue
        target = max(own, key=lambda n: pos[n.lower()])
        if qn.question(target).type == "calculate":
            continue
        p = check.pos
        cond: E.Node = check
        for name in dict.fromkeys(r.name for r in E.references(check)):
            cond = E.Binary(p, "or", E.Unary(p, "not", E.Call(p, "answered", (E.Ref(p, name),))), cond)
        if each is not None:
            cond = E.Binary(p, "or", E.Unary(p, "not", each), cond)
        out.setdefault(target.lower(), []).append(cond)
    return out


def _rule_pointers(qn: Questionnaire, roles: HouseholdRoles, lvl: LevelRows) -> None:
    """Pointers (HHFATH, HHMOTH ...) that break a declared rule on the related member become 0."""
    assert lvl.parent_row is not None
    for rule in qn.rules:
        if not rule.related or roster_of_rule(qn, rule) is not roles.roster:
            continue
        res = evaluate_rule(qn, rule, LevelEnv(lvl), lvl.n, lvl.parent_row, lvl.cols[roles.line])
        for pointer in rule.related.values():
            if pointer in lvl.cols:
                lvl.cols[pointer][res.broken] = 0.0


def _parents(roles: HouseholdRoles, lvl: LevelRows) -> bool:
    """Pointers to an existing, older member of the right sex (else 0); True when a country of birth was copied."""
    assert lvl.parent_row is not None
    hh, line = lvl.parent_row, lvl.cols[roles.line]
    age = lvl.cols.get(roles.age) if roles.age else None
    sex = lvl.cols.get(roles.sex) if roles.sex else None
    birth = lvl.cols.get(roles.birth) if roles.birth else None
    where = {(int(h), float(ln)): i for i, (h, ln) in enumerate(zip(hh, line, strict=True))}
    copied = False
    for parent in roles.parent_items:
        ptr = lvl.cols.get(parent.pointer)
        if ptr is None:
            continue
        cob = lvl.cols.get(parent.birth) if parent.birth else None
        for i in np.flatnonzero(~np.isnan(ptr) & (ptr > 0)):
            j = where.get((int(hh[i]), float(ptr[i])))
            ok = j is not None and j != i and (age is None or age[j] > age[i]) \
                and (sex is None or sex[j] == PARENT_SEX[parent.role])
            if not ok:
                ptr[i] = 0.0
            elif cob is not None and birth is not None and not np.isnan(cob[i]) and not np.isnan(birth[j]):
                copied |= bool(cob[i] != birth[j])
                cob[i] = birth[j]
    return copied


def _recalculate(qn: Questionnaire, lvl: LevelRows, changed: set[str]) -> None:
    """Evaluate again, where they apply, the roster's calculations that use a changed variable."""
    for q in qn.questions():
        if q.type != "calculate" or not q.calculation or q.name not in lvl.cols:
            continue
        node = compile_condition(qn, q.calculation)
        if not {r.name for r in E.references(node)} & changed:
            continue
        env = LevelEnv(lvl)
        cond = universe(qn, q.name)
        mask = np.ones(lvl.n, dtype=bool) if cond is None else E.truth(E.evaluate(cond, env, lvl.n))
        vals = E.evaluate(node, env, lvl.n)
        out = lvl.cols[q.name]
        out[mask] = vals[mask].astype(out.dtype) if out.dtype != object else vals[mask]
        changed.add(q.name)
