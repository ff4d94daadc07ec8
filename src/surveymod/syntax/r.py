"""R scripts: the one rule for string literals, names in formulas and comments (the ``<stem>_design.R`` files)."""

from __future__ import annotations

import re

from .controls import one_line

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

R_RESERVED = frozenset(
    "if else repeat while function for in next break TRUE FALSE NULL Inf NaN NA NA_integer_ NA_real_ "
    "NA_character_ NA_complex_".split())
"""R's reserved words (?Reserved): as a bare name in a formula, ``~TRUE`` is the constant, not the column."""


def _hex_controls(text: str) -> str:
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def r_string(text: str) -> str:
    """A double-quoted R string literal: backslashes, quotes and control characters escaped."""
    return '"' + _hex_controls(text.replace("\\", "\\\\").replace('"', '\\"')) + '"'


def r_name(name: str) -> str:
    """A column name in an R formula: bare when it is a syntactic R name, else backquoted (reserved words such as
    ``TRUE``, ``..1``, names with spaces, operators or control characters), as R's ``make.names`` rule says."""
    if re.fullmatch(r"(?:[A-Za-z]|\.(?![0-9]))[A-Za-z0-9._]*", name) and name not in R_RESERVED \
            and not re.fullmatch(r"\.\.(?:\.|[0-9]+)", name):
        return name
    return "`" + _hex_controls(name.replace("\\", "\\\\").replace("`", "\\`")) + "`"


def r_comment(text: str) -> str:
    """*text* safe on one R comment line."""
    return one_line(text)
