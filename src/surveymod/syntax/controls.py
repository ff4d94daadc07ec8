"""The characters no output may receive raw, shared by every language's rule in this package.

Control characters (C0/C1, such as NUL and ESC) and the bidirectional overrides that make text display in another
order than it reads (U+202A-202E, U+2066-2069) are shown as visible ``\\xNN``/``\\uNNNN`` escapes on a page, in
Markdown and on the terminal; syntax files (SPSS, Stata, R comments) get the text on one line instead.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_WITH_BREAKS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def visible_escape(match: re.Match[str]) -> str:
    """The matched character as a visible ``\\xNN`` or ``\\uNNNN`` escape (a ``re.sub`` replacement)."""
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible_controls(text: str, breaks: bool = False) -> str:
    """*text* with control characters and bidi overrides written as visible escapes (with *breaks*, line breaks
    too, so the text stays on one line)."""
    return (_UNSAFE_WITH_BREAKS if breaks else _UNSAFE).sub(visible_escape, text)


def one_line(text: str) -> str:
    """*text* on one line: line breaks and other control characters become single spaces.

    SPSS, Stata and R read a command, comment or string up to the end of a line, so a line break inside a label or
    title would let the rest of it run as a command (``HOST COMMAND=…``, ``shell …``, ``system(…)``). Every text
    the syntax rules write goes through here.
    """
    return _BREAKS.sub(" ", text)
