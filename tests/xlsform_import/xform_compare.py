"""Judge an XLSForm round trip by what pyxform makes of both forms (its XForm description, not our model).

For every survey element: its path, type, choice names, languages of its texts and of its choices' labels, and the meaning of its relevant,
constraint, calculation, required and readonly expressions, read by a small XPath 1.0 precedence parser written
here over pyxform's own expression lexer (``pyxform.parsing.expression``), so ``${a}='x'`` and ``${a} = "x"``
agree while ``${a}='3'`` and ``${a}=3``, or a missing relevance, do not. Constraint and required messages are
compared as text per language. Nothing here uses surveymod's condition language.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

_BIN = {"or": 1, "and": 2, "=": 3, "!=": 3, "<": 4, "<=": 4, ">": 4, ">=": 4, "+": 5, "-": 5, "*": 6, "div": 6,
        "mod": 6, "|": 8}
_TYPES = {"string": "text", "int": "integer", "select1": "select one"}


def pyxform_json(form: Path | bytes) -> dict[str, Any]:
    """pyxform's JSON of a form (what it builds the XForm from)."""
    from pyxform.xls2json import workbook_to_json
    from pyxform.xls2json_backends import get_xlsform

    src = io.BytesIO(form) if isinstance(form, bytes) else str(form)
    book = get_xlsform(src, file_type=".xlsx" if isinstance(form, bytes) else None)
    return workbook_to_json(book, form_name="data", fallback_form_name="data", warnings=[])


def _tokens(text: str) -> list[tuple[str, str]]:
    from pyxform.parsing.expression import parse_expression

    out: list[tuple[str, str]] = []
    for t in parse_expression(text):
        kind, value = t.type, str(t.value).strip()
        if kind == "WHITESPACE":
            continue
        if kind == "OPS_COMP" and out and out[-1][0] == "OPS_COMP" and value == "=" and out[-1][1] in "<>!":
            out[-1] = ("OPS_COMP", out[-1][1] + "=")
            continue
        out.append((kind, value))
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> tuple[str, str]:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def expr(self, min_prec: int = 1) -> Any:
        left = self.unary()
        while True:
            tok = self.peek()
            if tok is None:
                return left
            kind, value = tok
            if kind == "NUMBER" and value.startswith("-"):  # '${a} -1': the lexer's negative number is a minus
                self.toks[self.i:self.i + 1] = [("OPS_MATH", "-"), ("NUMBER", value[1:])]
                continue
            op = value if kind in ("OPS_MATH", "OPS_COMP", "OPS_BOOL", "OPS_UNION") else None
            if op is None or _BIN[op] < min_prec:
                return left
            self.take()
            right = self.expr(_BIN[op] + 1)
            left = (op, left, right)

    def unary(self) -> Any:
        tok = self.peek()
        if tok == ("OPS_MATH", "-"):
            self.take()
            return ("neg", self.unary())
        return self.primary()

    def primary(self) -> Any:
        kind, value = self.take()
        if kind == "NUMBER":
            return ("num", float(value))
        if kind == "SYSTEM_LITERAL":
            return ("str", value[1:-1])
        if kind == "PYXFORM_REF":
            return ("ref", value[2:-1])
        if kind == "SELF_REF":
            return ("self",)
        if kind == "OPEN_PAREN":
            inner = self.expr()
            if self.take()[0] != "CLOSE_PAREN":
                raise ValueError("unbalanced")
            return inner
        if kind == "FUNC_CALL":
            args = []
            while self.peek() and self.peek()[0] != "CLOSE_PAREN":
                args.append(self.expr())
                if self.peek() and self.peek()[0] == "COMMA":
                    self.take()
            self.take()
            return ("call", value[:-1].strip(), tuple(args))
        if kind in ("PARENT_REF", "NAME", "PATH_SEP", "XPATH_PRED_START"):  # a path: kept as written
            parts = [value]
            while self.peek() and self.peek()[0] in ("PARENT_REF", "NAME", "PATH_SEP", "SELF_REF"):
                parts.append(self.take()[1])
            return ("path", "".join(parts))
        raise ValueError(f"unexpected {kind} {value!r}")


def meaning(text: Any) -> Any:
    """The parsed XPath of *text* (an expression tree), or its text without spaces when it does not parse."""
    if text is None or str(text).strip() == "":
        return None
    text = re.sub(r"(?<=\))(and|or)(?=[\s(])", r" \1 ", str(text).strip())  # ')and' lexes as a name
    text = re.sub(r"\b(?!(?:and|or|div|mod)\s)([A-Za-z_][\w-]*)\s+\(", r"\1(", text)  # 'selected (' is a call
    text = re.sub(r"(?<![\w./])\.\./([A-Za-z_][\w.-]*)", r"${\1}", text)  # pyxform's or_other writes ../name
    try:
        p = _Parser(text)
        tree = p.expr()
        if p.peek() is not None:
            raise ValueError("trailing tokens")
        return tree
    except (ValueError, IndexError):
        return ("raw", re.sub(r"\s+", "", text))


def _texts(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    if isinstance(value, dict):
        return {str(k): " ".join(str(v).split()) for k, v in value.items()}
    return {"default": " ".join(str(value).split())}


def _truth(value: Any) -> Any:
    if value is None:
        return None
    low = str(value).strip().lower()
    if low in ("yes", "true", "true()", "1"):
        return True
    if low in ("no", "false", "false()", "0", ""):
        return None
    return meaning(value)


def elements(js: dict[str, Any]) -> list[dict[str, Any]]:
    """Every survey element pyxform produced, in order, as the fields a round trip must keep."""
    choices = js.get("choices", {})
    out: list[dict[str, Any]] = []
    seen: dict[str, int] = {}

    def rec(children: list[dict[str, Any]], prefix: str) -> None:
        for ch in children:
            path = re.sub(r"(generated_\w+?|reserved_name_for_field_list_labels)_\d+$", r"\1",
                          f"{prefix}/{ch['name']}")
            seen[path] = seen.get(path, 0) + 1
            if seen[path] > 1:  # pyxform numbers generated names by row: the second one is told apart by order
                path = f"{path}#{seen[path]}"
            names, listed = None, None
            if "itemset" in ch and ch["itemset"] in choices:
                listed = choices[ch["itemset"]]
            elif "choices" in ch:
                listed = ch["choices"]
            if listed is not None:
                names = tuple(str(c["name"]) for c in listed)
                # the languages of each choice's label ("Other" of or_other is labelled in the list's languages)
                choice_langs = tuple(tuple(sorted(c["label"])) if isinstance(c.get("label"), dict) else None
                                     for c in listed)
            else:
                choice_langs = None
            bind = ch.get("bind") or {}
            label = ch.get("label")
            out.append({
                "path": path, "type": _TYPES.get(ch["type"], ch["type"]), "choices": names,
                "choice_languages": choice_langs,
                "languages": tuple(sorted(label)) if isinstance(label, dict) else None,
                "relevant": meaning(bind.get("relevant")), "constraint": meaning(bind.get("constraint")),
                "calculate": meaning(bind.get("calculate")), "required": _truth(bind.get("required")),
                "readonly": _truth(bind.get("readonly")), "bind_type": bind.get("type"),
                "constraint_message": _texts(bind.get("jr:constraintMsg")),
                "required_message": _texts(bind.get("jr:requiredMsg")),
                "repeat_count": meaning((ch.get("control") or {}).get("jr:count")),
            })
            rec(ch.get("children", []), path)

    rec(js.get("children", []), "")
    return out


def differences(original: Path | bytes, rebuilt: Path | bytes) -> list[str]:
    """What pyxform makes differently of *rebuilt* than of *original* (empty when the round trip kept it all)."""
    a, b = elements(pyxform_json(original)), elements(pyxform_json(rebuilt))
    out: list[str] = []
    by_path = {e["path"]: e for e in b}
    missing = [e["path"] for e in a if e["path"] not in by_path]
    added = [e["path"] for e in b if e["path"] not in {x["path"] for x in a}]
    if missing:
        out.append(f"missing: {missing}")
    if added:
        out.append(f"added: {added}")
    if [e["path"] for e in a if e["path"] in by_path] != [e["path"] for e in b if e["path"] in {x["path"] for x in a}]:
        out.append("order differs")
    for e in a:
        other = by_path.get(e["path"])
        if other is None:
            continue
        for k, v in e.items():
            if other[k] != v:
                out.append(f"{e['path']}: {k}: {v!r} -> {other[k]!r}")
    return out
