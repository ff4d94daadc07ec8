"""SPSS syntax: the one rule for quoting texts, comments and names in .sps files (PSPP reads them the same way)."""

from __future__ import annotations

import re

from .controls import one_line

CHUNK = 180  # bytes of label text per quoted piece

SPSS_NAME = re.compile(r"[A-Za-z@#$][A-Za-z0-9_.@#$]{0,63}(?<!\.)")
"""A name SPSS accepts (it may not end in a period)."""


def spss_comment(text: str) -> str:
    """*text* for the inside of a one-line ``* … .`` comment."""
    return one_line(text).strip()


def spss_string(text: str, indent: str = "    ") -> str:
    """Quote *text* for SPSS ('' doubles a quote); long texts become 'part' + 'part' pieces on separate lines."""
    text = one_line(text)
    pieces: list[str] = []
    cur = ""
    for ch in text:
        if len((cur + ch).encode("utf-8")) > CHUNK:
            pieces.append(cur)
            cur = ""
        cur += ch
    pieces.append(cur)
    quoted = ["'" + p.replace("'", "''") + "'" for p in pieces]
    return f"\n{indent}+ ".join(quoted)


def starts_comment(word: str) -> bool:
    """True if a line starting with *word* would be read as a COMMENT or DOCUMENT command (PSPP and SPSS)."""
    u = word.upper()
    return (len(u) >= 4 and "COMMENT".startswith(u)) or (len(u) >= 3 and "DOCUMENT".startswith(u))
