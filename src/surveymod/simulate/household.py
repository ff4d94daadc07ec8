"""Make simulated household rosters respect the cross-row EU-LFS rules that ``check`` enforces.

Answers are drawn question by question, so a roster could get two reference persons or a "father" younger than
his child.  After generation, in each household: line 1 is the reference person (other lines drawn as reference
person become 5 = other relative), and a father/mother line that does not name an existing, older member becomes
0 (not in the household).  The roles come from the questions' EU-LFS sources (``questionnaire/household.py``);
nothing in the shipped routing depends on these variables, so the repair changes no other answer.
"""

from __future__ import annotations

import numpy as np

from ..questionnaire.household import REFERENCE_PERSON, household_roles
from ..questionnaire.model import Questionnaire
from .levels import Level

OTHER_RELATIVE = 5
"""HHLINK code given to extra reference persons (EU-LFS HHLINK 5 = other relative)."""


def repair_households(qn: Questionnaire, levels: dict[str, Level]) -> None:
    """Fix HHLINK and the parent pointers of every person roster in *levels*, in place."""
    for roles in household_roles(qn):
        lvl = levels.get(roles.roster.name)
        if lvl is None or lvl.n == 0 or lvl.parent_row is None or roles.line not in lvl.cols:
            continue
        hh = lvl.parent_row
        line = lvl.cols[roles.line]
        if roles.link and roles.link in lvl.cols:
            link = lvl.cols[roles.link]
            first = line == 1
            link[first] = REFERENCE_PERSON
            link[~first & (link == REFERENCE_PERSON)] = OTHER_RELATIVE
        age = lvl.cols.get(roles.age) if roles.age else None
        where = {(int(h), float(ln)): i for i, (h, ln) in enumerate(zip(hh, line, strict=True))}
        for var in roles.parents:
            ptr = lvl.cols.get(var)
            if ptr is None:
                continue
            for i in np.flatnonzero(~np.isnan(ptr) & (ptr > 0)):
                j = where.get((int(hh[i]), float(ptr[i])))
                older = j is not None and j != i and (age is None or (age[j] > age[i]))
                if not older:
                    ptr[i] = 0.0
