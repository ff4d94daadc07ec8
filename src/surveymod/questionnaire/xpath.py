"""ODK XPath (as written in XLSForm cells) → the condition language, where the grammar says the same thing.

The inverse of :func:`surveymod.questionnaire.expr.to_xpath`. Only what maps one-to-one is translated: ``${name}``
references, numbers, quoted strings, ``.``, ``and``/``or``/``not()``, comparisons, ``+ - * div mod``, the
functions the language has (``selected``, ``count-selected``, ``if``, ``min``, ``max``, ``abs``, ``int``,
``round``, ``coalesce``), ``true()``/``false()``, and the "is answered" idioms (``${x} != ''``,
``string-length(${x}) > 0``). Anything else (paths, predicates, ``today()``, ``concat()``, ``regex()``,
``pulldata()`` ...) returns None: the caller keeps the XPath verbatim and reports it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from . import expr as E

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<ref>\$\{[^}]*\})
  | (?P<num>\d+(?:\.\d+)?|\.\d+)
  | (?P<str>'[^']*'|"[^"]*")
  | (?P<op><=|>=|!=|=|<|>|\+|-|\*|\(|\)|,)
  | (?P<path>\.\.|\.|/|\[|\]|\||@)
  | (?P<name>[A-Za-z_][A-Za-z0-9_.:\-]*)
""", re.VERBOSE)

_FUNCS = {"selected": "selected", "count-selected": "count_selected", "if": "if", "min": "min", "max": "max",
          "abs": "abs", "int": "int", "round": "round", "coalesce": "coalesce"}
_WORDS = {"and", "or", "div", "mod"}
_BOUNDARY_BEFORE = {None, "(", ",", "and", "or"}
_BOUNDARY_AFTER = {None, ")", ",", "and", "or"}


class _Untranslatable(Exception):
    pass


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(text):
        m = _TOKEN.match(text, i)
        if not m:
            raise _Untranslatable(text[i])
        if m.lastgroup != "ws":
            out.append((m.lastgroup or "", m.group()))
        i = m.end()
    return out


def translate(xpath: str, names: Mapping[str, str] | None = None) -> str | None:
    """The condition-language text of *xpath*, or None if the grammar cannot say the same thing.

    *names* maps XLSForm names (``${label-test}``) to the variable names they became; a reference to a name not in
    it must already be a valid name of the language.
    """
    names = names or {}
    try:
        toks = _tokens(xpath)
        out = _convert(toks, names)
    except _Untranslatable:
        return None
    text = _join(out)
    try:
        node = E.parse(text)
    except E.ExprSyntaxError:
        return None
    if any(isinstance(n, E.Call) and n.name in ("selected", "round") and len(n.args) > 1
           and not isinstance(n.args[1], E.Num | E.Str) for n in _walk(node)):
        return None  # selected(${a}, ${b}) compares two answers: the language's selected() takes a constant
    return text


def _walk(node: E.Node) -> list[E.Node]:
    out = [node]
    for child in E.children(node):
        out += _walk(child)
    return out


def _join(tokens: list[str]) -> str:
    """Tokens as readable text: ``selected(q, 'a') and not (x = 1)``."""
    text, prev = "", ""
    for t in tokens:
        glued = not text or prev == "(" or t in (")", ",") or (t == "(" and prev in _FUNCS.values())
        text += t if glued else " " + t
        prev = t
    return text


def _ref(raw: str, names: Mapping[str, str]) -> str:
    name = raw[2:-1].strip()
    name = names.get(name, name)
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) or name.lower() in E.KEYWORDS:
        raise _Untranslatable(raw)
    return name


def _convert(toks: list[tuple[str, str]], names: Mapping[str, str]) -> list[str]:
    out: list[str] = []
    i = 0

    def prev_word() -> str | None:
        return out[-1] if out else None

    def nxt(k: int) -> tuple[str, str] | None:
        return toks[k] if k < len(toks) else None

    while i < len(toks):
        kind, val = toks[i]
        if kind == "ref":
            # ${x} != ''  /  ${x} = ''  → answered(x)  /  not answered(x)
            op, lit = nxt(i + 1), nxt(i + 2)
            after = nxt(i + 3)
            if (op and lit and op[1] in ("!=", "=") and lit[0] == "str" and lit[1] in ("''", '""')
                    and prev_word() in _BOUNDARY_BEFORE and (after is None or after[1] in _BOUNDARY_AFTER)):
                call = f"answered({_ref(val, names)})"
                out.append(call if op[1] == "!=" else f"not {call}")
                i += 3
                continue
            out.append(_ref(val, names))
        elif kind in ("num", "str"):
            out.append(val)
        elif kind == "op":
            out.append(val)
        elif kind == "path":
            if val != ".":
                raise _Untranslatable(val)
            out.append(".")
        elif kind == "name":
            low = val
            if low in _WORDS:
                out.append("/" if low == "div" else low)
            elif nxt(i + 1) is None or nxt(i + 1)[1] != "(":
                raise _Untranslatable(val)  # a bare XPath step such as /data/x
            elif low == "not":
                out.append("not")
            elif low in ("true", "false") and nxt(i + 2) is not None and nxt(i + 2)[1] == ")":
                out.append(low)
                i += 3
                continue
            elif low == "string-length":
                i = _string_length(toks, i, names, out)
                continue
            elif low in _FUNCS:
                out.append(_FUNCS[low])
            else:
                raise _Untranslatable(val)
        else:
            raise _Untranslatable(val)
        i += 1
    return out


def _string_length(toks: list[tuple[str, str]], i: int, names: Mapping[str, str], out: list[str]) -> int:
    """``string-length(${x}) > 0`` or ``string-length(string(${x})) > 0`` → ``answered(x)``; else untranslatable."""
    seq = [v for _, v in toks[i:i + 9]]
    for pattern, width in (((None, "(", "ref", ")", ">", "0"), 6),
                           ((None, "(", "string", "(", "ref", ")", ")", ">", "0"), 9)):
        if len(seq) < width:
            continue
        ok = all(p is None or (p == "ref" and toks[i + k][0] == "ref") or seq[k] == p
                 for k, p in enumerate(pattern))
        if ok:
            ref = next(v for kind, v in toks[i:i + width] if kind == "ref")
            out.append(f"answered({_ref(ref, names)})")
            return i + width
    raise _Untranslatable("string-length")
