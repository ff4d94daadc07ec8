"""Stata do-file that reads the raw CSV files collected with the instrument, labels them and saves .dta files.

One do-file covers every language: the default language's labels come first (``label language <default>,
rename``), each other language adds ``label language <code>, new`` with its own label sets (``<set>_<code>``).
Label sets are shared: one ``label define`` per choice list, attached to every variable using it. Non-substantive
codes become extended missing values with a fixed letter per kind (.a don't know, .b refusal, .c not applicable,
.d no answer, .e not stated; see :mod:`.labels`), e.g. ``replace work = .a if work == 8``. Variable labels are cut
to Stata's 80 characters (reported as warnings). Texts with ``"`` use compound quotes; ``$`` and backquotes are
escaped so Stata does not expand them as macros. Needs Stata 14 or later (UTF-8).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..errors import Location, Problem
from ..questionnaire.dictionary import (
    STATA_KIND_LETTER,
    STATA_LIMITS,
    DataDictionary,
    LevelFile,
    data_dictionary,
    raw_columns,
)
from ..questionnaire.model import Questionnaire
from ..questionnaire.xlsform_import import syntax_note
from .syntax_text import one_line


@dataclass
class StataDo:
    """The do-file text and what had to be adapted (shortened labels)."""

    text: str
    problems: list[Problem] = field(default_factory=list)


def stata_comment(text: str) -> str:
    """*text* for the inside of a one-line ``*`` or ``//`` comment: one line, and no ``/*``, ``*/`` or ``//``
    (``///`` would carry the comment onto the next line, a block comment could swallow commands)."""
    text = one_line(text)
    while any(t in text for t in ("/*", "*/", "//")):
        text = text.replace("/*", "/ ").replace("*/", " /").replace("//", "/ ")
    return " ".join(text.split())


def stata_string(text: str) -> str:
    """Quote *text* for Stata: ``"..."``, or compound quotes when it contains ``"``; macro characters escaped."""
    text = re.sub(r"\s+", " ", one_line(text)).strip()
    text = text.replace("`", "\\`").replace("$", "\\$")
    text = text.replace("\"'", "\" '")  # "' would close a compound quote early
    if '"' in text:
        return '`"' + text + '"\''
    return '"' + text + '"'


def stata_name(name: str, used: set[str]) -> str:
    """A valid, unused Stata name (≤32 characters) derived from *name*."""
    base = re.sub(r"[^A-Za-z0-9_]", "_", name)
    if not re.match(r"[A-Za-z_]", base):
        base = "L" + base
    base = base[:32]
    out, i = base, 2
    while out.lower() in used:
        suffix = f"_{i}"
        out = base[: 32 - len(suffix)] + suffix
        i += 1
    used.add(out.lower())
    return out


def _code(v: int) -> str:
    return str(int(v))


def _set_names(qn: Questionnaire, dicts: dict[str, DataDictionary]) -> dict[tuple[str, str], str]:
    """Stata label-set name for (language, set): ``yn`` in the default language, ``yn_mk`` in the others."""
    used: set[str] = set()
    out: dict[tuple[str, str], str] = {}
    for lang, d in dicts.items():
        for name in d.label_sets:
            raw = name if lang == qn.languages.default else f"{name}_{lang}"
            out[(lang, name)] = stata_name(raw, used)
    return out


def _import(level: LevelFile, d: DataDictionary, csv: str) -> list[str]:
    cols = [d.variable(i) for i in level.ids] + raw_columns(level)
    string_idx = [str(i + 1) for i, v in enumerate(cols) if v.kind in ("string", "date")]
    numeric_idx = [str(i + 1) for i, v in enumerate(cols) if v.kind == "numeric"]
    opts = ['varnames(1)', 'case(preserve)', 'encoding("utf-8")', "asdouble"]
    if string_idx:
        opts.append(f"stringcols({' '.join(string_idx)})")
    if numeric_idx:
        opts.append(f"numericcols({' '.join(numeric_idx)})")
    out = [f"import delimited using {stata_string(csv)}, {' '.join(opts)} clear"]
    for v in cols:
        if v.kind == "date":
            out += [f"quietly generate double _sm_date = date({v.name}, \"YMD\")",
                    f"order _sm_date, after({v.name})",
                    f"drop {v.name}",
                    f"rename _sm_date {v.name}",
                    f"format {v.name} %td"]
    for v in level.variables:
        if v.is_dummy:
            src = v.dummy_of
            out.append(f'generate byte {v.name} = strpos(" " + strtrim({src}) + " ", " {v.dummy_code} ") > 0 '
                       f'if strtrim({src}) != ""')
    return out


def build_stata(qn: Questionnaire, csv_dir: str = "") -> StataDo:
    """The do-file text: import, extended missing values, labels in every language, save, for each data level."""
    langs = qn.languages.all
    dicts = {lang: data_dictionary(qn, lang, STATA_LIMITS) for lang in langs}
    default = dicts[qn.languages.default]
    set_names = _set_names(qn, dicts)
    problems = [Problem(f"label shortened to Stata's limit: {s}", "label-shortened", "warning",
                        Location(variable=s.variable)) for d in dicts.values() for s in d.shortened]
    kinds = ", ".join(f".{letter} = {kind.replace('_', ' ')}" for kind, letter in STATA_KIND_LETTER.items())
    out = [f"* Stata do-file for '{stata_comment(qn.text(qn.title))}' ({qn.id}, version "
           f"{stata_comment(qn.version)})",
           "* Generated by surveymod from the questionnaire YAML: do not edit; rebuild instead.",
           "* Reads the raw CSV files collected with the instrument (one per data level, first row = names),",
           f"* labels them in every questionnaire language ({', '.join(langs)}; switch with `label language`)",
           "* and saves one .dta per level.",
           f"* Non-substantive codes become extended missing values: {kinds};",
           "* a second code of the same kind in one variable takes the next free letter from .f on.",
           *(f"* {stata_comment(line)}" for line in syntax_note(qn)),
           "version 14", "clear", ""]
    for li, level in enumerate(default.levels):
        out.append(f"* ---- Data level '{stata_comment(level.roster or 'top')}': {stata_comment(level.name)}.csv")
        out += _import(level, default, f"{csv_dir}{level.name}.csv")
        ids = [default.variable(i) for i in level.ids]
        variables = ids + list(level.variables)
        for v in variables:
            for code, letter in v.stata_missing.items():
                lab = stata_comment(v.value_labels.get(code, ""))
                out.append(f"replace {v.name} = {letter} if {v.name} == {_code(code)}  // {lab}")
        for lang in langs:
            d = dicts[lang]
            out.append(f"label language {lang}, {'rename' if lang == qn.languages.default else 'new'}")
            sets_here = []
            for v in variables:
                dv = d.variable(v.name)
                if dv.label_set and dv.label_set not in sets_here:
                    sets_here.append(dv.label_set)
            for set_name in sets_here:
                ls = d.label_sets[set_name]
                sname = set_names[(lang, set_name)]
                first = True
                letters = _letters_for_set(default, set_name)
                for code, lab in ls.labels.items():
                    key = letters.get(code, _code(code))
                    out.append(f"label define {sname} {key} {stata_string(lab)}, {'replace' if first else 'add'}")
                    first = False
            for v in variables:
                dv = d.variable(v.name)
                out.append(f"label variable {v.name} {stata_string(dv.label)}")
                if dv.label_set:
                    out.append(f"label values {v.name} {set_names[(lang, dv.label_set)]}")
        if len(langs) > 1:
            out.append(f"label language {qn.languages.default}")
        out += [f"save {stata_string(csv_dir + level.name + '.dta')}, replace", ""]
        if li == len(default.levels) - 1:
            out.append("* end of do-file")
    return StataDo("\n".join(out) + "\n", problems)


def _letters_for_set(d: DataDictionary, set_name: str) -> dict[int, str]:
    for v in d.variables:
        if v.label_set == set_name:
            return v.stata_missing
    return {}
