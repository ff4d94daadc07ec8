"""Indicator results as plain data: one row per indicator (and per disaggregation), one cell per period.

Computation fills these; the results-framework table, the charts and the report only read them. A cell holds an
estimate with its CI, a count, a score on a stated scale, a yes/no or a text statement; an absent value is shown as
"–", never as a made-up 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

PERIODS = ("baseline", "year1", "year2", "year3", "year4")
PERIOD_TITLES = {"baseline": "Baseline", "year1": "Year 1", "year2": "Year 2", "year3": "Year 3", "year4": "Year 4"}
SHORT_TITLES = {"baseline": "Baseline", "year1": "Y1", "year2": "Y2", "year3": "Y3", "year4": "Y4"}

MET = "met"
MET_POINT = "met on the point estimate but not statistically"
NOT_MET = "not met"
NOT_YET = "not met yet"  # a report made before the programme's last year


def p_text(p: float) -> str:
    """A p-value as a reader expects it: ``p < 0.001`` for small values, never ``p = 0.000``."""
    if p is None or math.isnan(p):
        return "p not available"
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}"


def _num(v: float, digits: int) -> str:
    if float(v).is_integer() and digits == 0:
        return f"{int(v):,}"
    return f"{v:,.{digits}f}"


@dataclass(frozen=True)
class Cell:
    """One value in the table: an estimate with its CI, a count, a scale score, yes/no or text, with its source.

    ``text_value`` holds a statement as written (qualitative values, yes/no, a baseline such as "None");
    ``extra`` a second count shown after the first (training: trained / improved).
    """

    value: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    se: float | None = None
    n: int | None = None
    flag: str = ""
    source: str = ""
    unit: str = ""
    text_value: str | None = None
    extra: float | None = None
    extra_label: str = ""
    label: str = ""  # what the value counts, e.g. "trained"

    def text(self, digits: int = 1) -> str:
        """Human form, e.g. ``41.2% (38.0–44.5)``, ``12``, ``45 trained / 31 improved`` or a statement."""
        if self.text_value is not None:
            return self.text_value
        if self.value is None or (isinstance(self.value, float) and math.isnan(self.value)):
            return "–"
        pct = self.unit == "%"
        if abs(self.value) >= 1000:  # population counts: whole numbers with thousands separators
            digits = 0
        v = f"{self.value:,.{digits}f}" if not float(self.value).is_integer() or pct else f"{int(self.value):,}"
        s = v + ("%" if pct else "")
        if self.label:
            s += f" {self.label}"
        if self.extra is not None:
            s += f" / {_num(self.extra, 0)} {self.extra_label}".rstrip()
        if self.ci_low is not None and self.ci_high is not None and not math.isnan(self.ci_low):
            s += f" ({self.ci_low:,.{digits}f}–{self.ci_high:,.{digits}f})"
        if self.flag:
            s += f" [{self.flag}]"
        return s


@dataclass(frozen=True)
class BaselineChange:
    """Change of a survey indicator against its baseline: points and relative %, with SEs and one p-value.

    ``p_value`` tests "no change" (the difference in points is 0, which is the same hypothesis as a relative change
    of 0%); it is the one p-value printed wherever the change is shown, in points or in %.
    """

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
                f"{p_text(self.p_value)}, {sig} at 5%")

    def increase_text(self) -> str:
        """The relative change as the framework reports it: ``+37.2% increase (95% CI +20.1 to +54.3; p < 0.001)``."""
        word = "increase" if self.pct >= 0 else "decrease"
        return (f"{self.pct:+.1f}% {word} (95% CI {self.pct_ci[0]:+.1f} to {self.pct_ci[1]:+.1f}; "
                f"{p_text(self.p_value)})")


@dataclass
class IndicatorRow:
    """A results-framework row; ``breakdown`` rows (sex, age) hang beneath their indicator."""

    id: str
    level: str
    text: str
    cells: dict[str, Cell] = field(default_factory=dict)
    cumulative: Cell | None = None
    change: BaselineChange | None = None
    target: str = ""
    target_met: bool | None = None
    target_status: str = ""  # met | met on the point estimate but not statistically | not met
    notes: list[str] = field(default_factory=list)
    breakdown: list[IndicatorRow] = field(default_factory=list)
    label: str = ""  # for breakdown rows: "Female", "25-34" ...
    by: str = ""  # for breakdown rows: the disaggregation variable ("sex", "agegrp" ...)
    sources: str = ""  # where the values come from, in words (the spec's `sources`)
    kind: str = "survey"  # survey | training | monitoring
    value_type: str = ""  # count | number | share | scale | yes_no | text | relative_change
    unit: str = ""
    result_text: str = ""  # the Outcome/Output statement, when the spec gives one
    levels: dict[str, Cell] = field(default_factory=dict)  # estimated levels when the cells show relative change

    def level_cells(self) -> dict[str, Cell]:
        """The estimated levels per period (for charts): ``levels`` when the cells hold the relative change."""
        return self.levels or self.cells
