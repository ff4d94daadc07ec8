"""Derived (``calculate``) variables recomputed from their inputs, as the questionnaire declares them.

A derived variable such as the EU-LFS YEARESID (completed years since the last arrival, or 999 "born here") is
stored in the data but must follow from its inputs: ``check`` compares the stored value with the recomputation and
reports every mismatch (rule ``derived-mismatch``, row and column), and the EU-LFS export writes the recomputed
value.  The calculation is the questionnaire's own expression, evaluated by the condition language on whole columns
(the same code the simulator uses), only where the variable's universe holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..questionnaire import expr as E
from ..questionnaire.conditions import compile_condition, universe
from ..questionnaire.model import Question, Questionnaire


@dataclass(frozen=True)
class Recomputed:
    """The recomputed values (NaN where not derived) and the rows where the variable applies."""

    values: np.ndarray
    applies: np.ndarray


def recompute(qn: Questionnaire, q: Question, env: Mapping[str, Any], n: int) -> Recomputed:
    """Evaluate the calculation of *q* on *env*; NaN outside its universe. KeyError names a missing input column."""
    assert q.calculation is not None
    cond = universe(qn, q.name)
    applies = np.ones(n, dtype=bool) if cond is None else E.truth(E.evaluate(cond, env, n))
    vals = E.evaluate(compile_condition(qn, q.calculation), env, n)
    vals = vals.astype(float) if vals.dtype == bool else vals
    if vals.dtype == object:
        vals = np.array([np.nan if v is None or v == "" else v for v in vals], dtype=object)
        try:
            vals = vals.astype(float)
        except (TypeError, ValueError):
            pass
    out = np.where(applies, vals, np.nan) if vals.dtype != object else np.where(applies, vals, None)
    return Recomputed(out, applies)


def mismatches(stored: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Rows whose stored value differs from the recomputed one (a value where none can be derived counts too)."""
    s = np.asarray(stored, dtype="float64")
    e = np.asarray(expected, dtype="float64")
    both = ~np.isnan(s) & ~np.isnan(e)
    with np.errstate(invalid="ignore"):
        differ = both & ~np.isclose(s, e, rtol=1e-9, atol=1e-9)
    return differ | (np.isnan(s) != np.isnan(e))


def derived_questions(qn: Questionnaire) -> list[Question]:
    """The questionnaire's calculated variables, in document order."""
    return [q for q in qn.questions() if q.type == "calculate" and q.calculation]
