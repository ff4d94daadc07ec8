"""The terminal: the one rule for user text printed by the CLI."""

from __future__ import annotations

import re

from .controls import visible_escape

_UNSAFE_TERMINAL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal_text(text: str) -> str:
    """*text* for the terminal: no raw NULs, escape sequences, C1 controls or bidi overrides (line breaks and tabs
    stay; a carriage return, which would let a line overwrite itself, does not)."""
    return _UNSAFE_TERMINAL.sub(visible_escape, text)
