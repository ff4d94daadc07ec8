"""Reporting "as of" a year: which periods a report covers and which waves it may use.

The annual report of year *k* shows Baseline and Year 1..k (later year columns stay blank) and adds up counts over
Year 1..k. A wave of a later period is *due* (not an error: "endline due 2022"); a wave of a covered period whose
data file is absent is *missing* (a note in the rows that use it, never a failure). ``--as-of`` takes a period
(year1 .. year4) or a calendar year or date, matched to the spec's ``years``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import SurveyError
from .results import PERIOD_TITLES, PERIODS

if TYPE_CHECKING:
    from .programme import Wave

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def report_periods(years: Mapping[str, str] | None) -> tuple[str, ...]:
    """Baseline and the reporting years of the programme: the years the spec names (Year 4 only when it names it),
    else Year 1-3."""
    named = [p for p in PERIODS[1:] if (years or {}).get(p)]
    return ("baseline", *(named or PERIODS[1:4]))


def well_formed(text: str) -> bool:
    """Whether *text* reads as an as-of value: a period name, a year or a date (not yet checked against a spec)."""
    t = text.strip().lower().replace(" ", "")
    if t in PERIODS:
        return True
    m = _DATE.match(t)
    if m is None or (m.group(2) and not 1 <= int(m.group(2)) <= 12):
        return False
    if m.group(3):
        try:
            date.fromisoformat(t)
        except ValueError:
            return False
    return True


def resolve_as_of(text: str | None, years: Mapping[str, str] | None) -> str:
    """The period a report is made as of: 'year2' as it is, or a year/date ('2021', '2021-12-31') matched to the
    latest reporting year that has started by then. None: the last reporting period."""
    periods = report_periods(years)
    if text is None:
        return periods[-1]
    t = text.strip().lower().replace(" ", "")
    if t in PERIODS:
        if t not in periods:
            raise SurveyError(f"--as-of {text}: the programme's reporting periods are {', '.join(periods)} (add "
                              f"'{t}' under 'years' in the spec to report it)", rule="as-of")
        return t
    m = _DATE.match(t)
    if not m or not well_formed(t):
        raise SurveyError(f"--as-of {text!r}: give a period ({', '.join(periods[1:])}), a year (2021) or a date "
                          "(2021-12-31)", rule="as-of")
    known = {p: int(str(y)[:4]) for p, y in (years or {}).items() if str(y)[:4].isdigit()}
    if not known:
        raise SurveyError(f"--as-of {text}: the spec gives no calendar 'years' to match a date to; use a period "
                          f"({', '.join(periods[1:])})", rule="as-of")
    started = [p for p in periods[1:] if p in known and known[p] <= int(m.group(1))]
    if not started:
        first = periods[1]
        raise SurveyError(f"--as-of {text} is before the first reporting year ({PERIOD_TITLES[first]}, "
                          f"{known.get(first, '?')})", rule="as-of")
    return started[-1]


def covered(period: str, as_of: str) -> bool:
    """Whether a period's values belong in a report made as of *as_of*."""
    return PERIODS.index(period) <= PERIODS.index(as_of)


def year_text(period: str, years: Mapping[str, str] | None) -> str:
    """The calendar year of a period when the spec gives it ('2022'), else its title ('Year 3')."""
    return str((years or {}).get(period) or PERIOD_TITLES[period])


@dataclass
class Availability:
    """Which waves a report uses, and why the others are left out (due later, or data not there)."""

    as_of: str
    due: dict[str, str] = field(default_factory=dict)  # wave -> period it is due in
    missing: dict[str, str] = field(default_factory=dict)  # wave -> data file that does not exist

    def note(self, wave: str, label: str, years: Mapping[str, str] | None) -> str:
        """A sentence for a row whose wave is not used: '… endline: due 2022.' or '…: data not available …'."""
        if wave in self.due:
            return f"{label}: due {year_text(self.due[wave], years)}."
        return f"{label}: data not available ({self.missing[wave]} not found); not reported."


def availability(waves: Mapping[str, Wave], base: Path, as_of: str) -> Availability:
    """Sort the spec's waves into used, due (a later period) and missing (no data file yet)."""
    out = Availability(as_of)
    for name, w in waves.items():
        if not covered(w.period, as_of):
            out.due[name] = w.period
        elif not (base / w.data).exists():
            out.missing[name] = w.data
    return out
