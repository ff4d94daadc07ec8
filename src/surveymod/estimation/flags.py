"""Reliability flags for published estimates, as statistical offices apply them to LFS tables.

A row is flagged ``suppress`` when its unweighted n is below ``min_n`` or its CV exceeds ``cv_suppress``, and
``warn`` when its CV exceeds ``cv_warn``. The flag text says why (e.g. ``suppress: n<30``); the numbers are kept,
so the publishing step decides whether to blank them.
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field


class FlagRules(BaseModel):
    """Thresholds for reliability flags (CV = se / |estimate|, as a fraction: 0.15 means 15%)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_n: int | None = Field(None, ge=1, description="Suppress estimates with fewer respondents than this.")
    cv_warn: float | None = Field(0.15, gt=0, description="Warn above this CV.")
    cv_suppress: float | None = Field(0.30, gt=0, description="Suppress above this CV.")


def _pct(x: float) -> str:
    return f"{x * 100:g}%"


def flag(n: float, cv: float, rules: FlagRules) -> str:
    """The flag text for one estimate: '' (fine), 'warn: cv>15%', 'suppress: cv>30%', 'suppress: n<30', or
    'suppress: no observations' for an empty domain (whose SE of 0 says nothing)."""
    if n == 0:
        return "suppress: no observations"
    if rules.min_n is not None and n < rules.min_n:
        return f"suppress: n<{rules.min_n}"
    if math.isnan(cv):
        return ""
    if rules.cv_suppress is not None and cv > rules.cv_suppress:
        return f"suppress: cv>{_pct(rules.cv_suppress)}"
    if rules.cv_warn is not None and cv > rules.cv_warn:
        return f"warn: cv>{_pct(rules.cv_warn)}"
    return ""
