"""Default age distribution of simulated EU-LFS household members: North Macedonia, Census 2021.

A question declared as the EU-LFS variable AGE (``source.variable: AGE`` with an EU-LFS reference) is drawn from
the resident population by 5-year age group (MakStat table T1003P21, national row, 5 September 2021, as
transcribed and cross-checked in ``shared/reference/census_mk.md`` §2), uniformly within the group; 85+ is spread
over 85-100.  Without it ages were uniform over 0-120, so a third of the simulated people were over 74 and the
LFS tables (universe 15-74) looked nothing like a release.  A scenario (``--effects``) shape for AGE overrides it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..questionnaire.model import Question
from .effects import Answer

# (first age, last age, persons): Census 2021, total resident population 1,836,713
CENSUS_2021 = ((0, 4, 96521), (5, 9, 109318), (10, 14, 105508), (15, 19, 104035), (20, 24, 106553),
               (25, 29, 116145), (30, 34, 123101), (35, 39, 127381), (40, 44, 128186), (45, 49, 126444),
               (50, 54, 125643), (55, 59, 127752), (60, 64, 124795), (65, 69, 114187), (70, 74, 89804),
               (75, 79, 55256), (80, 84, 35083), (85, 100, 21001))


def is_lfs_age(q: Question) -> bool:
    """True for a question declared as the EU-LFS variable AGE."""
    src = q.source
    return bool(src and src.standard and (src.variable or "").upper() == "AGE" and "EU-LFS" in (src.ref or ""))


REFERENCE_PERSON_MIN_AGE = 15
"""Line 1 (the reference person) is drawn aged 15+ (the questionnaire's rule ``reference-person-age``)."""


def census_age(rng: np.random.Generator, q: Question, spec: Answer,
               first: np.ndarray | None = None) -> Callable[[np.ndarray], np.ndarray] | None:
    """A drawer of Census 2021 ages for an EU-LFS AGE question without a scenario shape, else None.

    *first* marks the roster rows on line 1 (reference persons): they are drawn from the census population aged
    15+, and the other members from the distribution that makes all members together follow the census again
    (other = (census - share * adults) / (1 - share), share = the fraction of rows on line 1).
    """
    if not is_lfs_age(q) or spec != Answer():
        return None
    lo_q = q.min if q.min is not None else 0.0
    hi_q = q.max if q.max is not None else 120.0
    groups = [(max(a, lo_q), min(b, hi_q), n) for a, b, n in CENSUS_2021 if a <= hi_q and b >= lo_q]
    if not groups:
        return None
    start = np.array([g[0] for g in groups], dtype=float)
    width = np.array([g[1] - g[0] + 1 for g in groups], dtype=float)
    p = np.array([g[2] for g in groups], dtype=float)
    p /= p.sum()

    adult = np.where(start >= REFERENCE_PERSON_MIN_AGE, p, 0.0)
    share = float(first.mean()) if first is not None and len(first) and adult.sum() > 0 else 0.0
    adult = adult / adult.sum() if adult.sum() > 0 else p
    other = np.clip(p - share * adult, 0.0, None) / (1.0 - share) if share < 1 else p
    other = other / other.sum() if other.sum() > 0 else p

    def pick(m: int, probs: np.ndarray) -> np.ndarray:
        g = rng.choice(len(groups), size=m, p=probs)
        return start[g] + np.floor(rng.random(m) * width[g])

    def draw(rows: np.ndarray) -> np.ndarray:
        if share == 0.0 or first is None:
            return pick(len(rows), p)
        out = np.empty(len(rows))
        lead = first[rows]
        out[lead] = pick(int(lead.sum()), adult)
        out[~lead] = pick(int((~lead).sum()), other)
        return out

    return draw
