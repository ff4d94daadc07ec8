"""Label and missing-value metadata derived once from the questionnaire, shared by every syntax builder and export.

The one form model every stage derives its labels from: the SPSS/Stata/DDI/codebook builders (``instruments/``), the
reader, checker and writers (``data/``; ``data.meta.Metadata`` is a view of it per variable), so a variable is
labelled the same way everywhere. Pure API (no files, no I/O, no pandas).

Main entry points::

    d = data_dictionary(qn, lang="en", limits=SPSS_LIMITS)   # or STATA_LIMITS, or NO_LIMITS
    d.variables          # list[VariableMeta], questionnaire order; select_multiple → raw string column + dummies
    d.levels             # list[LevelFile]: the top level and each roster (one data file each), with their variables
    d.label_sets         # {set name: LabelSet}; one per choice list, shared by every variable using that list
    d.shortened          # list[Shortened]: every label cut to fit `limits` (report these to the user)

SPSS user-missing values within SPSS's limits: ``spss_missing(v)`` (``.pyreadstat()`` gives the ``missing_ranges``
entry for ``pyreadstat.write_sav``). Stata extended missing letters: ``v.stata_missing``.

Per variable (:class:`VariableMeta`): ``name``, ``label`` (in *lang*, shortened to the limit), ``kind``
(``numeric``/``string``/``date``), ``value_labels`` ({code: label}, shortened), ``label_set`` (shared set name or
None), ``missing`` ({code: kind} of non-substantive codes: don't know, refusal, ...), ``stata_missing``
({code: '.a'}), ``measure`` (nominal/ordinal/scale), ``spss_format`` (``F2.0``, ``A255``, ``SDATE10``),
``stata_format`` (``%9.0g``, ``%td``, ``%255s``), ``width`` (digits/bytes), ``dummy_of``/``dummy_code`` for the 0/1
dummies of select_multiple questions (named by :func:`surveymod.questionnaire.names.dummy_name`, labelled
``"Question :: Choice"``), ``roster`` (roster name or None), ``question`` (the source Question).

Conventions:
- Non-substantive codes (``missing:`` on a choice) become SPSS user-missing values and Stata extended missing values.
  Stata letters are fixed per kind so ``.a`` means "don't know" in every variable: dont_know→.a, refusal→.b,
  not_applicable→.c, no_answer→.d, not_stated→.e; a second code of the same kind in one variable takes the next free
  letter from .f on (see :func:`stata_missing_letters`).
- Label limits: SPSS variable labels 255 bytes and value labels 120 bytes (UTF-8); Stata variable labels 80
  characters, value labels 32,000. Longer labels are cut with an ellipsis and listed in ``shortened``.
- Select_multiple: the raw column holds space-separated codes (string); each code gets a 0/1 dummy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from . import expr as E
from .conditions import compile_condition
from .model import Choice, Group, LangText, Question, Questionnaire, variable_label
from .names import dummy_name
from .phrases import phrase

Kind = Literal["numeric", "string", "date"]
Measure = Literal["nominal", "ordinal", "scale"]


@dataclass(frozen=True)
class Limits:
    """Maximum label lengths of a target; ``unit`` says whether they count UTF-8 bytes or characters."""

    name: str
    variable_label: int
    value_label: int
    unit: Literal["bytes", "chars"]


SPSS_LIMITS = Limits("SPSS", 255, 120, "bytes")
STATA_LIMITS = Limits("Stata", 80, 32000, "chars")
NO_LIMITS = Limits("none", 10**9, 10**9, "chars")

STATA_KIND_LETTER = {"dont_know": "a", "refusal": "b", "not_applicable": "c", "no_answer": "d", "not_stated": "e"}
"""Stata extended-missing letter for each kind of non-substantive code (``.a`` = don't know, ...)."""

TEXT_WIDTH = 255
"""Width (bytes) of free-text variables in syntax files."""

@dataclass(frozen=True)
class Shortened:
    """A label cut to a format limit: which variable/value, the original and the shortened text."""

    variable: str
    what: str  # "variable label" or "value label 8"
    lang: str
    original: str
    shortened: str
    limit: int
    unit: str

    def __str__(self) -> str:
        return f"{self.variable}: {self.what} shortened to {self.limit} {self.unit}: '{self.shortened}'"


@dataclass(frozen=True)
class LabelSet:
    """A value-label set shared by all variables that use one choice list."""

    name: str
    labels: dict[int, str]
    missing: dict[int, str]  # code -> missing kind


@dataclass(frozen=True)
class VariableMeta:
    """Everything a syntax file or labelled export needs to know about one data column."""

    name: str
    label: str
    kind: Kind
    qtype: str
    question: Question
    value_labels: dict[int, str] = field(default_factory=dict)
    label_set: str | None = None
    missing: dict[int, str] = field(default_factory=dict)
    stata_missing: dict[int, str] = field(default_factory=dict)
    measure: Measure = "nominal"
    spss_format: str = "F8.2"
    stata_format: str = "%9.0g"
    width: int = 8
    decimals: int = 0
    roster: str | None = None
    dummy_of: str | None = None
    dummy_code: int | None = None

    @property
    def is_dummy(self) -> bool:
        return self.dummy_of is not None


@dataclass(frozen=True)
class LevelFile:
    """One data file: the top level (``roster`` None) or one roster; ``ids`` are the linking columns."""

    name: str
    roster: str | None
    ids: tuple[str, ...]
    variables: tuple[VariableMeta, ...]


@dataclass
class DataDictionary:
    """The label metadata of a questionnaire in one language, fitted to one target's limits."""

    lang: str
    limits: Limits
    variables: list[VariableMeta]
    label_sets: dict[str, LabelSet]
    levels: list[LevelFile]
    shortened: list[Shortened]

    def variable(self, name: str) -> VariableMeta:
        """The variable called *name* (case-insensitive)."""
        for v in self.variables:
            if v.name.lower() == name.lower():
                return v
        raise KeyError(name)


# ----------------------------------------------------------------------------------------------------- shorten


def text_size(text: str, unit: str) -> int:
    """Length of *text* in UTF-8 bytes or characters."""
    return len(text.encode("utf-8")) if unit == "bytes" else len(text)


def shorten(text: str, limit: int, unit: str = "chars") -> str:
    """Cut *text* to at most *limit* bytes/characters, ending with '…' when cut; never splits a character."""
    if text_size(text, unit) <= limit:
        return text
    ell = "…"
    room = limit - text_size(ell, unit)
    out = ""
    for ch in text:
        if text_size(out + ch, unit) > room:
            break
        out += ch
    return out.rstrip() + ell


def clean_label(text: str) -> str:
    """One-line label: newlines and tabs become spaces, runs of spaces collapse."""
    return re.sub(r"\s+", " ", text or "").strip()


# ------------------------------------------------------------------------------------------------ missing codes


def stata_missing_letters(missing: dict[int, str]) -> dict[int, str]:
    """Map non-substantive codes to Stata extended missing values (``{8: '.a'}``), fixed letter per kind."""
    used: set[str] = set()
    out: dict[int, str] = {}
    spill: list[int] = []
    for code in sorted(missing):
        letter = STATA_KIND_LETTER.get(missing[code])
        if letter and letter not in used:
            used.add(letter)
            out[code] = "." + letter
        else:
            spill.append(code)
    free = [chr(c) for c in range(ord("f"), ord("z") + 1)]
    for code in spill:
        letter = next(c for c in free if c not in used)
        used.add(letter)
        out[code] = "." + letter
    return dict(sorted(out.items()))


# ---------------------------------------------------------------------------------------------------- formats


def _digits(v: float) -> int:
    return len(str(int(v)))


def _code_width(codes: list[int]) -> int:
    return max([1, *(_digits(c) for c in codes)])


def _is_integer_expr(qn: Questionnaire, node: E.Node) -> bool:
    """True when a calculation can only produce whole numbers (so it gets an F.0 format)."""
    if isinstance(node, E.Num):
        return float(node.value).is_integer()
    if isinstance(node, E.Ref):
        try:
            q = qn.question(node.name)
        except KeyError:
            return False
        if q.type == "calculate":
            return bool(q.choices) or _is_integer_expr(qn, compile_condition(qn, q.calculation or "0"))
        return q.type in ("integer", "year", "select_one", "scale")
    if isinstance(node, E.Compare | E.In):
        return True
    if isinstance(node, E.Unary):
        return node.op == "not" or _is_integer_expr(qn, node.operand)
    if isinstance(node, E.Binary):
        if node.op in ("and", "or"):
            return True
        if node.op == "/":
            return False
        return _is_integer_expr(qn, node.left) and _is_integer_expr(qn, node.right)
    if isinstance(node, E.Call):
        if node.name in ("count_selected", "selected", "answered", "int"):
            return True
        if node.name == "round":
            return len(node.args) == 1 or (isinstance(node.args[1], E.Num) and node.args[1].value == 0)
        if node.name == "if":
            return _is_integer_expr(qn, node.args[1]) and _is_integer_expr(qn, node.args[2])
        return all(_is_integer_expr(qn, a) for a in node.args)
    return False


def _numeric_format(qn: Questionnaire, q: Question, codes: list[int]) -> tuple[int, int]:
    """(total width, decimals) of a numeric question: integer codes get F<w>.0, decimals F<w>.2."""
    bounds = [v for v in (q.min, q.max) if v is not None]
    if q.type in ("select_one", "scale"):
        return _code_width(codes), 0
    if q.type == "year":
        return max(4, _code_width(codes)), 0
    if q.type == "integer":
        if q.min is not None and q.max is not None:
            return max(_code_width(codes), *(_digits(b) + (b < 0) for b in bounds)), 0
        return max(8, _code_width(codes)), 0
    if q.type == "calculate":
        try:
            integer = bool(codes) or _is_integer_expr(qn, compile_condition(qn, q.calculation or "0"))
        except E.ExprSyntaxError:
            integer = False
        return (max(8, _code_width(codes)), 0) if integer else (10, 2)
    # decimal: sign, integer digits, point, two decimals
    return max(8, *(_digits(b) + 4 for b in bounds)) if bounds else 10, 2


def _measure(q: Question) -> Measure:
    if q.level:
        return q.level
    if q.type in ("select_one", "select_multiple", "text"):
        return "nominal"
    if q.type == "scale":
        return "ordinal"
    if q.type == "calculate" and q.choices:
        return "nominal"
    return "scale"


# ---------------------------------------------------------------------------------------------------- builder


def label_set_name(qn: Questionnaire, q: Question) -> str:
    """Name of the value-label set of *q*: its choice-list name when it uses a named list, else the question name."""
    if isinstance(q.choices, str) and q.type != "scale":
        return q.choices
    return q.name


def _codes_with_labels(qn: Questionnaire, q: Question) -> list[Choice]:
    if q.type == "select_multiple":
        return []
    return qn.choice_list(q)


class _Fitter:
    def __init__(self, limits: Limits, lang: str) -> None:
        self.limits = limits
        self.lang = lang
        self.shortened: list[Shortened] = []
        self._seen: set[tuple[str, str]] = set()

    def fit(self, text: str, limit: int, variable: str, what: str) -> str:
        text = clean_label(text)
        short = shorten(text, limit, self.limits.unit)
        if short != text and (variable, what) not in self._seen:
            self._seen.add((variable, what))
            self.shortened.append(Shortened(variable, what, self.lang, text, short, limit, self.limits.unit))
        return short


def _t(qn: Questionnaire, value: LangText | None, lang: str) -> str:
    return qn.text(value, lang)


def data_dictionary(qn: Questionnaire, lang: str | None = None, limits: Limits = NO_LIMITS) -> DataDictionary:
    """Derive variables, shared label sets, data levels and shortened labels of *qn* in *lang*."""
    lang = lang or qn.languages.default
    fit = _Fitter(limits, lang)
    variables: list[VariableMeta] = []
    sets: dict[str, LabelSet] = {}
    roster_of: dict[str, str | None] = {}
    for item, parents in qn.walk():
        if isinstance(item, Question):
            rosters = [g.name for g in parents if isinstance(g, Group) and g.is_roster]
            roster_of[item.name] = rosters[-1] if rosters else None

    for q in qn.questions():
        roster = roster_of.get(q.name)
        vlabel = fit.fit(variable_label(qn, q, lang), limits.variable_label, q.name, "variable label")
        choices = _codes_with_labels(qn, q)
        codes = [c.code for c in choices]
        missing = {c.code: c.missing for c in sorted(choices, key=lambda c: c.code) if c.missing}
        set_name = label_set_name(qn, q) if choices else None
        value_labels: dict[int, str] = {}
        for c in choices:
            value_labels[c.code] = fit.fit(_t(qn, c.label, lang), limits.value_label, set_name or q.name,
                                           f"value label {c.code}")
        if set_name and set_name not in sets:
            sets[set_name] = LabelSet(set_name, value_labels, missing)
        measure = _measure(q)
        if q.type == "select_multiple":
            all_codes = [c.code for c in qn.choice_list(q)]
            width = max(1, len(" ".join(str(c) for c in all_codes)))
            variables.append(VariableMeta(
                name=q.name, label=vlabel, kind="string", qtype=q.type, question=q, measure="nominal",
                spss_format=f"A{width}", stata_format=f"%{min(width, 2045)}s", width=width, roster=roster))
            set01 = "selected01"
            if set01 not in sets:
                sets[set01] = LabelSet(set01, {0: phrase("not_selected", lang), 1: phrase("selected", lang)}, {})
            for c in qn.choice_list(q):
                dn = dummy_name(q.name, c.code)
                full = f"{clean_label(variable_label(qn, q, lang))} :: {clean_label(_t(qn, c.label, lang))}"
                variables.append(VariableMeta(
                    name=dn, label=fit.fit(full, limits.variable_label, dn, "variable label"), kind="numeric",
                    qtype="dummy", question=q, value_labels=dict(sets[set01].labels), label_set=set01,
                    measure="nominal", spss_format="F1.0", stata_format="%8.0g", width=1, roster=roster,
                    dummy_of=q.name, dummy_code=c.code))
            continue
        if q.type == "text":
            variables.append(VariableMeta(
                name=q.name, label=vlabel, kind="string", qtype=q.type, question=q, measure=measure,
                spss_format=f"A{TEXT_WIDTH}", stata_format=f"%{TEXT_WIDTH}s", width=TEXT_WIDTH, roster=roster))
            continue
        if q.type == "date":
            variables.append(VariableMeta(
                name=q.name, label=vlabel, kind="date", qtype=q.type, question=q, measure="scale",
                spss_format="SDATE10", stata_format="%td", width=10, roster=roster))
            continue
        width, dec = _numeric_format(qn, q, codes)
        variables.append(VariableMeta(
            name=q.name, label=vlabel, kind="numeric", qtype=q.type, question=q, value_labels=value_labels,
            label_set=set_name, missing=missing, stata_missing=stata_missing_letters(missing), measure=measure,
            spss_format=f"F{width}.{dec}", stata_format="%9.0g" if dec == 0 else f"%{width}.{dec}f",
            width=width, decimals=dec, roster=roster))

    levels = _levels(qn, variables)
    return DataDictionary(lang, limits, variables, sets, levels, fit.shortened)


@dataclass(frozen=True)
class SpssMissing:
    """User-missing values SPSS can hold: at most three discrete values, or one range plus one value."""

    values: tuple[int, ...]
    range: tuple[int, int] | None
    dropped: tuple[int, ...]  # codes that could not be declared (report them)

    def pyreadstat(self) -> list[int | dict[str, int]]:
        """The ``missing_ranges`` entry pyreadstat's ``write_sav`` expects for this variable."""
        out: list[int | dict[str, int]] = [{"lo": self.range[0], "hi": self.range[1]}] if self.range else []
        return out + list(self.values)


def spss_missing(v: VariableMeta) -> SpssMissing:
    """Fit the non-substantive codes of *v* into SPSS's limits: ≤3 values, or a range (containing no substantive
    code and, for numbers, no valid value) plus one value; otherwise keep the first three and drop the rest."""
    codes = sorted(v.missing)
    if len(codes) <= 3:
        return SpssMissing(tuple(codes), None, ())
    substantive = [c for c in v.value_labels if c not in v.missing]
    q = v.question
    categorical = v.qtype in ("select_one", "scale")
    lo_valid, hi_valid = (None, None) if categorical else (q.min, q.max)

    def ok(lo: int, hi: int) -> bool:
        if any(lo <= s <= hi for s in substantive):
            return False
        if categorical:  # only listed codes can occur
            return True
        if lo_valid is not None and hi_valid is not None and (hi < lo_valid or lo > hi_valid):
            return True  # entirely outside the valid range
        return set(range(lo, hi + 1)) <= set(codes)  # contiguous integers: no valid value in between

    # a range over all codes, or over all but the first or the last (that one then as the discrete value)
    for lo_i, hi_i, single in ((0, len(codes) - 1, None), (1, len(codes) - 1, 0), (0, len(codes) - 2, -1)):
        if ok(codes[lo_i], codes[hi_i]):
            return SpssMissing(() if single is None else (codes[single],), (codes[lo_i], codes[hi_i]), ())
    return SpssMissing(tuple(codes[:3]), None, tuple(codes[3:]))


def _levels(qn: Questionnaire, variables: list[VariableMeta]) -> list[LevelFile]:
    ids = (qn.respondent_id,) if qn.respondent_id else ()
    top = LevelFile(qn.id, None, (), tuple(v for v in variables if v.roster is None))
    out = [top]
    for g in qn.rosters():
        # files are named after the roster's data level (<id>_person.csv), as simulate and export write them
        # (data.levels.level_name, not imported here: it would load the data package and pandas)
        out.append(LevelFile(f"{qn.id}_{g.level or g.name}", g.name, ids,
                         tuple(v for v in variables if v.roster == g.name)))
    return out


def raw_columns(level: LevelFile) -> list[VariableMeta]:
    """The columns of the raw CSV collected with the instrument: every variable except select_multiple dummies."""
    return [v for v in level.variables if not v.is_dummy]


__all__ = [
    "NO_LIMITS", "SPSS_LIMITS", "STATA_KIND_LETTER", "STATA_LIMITS", "DataDictionary", "LabelSet", "LevelFile",
    "Limits", "Shortened", "VariableMeta", "clean_label", "data_dictionary", "label_set_name", "phrase",
    "SpssMissing", "raw_columns", "shorten", "spss_missing", "stata_missing_letters", "text_size",
]
