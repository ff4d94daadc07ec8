"""SPSS syntax (.sps) that reads the raw CSV files collected with the instrument and labels them, one per language.

For each data level (the top level and each roster) the syntax has a ``GET DATA`` reading ``<level>.csv`` (columns in
questionnaire order; roster files start with the respondent id), computes the 0/1 dummies of select_multiple
questions from the space-separated answer, then VARIABLE LABELS, VALUE LABELS (one block per shared label set),
MISSING VALUES (non-substantive codes), VARIABLE LEVEL, FORMATS and ``SAVE OUTFILE``. Runs in PSPP without warnings.
SPSS allows at most three discrete missing values, or one range plus one value: longer lists use a range when no
substantive code falls inside it, otherwise the extra codes are reported and left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import Location, Problem
from ..questionnaire.dictionary import (
    SPSS_LIMITS,
    DataDictionary,
    LevelFile,
    VariableMeta,
    data_dictionary,
    raw_columns,
    spss_missing,
)
from ..questionnaire.model import Questionnaire
from ..questionnaire.xlsform_import import syntax_note
from ..syntax.spss import spss_comment, spss_string, starts_comment

MAX_LINE = 251  # bytes; SPSS syntax lines


@dataclass(frozen=True)
class FileLayout:
    """The real layout of one data level's CSV file: its name and its columns in file order, with the width of
    each column the questionnaire does not know (0 = numeric), so GET DATA reads exactly the file's fields."""

    file: str
    columns: tuple[str, ...]
    extra_widths: dict[str, int]


@dataclass
class SpssSyntax:
    """One language's syntax text plus what had to be adapted (shortened labels, missing lists that do not fit)."""

    lang: str
    text: str
    problems: list[Problem] = field(default_factory=list)


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def missing_spec(v: VariableMeta) -> tuple[str | None, list[int]]:
    """The MISSING VALUES specification of *v* (e.g. ``8, 9`` or ``6 THRU 9``) and the codes it could not include."""
    m = spss_missing(v)
    parts = [f"{_num(m.range[0])} THRU {_num(m.range[1])}"] if m.range else []
    parts += [_num(c) for c in m.values]
    return (", ".join(parts) or None), list(m.dropped)


def _wrap(head: str, items: list[str], tail: str = ".") -> list[str]:
    """Lines ``head item item ...`` wrapped under MAX_LINE bytes; no continuation line starts with a comment word."""
    rows: list[list[str]] = [[]]
    for it in items:
        row = rows[-1]
        text = head + " ".join(row + [it]) if len(rows) == 1 else "    " + " ".join(row + [it])
        if row and len((text + tail).encode("utf-8")) > MAX_LINE - 2:
            new = [it]
            if starts_comment(it.split()[0]) and len(row) > 1:
                new = [row.pop(), it]
            rows.append(new)
        else:
            row.append(it)
    lines = [(head if i == 0 else "    ") + " ".join(r) for i, r in enumerate(rows)]
    lines[-1] += tail
    return lines


def _spec(v: VariableMeta) -> str:
    return f"{v.name} {'A' + str(v.width) if v.kind == 'string' else v.spss_format}"


def _layout_specs(d: DataDictionary, layout: FileLayout) -> list[str]:
    """GET DATA specs for every column of the real file, in its order: known variables with their format, the
    others (design weights, ids of the collection tool ...) as numbers or strings of their width."""
    specs = []
    for col in layout.columns:
        try:
            specs.append(_spec(d.variable(col)))
        except KeyError:
            width = layout.extra_widths.get(col, 0)
            specs.append(f"{col} {'F16.6' if width == 0 else f'A{min(max(width, 1), 32767)}'}")
    return specs


def _level_block(qn: Questionnaire, d: DataDictionary, level: LevelFile, csv: str, sav: str,
                 problems: list[Problem], layout: FileLayout | None = None) -> list[str]:
    csv = layout.file if layout is not None else csv
    out: list[str] = [f"* ---- Data level '{spss_comment(level.roster or 'top')}': {spss_comment(csv)}."]
    id_vars = [d.variable(i) for i in level.ids]
    cols = id_vars + raw_columns(level)
    out += ["GET DATA /TYPE=TXT /FILE=" + spss_string(csv) + " /ENCODING='UTF-8' /ARRANGEMENT=DELIMITED",
            "  /DELIMITERS=',' /QUALIFIER='\"' /FIRSTCASE=2"]
    specs = _layout_specs(d, layout) if layout is not None else [_spec(v) for v in cols]
    var_lines = ["  /VARIABLES= " + specs[0]]
    for sp in specs[1:]:  # one variable per line; a name that reads as COMMENT/DOCUMENT joins the line above
        if starts_comment(sp.split()[0]):
            var_lines[-1] += " " + sp
        else:
            var_lines.append("    " + sp)
    out += var_lines
    out[-1] += "."
    dummies = [v for v in level.variables if v.is_dummy]
    for v in dummies:
        src = v.dummy_of
        out += [f"DO IF (RTRIM({src}) <> '').",
                f"  COMPUTE {v.name} = INDEX(CONCAT(' ', RTRIM({src}), ' '), ' {v.dummy_code} ') > 0.",
                "END IF."]
    all_vars = id_vars + list(level.variables)
    out.append(f"VARIABLE LABELS {all_vars[0].name} {spss_string(all_vars[0].label)}")
    for v in all_vars[1:]:
        out.append(f"  /{v.name} {spss_string(v.label)}")
    out[-1] += "."
    # value labels: one block per shared set
    by_set: dict[str, list[VariableMeta]] = {}
    for v in all_vars:
        if v.label_set and v.value_labels:
            by_set.setdefault(v.label_set, []).append(v)
    if by_set:
        for i, (_name, vs) in enumerate(by_set.items()):
            out += _wrap("VALUE LABELS " if i == 0 else "  /", [v.name for v in vs], "")
            for code, lab in vs[0].value_labels.items():
                out.append(f"    {_num(code)} {spss_string(lab, '      ')}")
        out[-1] += "."
    mspecs: dict[str, list[str]] = {}
    for v in all_vars:
        spec, dropped = missing_spec(v)
        if spec:
            mspecs.setdefault(spec, []).append(v.name)
        if dropped:
            file, line, col = qn.locate(v.question.path)
            problems.append(Problem(
                f"SPSS allows at most three missing values or one range plus one value; codes "
                f"{', '.join(map(str, dropped))} of '{v.name}' are not declared missing in the .sps "
                "(a range would include substantive codes)", "spss-missing-values", "warning",
                Location(file, line, col, v.question.path, variable=v.name)))
    if mspecs:
        for i, (spec, names) in enumerate(mspecs.items()):
            out += _wrap("MISSING VALUES " if i == 0 else "  /", names, f" ({spec})")
        out[-1] += "."
    levels: dict[str, list[str]] = {}
    for v in all_vars:
        levels.setdefault(v.measure.upper(), []).append(v.name)
    for i, (lev, names) in enumerate(levels.items()):
        out += _wrap("VARIABLE LEVEL " if i == 0 else "  /", names, f" ({lev})")
    out[-1] += "."
    fmts: dict[str, list[str]] = {}
    for v in all_vars:
        if v.kind != "string":
            fmts.setdefault(v.spss_format, []).append(v.name)
    if fmts:
        for i, (fmt, names) in enumerate(fmts.items()):
            out += _wrap("FORMATS " if i == 0 else "  /", names, f" ({fmt})")
        out[-1] += "."
    out += ["SAVE OUTFILE=" + spss_string(sav) + ".", ""]
    return out


def file_stem(qn: Questionnaire, name: str, lang: str) -> str:
    """``name`` for the default language, ``name_<lang>`` for the others."""
    return name if lang == qn.languages.default else f"{name}_{lang}"


def build_spss(qn: Questionnaire, lang: str | None = None, csv_dir: str = "",
               layouts: dict[str, FileLayout] | None = None) -> SpssSyntax:
    """The .sps text for *lang*: reads ``<csv_dir><level>.csv`` for every data level and saves labelled ``.sav``.

    *layouts* (by roster name, '' for the top level) describe real CSV files to read instead: their names and
    columns in file order (``export`` passes the files it read), so extra columns do not stop PSPP."""
    lang = lang or qn.languages.default
    d = data_dictionary(qn, lang, SPSS_LIMITS)
    problems: list[Problem] = [
        Problem(f"label shortened to SPSS's limit: {s}", "label-shortened", "warning", Location(variable=s.variable))
        for s in d.shortened]
    out = ["* Encoding: UTF-8.",
           f"* SPSS syntax for '{spss_comment(qn.text(qn.title, lang))}' ({qn.id}, version "
           f"{spss_comment(qn.version)}), labels in '{lang}'.",
           "* Generated by surveymod from the questionnaire YAML: do not edit; rebuild instead.",
           "* Reads the raw CSV files collected with the instrument (one per data level, first row = names),",
           "* labels them and saves one .sav per level. Non-substantive codes are declared MISSING VALUES.",
           *(f"* {spss_comment(line).rstrip('.')}." for line in syntax_note(qn)),
           ""]
    for level in d.levels:
        stem = file_stem(qn, level.name, lang)
        layout = (layouts or {}).get(level.roster or "")
        if layouts is not None and layout is None:
            continue   # the data has no file for this level
        out += _level_block(qn, d, level, f"{csv_dir}{level.name}.csv", f"{csv_dir}{stem}.sav", problems, layout)
    return SpssSyntax(lang, "\n".join(out) + "\n", problems)


def build_spss_all(qn: Questionnaire, csv_dir: str = "") -> dict[str, SpssSyntax]:
    """One syntax per questionnaire language, keyed by file name (``<id>.sps``, ``<id>_<lang>.sps``)."""
    return {f"{file_stem(qn, qn.id, lang)}.sps": build_spss(qn, lang, csv_dir) for lang in qn.languages.all}
