"""PDF paper questionnaire: the paper HTML (:mod:`.paper`) rendered by WeasyPrint, one file per language.

The PDF is made from exactly the HTML that ``--to paper`` writes, so the two never disagree; only a page footer
(form id, version, page x of y) is added for the printed copy. WeasyPrint is an optional extra
(``pip install 'surveymod[pdf]'``) that needs the Pango library from the system (Debian: ``libpango-1.0-0
libpangoft2-1.0-0``) and a font with Cyrillic and Albanian letters (the HTML asks for DejaVu Sans: Debian
``fonts-dejavu-core``). It is imported here only, when a PDF is built, so the base install stays light; when it is
missing the build stops with a SurveyError saying what to install.
"""

from __future__ import annotations

import logging
from typing import Any

from ..errors import SurveyError
from ..questionnaire.model import Questionnaire
from ..syntax.html import css_string
from .paper import build_paper

INSTALL = ("install WeasyPrint with `pip install 'surveymod[pdf]'` (or `pip install weasyprint`) and its system "
           "libraries, e.g. on Debian/Ubuntu `apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core`")
RULE = "pdf-renderer-missing"


def renderer() -> Any:
    """The ``weasyprint`` module, or a SurveyError naming what to install (package or system library missing)."""
    try:
        import weasyprint
    except ImportError:
        raise SurveyError(f"building a PDF needs WeasyPrint, which is not installed: {INSTALL}", rule=RULE) from None
    except OSError as exc:  # the Python package is there but cannot load Pango (cffi dlopen error)
        raise SurveyError(f"WeasyPrint is installed but cannot load its system libraries ({exc}): {INSTALL}",
                          rule=RULE) from None
    return weasyprint


def _footer(qn: Questionnaire) -> str:
    """Print CSS: a footer with the form id, version and page x / y on every page; headings kept with what
    follows them (a section title never ends a page)."""
    label = css_string(f"{qn.id} · v{qn.version}  ·  ")
    return ('@page { @bottom-right { content: ' + label + ' counter(page) " / " counter(pages); '
            'font-family: "DejaVu Sans", sans-serif; font-size: 8pt; color: #555; } } '
            'h1, h2, h3, .sectionif { break-after: avoid; }')


def build_pdf(qn: Questionnaire, lang: str | None = None) -> bytes:
    """The paper questionnaire in *lang* as PDF bytes (A4, the paper HTML's print CSS, a page footer)."""
    wp = renderer()
    html = build_paper(qn, lang)
    # WeasyPrint logs every CSS rule it ignores (e.g. the screen-only max-width) as a warning; those are not the
    # user's business, errors still raise.
    log = logging.getLogger("weasyprint")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        return bytes(wp.HTML(string=html).write_pdf(stylesheets=[wp.CSS(string=_footer(qn))]))
    finally:
        log.setLevel(level)
