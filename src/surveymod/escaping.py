"""The one escaping rule of each output language for text that comes from a user (labels, titles, names, values).

Text for a page (HTML), a Markdown file or the terminal is escaped here and nowhere else; every writer calls these.
Characters no reader should receive raw (C0/C1 control characters such as NUL and ESC, and the bidirectional
overrides that make text display in another order than it reads, U+202A-202E, U+2066-2069) are shown as visible
``\\xNN``/``\\uNNNN`` escapes in all three. The rules of the other languages live beside their writers, one each:
SPSS ``instruments.spss.spss_string``/``spss_comment``, Stata ``instruments.stata.stata_string``/``stata_comment``,
R ``weighting.declare.r_string``/``r_name``, XPath ``questionnaire.expr.xpath_string``, spreadsheet cells
``xlsx`` (never a formula).
"""

from __future__ import annotations

import html
import re

_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_WITH_BREAKS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
_UNSAFE_TERMINAL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible_controls(text: str, breaks: bool = False) -> str:
    """*text* with control characters and bidi overrides written as visible escapes (with *breaks*, line breaks
    too, so the text stays on one line)."""
    return (_UNSAFE_WITH_BREAKS if breaks else _UNSAFE).sub(_visible, text)


def html_text(text: object, quote: bool = True) -> str:
    """*text* for an HTML page, inside an element or a quoted attribute: markup escaped, controls visible."""
    return html.escape(visible_controls(str(text)), quote=quote)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#~])")


def md_text(text: object) -> str:
    """*text* for one line or table cell of a Markdown file: markup characters backslash-escaped, ``<``/``>``/``&``
    as entities (so ``<img onerror=…>`` stays text in any renderer), line breaks as spaces, controls visible."""
    one = re.sub(r"[\r\n\u2028\u2029]+", " ", str(text))
    return _MD_SPECIAL.sub(r"\\\1", html.escape(visible_controls(one), quote=False))


def terminal_text(text: str) -> str:
    """*text* for the terminal: no raw NULs, escape sequences, C1 controls or bidi overrides (line breaks and tabs
    stay; a carriage return, which would let a line overwrite itself, does not)."""
    return _UNSAFE_TERMINAL.sub(_visible, text)
