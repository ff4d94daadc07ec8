"""HTML pages from Jinja2 templates shipped in this package: one base page, one style sheet, one template per page.

Autoescape is on, and every value a template prints passes through :func:`surveymod.syntax.html.html_text` (the
``finalize`` hook), so user text on any page is escaped and its control characters are visible; only values a
caller marks as :class:`markupsafe.Markup` (an embedded chart, an already escaped fragment) go out as they are.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2


def _finalize(value: Any) -> Any:
    from markupsafe import Markup

    from ..syntax.html import html_text

    return value if hasattr(value, "__html__") else Markup(html_text(value))


@cache
def environment() -> jinja2.Environment:
    """The one template environment (loaded from the package, so an installed wheel finds the templates)."""
    import jinja2

    return jinja2.Environment(loader=jinja2.PackageLoader("surveymod", "templates"), autoescape=True,
                              undefined=jinja2.StrictUndefined, finalize=_finalize, keep_trailing_newline=True)


def render(name: str, **context: Any) -> str:
    """The page *name* (``templates/<name>``) rendered with *context*."""
    return environment().get_template(name).render(**context)
