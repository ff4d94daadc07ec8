"""Cross-row checks of a household roster (EU-LFS): one reference person per household; HHFATH/HHMOTH name an
existing, older member of the same household.

Rules (one problem row per offending roster row, with its row number and variable, as every other check):
``reference-person`` (a household with no or several HHLINK = reference person) and ``parent-line`` (a father or
mother line number that is not in the household, is the person's own line, or is a member who is not older) are
errors; ``parent-sex`` (the father's line is not a man, the mother's not a woman) and ``parent-country``
(COBFATH/COBMOTH differ from the parent's own COUNTRYB, which the instrument says to copy) are warnings.
Which questions play these roles is read from their declared EU-LFS sources (``questionnaire/household.py``).

The questionnaire's own ``rules:`` block (``questionnaire/rules.py``) adds declared plausibility rules over the rows
of a roster and their related members (reference person aged 15+, a mother at least 12 years older than her child
...): :func:`check_declared_rules` reports each broken rule under its own name, with household and line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..questionnaire import expr as E
from ..questionnaire.household import PARENT_SEX, REFERENCE_PERSON, HouseholdRoles, Parent, household_roles
from ..questionnaire.model import Questionnaire
from ..questionnaire.rules import evaluate_rule, roster_of_rule, rule_variable
from .levels import level_keys, level_name

COLUMNS = ["level", "respondent_id", "row", "variable", "value", "rule", "severity", "message"]


def _num(col: pd.Series) -> np.ndarray:
    return pd.to_numeric(col, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _fmt(v: float) -> str:
    return "" if np.isnan(v) else (str(int(v)) if float(v).is_integer() else str(v))


def check_household_rules(frames: dict[str, pd.DataFrame], qn: Questionnaire) -> list[pd.DataFrame]:
    """Problems of the cross-row household rules, as frames with the columns of the check report."""
    out: list[pd.DataFrame] = []
    for roles in household_roles(qn):
        level = level_name(roles.roster)
        frame = frames.get(level)
        keys = level_keys(qn, level)
        if frame is None or roles.line not in frame.columns or any(k not in frame.columns for k in keys):
            continue
        rows = _Rows(level, frame, qn.respondent_id)
        hh_keys = [k for k in keys if k != roles.line]
        groups = frame.groupby(hh_keys, sort=False, dropna=False).ngroup().to_numpy() if hh_keys \
            else np.zeros(len(frame), dtype=int)
        _reference_person(rows, roles, frame, groups)
        _parent_lines(rows, roles, frame, groups)
        if rows.rows:
            out.append(pd.DataFrame(rows.rows, columns=COLUMNS))
    return out


def household_groups(frame: pd.DataFrame, keys: list[str], line: str | None) -> np.ndarray:
    """A household index per row of a roster frame (its keys without its own line number)."""
    hh_keys = [k for k in keys if k != line and k in frame.columns]
    if not hh_keys or len(frame) == 0:
        return np.zeros(len(frame), dtype=int)
    return frame.groupby(hh_keys, sort=False, dropna=False).ngroup().to_numpy()


def check_declared_rules(frames: dict[str, pd.DataFrame], qn: Questionnaire,
                         env_of: Callable[[str, pd.DataFrame], Mapping[str, Any]]) -> list[pd.DataFrame]:
    """Problems of the questionnaire's ``rules:`` (one per broken row, with household and line in the message).

    *env_of(level, frame)* gives the variables a row sees (its own and its enclosing levels'); a rule whose inputs
    are not in the data is reported once as ``unchecked``.
    """
    out: list[pd.DataFrame] = []
    for rule in qn.rules:
        roster = roster_of_rule(qn, rule)
        level = level_name(roster)
        frame = frames.get(level)
        if frame is None:
            continue
        rows = _Rows(level, frame, qn.respondent_id)
        keys = level_keys(qn, level)
        line = roster.key if roster is not None else None
        var = rule_variable(qn, rule) or ""
        try:
            env = env_of(level, frame)
            lines = _num(frame[line]) if line and line in frame.columns else None
            res = evaluate_rule(qn, rule, env, len(frame), household_groups(frame, keys, line), lines)
        except KeyError as exc:
            rows.one(var, "unchecked", f"rule '{rule.name}' not checked: the data has no column {exc}")
            out.append(pd.DataFrame(rows.rows, columns=COLUMNS))
            continue
        except E.ExprSyntaxError as exc:
            rows.one(var, "unchecked", f"rule '{rule.name}' not checked: {exc}")
            out.append(pd.DataFrame(rows.rows, columns=COLUMNS))
            continue
        values = _num(frame[var]) if var in frame.columns else np.full(len(frame), np.nan)
        text = qn.text(rule.message)
        for i in np.flatnonzero(res.broken):
            where = f"household {rows.ids[i]}" + (f", line {_fmt(lines[i])}" if lines is not None else "")
            rows.add(int(i), var, _fmt(values[i]), rule.name, f"{where}: {text}", rule.severity)
        if rows.rows:
            out.append(pd.DataFrame(rows.rows, columns=COLUMNS))
    return out


class _Rows:
    """Problem rows of one roster level."""

    def __init__(self, level: str, frame: pd.DataFrame, rid: str | None) -> None:
        self.level = level
        self.ids = frame[rid].astype(str).to_numpy() if rid and rid in frame.columns else np.full(len(frame), None)
        self.rows: list[dict[str, object]] = []

    def add(self, i: int, variable: str, value: str, rule: str, message: str, severity: str = "error") -> None:
        self.rows.append({"level": self.level, "respondent_id": self.ids[i], "row": i + 1, "variable": variable,
                          "value": value, "rule": rule, "severity": severity, "message": message})

    def one(self, variable: str, rule: str, message: str) -> None:
        self.rows.append({"level": self.level, "respondent_id": None, "row": None, "variable": variable,
                          "value": None, "rule": rule, "severity": "warning", "message": message})


def _reference_person(rows: _Rows, roles: HouseholdRoles, frame: pd.DataFrame, groups: np.ndarray) -> None:
    """Exactly one HHLINK = reference person per household."""
    if not roles.link or roles.link not in frame.columns or len(frame) == 0:
        return
    link = _num(frame[roles.link])
    is_ref = link == REFERENCE_PERSON
    n_ref = np.bincount(groups, weights=is_ref.astype(float), minlength=int(groups.max()) + 1)[groups]
    first = np.zeros(len(frame), dtype=bool)
    first[np.unique(groups, return_index=True)[1]] = True
    for i in np.flatnonzero((n_ref > 1) & is_ref):
        rows.add(int(i), roles.link, _fmt(link[i]), "reference-person",
                 f"the household has {int(n_ref[i])} reference persons ({roles.link} = {REFERENCE_PERSON}); "
                 "exactly one is required")
    for i in np.flatnonzero((n_ref == 0) & first):
        rows.add(int(i), roles.link, _fmt(link[i]), "reference-person",
                 f"the household has no reference person ({roles.link} = {REFERENCE_PERSON}); "
                 "exactly one is required")


def _col(frame: pd.DataFrame, name: str | None) -> np.ndarray | None:
    return _num(frame[name]) if name and name in frame.columns else None


def _parent_lines(rows: _Rows, roles: HouseholdRoles, frame: pd.DataFrame, groups: np.ndarray) -> None:
    """HHFATH/HHMOTH (when not 0) name another, older member of the same household (errors); that member has
    the parent's sex and the country of birth recorded for the parent (warnings: the instrument says copy it)."""
    line = _num(frame[roles.line])
    age, sex, birth = _col(frame, roles.age), _col(frame, roles.sex), _col(frame, roles.birth)
    lookup = {(int(g), float(ln)): i for i, (g, ln) in enumerate(zip(groups, line, strict=True)) if not np.isnan(ln)}
    for parent in roles.parent_items:
        var = parent.pointer
        if var not in frame.columns:
            continue
        who = "father" if parent.role == "HHFATH" else "mother"
        cob = _col(frame, parent.birth)
        ptr = _num(frame[var])
        for i in np.flatnonzero(~np.isnan(ptr) & (ptr > 0)):
            j = lookup.get((int(groups[i]), float(ptr[i])))
            if j is None:
                rows.add(i, var, _fmt(ptr[i]), "parent-line",
                         f"the {who} is recorded on line {_fmt(ptr[i])}, but the household has no such line")
            elif j == i:
                rows.add(i, var, _fmt(ptr[i]), "parent-line", f"the {who} cannot be the person's own line")
            elif age is not None and not np.isnan(age[i]) and not np.isnan(age[j]) and age[j] <= age[i]:
                rows.add(i, var, _fmt(ptr[i]), "parent-line",
                         f"the {who} on line {_fmt(ptr[i])} is aged {_fmt(age[j])}, not older than this person "
                         f"(aged {_fmt(age[i])})")
            else:
                _parent_consistency(rows, parent, who, i, j, ptr, sex, birth, cob)


def _parent_consistency(rows: _Rows, parent: Parent, who: str, i: int, j: int, ptr: np.ndarray,
                        sex: np.ndarray | None, birth: np.ndarray | None, cob: np.ndarray | None) -> None:
    want = PARENT_SEX[parent.role]
    if sex is not None and not np.isnan(sex[j]) and sex[j] != want:
        rows.add(i, parent.pointer, _fmt(ptr[i]), "parent-sex",
                 f"the {who} on line {_fmt(ptr[i])} has SEX {_fmt(sex[j])}, not {want}", "warning")
    if cob is not None and birth is not None and parent.birth and not np.isnan(cob[i]) \
            and not np.isnan(birth[j]) and cob[i] != birth[j]:
        rows.add(i, parent.birth, _fmt(cob[i]), "parent-country",
                 f"{parent.birth} is {_fmt(cob[i])} but the {who} (line {_fmt(ptr[i])}) was born in "
                 f"{_fmt(birth[j])}; copy the {who}'s own answer", "warning")
