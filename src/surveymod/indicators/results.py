"""Indicator results as plain data: one row per indicator (and per disaggregation), one cell per period.

Computation fills these; the results-framework table, the charts and the report only read them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

PERIODS = ("baseline", "year1", "year2", "year3")
PERIOD_TITLES = {"baseline": "Baseline", "year1": "Year 1", "year2": "Year 2", "year3": "Year 3"}


@dataclass(frozen=True)
class Cell:
    """One value in the table: an estimate with its CI, or a count from monitoring records, with its source."""

    value: float
    ci_low: float | None = None
    ci_high: float | None = None
    se: float | None = None
    n: int | None = None
    flag: str = ""
    source: str = ""
    unit: str = ""

    def text(self, digits: int = 1) -> str:
        """Human form, e.g. ``41.2% (38.0–44.5)`` or ``12``."""
        if self.value is None or (isinstance(self.value, float) and math.isnan(self.value)):
            return "–"
        pct = self.unit == "%"
        if abs(self.value) >= 1000:  # population counts: whole numbers with thousands separators
            digits = 0
        v = f"{self.value:,.{digits}f}" if not float(self.value).is_integer() or pct else f"{int(self.value):,}"
        s = v + ("%" if pct else "")
        if self.ci_low is not None and self.ci_high is not None and not math.isnan(self.ci_low):
            s += f" ({self.ci_low:,.{digits}f}–{self.ci_high:,.{digits}f})"
        if self.flag:
            s += f" [{self.flag}]"
        return s


@dataclass(frozen=True)
class Change:
    """Change of a survey indicator against its baseline: points and relative %, with SEs and p-value."""

    points: float
    points_se: float
    points_ci: tuple[float, float]
    pct: float
    pct_se: float
    pct_ci: tuple[float, float]
    p_value: float
    period: str

    @property
    def significant(self) -> bool:
        return self.p_value < 0.05

    def text(self) -> str:
        sig = "significant" if self.significant else "not significant"
        return (f"{self.points:+.1f} points ({self.points_ci[0]:+.1f} to {self.points_ci[1]:+.1f}); "
                f"{self.pct:+.1f}% relative ({self.pct_ci[0]:+.1f} to {self.pct_ci[1]:+.1f}); "
                f"p = {self.p_value:.3f}, {sig} at 5%")


@dataclass
class IndicatorRow:
    """A results-framework row; ``breakdown`` rows (sex, age) hang beneath their indicator."""

    id: str
    level: str
    text: str
    cells: dict[str, Cell] = field(default_factory=dict)
    cumulative: Cell | None = None
    change: Change | None = None
    target: str = ""
    target_met: bool | None = None
    notes: list[str] = field(default_factory=list)
    breakdown: list[IndicatorRow] = field(default_factory=list)
    label: str = ""  # for breakdown rows: "Female", "25-34" ...
    kind: str = "survey"  # survey | training | monitoring
