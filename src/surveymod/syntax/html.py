"""HTML (and the CSS strings of its print style sheets): the one rule for user text on a page.

Templates render with Jinja2's autoescape (:mod:`surveymod.templates`), which calls :func:`html_text` through the
``finalize`` hook, so a template never escapes by hand and nothing reaches a page unescaped.
"""

from __future__ import annotations

import html

from .controls import visible_controls


def html_text(text: object, quote: bool = True) -> str:
    """*text* for an HTML page, inside an element or a quoted attribute: markup escaped, controls visible."""
    return html.escape(visible_controls(str(text)), quote=quote)


def css_string(text: str) -> str:
    """*text* as a double-quoted CSS string (e.g. a print footer's ``content``): backslashes and quotes escaped,
    controls visible and line breaks as spaces, so it cannot end the string or the rule."""
    one = visible_controls(str(text), breaks=True)
    return '"' + one.replace("\\", "\\\\").replace('"', '\\"') + '"'
