"""Compare two XLSForms the way pyxform sees them: every question's path, type, choice names and relevance."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from surveymod.questionnaire.xpath import translate

_TYPES = {"string": "text", "int": "integer"}
"""Type aliases pyxform keeps in its JSON but builds into the same XForm bind type (question_type_dictionary)."""


def pyxform_json(form: Path | bytes) -> dict[str, Any]:
    from pyxform.xls2json import workbook_to_json
    from pyxform.xls2json_backends import get_xlsform

    src = io.BytesIO(form) if isinstance(form, bytes) else str(form)
    book = get_xlsform(src, file_type=".xlsx" if isinstance(form, bytes) else None)
    return workbook_to_json(book, form_name="data", fallback_form_name="data", warnings=[])


def _norm_expr(text: str | None) -> str | None:
    """Relevance in a comparable form: the condition-language reading if there is one, else the XPath without
    spaces (pyxform keeps ``${name}`` references in its JSON)."""
    if not text:
        return None
    text = re.sub(r"\.\./([A-Za-z_][\w.-]*)", r"${\1}", str(text))  # pyxform's or_other writes ../name
    cond = translate(text)
    if cond is not None:
        from surveymod.questionnaire import expr as E

        return E.to_xpath(E.parse(cond))
    return re.sub(r"\s+", "", text)


def questions(js: dict[str, Any]) -> list[tuple[str, str, tuple[str, ...] | None, str | None]]:
    """(path, type, choice names, relevance) of every survey element pyxform produced, in order."""
    choices = js.get("choices", {})
    out: list[tuple[str, str, tuple[str, ...] | None, str | None]] = []

    def rec(children: list[dict[str, Any]], prefix: str) -> None:
        for ch in children:
            path = re.sub(r"(generated_\w+?|reserved_name_for_field_list_labels)_\d+$", r"\1",
                          f"{prefix}/{ch['name']}")  # names pyxform makes up from the row number
            names = None
            if "itemset" in ch and ch["itemset"] in choices:
                names = tuple(str(c["name"]) for c in choices[ch["itemset"]])
            elif "choices" in ch:
                names = tuple(str(c["name"]) for c in ch["choices"])
            rel = (ch.get("bind") or {}).get("relevant")
            out.append((path, _TYPES.get(ch["type"], ch["type"]), names, _norm_expr(rel)))
            rec(ch.get("children", []), path)

    rec(js.get("children", []), "")
    return out
