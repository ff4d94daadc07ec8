"""Variable-name rules shared by every target: SPSS, Stata, XLSForm, DDI.

A name must match ``^[A-Za-z][A-Za-z0-9_]{0,31}$`` and be neither an SPSS nor a Stata reserved word, so that the same
name survives every export unchanged (see shared/reference/instrument_formats.md §4).
"""

from __future__ import annotations

import re

NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,31}$")

SPSS_RESERVED = frozenset("ALL AND BY EQ GE GT LE LT NE NOT OR TO WITH".split())
STATA_RESERVED = frozenset(
    "_all _b byte _coef _cons double float if in int long _n _N _pi _pred _rc _se _skip str strL using with".split()
    + [f"str{i}" for i in range(1, 2046)]
)


def name_problem(name: str) -> str | None:
    """Why *name* is not a safe variable name, or None if it is fine."""
    if not NAME_PATTERN.match(name):
        if len(name) > 32:
            return f"'{name}' is longer than 32 characters (Stata's limit)"
        return (f"'{name}' is not a valid variable name: start with a letter, then letters, digits or '_' "
                "(SPSS and Stata reject other characters)")
    if name.upper() in SPSS_RESERVED:
        return f"'{name}' is an SPSS reserved word"
    if name in STATA_RESERVED or name.lower() in {w.lower() for w in ("byte", "double", "float", "int", "long",
                                                                        "if", "in", "using", "with", "strL")}:
        return f"'{name}' is a Stata reserved word"
    return None


def dummy_name(question: str, code: int) -> str:
    """Name of the 0/1 dummy for choice *code* of a select_multiple question (``q_3``; negative codes ``q_m9``)."""
    return f"{question}_{code}" if code >= 0 else f"{question}_m{abs(code)}"
