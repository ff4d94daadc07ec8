"""Variable-name rules shared by every target: SPSS, Stata, XLSForm, DDI.

A name must match ``^[A-Za-z][A-Za-z0-9_]{0,31}$`` and be neither an SPSS nor a Stata reserved word, so that the same
name survives every export unchanged (see shared/reference/instrument_formats.md §4).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,31}\Z")  # \Z: "$" would accept a name ending in a line break

# Cyrillic and Greek letters drawn like Latin ones (Unicode's confusables for the letters a Macedonian or Greek
# keyboard types): a name that differs from another only by these is the same name to a reader.
_LOOKALIKES = {
    **dict(zip("аеорсухіјѕԁԛԝһӏАВЕКМНОРСТХУІЈЅ", "aeopcyxijsdqwhlABEKMHOPCTXYIJS", strict=True)),
    **dict(zip("αεικνορτυχΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "aeikvoptuxABEZHIKMNOPTYX", strict=True)),
}

SPSS_RESERVED = frozenset("ALL AND BY EQ GE GT LE LT NE NOT OR TO WITH".split())
STATA_RESERVED = frozenset(
    "_all _b byte _coef _cons double float if in int long _n _N _pi _pred _rc _se _skip str strL using with".split()
    + [f"str{i}" for i in range(1, 2046)]
)


SPSS_NAME = re.compile(r"[A-Za-z@#$][A-Za-z0-9_.@#$]{0,63}(?<!\.)")
"""A name SPSS accepts as it is (it may not end in a period)."""
STATA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,31}")
"""A name Stata accepts (letters, digits, '_'; at most 32 characters)."""


def spss_accepts(name: str) -> bool:
    """True when SPSS takes *name* as a variable name as it is (a data file's column, not a questionnaire's)."""
    return bool(SPSS_NAME.fullmatch(name)) and name.upper() not in SPSS_RESERVED


def stata_accepts(name: str) -> bool:
    """True when Stata takes *name* as a variable name as it is."""
    return bool(STATA_NAME.fullmatch(name)) and name not in STATA_RESERVED


def skeleton(name: str) -> str:
    """*name* as a reader sees it: compatibility forms folded (NFKC), look-alike Cyrillic/Greek letters as their
    Latin twins, spaces and line breaks around it dropped, case ignored (``hhsіze\n`` -> ``hhsize``)."""
    return unicodedata.normalize("NFKC", name).translate(str.maketrans(_LOOKALIKES)).strip().casefold()


def lookalike(name: str) -> str:
    """What makes *name* look like another name though it is not: look-alike letters mixed with Latin ones (a name
    wholly in Cyrillic is just Cyrillic), invisible or control characters and surrounding spaces, said in words
    (``''`` when there is nothing such)."""
    parts = []
    mixed = any("a" <= ch.lower() <= "z" for ch in name)
    for ch in dict.fromkeys(name):
        if ch in _LOOKALIKES and mixed:
            parts.append(f"the {unicodedata.name(ch, 'letter').title()} (U+{ord(ch):04X}), which looks like the "
                         f"Latin '{_LOOKALIKES[ch]}'")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") or (ch.isspace() and ch != " "):
            parts.append(f"the invisible character U+{ord(ch):04X} ({unicodedata.name(ch, 'control character')})")
    if name != name.strip():
        parts.append("spaces or line breaks around it")
    return "it contains " + "; ".join(parts) if parts else ""


def shown(name: str) -> str:
    """*name* quoted for a message, with line breaks and other invisible characters written as escapes."""
    return repr(name) if any(not ch.isprintable() for ch in name) else f"'{name}'"


def did_you_mean(name: str, known: Iterable[str], close: bool = True) -> str:
    """A hint for an unknown *name*: the known name it looks like (the same skeleton: look-alike letters, invisible
    characters or spaces tell them apart, said in words), else (with *close*) a close spelling; ``''`` if none."""
    known = list(known)
    key = skeleton(name)
    for k in known:
        if k != name and skeleton(k) == key:
            why = lookalike(name) or lookalike(k)
            return f" (it looks like {shown(k)}, but {why.removeprefix('it ') if why else 'differs in case'})" \
                if lookalike(name) else f" (did you mean {shown(k)}? {why})" if why else f" (did you mean {shown(k)}?)"
    if not close:
        return ""
    import difflib

    near = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
    return f" (did you mean {shown(near[0])}?)" if near else ""


def name_problem(name: str) -> str | None:
    """Why *name* is not a safe variable name, or None if it is fine."""
    if not NAME_PATTERN.match(name):
        if len(name) > 32:
            return f"{shown(name)} is longer than 32 characters (Stata's limit)"
        hint = lookalike(name)
        return (f"{shown(name)} is not a valid variable name: start with a letter, then letters, digits or '_' "
                f"(SPSS and Stata reject other characters){f'; {hint}' if hint else ''}")
    if name.upper() in SPSS_RESERVED:
        return f"'{name}' is an SPSS reserved word"
    if name in STATA_RESERVED or name.lower() in {w.lower() for w in ("byte", "double", "float", "int", "long",
                                                                        "if", "in", "using", "with", "strL")}:
        return f"'{name}' is a Stata reserved word"
    return None


def dummy_name(question: str, code: int) -> str:
    """Name of the 0/1 dummy for choice *code* of a select_multiple question (``q_3``; negative codes ``q_m9``)."""
    return f"{question}_{code}" if code >= 0 else f"{question}_m{abs(code)}"
