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


def census_age(rng: np.random.Generator, q: Question, spec: Answer) -> Callable[[np.ndarray], np.ndarray] | None:
    """A drawer of Census 2021 ages for an EU-LFS AGE question without a scenario shape, else None."""
    if not is_lfs_age(q) or spec != Answer():
        return None
    lo_q = q.min if q.min is not None else 0.0
    hi_q = q.max if q.max is not None else 120.0
    groups = [(max(a, lo_q), min(b, hi_q), n) for a, b, n in CENSUS_2021 if a <= hi_q and b >= lo_q]
    if not groups:
        return None
    first = np.array([g[0] for g in groups], dtype=float)
    width = np.array([g[1] - g[0] + 1 for g in groups], dtype=float)
    p = np.array([g[2] for g in groups], dtype=float)
    p /= p.sum()

    def draw(rows: np.ndarray) -> np.ndarray:
        g = rng.choice(len(groups), size=len(rows), p=p)
        return first[g] + np.floor(rng.random(len(rows)) * width[g])

    return draw
