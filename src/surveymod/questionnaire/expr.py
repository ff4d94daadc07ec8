"""The condition language: a small grammar for routing, constraints and derived variables — never ``eval``.

Grammar (lowest precedence first)::

    expr    := or
    or      := and ("or" and)*
    and     := not ("and" not)*
    not     := "not" not | compare
    compare := sum (CMP sum)*                      # chains: 15 <= AGE <= 74
             | sum ["not"] "in" "[" atom ("," atom)* "]"
    sum     := product (("+" | "-") product)*
    product := unary (("*" | "/" | "mod") unary)*
    unary   := "-" unary | atom
    atom    := NUMBER | STRING | NAME | "." | NAME "(" [expr ("," expr)*] ")" | "(" expr ")"
    CMP     := "=" | "==" | "!=" | "<" | "<=" | ">" | ">="

Missing values follow XPath/ODK semantics: comparisons with a missing value are false, except ``!=`` which is true;
arithmetic with a missing value is missing. The same AST is evaluated on whole data frames (vectorised, numpy),
rendered as XPath for XLSForms and as words for the paper questionnaire.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..syntax.xpath import xpath_string

# ---------------------------------------------------------------------------------------------------------- AST


@dataclass(frozen=True)
class Node:
    """Base of all expression nodes; ``pos`` is the character offset in the source text."""

    pos: int


@dataclass(frozen=True)
class Num(Node):
    value: float


@dataclass(frozen=True)
class Str(Node):
    value: str


@dataclass(frozen=True)
class Ref(Node):
    name: str


@dataclass(frozen=True)
class Self(Node):
    """``.``: the value of the question a constraint belongs to."""


@dataclass(frozen=True)
class Unary(Node):
    op: str
    operand: Node


@dataclass(frozen=True)
class Binary(Node):
    op: str  # and, or, +, -, *, /, mod
    left: Node
    right: Node


@dataclass(frozen=True)
class Compare(Node):
    ops: tuple[str, ...]
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class In(Node):
    operand: Node
    items: tuple[Node, ...]
    negate: bool


@dataclass(frozen=True)
class Call(Node):
    name: str
    args: tuple[Node, ...]


class ExprSyntaxError(ValueError):
    """A syntax error at character offset ``pos`` of the expression."""

    def __init__(self, message: str, pos: int, text: str, rule: str = "expression-syntax") -> None:
        self.pos = pos
        self.text = text
        self.message = message
        self.rule = rule
        super().__init__(f"{message} at column {pos + 1} of '{text}'")


# ------------------------------------------------------------------------------------------------------- lexer

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<num>\d+(?:\.\d+)?|\.\d+)
  | (?P<str>'[^']*'|"[^"]*")
  | (?P<op><=|>=|!=|==|<>|=|<|>|\+|-|\*|/|\(|\)|\[|\]|,)
  | (?P<dot>\.)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<ref>\$\{[A-Za-z_][A-Za-z0-9_]*\})
""", re.VERBOSE)

KEYWORDS = {"and", "or", "not", "in", "mod", "div", "true", "false"}


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str
    pos: int


def _lex(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i = 0
    while i < len(text):
        m = _TOKEN.match(text, i)
        if not m:
            raise ExprSyntaxError(f"unexpected character {text[i]!r}", i, text)
        kind = m.lastgroup or ""
        val = m.group()
        if kind == "ref":  # accept ${x} as written in XLSForms
            kind, val = "name", val[2:-1]
        if kind == "name" and val.lower() in KEYWORDS:
            kind, val = "kw", val.lower()
        if kind != "ws":
            toks.append(_Tok(kind, val, m.start()))
        i = m.end()
    toks.append(_Tok("end", "", len(text)))
    return toks


# ------------------------------------------------------------------------------------------------------ parser

_CMP = {"=": "=", "==": "=", "!=": "!=", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


MAX_NESTING = 50
"""Deepest nesting of parentheses and function calls; deeper input is a located syntax error, never a crash."""
MAX_DEPTH = 200
"""Deepest expression tree (chained operators included) that the recursive evaluators, XPath and words accept."""
MAX_LENGTH = 20_000
"""Longest expression text, in characters."""


class _Parser:
    def __init__(self, text: str) -> None:
        if len(text) > MAX_LENGTH:
            raise ExprSyntaxError(f"the expression is {len(text):,} characters long (at most {MAX_LENGTH:,})",
                                  MAX_LENGTH, text[:80] + "...")
        self.text = text
        self.toks = _lex(text)
        self.i = 0
        self.nesting = 0

    @property
    def tok(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        t = self.toks[self.i]
        self.i += 1
        return t

    def at(self, kind: str, text: str | None = None) -> bool:
        t = self.tok
        return t.kind == kind and (text is None or t.text == text)

    def expect(self, kind: str, text: str) -> _Tok:
        if not self.at(kind, text):
            raise self.error(f"expected '{text}'")
        return self.take()

    def error(self, message: str) -> ExprSyntaxError:
        t = self.tok
        found = "end of expression" if t.kind == "end" else f"'{t.text}'"
        return ExprSyntaxError(f"{message}, found {found}", t.pos, self.text)

    def parse(self) -> Node:
        if self.at("end"):
            raise ExprSyntaxError("empty expression", 0, self.text)
        node = self.or_()
        if not self.at("end"):
            raise self.error("unexpected text after the expression")
        return node

    def or_(self) -> Node:
        node = self.and_()
        while self.at("kw", "or"):
            t = self.take()
            node = Binary(t.pos, "or", node, self.and_())
        return node

    def and_(self) -> Node:
        node = self.not_()
        while self.at("kw", "and"):
            t = self.take()
            node = Binary(t.pos, "and", node, self.not_())
        return node

    def not_(self) -> Node:
        nots: list[_Tok] = []  # a loop, not recursion: 'not not ... x' of any length cannot exhaust the stack
        while self.at("kw", "not") and not (self.toks[self.i + 1].kind == "kw"
                                            and self.toks[self.i + 1].text == "in"):
            nots.append(self.take())
        node = self.compare()
        for t in reversed(nots):
            node = Unary(t.pos, "not", node)
        return node

    def compare(self) -> Node:
        first = self.sum_()
        if self.at("kw", "in") or (self.at("kw", "not") and self.toks[self.i + 1].text == "in"):
            negate = False
            pos = self.tok.pos
            if self.at("kw", "not"):
                self.take()
                negate = True
            self.expect("kw", "in")
            self.expect("op", "[")
            items = [self.unary()]
            while self.at("op", ","):
                self.take()
                items.append(self.unary())
            self.expect("op", "]")
            return In(pos, first, tuple(items), negate)
        ops: list[str] = []
        operands = [first]
        while self.tok.kind == "op" and self.tok.text in _CMP:
            ops.append(_CMP[self.take().text])
            operands.append(self.sum_())
        if not ops:
            return first
        return Compare(first.pos, tuple(ops), tuple(operands))

    def sum_(self) -> Node:
        node = self.product()
        while self.tok.kind == "op" and self.tok.text in ("+", "-"):
            t = self.take()
            node = Binary(t.pos, t.text, node, self.product())
        return node

    def product(self) -> Node:
        node = self.unary()
        while (self.tok.kind == "op" and self.tok.text in ("*", "/")) or self.at("kw", "mod") or self.at("kw", "div"):
            t = self.take()
            op = {"div": "/"}.get(t.text, t.text)
            node = Binary(t.pos, op, node, self.unary())
        return node

    def unary(self) -> Node:
        minuses: list[_Tok] = []  # a loop, as in not_
        while self.at("op", "-"):
            minuses.append(self.take())
        node = self.atom()
        for t in reversed(minuses):
            node = Num(t.pos, -node.value) if isinstance(node, Num) else Unary(t.pos, "-", node)
        return node

    def nested(self) -> Node:
        """An expression inside parentheses or a function call, with its depth bounded."""
        if self.nesting >= MAX_NESTING:
            raise self.error(f"parentheses and function calls are nested more than {MAX_NESTING} deep")
        self.nesting += 1
        node = self.or_()
        self.nesting -= 1
        return node

    def atom(self) -> Node:
        t = self.tok
        if t.kind == "num":
            self.take()
            return Num(t.pos, float(t.text))
        if t.kind == "str":
            self.take()
            return Str(t.pos, t.text[1:-1])
        if t.kind == "dot":
            self.take()
            return Self(t.pos)
        if t.kind == "kw" and t.text in ("true", "false"):
            self.take()
            return Num(t.pos, 1.0 if t.text == "true" else 0.0)
        if t.kind == "name":
            self.take()
            if self.at("op", "("):
                self.take()
                args: list[Node] = []
                if not self.at("op", ")"):
                    args.append(self.nested())
                    while self.at("op", ","):
                        self.take()
                        args.append(self.nested())
                self.expect("op", ")")
                return self.call(t, args)
            return Ref(t.pos, t.text)
        if self.at("op", "("):
            self.take()
            node = self.nested()
            self.expect("op", ")")
            return node
        raise self.error("expected a value, a variable name or '('")

    def call(self, name: _Tok, args: list[Node]) -> Call:
        """A function call, checked against the language's functions (name and number of arguments)."""
        spec = FUNCTIONS.get(name.text)
        if spec is None:
            raise ExprSyntaxError(f"unknown function '{name.text}' (known: {', '.join(sorted(FUNCTIONS))})",
                                  name.pos, self.text, "unknown-function")
        if not spec.min_args <= len(args) <= spec.max_args:
            want = str(spec.min_args) if spec.min_args == spec.max_args else f"{spec.min_args} to {spec.max_args}"
            raise ExprSyntaxError(f"{name.text}() takes {want} argument(s), got {len(args)}", name.pos, self.text,
                                  "function-arity")
        return Call(name.pos, name.text, tuple(args))


def depth(node: Node) -> int:
    """Height of the expression tree, computed without recursion."""
    deepest = 0
    stack = [(node, 1)]
    while stack:
        n, d = stack.pop()
        deepest = max(deepest, d)
        stack.extend((c, d + 1) for c in children(n))
    return deepest


def parse(text: str) -> Node:
    """Parse an expression into an AST; raises :class:`ExprSyntaxError` with the offending column.

    Nesting, tree height and length are bounded, so hostile input is a syntax error rather than a RecursionError
    in the parser or in any of the recursive walkers (evaluate, XPath, words).
    """
    text = str(text)
    node = _Parser(text).parse()
    if depth(node) > MAX_DEPTH:
        raise ExprSyntaxError(f"the expression has more than {MAX_DEPTH} chained operators or levels; "
                              "split it into calculated variables", 0, text)
    return node


# --------------------------------------------------------------------------------------------------- functions


@dataclass(frozen=True)
class FunctionSpec:
    """A function of the language: arity, whether arg 0 must be a variable, its XPath and its words."""

    min_args: int
    max_args: int
    first_is_ref: bool
    xpath: Callable[[list[str]], str]
    words: Callable[[list[str]], str]
    boolean: bool = False


FUNCTIONS: dict[str, FunctionSpec] = {
    "selected": FunctionSpec(2, 2, True, lambda a: f"selected({a[0]}, {_xpath_literal(a[1])})",
                             lambda a: f"{a[0]} includes {a[1]}", boolean=True),
    "count_selected": FunctionSpec(1, 1, True, lambda a: f"count-selected({a[0]})",
                                   lambda a: f"the number of answers chosen at {a[0]}"),
    "answered": FunctionSpec(1, 1, True, lambda a: f"string-length(string({a[0]})) > 0",
                             lambda a: f"{a[0]} is answered", boolean=True),
    "if": FunctionSpec(3, 3, False, lambda a: f"if({a[0]}, {a[1]}, {a[2]})",
                       lambda a: f"({a[1]} if {a[0]}, otherwise {a[2]})"),
    "min": FunctionSpec(2, 9, False, lambda a: f"min({', '.join(a)})", lambda a: f"the smallest of {', '.join(a)}"),
    "max": FunctionSpec(2, 9, False, lambda a: f"max({', '.join(a)})", lambda a: f"the largest of {', '.join(a)}"),
    "abs": FunctionSpec(1, 1, False, lambda a: f"abs({a[0]})", lambda a: f"the absolute value of {a[0]}"),
    "int": FunctionSpec(1, 1, False, lambda a: f"int({a[0]})", lambda a: f"the whole part of {a[0]}"),
    "round": FunctionSpec(1, 2, False, lambda a: f"round({', '.join(a)})", lambda a: f"{a[0]} rounded"),
    "coalesce": FunctionSpec(2, 2, False, lambda a: f"coalesce({a[0]}, {a[1]})",
                             lambda a: f"{a[0]} (or {a[1]} if not answered)"),
}


def _xpath_literal(rendered: str) -> str:
    """A rendered argument as an XPath string literal: a literal stays as ``xpath_string`` made it, a number (a
    choice code) becomes its text in quotes, as ``selected()`` compares text."""
    if rendered.startswith("concat(") or rendered[:1] in ("'", '"'):
        return rendered
    return xpath_string(rendered)


# ------------------------------------------------------------------------------------------------------ queries


def references(node: Node) -> list[Ref]:
    """All variable references in document order (``.`` excluded)."""
    out: list[Ref] = []

    def rec(n: Node) -> None:
        if isinstance(n, Ref):
            out.append(n)
        for child in children(n):
            rec(child)

    rec(node)
    return out


def children(n: Node) -> tuple[Node, ...]:
    """Direct sub-nodes of a node."""
    if isinstance(n, Unary):
        return (n.operand,)
    if isinstance(n, Binary):
        return (n.left, n.right)
    if isinstance(n, Compare):
        return n.operands
    if isinstance(n, In):
        return (n.operand, *n.items)
    if isinstance(n, Call):
        return n.args
    return ()


def transform(n: Node, fn: Callable[[Node], Node | None]) -> Node:
    """Rebuild the tree bottom-up, replacing any node for which ``fn`` returns a new node."""
    if isinstance(n, Unary):
        n = Unary(n.pos, n.op, transform(n.operand, fn))
    elif isinstance(n, Binary):
        n = Binary(n.pos, n.op, transform(n.left, fn), transform(n.right, fn))
    elif isinstance(n, Compare):
        n = Compare(n.pos, n.ops, tuple(transform(o, fn) for o in n.operands))
    elif isinstance(n, In):
        n = In(n.pos, transform(n.operand, fn), tuple(transform(i, fn) for i in n.items), n.negate)
    elif isinstance(n, Call):
        n = Call(n.pos, n.name, tuple(transform(a, fn) for a in n.args))
    new = fn(n)
    return n if new is None else new


# ---------------------------------------------------------------------------------------------------- evaluation

Env = Mapping[str, Any]
"""Variable name → numpy array (or pandas Series) of values; missing = NaN (numbers) or None/'' (text)."""


def _arr(x: Any, n: int) -> np.ndarray:
    if isinstance(x, np.ndarray):
        return x
    if hasattr(x, "to_numpy"):
        arr = x.to_numpy()
        if arr.dtype.kind in "iub":
            return arr.astype(float)
        if arr.dtype.kind == "f":
            return arr
        return arr.astype(object)
    return np.full(n, x, dtype=float if isinstance(x, int | float) else object)


def _num(a: np.ndarray) -> np.ndarray:
    """Numeric view: text that is a number becomes that number, anything else NaN."""
    if a.dtype.kind == "f":
        return a
    if a.dtype.kind in "iub":
        return a.astype(float)
    out = np.full(a.shape, np.nan)
    for i, v in enumerate(a):
        if v is None or v == "" or (isinstance(v, float) and math.isnan(v)):
            continue
        try:
            out[i] = float(v)
        except (TypeError, ValueError):
            out[i] = np.nan
    return out


def _is_missing(a: np.ndarray) -> np.ndarray:
    if a.dtype.kind == "f":
        return np.isnan(a)
    if a.dtype.kind in "iub":
        return np.zeros(a.shape, bool)
    return np.array([v is None or v == "" or (isinstance(v, float) and math.isnan(v)) for v in a], dtype=bool)


def _truth(a: np.ndarray) -> np.ndarray:
    """Boolean view of a value: missing is false, numbers are true when non-zero."""
    if a.dtype == bool:
        return a
    n = _num(a)
    return np.nan_to_num(n, nan=0.0) != 0


def _cmp(op: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    text = a.dtype == object or b.dtype == object
    if text:
        an, bn = _num(a), _num(b)
        numeric = ~np.isnan(an) & ~np.isnan(bn)
        if numeric.all() or (op not in ("=", "!=")):
            return _cmp(op, an, bn)
        sa = np.array(["" if m else str(v) for v, m in zip(a, _is_missing(a), strict=True)], dtype=object)
        sb = np.array(["" if m else str(v) for v, m in zip(b, _is_missing(b), strict=True)], dtype=object)
        eq = np.where(numeric, an == bn, sa == sb)
        return eq if op == "=" else ~eq
    with np.errstate(invalid="ignore"):
        return {"=": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal,
                ">": np.greater, ">=": np.greater_equal}[op](a, b)


def _selected(values: np.ndarray, code: Any) -> np.ndarray:
    key = _fmt_code(code)
    out = np.zeros(len(values), dtype=bool)
    for i, v in enumerate(values):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            continue
        out[i] = key in str(v).split() if not isinstance(v, float) else _fmt_code(v) == key
    return out


def _fmt_code(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def evaluate(node: Node, env: Env, n: int, self_value: Any = None) -> np.ndarray:
    """Evaluate *node* on ``n`` rows; ``env`` maps variable names to arrays. Returns an array of length ``n``."""

    def ev(x: Node) -> np.ndarray:
        if isinstance(x, Num):
            return np.full(n, x.value)
        if isinstance(x, Str):
            return np.full(n, x.value, dtype=object)
        if isinstance(x, Ref):
            if x.name not in env:
                raise KeyError(x.name)
            return _arr(env[x.name], n)
        if isinstance(x, Self):
            if self_value is None:
                raise KeyError(".")
            return _arr(self_value, n)
        if isinstance(x, Unary):
            v = ev(x.operand)
            return ~_truth(v) if x.op == "not" else -_num(v)
        if isinstance(x, Binary):
            if x.op == "and":
                return _truth(ev(x.left)) & _truth(ev(x.right))
            if x.op == "or":
                return _truth(ev(x.left)) | _truth(ev(x.right))
            a, b = _num(ev(x.left)), _num(ev(x.right))
            with np.errstate(divide="ignore", invalid="ignore"):
                if x.op == "+":
                    return a + b
                if x.op == "-":
                    return a - b
                if x.op == "*":
                    return a * b
                if x.op == "/":
                    return np.where(b == 0, np.nan, a / np.where(b == 0, 1, b))
                return np.fmod(a, b)
        if isinstance(x, Compare):
            vals = [ev(o) for o in x.operands]
            out = np.ones(n, dtype=bool)
            for op, a, b in zip(x.ops, vals, vals[1:], strict=False):
                out &= _cmp(op, a, b)
            return out
        if isinstance(x, In):
            v = ev(x.operand)
            hit = np.zeros(n, dtype=bool)
            for it in x.items:
                hit |= _cmp("=", v, ev(it))
            return ~hit if x.negate else hit
        if isinstance(x, Call):
            return _call(x, ev, n)
        raise TypeError(type(x).__name__)

    out = ev(node)
    if out.dtype == bool:
        return out
    return out


def _call(x: Call, ev: Callable[[Node], np.ndarray], n: int) -> np.ndarray:
    name = x.name
    if name == "selected":
        return _selected(ev(x.args[0]), _const(x.args[1]))
    if name == "count_selected":
        vals = ev(x.args[0])
        return np.array([np.nan if (v is None or (isinstance(v, float) and math.isnan(v)) or v == "")
                         else float(len(str(v).split())) for v in vals])
    if name == "answered":
        return ~_is_missing(ev(x.args[0]))
    if name == "if":
        c = _truth(ev(x.args[0]))
        a, b = ev(x.args[1]), ev(x.args[2])
        if a.dtype == object or b.dtype == object:
            return np.where(c, a.astype(object), b.astype(object))
        return np.where(c, _num(a), _num(b))
    if name in ("min", "max"):
        stack = np.vstack([_num(ev(a)) for a in x.args])
        with np.errstate(invalid="ignore"):
            return np.min(stack, axis=0) if name == "min" else np.max(stack, axis=0)
    if name == "abs":
        return np.abs(_num(ev(x.args[0])))
    if name == "int":
        return np.trunc(_num(ev(x.args[0])))
    if name == "round":
        digits = int(_const(x.args[1])) if len(x.args) > 1 else 0
        return np.round(_num(ev(x.args[0])), digits)
    if name == "coalesce":
        a, b = ev(x.args[0]), ev(x.args[1])
        miss = _is_missing(a)
        if a.dtype == object or b.dtype == object:
            return np.where(miss, b.astype(object), a.astype(object))
        return np.where(miss, _num(b), _num(a))
    raise KeyError(f"unknown function {name}")


def _const(node: Node) -> Any:
    if isinstance(node, Num):
        return node.value
    if isinstance(node, Str):
        return node.value
    raise ValueError("expected a constant")


def truth(values: np.ndarray) -> np.ndarray:
    """Boolean mask from an evaluated condition (missing → False)."""
    return _truth(values)


def evaluate_row(node: Node, row: Mapping[str, Any], self_value: Any = None) -> Any:
    """Evaluate on one respondent given as a mapping; returns a Python scalar (bool for conditions)."""
    env = {k: np.array([v], dtype=object if isinstance(v, str) or v is None else float) for k, v in row.items()}
    sv = None if self_value is None else np.array([self_value], dtype=object if isinstance(self_value, str) else float)
    out = evaluate(node, env, 1, sv)
    v = out[0]
    return bool(v) if out.dtype == bool else v


# ------------------------------------------------------------------------------------------------------ render

_PREC = {"or": 1, "and": 2, "not": 3, "cmp": 4, "+": 5, "-": 5, "*": 6, "/": 6, "mod": 6, "neg": 7, "atom": 8}


def _prec(n: Node) -> int:
    if isinstance(n, Binary):
        return _PREC[n.op]
    if isinstance(n, Unary):
        return _PREC["not" if n.op == "not" else "neg"]
    if isinstance(n, Compare | In):
        return _PREC["cmp"]
    return _PREC["atom"]


def _num_text(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(v)


def _wrapper(r: Callable[[Node], str]) -> Callable[[Node, int], str]:
    """``wrap(child, parent_prec)``: *child* rendered by *r*, in parentheses when it binds less tightly than its
    place needs, so every renderer keeps the grouping the expression was parsed with (``(age - 15) * 2``)."""

    def wrap(child: Node, parent_prec: int) -> str:
        s = r(child)
        return f"({s})" if _prec(child) < parent_prec else s

    return wrap


def to_xpath(node: Node) -> str:
    """Render as an ODK XPath expression with ``${name}`` references (for XLSForm cells)."""

    def r(n: Node) -> str:
        if isinstance(n, Num):
            return _num_text(n.value)
        if isinstance(n, Str):
            return xpath_string(n.value)
        if isinstance(n, Ref):
            return "${" + n.name + "}"
        if isinstance(n, Self):
            return "."
        if isinstance(n, Unary):
            return f"not({r(n.operand)})" if n.op == "not" else f"-{wrap(n.operand, _PREC['neg'])}"
        if isinstance(n, Binary):
            op = {"/": "div", "mod": "mod"}.get(n.op, n.op)
            p = _PREC[n.op]
            return f"{wrap(n.left, p)} {op} {wrap(n.right, p + 1)}"
        if isinstance(n, Compare):
            parts = []
            for op, a, b in zip(n.ops, n.operands, n.operands[1:], strict=False):
                parts.append(f"{wrap(a, _PREC['cmp'] + 1)} {op} {wrap(b, _PREC['cmp'] + 1)}")
            return " and ".join(parts) if len(parts) == 1 else "(" + " and ".join(parts) + ")"
        if isinstance(n, In):
            left = wrap(n.operand, _PREC["cmp"] + 1)
            if n.negate:
                return "(" + " and ".join(f"{left} != {r(i)}" for i in n.items) + ")"
            return "(" + " or ".join(f"{left} = {r(i)}" for i in n.items) + ")"
        if isinstance(n, Call):
            args = [r(a) for a in n.args]
            if n.name == "coalesce":
                return f"coalesce({args[0]}, {args[1]})"
            return FUNCTIONS[n.name].xpath(args)
        raise TypeError(type(n).__name__)

    wrap = _wrapper(r)
    return r(node)


WORDS: dict[str, dict[str, str]] = {
    "en": {"=": "is", "!=": "is not", "<": "is less than", "<=": "is at most", ">": "is more than",
           ">=": "is at least", "between": "{x} is between {a} and {b}", "and": "and", "or": "or",
           "not": "not ({x})", "answer": "the answer", "in": "{x} is one of {items}",
           "not_in": "{x} is not one of {items}", "selected": "{a0} includes {a1}",
           "count_selected": "the number of answers chosen at {a0}", "answered": "{a0} is answered",
           "not_answered": "{a0} is not answered", "if": "({a1} if {a0}, otherwise {a2})",
           "min": "the smallest of {all}", "max": "the largest of {all}", "abs": "the absolute value of {a0}",
           "int": "the whole part of {a0}", "round": "{a0} rounded",
           "coalesce": "{a0} (or {a1} if not answered)"},
    "mk": {"=": "е", "!=": "не е", "<": "е помало од", "<=": "е најмногу", ">": "е поголемо од",
           ">=": "е најмалку", "between": "{x} е помеѓу {a} и {b}", "and": "и", "or": "или",
           "not": "не е точно дека ({x})", "answer": "одговорот", "in": "{x} е едно од {items}",
           "not_in": "{x} не е едно од {items}", "selected": "во {a0} е означено {a1}",
           "count_selected": "бројот на означени одговори во {a0}", "answered": "{a0} е одговорено",
           "not_answered": "{a0} не е одговорено", "if": "({a1} ако {a0}, инаку {a2})",
           "min": "најмалото од {all}", "max": "најголемото од {all}", "abs": "апсолутната вредност на {a0}",
           "int": "целиот дел од {a0}", "round": "{a0} заокружено",
           "coalesce": "{a0} (или {a1} ако не е одговорено)"},
    "sq": {"=": "është", "!=": "nuk është", "<": "është më e vogël se", "<=": "është më së shumti",
           ">": "është më e madhe se", ">=": "është të paktën", "between": "{x} është ndërmjet {a} dhe {b}",
           "and": "dhe", "or": "ose", "not": "nuk është e vërtetë se ({x})", "answer": "përgjigjja",
           "in": "{x} është një nga {items}", "not_in": "{x} nuk është asnjë nga {items}",
           "selected": "te {a0} është shënuar {a1}", "count_selected": "numri i përgjigjeve të shënuara te {a0}",
           "answered": "{a0} ka përgjigje", "not_answered": "{a0} nuk ka përgjigje",
           "if": "({a1} nëse {a0}, përndryshe {a2})", "min": "më e vogla nga {all}",
           "max": "më e madhja nga {all}", "abs": "vlera absolute e {a0}", "int": "pjesa e plotë e {a0}",
           "round": "{a0} e rrumbullakosur", "coalesce": "{a0} (ose {a1} nëse nuk ka përgjigje)"},
}
"""Phrases of ``to_words`` per language (English, Macedonian, Albanian); other languages fall back to English."""


def to_words(node: Node, name_of: Callable[[str], str] = lambda s: s,
             value_of: Callable[[str, Any], str] | None = None, lang: str | None = None) -> str:
    """Render in words for interviewers, e.g. ``AGE is at least 15 and EMPSTAT is 'Employed'``.

    ``name_of`` maps a variable to how it is shown (e.g. its question number); ``value_of(var, code)`` maps a code
    compared with a choice question to its label. ``lang`` picks the phrases ("is at least", "and" ...) from
    ``WORDS`` (en, mk, sq), so a Macedonian paper questionnaire reads "Q9 е најмалку 15", not "Q9 is at least 15".
    """
    w = WORDS.get(lang or "en", WORDS["en"])

    def val(ref: Node, other: Node) -> str:
        if value_of is not None and isinstance(ref, Ref) and isinstance(other, Num | Str):
            return value_of(ref.name, other.value)
        return r(other)

    def call(n: Call, args: list[str]) -> str:
        key = n.name
        if key not in w:
            return FUNCTIONS[n.name].words(args)
        slots = {f"a{i}": a for i, a in enumerate(args)}
        return w[key].format(all=", ".join(args), **slots)

    def r(n: Node) -> str:
        if isinstance(n, Num):
            return _num_text(n.value)
        if isinstance(n, Str):
            return f"'{n.value}'"
        if isinstance(n, Ref):
            return name_of(n.name)
        if isinstance(n, Self):
            return w["answer"]
        if isinstance(n, Unary):
            if n.op != "not":
                return f"-{wrap(n.operand, _PREC['neg'])}"
            inner = n.operand
            if isinstance(inner, Call) and inner.name == "answered":
                return w["not_answered"].format(a0=r(inner.args[0]))
            return w["not"].format(x=r(inner))
        if isinstance(n, Binary):
            op = w.get(n.op, n.op) if n.op in ("and", "or") else n.op
            p = _PREC[n.op]
            s = f"{wrap(n.left, p)} {op} {wrap(n.right, p + 1)}"
            return f"({s})" if n.op == "or" else s
        if isinstance(n, Compare):
            ops = n.operands
            if len(n.ops) == 2 and n.ops[0] in ("<", "<=") and n.ops[1] in ("<", "<="):
                return w["between"].format(x=wrap(ops[1], _PREC["cmp"] + 1), a=wrap(ops[0], _PREC["cmp"] + 1),
                                           b=wrap(ops[2], _PREC["cmp"] + 1))
            parts = []
            for op, a, b in zip(n.ops, ops, ops[1:], strict=False):
                other = val(a, b) if value_of is not None and isinstance(a, Ref) and isinstance(b, Num | Str) \
                    else wrap(b, _PREC["cmp"] + 1)
                parts.append(f"{wrap(a, _PREC['cmp'] + 1)} {w[op]} {other}")
            return f" {w['and']} ".join(parts)
        if isinstance(n, In):
            items = ", ".join(val(n.operand, i) for i in n.items)
            return w["not_in" if n.negate else "in"].format(x=r(n.operand), items=items)
        if isinstance(n, Call):
            args = [r(a) for a in n.args]
            if n.name == "selected" and value_of is not None and isinstance(n.args[0], Ref):
                args[1] = value_of(n.args[0].name, _const(n.args[1]))
            return call(n, args)
        raise TypeError(type(n).__name__)

    grouped = _wrapper(r)

    def wrap(child: Node, parent_prec: int) -> str:  # an "or" is always shown in parentheses already
        return r(child) if isinstance(child, Binary) and child.op == "or" else grouped(child, parent_prec)

    return r(node)
