"""Markdown: the one rule for user text in a line or table cell of a Markdown file."""

from __future__ import annotations

import html
import re

from .controls import visible_controls

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#~])")


def md_text(text: object) -> str:
    """*text* for one line or table cell of a Markdown file: markup characters backslash-escaped, ``<``/``>``/``&``
    as entities (so ``<img onerror=…>`` stays text in any renderer), line breaks as spaces, controls visible."""
    one = re.sub(r"[\r\n\u2028\u2029]+", " ", str(text))
    return _MD_SPECIAL.sub(r"\\\1", html.escape(visible_controls(one), quote=False))
