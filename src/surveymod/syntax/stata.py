"""Stata do-files: the one rule for quoting texts, comments and names (Stata 14 or later, UTF-8)."""

from __future__ import annotations

import re

from .controls import one_line

STATA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,31}")
"""A name Stata accepts (letters, digits, '_'; at most 32 characters)."""


def stata_comment(text: str) -> str:
    """*text* for the inside of a one-line ``*`` or ``//`` comment: one line, and no ``/*``, ``*/`` or ``//``
    (``///`` would carry the comment onto the next line, a block comment could swallow commands)."""
    text = one_line(text)
    while any(t in text for t in ("/*", "*/", "//")):
        text = text.replace("/*", "/ ").replace("*/", " /").replace("//", "/ ")
    return " ".join(text.split())


def stata_string(text: str) -> str:
    """Quote *text* for Stata: ``"..."``, or compound quotes when it contains ``"``; macro characters escaped."""
    text = re.sub(r"\s+", " ", one_line(text)).strip()
    text = text.replace("`", "\\`").replace("$", "\\$")
    text = text.replace("\"'", "\" '")  # "' would close a compound quote early
    if '"' in text:
        return '`"' + text + '"\''
    return '"' + text + '"'


def stata_name(name: str, used: set[str]) -> str:
    """A valid, unused Stata name (≤32 characters) derived from *name*."""
    base = re.sub(r"[^A-Za-z0-9_]", "_", name)
    if not re.match(r"[A-Za-z_]", base):
        base = "L" + base
    base = base[:32]
    out, i = base, 2
    while out.lower() in used:
        suffix = f"_{i}"
        out = base[: 32 - len(suffix)] + suffix
        i += 1
    used.add(out.lower())
    return out
