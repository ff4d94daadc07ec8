"""Data levels of a questionnaire: the top level ('main') and one per roster, with their linking keys.

A level's name is the roster's ``level`` (e.g. 'person') or its name; frames, exported files and check reports are
named after it. Also maps every way a code may be written in field data back to the code.
"""

from __future__ import annotations

from collections.abc import Mapping
from glob import escape
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..questionnaire.model import Group, Question, Questionnaire

TOP_LEVEL = "main"
"""Name of the top (respondent/household) level in a :class:`~surveymod.data.Dataset`."""


def level_name(group: Group | None) -> str:
    """Name of the data level of a roster (its ``level`` or, failing that, its name); the top level is 'main'."""
    if group is None:
        return TOP_LEVEL
    return group.level or group.name


def levels(qn: Questionnaire) -> dict[str, Group | None]:
    """Every data level in document order: 'main' first, then one per roster."""
    out: dict[str, Group | None] = {TOP_LEVEL: None}
    for g in qn.rosters():
        out[level_name(g)] = g
    return out


def level_of_roster(qn: Questionnaire, roster: str | None) -> str:
    """The level name of the roster called *roster* (None → 'main')."""
    if roster is None:
        return TOP_LEVEL
    for g in qn.rosters():
        if g.name == roster:
            return level_name(g)
    return TOP_LEVEL


def level_of_question(qn: Questionnaire, name: str) -> str:
    """The level holding variable *name*."""
    return level_name(qn.roster_of(name))


def parent_level(qn: Questionnaire, level: str) -> str | None:
    """The level a roster's rows belong to (the enclosing roster or 'main'); None for 'main'."""
    group = levels(qn).get(level)
    if group is None:
        return None
    return level_name(qn.roster_of(group.name))


def level_keys(qn: Questionnaire, level: str) -> list[str]:
    """Key columns identifying a row of *level*: the questionnaire's declared ``key`` (else the respondent id), then
    each enclosing roster's line number."""
    top = list(qn.key) if qn.key else ([qn.respondent_id] if qn.respondent_id else [])
    group = levels(qn).get(level)
    if group is None:
        return top
    parent = parent_level(qn, level)
    keys = level_keys(qn, parent) if parent else top
    return [*keys, group.key] if group.key else keys


def roster_files(path: Path, names: Mapping[str, str] | None = None) -> list[tuple[str, Path]]:
    """The roster levels' files beside the top-level file *path*, as (level, file): ``<stem>-<key><suffix>`` or
    ``<stem>_<key><suffix>``, as ``surveymod export`` and ``simulate`` write them.

    With *names* (lower-case roster name or level -> level, from a questionnaire) the keys are those; without, any
    such file is a level named by the rest of its name (``hh_person.csv`` -> 'person').
    """
    found: list[tuple[str, Path]] = []
    if names is not None:
        for key, lvl in names.items():
            for sep in ("-", "_"):
                sib = path.with_name(f"{path.stem}{sep}{key}{path.suffix}")
                if sib.exists() and sib != path:
                    found.append((lvl, sib))
        return found
    for sep in ("-", "_"):
        for sib in sorted(path.parent.glob(f"{escape(path.stem)}{sep}*{path.suffix}")):
            found.append((sib.stem[len(path.stem) + 1:], sib))
    return found


def choice_codes(qn: Questionnaire, q: Question) -> dict[str, int]:
    """Every way a code may be written in field data (code, choice name, label in any language) → the code.

    Keys are case-folded and stripped; look values up with ``str(v).strip().casefold()``.
    """
    out: dict[str, int] = {}
    for c in qn.choice_list(q):
        for text in c.label.values():
            out.setdefault(text.strip().casefold(), c.code)
    for c in qn.choice_list(q):
        if c.name:
            out[c.name.strip().casefold()] = c.code
        out[str(c.code)] = c.code
    return out
