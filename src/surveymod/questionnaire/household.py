"""The EU-LFS roles of a household roster's questions, found through their declared sources.

Some plausibility rules of a household survey span several rows of the person roster: exactly one reference
person per household, and a father/mother line number (EU-LFS HHFATH/HHMOTH) that names an existing, older member
of the same household.  A constraint sees one row at a time, so these rules are attached to the standard itself:
a roster question whose ``source`` says it is the EU-LFS variable HHLINK, HHFATH, HHMOTH or AGE plays that role.
Used by the data check (``data/household_rules.py``) and by the simulator, which must respect the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import Group, Question, Questionnaire

REFERENCE_PERSON = 1
"""HHLINK code of the reference person (EU-LFS Reg. (EU) 2019/2240, Annex I: 1 = reference person)."""


PARENT_SEX = {"HHFATH": 1, "HHMOTH": 2}
"""EU-LFS SEX code a father / mother line must have (1 = male, 2 = female)."""
PARENT_BIRTH = {"HHFATH": "COBFATH", "HHMOTH": "COBMOTH"}
"""The country-of-birth variable to copy from the parent's own line (the parent's COUNTRYB)."""


@dataclass(frozen=True)
class Parent:
    """One parent pointer: its question, its EU-LFS role (HHFATH/HHMOTH) and the parent's country-of-birth item."""

    pointer: str
    role: str
    birth: str | None


@dataclass(frozen=True)
class HouseholdRoles:
    """Variable names of one person roster: line number, age, sex, relationship, country of birth, parents."""

    roster: Group
    line: str
    age: str | None
    link: str | None
    parent_items: tuple[Parent, ...]
    sex: str | None = None
    birth: str | None = None

    @property
    def parents(self) -> tuple[str, ...]:
        """The parent-pointer questions (HHFATH, HHMOTH) present, in that order."""
        return tuple(p.pointer for p in self.parent_items)


def _role(q: Question) -> str | None:
    src = q.source
    if src is None or not src.standard or not src.variable or "EU-LFS" not in (src.ref or ""):
        return None
    return src.variable.upper()


ROLES = ("AGE", "SEX", "HHLINK", "HHFATH", "HHMOTH", "COUNTRYB", "COBFATH", "COBMOTH")


def household_roles(qn: Questionnaire) -> list[HouseholdRoles]:
    """One entry per roster that has a line number and at least a relationship or a parent-pointer question."""
    out: list[HouseholdRoles] = []
    for g in qn.rosters():
        if not g.key:
            continue
        found: dict[str, str] = {}
        for q in qn.questions():
            if qn.roster_of(q.name) is g and (role := _role(q)) in ROLES and q.name.upper() == role:
                found.setdefault(role, q.name)
        for q in qn.questions():  # else a question of another name that declares the role
            if qn.roster_of(q.name) is g and (role := _role(q)) in ROLES:
                found.setdefault(role, q.name)
        parents = tuple(Parent(found[r], r, found.get(PARENT_BIRTH[r])) for r in ("HHFATH", "HHMOTH") if r in found)
        if "HHLINK" in found or parents:
            out.append(HouseholdRoles(g, g.key, found.get("AGE"), found.get("HHLINK"), parents,
                                      found.get("SEX"), found.get("COUNTRYB")))
    return out
