"""The kinds of value a results-framework indicator reports, how each is checked, shown and accumulated.

Kinds: ``count`` (persons, events, tools: whole numbers, added up over the years as the annual-report template
asks: Y1; Y1+Y2; Y1+Y2+Y3), ``number`` and ``share`` (levels: the cumulative is the latest reported value),
``scale`` (a score on a stated scale such as 1–5, optionally written with its label: "2 – Limited extent"; the
latest), ``yes_no`` and ``text`` (statements: the latest one). A count or number may be written "None" as the
framework does for a baseline. A period without a value stays empty ("–"); nothing is ever filled with 0.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Literal

from .results import PERIODS, Cell

if TYPE_CHECKING:
    from .programme import Indicator

ValueType = Literal["count", "number", "share", "scale", "yes_no", "text"]
NONE_WORDS = ("none",)
_YES = {"yes": "Yes", "no": "No"}
MAX_COUNT = 10**15 - 1
"""Largest count a register may hold: three years of such counts still add up exactly (below 2**53)."""
_SCALE = re.compile(r"^\s*(-?\d+)\s*(?:[–—-]\s*(.*\S))?\s*$")


def _number(raw: object) -> float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        return None if math.isnan(float(raw)) else float(raw)
    if isinstance(raw, str):
        try:
            return float(raw.strip().replace(",", ""))
        except ValueError:
            return None
    return None


def check_value(ind: Indicator, raw: object) -> str | None:
    """Why *raw* is not a valid value of *ind* (None when it is)."""
    vt = ind.vtype
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return "empty value"
    if vt == "text":
        return None
    if vt == "yes_no":
        if isinstance(raw, bool) or (isinstance(raw, str) and raw.strip().lower() in _YES):
            return None
        return "a yes/no indicator takes Yes or No"
    if vt == "scale":
        lo, hi = ind.range or (1, 5)
        m = _SCALE.match(str(raw)) if not isinstance(raw, bool) else None
        if isinstance(raw, float) and raw.is_integer():
            m = _SCALE.match(str(int(raw)))
        if m is None:
            return f"a scale indicator takes a whole score from {lo} to {hi} (optionally '2 – label')"
        score = int(m.group(1))
        if not lo <= score <= hi:
            return f"score {score} is outside the scale {lo}–{hi}"
        return None
    if isinstance(raw, str) and raw.strip().lower() in NONE_WORDS and vt in ("count", "number"):
        return None
    x = _number(raw)
    if x is None:
        return f"a {vt} indicator takes a number" + (" (or 'None')" if vt in ("count", "number") else "")
    if not math.isfinite(x):
        return f"a {vt} indicator takes a finite number, not {raw}"
    if vt == "count" and (x < 0 or not x.is_integer()):
        return "a count must be a whole number of 0 or more"
    if vt == "count" and x > MAX_COUNT:
        return (f"a count must be at most {MAX_COUNT:,} (larger ones would not add up exactly over the years); "
                f"is {raw} a typo?")
    if vt == "share" and not 0 <= x <= 100:
        return "a share is a percentage from 0 to 100"
    return None


def as_written(ind: Indicator, raw: object) -> str:
    """The value as the framework prints it: 'Yes'/'No', '2 – Limited extent', '12', 'None', the statement."""
    vt = ind.vtype
    if isinstance(raw, bool):
        return "Yes" if raw else "No"
    if vt == "yes_no":
        return _YES.get(str(raw).strip().lower(), str(raw))
    if vt == "scale":
        text = str(int(raw)) if isinstance(raw, float) and raw.is_integer() else str(raw)
        m = _SCALE.match(text)
        if m and not m.group(2) and int(m.group(1)) in ind.scale_labels:
            return f"{int(m.group(1))} – {ind.scale_labels[int(m.group(1))]}"
        return text.strip()
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = f"{raw:,}" if vt == "count" and isinstance(raw, int) else str(raw).strip()
    if ind.unit == "%" and vt in ("share", "number") and _number(raw) is not None and not text.endswith("%"):
        text += "%"
    return text


def numeric(ind: Indicator, raw: object) -> float | None:
    """The number behind a value (a scale's score, a count; 'None' is 0 items), or None for statements."""
    vt = ind.vtype
    if vt in ("text", "yes_no"):
        return None
    if vt == "scale":
        m = _SCALE.match(str(int(raw)) if isinstance(raw, float) and raw.is_integer() else str(raw))
        return float(m.group(1)) if m else None
    if isinstance(raw, str) and raw.strip().lower() in NONE_WORDS:
        return 0.0
    return _number(raw)


def record_cell(ind: Indicator, raw: object, source: str) -> Cell:
    """A monitoring or written value as a table cell (kept as written, with its number for sums and targets)."""
    return Cell(value=numeric(ind, raw), text_value=as_written(ind, raw), source=source, unit=ind.unit)


def cumulative_cell(vtype: str, cells: dict[str, Cell]) -> Cell | None:
    """The Cumulative column by the template's rule: counts add up over Y1–Y3; everything else is the latest
    reported value or statement. None when no year has a value (the cell stays empty, not 0)."""
    years = [cells[p] for p in PERIODS[1:] if p in cells and _has_value(cells[p])]
    if not years:
        return None
    if vtype == "count":
        nums = [c.value for c in years if c.value is not None]
        if len(nums) != len(years):
            return years[-1]
        extras = [c.extra for c in years if c.extra is not None]
        last = years[-1]
        return Cell(value=float(sum(nums)), unit=last.unit, label=last.label,
                    extra=float(sum(extras)) if len(extras) == len(years) else None, extra_label=last.extra_label)
    return years[-1]


def _has_value(c: Cell) -> bool:
    return c.text_value is not None or (c.value is not None and not math.isnan(c.value))
