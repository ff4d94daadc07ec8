"""Text for syntax files: the one rule both SPSS and Stata builders apply to every text they write."""

from __future__ import annotations

import re

_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def one_line(text: str) -> str:
    """*text* on one line: line breaks and other control characters become single spaces.

    SPSS and Stata read a command, comment or string up to the end of a line, so a line break inside a label or
    title would let the rest of it run as a command (``HOST COMMAND=…``, ``shell …``). Every text the syntax
    builders write goes through here (inside ``spss_string``, ``spss_comment``, ``stata_string``,
    ``stata_comment``).
    """
    return _BREAKS.sub(" ", text)
