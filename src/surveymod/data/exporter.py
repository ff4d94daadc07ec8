"""Export field data as fully labelled SPSS/Stata files (and CSV/XLSX/Parquet), one linked file per level.

What pyreadstat does not do by itself is done here: display formats from the questionnaire (never F8.2 on integer
codes), SPSS user-missing values and Stata extended missing values (.a don't know, .b refusal ...) for the
non-substantive codes, dates written as the numbers SPSS (seconds since 1582-10-14) and Stata (%td days since
1960-01-01) store, under a date format (given datetime columns pyreadstat copies the whole frame), labels
shortened to the format's limits with a warning for each one, Stata format 118 (version 14) so UTF-8 text
survives, names that SPSS/Stata would reject renamed with a warning, invalid values kept in a companion ``<var>_txt``
column, unknown columns passed through, and every file written atomically without ever overwriting an input.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..atomic import refuse_overwriting_inputs, write_with
from ..errors import Location, Problem, SurveyError
from ..questionnaire.dictionary import (
    NO_LIMITS,
    SPSS_LIMITS,
    STATA_LIMITS,
    DataDictionary,
    Limits,
    VariableMeta,
    data_dictionary,
    shorten,
    spss_missing,
    text_size,
)
from ..questionnaire.model import Questionnaire
from ..questionnaire.names import name_problem, spss_accepts
from ..syntax.spss import spss_comment
from ..syntax.stata import stata_comment
from ..xlsx import write_frames
from .dta_file import STATA_EPOCH_DAYS
from .levels import TOP_LEVEL, level_keys, level_of_roster, levels
from .reader import EXACT_LIMIT, Dataset, questionnaire_of, read
from .reader.blocks import NotStreamable
from .reader.text_files import reaches
from .sav_file import SPSS_EPOCH_SECONDS

Target = Literal["sav", "dta", "csv", "xlsx", "parquet"]
TARGETS: tuple[str, ...] = ("sav", "dta", "csv", "xlsx", "parquet")
SPSS_MAX_STRING = 32767


@dataclass
class ExportResult:
    """The files written (top level first) and every warning (shortened labels, renamed or unknown columns...)."""

    files: list[Path] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    renamed: dict[str, str] = field(default_factory=dict)
    """Columns written under another name (``st.x`` -> ``st_x`` in a .dta): what the files call them."""


def target_path(out: str | Path, to: str | None = None) -> tuple[Path, str]:
    """The output file and its format: *to* (csv, xlsx, sav, dta, parquet) or OUT's suffix; OUT gets the format's
    suffix when it has another one or none."""
    out = Path(out)
    target = (to or out.suffix.lstrip(".")).lower()
    if target not in TARGETS:
        raise SurveyError(f"unknown export format '{target}': choose one of {', '.join(TARGETS)}", rule="format")
    if out.suffix.lower() != f".{target}":
        out = out.with_name(out.name + f".{target}") if not out.suffix else out.with_suffix(f".{target}")
    return out, target


def level_path(out: Path, level: str) -> Path:
    """Output file of *level*: OUT for the top level, ``<stem>_<level><suffix>`` for a roster."""
    return out if level == TOP_LEVEL else out.with_name(f"{out.stem}_{level}{out.suffix}")


def export(data: Dataset | str | Path, questionnaire: Questionnaire | str | Path | None = None, *,
           to: str | None = None, out: str | Path, lang: str | None = None, syntax: bool = True,
           encoding: str | None = None, added: dict[str, str] | None = None,
           progress: Callable[[str], None] | None = None) -> ExportResult:
    """Write *data* as labelled files (format from *to* or OUT's suffix), one per level; returns files and warnings.

    *added* labels columns a command added to the data (e.g. the final and replicate weights of
    ``surveymod weight``): they are exported as labelled numeric (scale) variables, not as unknown columns.
    *progress*, if given, is told what is being written before each file (a million-row .dta takes a while).
    *data* given as the path of a single-level CSV of 256 MB or more is exported to .sav/.dta a block of rows at
    a time (:mod:`surveymod.data.export_stream`): the same files in a fraction of the memory, with a temporary
    spool about the size of the output beside it while it runs.
    """
    added = added or {}
    out, target = target_path(out, to)
    if not isinstance(data, Dataset) and target in ("sav", "dta") and not added:
        from .export_stream import export_in_blocks

        qn = questionnaire_of(questionnaire)
        streamed = export_in_blocks(Path(data), qn, out, target, lang=lang, syntax=syntax, encoding=encoding,
                                    progress=progress) if qn is not None else None
        if streamed is not None:
            return streamed
        questionnaire = qn
    ds = data if isinstance(data, Dataset) else read(data, questionnaire, encoding=encoding)
    qn = ds.questionnaire
    if qn is None:
        raise SurveyError("exporting labelled data needs the questionnaire (-q QUESTIONNAIRE)", rule="no-questionnaire")
    limits, dd, result = _begin(qn, lang, target)
    inputs = [*ds.inputs, *([Path(qn.file)] if qn.file else [])]
    for level in ds.frames:  # refuse before anything is written
        refuse_overwriting_inputs(level_path(out, level), inputs)
    renamed: dict[str, str] = {}  # data columns written under another name, listed in the syntax file
    for level, frame in ds.frames.items():
        path = level_path(out, level)
        metas = level_metas(qn, dd, level)
        result.warnings += unknown_warnings([c for c in ds.unknown.get(level, []) if c not in added], path)
        prepared = _prepare(frame, metas, target, limits, path, result.warnings)
        for col, text in added.items():
            if col in prepared.frame.columns and target in ("sav", "dta"):
                prepared.labels[col] = _fit(text, limits, result.warnings, col)
        if progress is not None:
            progress(f"writing {path.name} ({len(prepared.frame):,} rows, {prepared.frame.shape[1]} variables)")
        _WRITERS[target](prepared, path)
        result.files.append(path)
        renamed.update(prepared.renamed)
    result.renamed = renamed
    if syntax and target in ("sav", "dta"):
        result.files += _syntax(qn, dd, out, target, lang, result.warnings, renamed, ds.sources,
                                unknown_widths(ds) if target == "sav" else None)
    return result


def _begin(qn: Questionnaire, lang: str | None, target: str) -> tuple[Limits, DataDictionary, ExportResult]:
    """The format's limits, the data dictionary within them and a result holding a warning per shortened label."""
    if lang and lang not in qn.languages.all:
        raise SurveyError(f"language '{lang}' is not in the questionnaire (it has {', '.join(qn.languages.all)})",
                          rule="unknown-language")
    limits = {"sav": SPSS_LIMITS, "dta": STATA_LIMITS}.get(target, NO_LIMITS)
    dd = data_dictionary(qn, lang, limits)
    result = ExportResult()
    for s in dd.shortened:
        result.warnings.append(Problem(
            f"{s.what} longer than {target.upper()} allows ({s.limit} {s.unit}), shortened: '{s.original}' → "
            f"'{s.shortened}'", "label-shortened", "warning", Location(variable=s.variable)))
    return limits, dd, result


def level_metas(qn: Questionnaire, dd: DataDictionary, level: str) -> dict[str, VariableMeta]:
    """The dictionary's variables of *level*, its key columns included."""
    if level not in levels(qn):
        return {}
    keys = set(level_keys(qn, level))
    return {v.name: v for v in dd.variables if level_of_roster(qn, v.roster) == level or v.name in keys}


def unknown_warnings(columns: list[str], path: Path) -> list[Problem]:
    """A warning per column the questionnaire does not describe."""
    return [Problem(f"column '{col}' is not in the questionnaire; exported unlabelled", "unknown-column", "warning",
                    Location(file=str(path), variable=col)) for col in columns]


# ------------------------------------------------------------------------------------------------------ preparing


@dataclass
class _Prepared:
    """A frame ready for one writer plus the pyreadstat metadata arguments."""

    frame: pd.DataFrame
    labels: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, dict[Any, str]] = field(default_factory=dict)
    missing: dict[str, list[Any]] = field(default_factory=dict)
    measure: dict[str, str] = field(default_factory=dict)
    formats: dict[str, str] = field(default_factory=dict)
    metas: dict[str, VariableMeta] = field(default_factory=dict)
    renamed: dict[str, str] = field(default_factory=dict)
    letters: dict[str, dict[float, str]] = field(default_factory=dict)  # .dta: missing code → extended missing
    sized: dict[str, Callable[[Extent], str]] = field(default_factory=dict)
    """Formats that depend on the numbers in the column: the rule, for the extent of all blocks of a file."""
    extents: dict[str, Extent] = field(default_factory=dict)
    """The extent each sized format was made from (the blocks of a file merge them)."""

    def size(self, name: str, rule: Callable[[Extent], str], values: pd.Series) -> None:
        """Give *name* the format *rule* makes from the numbers in *values*, keeping the rule and the extent."""
        self.sized[name], self.extents[name] = rule, Extent.of(values)
        self.formats[name] = rule(self.extents[name])


@dataclass(frozen=True)
class Extent:
    """What a numeric display format depends on: the largest magnitude, a sign, whether all values are whole."""

    finite: bool = False
    big: float = 0.0
    negative: bool = False
    whole: bool = True

    @classmethod
    def of(cls, values: pd.Series) -> Extent:
        arr = values.to_numpy(dtype="float64", na_value=np.nan)
        ok = np.isfinite(arr)
        finite = arr if ok.all() else arr[ok]  # no copy of a column without gaps
        if finite.size == 0:
            return cls()
        lo, hi = float(finite.min()), float(finite.max())
        return cls(True, max(hi, -lo), lo < 0, bool(np.array_equal(np.rint(finite), finite)))

    def __or__(self, other: Extent) -> Extent:
        return Extent(self.finite or other.finite, max(self.big, other.big), self.negative or other.negative,
                      self.whole and other.whole)

    @property
    def width(self) -> int:
        """Digits of the integer part of the largest magnitude, plus one for a minus sign (1 when empty)."""
        return len(str(int(self.big))) + (1 if self.negative else 0) if self.finite else 1


def _prepare(frame: pd.DataFrame, metas: dict[str, VariableMeta], target: str, limits: Limits, path: Path,
             warnings: list[Problem]) -> _Prepared:
    cols: dict[str, pd.Series] = {}
    p = _Prepared(pd.DataFrame(), metas=metas)
    stat = target in ("sav", "dta")
    names = safe_names(list(frame.columns), target, path, warnings) if stat else {c: c for c in frame.columns}
    p.renamed = {c: n for c, n in names.items() if c != n}
    taken = set(names.values())
    for col in frame.columns:
        s = frame[col]
        name = names[col]
        meta = metas.get(col)
        limit = EXACT_LIMITS.get(target)
        if limit and has_long_integers(s, limit):
            cols[name] = digits_as_text(s, None if target != "dta" else "")
            warnings.append(long_integer_warning(col, target, path))
            if stat:
                p.labels[name] = meta.label if meta is not None else ""
                if target == "sav":
                    p.measure[name] = "nominal"
            continue
        if meta is None:
            cols[name] = _plain(s, target)
            if stat:
                p.labels[name] = ""
                if target == "sav":
                    p.measure[name] = "scale" if pd.api.types.is_numeric_dtype(s) else "nominal"
                    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
                        p.size(name, _plain_format, s)
            continue
        values, invalid = _split_invalid(s, meta)
        if invalid is not None:
            txt = _free(f"{name}_txt", taken)
            taken.add(txt)
            warnings.append(invalid_kept(col, meta.kind, txt, int(invalid.notna().sum()), path))
        if not stat:
            cols[name] = s if target != "parquet" else _plain(s, target)
            continue
        cols[name] = _stat_values(values, meta, target)
        if invalid is not None:
            cols[txt] = invalid.astype("str")
            p.labels[txt] = _fit(f"{meta.label} (invalid values as given)", limits, warnings, txt)
            if target == "sav":
                p.measure[txt] = "nominal"
        p.labels[name] = meta.label
        if meta.kind == "numeric":
            _numeric_meta(p, name, meta, cols[name], values, target, path, warnings)
        elif meta.kind == "date":
            p.formats[name] = meta.spss_format if target == "sav" else "%td"
            if target == "sav":
                p.measure[name] = "scale"
        elif target == "sav":
            p.measure[name] = meta.measure
            _long_strings(cols[name], name, path, warnings)
    if stat:  # pyreadstat walks rows; numpy object arrays iterate far faster than Arrow-backed strings
        for name, col in cols.items():
            if pd.api.types.is_string_dtype(col) and col.dtype != object:
                cols[name] = _shared_strings(col)
    p.frame = pd.DataFrame(cols, index=frame.index, copy=False).reset_index(drop=True)  # columns as they are
    return p


EXACT_LIMITS = {"sav": EXACT_LIMIT, "dta": EXACT_LIMIT, "xlsx": 10**15}
"""Whole numbers from this magnitude are written as text in these formats: SPSS and Stata store numbers as float64
(exact to 2**53) and Excel keeps 15 significant digits. CSV and Parquet keep every digit of an integer column."""


def has_long_integers(s: pd.Series, limit: int) -> bool:
    """True if the column *s* holds an id-like whole number the format would round: an exact integer (Int64, as
    the reader keeps ids past 2**53) of *limit* or more, or a float64 whole number from *limit* up to 2**53 (above,
    a float64 is a magnitude, not an id, and already as exact as it can be)."""
    if not pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
        return False
    if pd.api.types.is_integer_dtype(s.dtype):
        return bool((s.abs() >= limit).any())
    arr = s.to_numpy(dtype="float64", na_value=np.nan)
    if not reaches(arr, limit):
        return False
    with np.errstate(invalid="ignore"):
        return bool(((np.abs(arr) >= limit) & (np.abs(arr) < EXACT_LIMIT) & (np.mod(arr, 1) == 0)).any())


def digits_as_text(s: pd.Series, missing: Any = None) -> pd.Series:
    """A column of long whole numbers as their exact digits (text), missing values as *missing*."""
    return s.astype("string").astype(object).where(s.notna(), missing)


def long_integer_warning(col: str, target: str, path: Path) -> Problem:
    """The warning that *col* was written as text so that the format keeps every digit."""
    limit = EXACT_LIMITS[target]
    return Problem(f"'{col}' holds whole numbers of {limit:,} or more, which {target.upper()} would round as "
                   "numbers; written as text so every digit is kept", "long-integer-as-text", "warning",
                   Location(file=str(path), variable=col))


def _plain(s: pd.Series, target: str) -> pd.Series:
    """A column the questionnaire does not describe (or any column for parquet): mixed objects become text."""
    if s.dtype == object:
        kinds = set(s.dropna().map(type))
        if len(kinds) > 1 or (kinds and not kinds <= {str}):
            return s.map(lambda v: v if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)).astype("str")
    if target == "dta" and pd.api.types.is_datetime64_any_dtype(s):
        return s.astype("datetime64[ns]")
    if target == "sav" and pd.api.types.is_datetime64_any_dtype(s):
        return s.astype("datetime64[ns]")
    return s


def _shared_strings(col: pd.Series) -> pd.Series:
    """A text column as a numpy object column whose repeated values share one Python string (low memory)."""
    codes, uniq = pd.factorize(col, use_na_sentinel=True)
    objs = np.append(np.asarray(uniq, dtype=object), None)
    return pd.Series(objs[codes], index=col.index, dtype=object)


def _split_invalid(s: pd.Series, meta: VariableMeta) -> tuple[pd.Series, pd.Series | None]:
    """(typed values, original text of the invalid cells or None): numeric/date columns holding text."""
    if s.dtype != object or meta.kind == "string":
        return s, None
    if meta.kind == "numeric":
        num = pd.to_numeric(s, errors="coerce")
        bad = s.notna() & num.isna()
        return num.astype("float64"), (s.where(bad).astype("str") if bad.any() else None)
    is_text = s.map(lambda v: isinstance(v, str))
    dates = pd.to_datetime(s.where(~is_text), errors="coerce")
    return dates, (s.where(is_text).astype("str") if is_text.any() else None)


def _stat_values(values: pd.Series, meta: VariableMeta, target: str) -> pd.Series:
    if meta.kind == "date":
        return pd.Series(_stat_dates(values, target), index=values.index)
    if meta.kind == "numeric":
        return values.astype("float64")  # a .dta's missing codes become letters as it is written (p.letters)
    return values.astype("str")


def _with_letters(frame: pd.DataFrame, letters: dict[str, dict[float, str]]) -> pd.DataFrame:
    """The frame as pyreadstat wants Stata's extended missing values: the letter in place of each missing code,
    one shared Python object per distinct value (memory near the float column)."""
    cols = {}
    for name, s in frame.items():
        codes_letters = letters.get(str(name))
        if codes_letters and s.isin(list(codes_letters)).any():
            codes, uniq = pd.factorize(s, use_na_sentinel=True)
            objs = np.array([codes_letters.get(float(u), float(u)) for u in uniq] + [np.nan], dtype=object)
            s = pd.Series(objs[codes], index=s.index, dtype=object)
        cols[name] = s
    return pd.DataFrame(cols, index=frame.index, copy=False)




def _stat_dates(values: pd.Series, target: str) -> np.ndarray:
    """Dates as the numbers SPSS (seconds since 1582-10-14, shown by a date format) and Stata (%td days since
    1960-01-01) store, the same numbers pyreadstat writes for dates, computed here in one vectorised step:
    handing pyreadstat datetime columns makes it copy the whole frame first (about 2 GB at 10M rows)."""
    d = pd.to_datetime(values, errors="coerce").to_numpy(dtype="datetime64[s]")
    missing = np.isnat(d)
    secs = d.astype("int64")
    out = (secs + SPSS_EPOCH_SECONDS if target == "sav" else np.floor_divide(secs, 86_400) + STATA_EPOCH_DAYS)
    out = out.astype("float64")
    out[missing] = np.nan
    return out


def _numeric_meta(p: _Prepared, name: str, meta: VariableMeta, written: pd.Series, values: pd.Series,
                  target: str, path: Path, warnings: list[Problem]) -> None:
    labels: dict[Any, str] = dict(meta.value_labels)
    if target == "dta":
        for code, letter in meta.stata_missing.items():
            if code in labels:
                labels[letter.lstrip(".")] = labels.pop(code)
        if meta.stata_missing:
            p.missing[name] = [letter.lstrip(".") for letter in meta.stata_missing.values()]
            p.letters[name] = {float(c): v.lstrip(".") for c, v in meta.stata_missing.items()}
    elif meta.missing:
        p.missing[name] = _spss_missing(meta, name, path, warnings)
    if labels:
        p.value_labels[name] = labels
    p.size(name, lambda extent: _coded_format(meta, extent, target), values)
    if target == "sav":
        p.measure[name] = meta.measure


def _coded_format(meta: VariableMeta, extent: Extent, target: str) -> str:
    """The display format of a questionnaire's numeric variable: its own width, or the data's when wider."""
    width = max(meta.width, extent.width)
    dec = meta.decimals
    if target == "sav":
        return f"F{width + (dec + 1 if dec else 0)}.{dec}"
    return f"%{max(width, 1) + (dec + 1 if dec else 0) + 1}.{dec}{'f' if dec else 'g'}" if width > 8 \
        else meta.stata_format


def invalid_kept(col: str, kind: str, txt: str, n: int, path: Path) -> Problem:
    """The warning that *n* values of *col* that are not valid *kind* values are kept as text in *txt*."""
    return Problem(f"{n} value(s) of '{col}' are not valid {kind} values; they are kept as text in '{txt}' next to "
                   "it", "invalid-kept", "warning", Location(file=str(path), variable=col), count=n)


def _spss_missing(meta: VariableMeta, name: str, path: Path, warnings: list[Problem]) -> list[Any]:
    """SPSS allows 3 discrete user-missing values, or one range plus one value (fitted by questionnaire.dictionary)."""
    fitted = spss_missing(meta)
    if fitted.dropped:
        warnings.append(Problem(
            f"'{name}' has more non-substantive codes than SPSS can declare; not declared missing: "
            f"{', '.join(map(str, fitted.dropped))}", "missing-limit", "warning", Location(file=str(path), variable=name)))
    return [{"lo": float(v["lo"]), "hi": float(v["hi"])} if isinstance(v, dict) else float(v)
            for v in fitted.pyreadstat()]


def _plain_format(extent: Extent) -> str:
    """The SPSS format of a numeric column the questionnaire does not describe: whole numbers without decimals."""
    w = extent.width
    if extent.finite and extent.whole:
        return f"F{max(w, 1)}.0"
    return f"F{max(w + 3, 8)}.2"


def _long_strings(s: pd.Series, name: str, path: Path, warnings: list[Problem]) -> None:
    chars = s.str.len()
    if not len(chars) or not chars.max() * 4 > SPSS_MAX_STRING:  # UTF-8 is at most 4 bytes per character
        return
    lengths = s.dropna().map(lambda v: len(str(v).encode("utf-8")))
    if len(lengths) and int(lengths.max()) > SPSS_MAX_STRING:
        warnings.append(Problem(f"'{name}' holds text longer than SPSS's {SPSS_MAX_STRING} bytes",
                                "long-string", "warning", Location(file=str(path), variable=name)))


def _fit(text: str, limits: Limits, warnings: list[Problem], variable: str) -> str:
    short = shorten(text, limits.variable_label, limits.unit)
    if short != text:
        warnings.append(Problem(f"variable label longer than {limits.variable_label} {limits.unit}, shortened: "
                                f"'{text}' → '{short}'", "label-shortened", "warning", Location(variable=variable)))
    return short


def safe_names(columns: list[str], target: str, path: Path, warnings: list[Problem]) -> dict[str, str]:
    """Names SPSS/Stata accept, by the one rule of every .sav/.dta writer: a name that is valid keeps it (the first
    of names equal but for case); any other column is renamed (see :func:`_sanitize`) to a name no column has, with
    a warning."""
    def valid(c: str) -> bool:
        return name_problem(c) is None or (target == "sav" and spss_accepts(c))

    out: dict[str, str] = {}
    taken: set[str] = set()
    for c in columns:  # valid names first, so a renamed column never takes the name of one that was valid
        if valid(c) and c.lower() not in taken:
            out[c] = c
            taken.add(c.lower())
    for c in columns:
        if c in out:
            continue
        name = _free(_sanitize(c), taken)
        warnings.append(Problem(f"column '{c}' is not a valid {target.upper()} variable name; written as "
                                f"'{name}'", "renamed", "warning", Location(file=str(path), variable=c)))
        taken.add(name.lower())
        out[c] = name
    return {c: out[c] for c in columns}


def _sanitize(name: str) -> str:
    s = re.sub(r"[^A-Za-z0-9_]", "_", name).strip("_") or "v"
    if not s[0].isalpha():
        s = "v" + s
    s = s[:28]
    return s if name_problem(s) is None else f"v_{s}"[:28]


def _free(name: str, taken: set[str]) -> str:
    low = {t.lower() for t in taken}
    if name.lower() not in low:
        return name
    i = 2
    while f"{name}{i}".lower() in low:
        i += 1
    return f"{name}{i}"


# ------------------------------------------------------------------------------------------------------- writers


def _write_sav(p: _Prepared, path: Path) -> None:
    from .sav_file import write_sav

    def writer(tmp: Path) -> None:
        if write_sav(p.frame, tmp, column_labels=p.labels, value_labels=p.value_labels, missing=p.missing,
                     measure=p.measure, formats=p.formats):
            return
        import pyreadstat  # text longer than 255 bytes: pyreadstat writes SPSS's very long string segments

        pyreadstat.write_sav(p.frame, str(tmp), column_labels=p.labels, variable_value_labels=p.value_labels,
                             missing_ranges=p.missing, variable_measure=p.measure, variable_format=p.formats)

    _guarded(writer, path)


STATA_MAX_DOUBLE = 8.988465674311579e307
"""Largest double Stata stores; larger magnitudes are its missing values (Stata manual, [D] data types)."""


def refuse_unstorable_in_stata(frame: pd.DataFrame, path: Path) -> None:
    """A located error (row and column) for the first number Stata cannot store, before anything is written."""
    for col in frame.columns:
        s = frame[col]
        if not pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
            continue
        v = s.to_numpy(dtype=float, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            bad = np.abs(v) > STATA_MAX_DOUBLE
        if bad.any():
            i = int(np.argmax(bad))
            raise SurveyError(f"{v[i]:g} cannot be stored in a Stata file (the largest number Stata keeps is about "
                              "8.99e307; larger ones would become missing); correct the value or export .sav/.csv",
                              location=Location(file=str(path), row=i + 1, variable=str(col)), rule="stata-range")


def _write_dta(p: _Prepared, path: Path) -> None:
    from .dta_file import write_dta

    refuse_unstorable_in_stata(p.frame, path)

    def writer(tmp: Path) -> None:
        if write_dta(p.frame, tmp, column_labels=p.labels, value_labels=p.value_labels, formats=p.formats,
                     letters=p.letters):
            return
        from .dta_labelsets import write_dta_pyreadstat  # strL text, non-integer labelled codes

        write_dta_pyreadstat(_with_letters(p.frame, p.letters), tmp, column_labels=p.labels,
                             value_labels=p.value_labels, missing=p.missing, formats=p.formats)

    _guarded(writer, path)


def _write_csv(p: _Prepared, path: Path) -> None:
    frame = p.frame.copy()
    for c in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[c]):
            frame[c] = frame[c].dt.strftime("%Y-%m-%d")
        elif frame[c].dtype.kind == "f":  # every digit: whole numbers as integers, others as their shortest repr
            arr = frame[c].to_numpy()
            finite = arr[np.isfinite(arr)]
            if finite.size and np.all(np.mod(finite, 1) == 0) and np.all(np.abs(finite) < 2**63) \
                    and np.isfinite(arr).sum() == (~np.isnan(arr)).sum():
                frame[c] = frame[c].astype("Int64")
    _guarded(lambda tmp: frame.to_csv(tmp, index=False, encoding="utf-8"), path)


def _write_xlsx(p: _Prepared, path: Path) -> None:
    if len(p.frame) > 1_048_575:
        raise SurveyError(f"{len(p.frame)} rows do not fit in one Excel sheet (1,048,575); export csv or parquet",
                          rule="too-many-rows")
    variables = pd.DataFrame([{"variable": m.name, "label": m.label, "type": m.qtype, "kind": m.kind}
                              for m in p.metas.values()])
    codes = pd.DataFrame([{"variable": m.name, "code": k, "label": v,
                           "missing": m.missing.get(k, "")} for m in p.metas.values()
                          for k, v in m.value_labels.items()])

    def writer(tmp: Path) -> None:
        write_frames(tmp, {"data": p.frame, "variables": variables, "codes": codes})

    _guarded(writer, path)


def _write_parquet(p: _Prepared, path: Path) -> None:
    _guarded(lambda tmp: p.frame.to_parquet(tmp, index=False), path)


def _guarded(writer: Any, path: Path) -> None:
    """Atomic write; a writer failure becomes a located SurveyError and leaves no file behind."""
    try:
        write_with(path, writer)
    except (SurveyError, NotStreamable):  # NotStreamable: the blocks' writer hands over to the whole-file path
        raise
    except Exception as exc:
        raise SurveyError(f"writing {path} failed ({type(exc).__name__}: {exc}); nothing was written",
                          location=Location(file=str(path)), rule="write-failed") from exc


_WRITERS = {"sav": _write_sav, "dta": _write_dta, "csv": _write_csv, "xlsx": _write_xlsx,
            "parquet": _write_parquet}


# ---------------------------------------------------------------------------------------------- .sps / .do files


def unknown_widths(ds: Dataset) -> dict[str, dict[str, int]]:
    """By level, the width the .sps gives each column the questionnaire does not know: 0 for numbers, else the
    longest text in characters."""
    def width(s: pd.Series) -> int:
        if pd.api.types.is_numeric_dtype(s):
            return 0
        longest = s.astype("string").str.len().max()
        return int(longest) if pd.notna(longest) and longest else 1

    return {level: {c: width(frame[c]) for c in ds.unknown.get(level, []) if c in frame.columns}
            for level, frame in ds.frames.items()}


def _csv_layouts(qn: Questionnaire, sources: dict[str, str], widths: dict[str, dict[str, int]],
                 renamed: dict[str, str]) -> dict[str, Any] | None:
    """The real CSV files read (name and columns in order, by roster name), when every level came from a CSV file,
    so the .sps reads exactly these files (extra columns such as design weights included); *widths* are the
    unknown columns' (:func:`unknown_widths`)."""
    from ..instruments.spss import FileLayout

    groups = levels(qn)
    out: dict[str, Any] = {}
    for level, own in widths.items():
        src = Path(str(sources.get(level, "")))
        if src.suffix.lower() != ".csv" or level not in groups:
            return None
        group = groups[level]
        extra = {renamed.get(c, c): w for c, w in own.items()}
        try:
            with src.open(encoding="utf-8-sig", newline="") as fh:  # the .sps reads UTF-8, comma-separated
                header = next(csv.reader(fh), [])
        except (OSError, UnicodeDecodeError, StopIteration):
            return None
        columns = tuple(renamed.get(c.strip(), c.strip()) for c in header)
        out["" if group is None else group.name] = FileLayout(str(src.resolve()), columns, extra)
    return out


def _syntax(qn: Questionnaire, dd: DataDictionary, out: Path, target: str, lang: str | None,
            warnings: list[Problem], renamed: dict[str, str] | None = None,
            sources: dict[str, str] | None = None, widths: dict[str, dict[str, int]] | None = None) -> list[Path]:
    """Write the .sps/.do of the instruments builder next to the data (it documents and rebuilds the labels);
    the .sps reads the CSV files the data was read from (*sources* by level), as they are."""
    ext = "sps" if target == "sav" else "do"
    try:
        if target == "sav":
            from ..instruments.spss import build_spss

            layouts = _csv_layouts(qn, sources, widths, renamed or {}) if sources and widths is not None else None
            built = build_spss(qn, lang, layouts=layouts)
        else:
            from ..instruments.stata import build_stata

            built = build_stata(qn)
    except ImportError:
        warnings.append(Problem(f"the .{ext} syntax builder is not available; only the data files were written",
                                "no-syntax", "info", Location(file=str(out))))
        return []
    path = out.with_suffix(f".{ext}")
    text = built.text
    if renamed:  # columns the format refused, e.g. Kobo's _uuid: one line each, as the warnings said
        end = "." if target == "sav" else ""
        note = [f"* Data columns renamed for {target.upper()} by one rule: characters other than letters, digits and "
                f"'_' become '_', leading and trailing '_' are dropped, 'v' goes before a name that does not start "
                f"with a letter, names are cut to 28 characters and numbered 2, 3 ... if taken{end}"]
        comment = spss_comment if target == "sav" else stata_comment  # the one comment rule of each language
        note += [f"*   {comment(old)} -> {new}{end}" for old, new in renamed.items()]
        head, sep, rest = text.partition("\n\n")
        text = head + "\n" + "\n".join(note) + sep + rest
    write_with(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return [path]


def label_size(text: str, limits: Limits) -> int:
    """Size of a label in the unit of *limits* (bytes for SPSS, characters for Stata)."""
    return text_size(text, limits.unit)
