"""Read field data (ODK Central / Kobo CSV or XLSX, SPSS, Stata, Parquet, plain CSV) into one frame per level.

Column names lose their group prefixes (``grp/q1``, ``grp-q1``), split select_multiple columns (``q/choice``)
become the dummies ``q_<code>`` and the raw space-separated column is rebuilt (or the dummies are derived from it),
labels and choice names are mapped back to codes, and repeat sheets/files are linked to their parent through
``PARENT_KEY``/``KEY`` (ODK Central) or ``_parent_index``/``_index`` (Kobo). Nothing is dropped: values that do not
fit their question are kept as they were (the checker flags them) and unknown columns pass through.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import sys
import zipfile
from collections.abc import Callable, Generator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..atomic import note_input
from ..errors import Location, Problem, SurveyError
from ..limits import check_columns, check_sheets, check_zip, regular_file
from . import multi
from .encoding import detect_encoding, first_undecodable_line, mixed_encoding, sniff_delimiter
from .levels import TOP_LEVEL, choice_codes, level_keys, level_of_roster, levels, parent_level
from .meta import Metadata, from_questionnaire, from_stat_file, merged

if TYPE_CHECKING:  # the questionnaire machinery is imported only when a questionnaire is given
    from ..instruments.labels import DataDictionary, VariableMeta
    from ..questionnaire.model import Question, Questionnaire

SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls", ".sav", ".zsav", ".dta", ".parquet", ".pq"}
CHUNK_BYTES = 64 * 1024 * 1024
"""CSV files smaller than this are read into memory first; larger ones are read from disk (and, on the careful
pandas path, in chunks with a progress bar)."""
IN_MEMORY_BYTES = 8 * 1024 * 1024
"""CSV files smaller than this are read into memory before parsing; pyarrow reads larger ones from disk."""
ARROW_BLOCK = 1 << 22
"""Bytes of CSV pyarrow parses at a time: 4 MB blocks keep both cores busy on a 40 MB file."""
STREAM_BYTES = 256 * 1024 * 1024
"""From this size a CSV is read block by block, with a progress bar (about the frame's memory once, a little
slower), instead of by pyarrow's whole-file reader (faster, about twice the frame's memory while it reads)."""

_SYSTEM_EXACT = {
    "key", "parent_key", "submissiondate", "submitterid", "submittername", "attachmentspresent",
    "attachmentsexpected", "status", "reviewstate", "deviceid", "edits", "formversion", "instanceid", "start",
    "end", "today", "username", "simserial", "subscriberid", "phonenumber", "audit", "instancename",
}


def is_system_column(name: str) -> bool:
    """True for export bookkeeping columns (ODK Central KEY/SubmissionDate, Kobo _index/_uuid, meta/…)."""
    low = name.strip().lower()
    last = re.split(r"[/\-]", low)[-1]
    return low.startswith("_") or low.startswith("meta") or low in _SYSTEM_EXACT or last in _SYSTEM_EXACT \
        or low.startswith("formhub")


@dataclass
class Dataset:
    """Field data: one frame per level ('main' plus one per roster), linked by key columns.

    ``problems`` holds what reading noticed (encoding guessed, labels mapped, truncated file, unknown columns);
    ``unknown`` lists per level the columns the questionnaire does not know (kept in the frames).
    """

    frames: dict[str, pd.DataFrame]
    questionnaire: Questionnaire | None = None
    sources: dict[str, str] = field(default_factory=dict)
    unknown: dict[str, list[str]] = field(default_factory=dict)
    system: dict[str, list[str]] = field(default_factory=dict)
    renamed: dict[str, dict[str, str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    inputs: list[Path] = field(default_factory=list)
    meta: Metadata = field(default_factory=Metadata)
    """Labels and missing codes (questionnaire, the file's own metadata, or --missing); see ``data.meta``."""

    @property
    def main(self) -> pd.DataFrame:
        """The top-level frame."""
        return self.frames[TOP_LEVEL]

    def level(self, name: str | None = None) -> pd.DataFrame:
        """The frame of level *name* (the top level by default); an unknown level is a located error."""
        name = name or TOP_LEVEL
        if name not in self.frames:
            raise SurveyError(f"the data has no level '{name}' (levels: {', '.join(self.frames)})",
                              rule="data-level")
        return self.frames[name]

    def valid(self, columns: list[str], level: str | None = None) -> pd.DataFrame:
        """The frame of *level* with the missing codes of *columns* as NaN (the data itself is unchanged)."""
        return self.meta.valid(self.level(level), columns)

    def with_frame(self, frame: pd.DataFrame, level: str | None = None) -> Dataset:
        """A copy whose *level* frame is replaced (e.g. by the weighted data), metadata kept."""
        return replace(self, frames={**self.frames, (level or TOP_LEVEL): frame})

    def declare_missing(self, codes: list[float]) -> Dataset:
        """A copy in which *codes* are missing in every numeric column (``--missing 77,88,99``)."""
        cols = [c for f in self.frames.values() for c in f.columns if pd.api.types.is_numeric_dtype(f[c].dtype)
                or f[c].dtype == object]
        return replace(self, meta=self.meta.with_missing(codes, cols))

    def keys(self, level: str) -> list[str]:
        """Key columns of *level* (respondent id, then roster line numbers)."""
        if self.questionnaire is None:
            return []
        return level_keys(self.questionnaire, level)

    def __repr__(self) -> str:
        shapes = ", ".join(f"{k}: {len(v)}×{v.shape[1]}" for k, v in self.frames.items())
        return f"Dataset({shapes})"


@dataclass
class _Raw:
    """One table as found in the input, before it is assigned to a level."""

    frame: pd.DataFrame
    source: str
    hint: str | None
    text_file: Path | None = None
    problems: list[Problem] = field(default_factory=list)


# ------------------------------------------------------------------------------------------------ entry point


def read(path: str | Path, questionnaire: Questionnaire | str | Path | None = None, *, encoding: str | None = None,
         sheet: str | None = None, progress: bool | None = None, chunk_bytes: int = CHUNK_BYTES,
         lang: str | None = None, keep: Callable[[str], bool] | None = None) -> Dataset:
    """Read *path* (file, directory or .zip) into a :class:`Dataset`, using *questionnaire* to name and type columns.

    Roster tables are the other sheets of a workbook, the other files of a directory/zip, or sibling files named
    ``<stem>-<roster>`` / ``<stem>_<roster>`` (roster name or level). ``encoding`` overrides detection for text
    files; ``sheet`` reads a single sheet as the top level; ``progress`` forces the progress bar on or off.
    ``keep`` reads just the columns it accepts from CSV and Parquet files, so an analysis of a few columns of a
    wide file holds only those in memory; with a questionnaire it leaves out only the questionnaire's own
    variables it does not accept (under their exact names), never the keys that link the levels nor a
    select_multiple whose dummies it accepts.
    """
    path = Path(path)
    if not path.exists():
        raise SurveyError(f"data file not found: {path}", location=Location(file=str(path)), rule="file-not-found")
    qn = _questionnaire(questionnaire)
    if progress is None:
        progress = sys.stderr.isatty()
    if keep is not None and qn is not None:
        keep = _questionnaire_keep(qn, keep)
    raws = _sources(path, qn, encoding=encoding, sheet=sheet, progress=progress, chunk_bytes=chunk_bytes,
                    keep=keep)
    _release_arrow_memory()
    _refuse_parts(raws, path)
    ds = Dataset(frames={}, questionnaire=qn, inputs=_input_files(path, raws))
    for f in ds.inputs:
        note_input(f)
    if qn is None:
        for i, raw in enumerate(raws):
            name = TOP_LEVEL if i == 0 else (raw.hint or re.split(r"[#/\\]", raw.source)[-1].rsplit(".", 1)[0])
            ds.frames[name] = raw.frame
            ds.sources[name] = raw.source
            ds.problems += raw.problems
            stat = raw.frame.attrs.get("stat_meta")
            if i == 0 and stat is not None:
                ds.meta = from_stat_file(stat, raw.source)
        return ds
    ds.meta = from_questionnaire(qn, lang)
    stat = next((r.frame.attrs["stat_meta"] for r in raws if r.frame.attrs.get("stat_meta") is not None), None)
    if stat is not None:  # a labelled file keeps its own missing values under the questionnaire's
        ds.meta = merged(ds.meta, from_stat_file(stat, raws[0].source))
    from ..instruments.labels import data_dictionary

    dd = data_dictionary(qn, lang)
    _assemble(ds, raws, qn, dd)
    _link(ds, qn)
    order = [lv for lv in levels(qn) if lv in ds.frames] + [lv for lv in ds.frames if lv not in levels(qn)]
    ds.frames = {lv: ds.frames[lv] for lv in order}
    return ds


def _refuse_parts(raws: list[_Raw], path: Path) -> None:
    """Two tables of a zip, folder or workbook with the same columns are parts of one table (an export split in
    two), not a table and its roster: one would be read as the data and the other set aside, so that is refused,
    naming both."""
    seen: dict[tuple[str, ...], _Raw] = {}
    for raw in raws:
        cols = tuple(str(c) for c in raw.frame.columns)
        first = seen.setdefault(cols, raw)
        if first is not raw and (first.hint == raw.hint or None in (first.hint, raw.hint)):
            raise SurveyError(
                f"{path} holds two tables with the same columns, {first.source} and {raw.source}: parts of one "
                "table? surveymod reads one table per level and would use only the first; put the rows in one "
                "file (or give the one part you mean)", location=Location(file=raw.source), rule="split-table")


def _release_arrow_memory() -> None:
    """Give back what Arrow's allocator kept of the reading's temporaries (some 500 MB at ten million rows): the
    frames' own columns stay, the rest would be held for the whole command."""
    pa = sys.modules.get("pyarrow")
    if pa is not None:
        pa.default_memory_pool().release_unused()


def _questionnaire(q: Questionnaire | str | Path | None) -> Questionnaire | None:
    if q is None:
        return None
    if isinstance(q, str | os.PathLike):
        from ..questionnaire import load_valid

        return load_valid(q)
    from ..questionnaire.model import Questionnaire

    if not isinstance(q, Questionnaire):
        raise TypeError(f"questionnaire must be a Questionnaire or a path, not {type(q).__name__}")
    return q


def _questionnaire_keep(qn: Questionnaire, keep: Callable[[str], bool]) -> Callable[[str], bool]:
    """*keep* for a read with a questionnaire: leave out only the questionnaire's own variables (exact names) that
    nothing wanted depends on; the keys that link the levels always stay, and a select_multiple stays when one of
    its dummies is wanted (the dummies are made from it)."""
    from ..questionnaire.names import dummy_name

    keys = {k for lv in levels(qn) for k in level_keys(qn, lv)}
    unwanted = set()
    for q in qn.questions():
        if keep(q.name) or q.name in keys:
            continue
        if q.type == "select_multiple" and any(keep(dummy_name(q.name, c.code)) for c in qn.choice_list(q)):
            continue
        unwanted.add(q.name)
    return lambda c: c not in unwanted


def _input_files(path: Path, raws: list[_Raw]) -> list[Path]:
    files = {path.resolve()}
    for r in raws:
        if r.text_file is not None:
            files.add(r.text_file.resolve())
        src = Path(r.source.split("#")[0])
        if src.exists():
            files.add(src.resolve())
    return sorted(files)


# ------------------------------------------------------------------------------------------------ locating tables


def _roster_names(qn: Questionnaire | None) -> dict[str, str]:
    """Lower-case roster name or level → level name."""
    if qn is None:
        return {}
    out: dict[str, str] = {}
    for lvl, g in levels(qn).items():
        if g is not None:
            out[g.name.lower()] = lvl
            out[lvl.lower()] = lvl
    return out


def _sources(path: Path, qn: Questionnaire | None, **kw: Any) -> list[_Raw]:
    names = _roster_names(qn)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in SUFFIXES and not p.name.startswith("."))
        if not files:
            raise SurveyError(f"{path}: no data files (.csv, .xlsx, .sav, .dta, .parquet) in this folder",
                              rule="no-data")
        return _order([r for f in files for r in _read_file(f, None, **kw)], names)
    if path.suffix.lower() == ".zip":
        return _order(_read_zip(path, **kw), names)
    raws = _read_file(path, None, **kw)
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        if kw.get("sheet") is not None:
            return raws
        if len(raws) > 1:
            return _order(raws, names)
    raws[0].hint = TOP_LEVEL
    for key, lvl in names.items():
        for sep in ("-", "_"):
            sib = path.with_name(f"{path.stem}{sep}{key}{path.suffix}")
            if sib.exists() and sib != path and all(Path(r.source) != sib for r in raws):
                for r in _read_file(sib, lvl, **kw):
                    raws.append(r)
    return raws


def _order(raws: list[_Raw], names: dict[str, str]) -> list[_Raw]:
    """Give each table a level hint from its sheet/file name; the first table without one is the top level."""
    for r in raws:
        if r.hint is None:
            stem = re.split(r"[#/\\]", r.source)[-1].rsplit(".", 1)[0].lower()
            for key, lvl in sorted(names.items(), key=lambda kv: -len(kv[0])):
                if stem == key or stem.endswith("-" + key) or stem.endswith("_" + key):
                    r.hint = lvl
                    break
    if not any(r.hint == TOP_LEVEL for r in raws):
        for r in raws:
            if r.hint is None:
                r.hint = TOP_LEVEL
                break
    return sorted(raws, key=lambda r: r.hint != TOP_LEVEL)


def _read_zip(path: Path, **kw: Any) -> list[_Raw]:
    out: list[_Raw] = []
    check_zip(regular_file(path, "data file"), str(path))
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            member = Path(info.filename)
            if info.is_dir() or member.suffix.lower() not in SUFFIXES or member.name.startswith("."):
                continue
            data = zf.read(info)
            out += _read_bytes(data, member.suffix.lower(), f"{path}#{info.filename}", **kw)
    if not out:
        raise SurveyError(f"{path}: the zip file holds no data files", rule="no-data")
    return out


def _read_file(path: Path, hint: str | None, **kw: Any) -> list[_Raw]:
    regular_file(path, "data file")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        size = path.stat().st_size
        # a small file is read into memory; pyarrow reads a larger one itself, which spares a copy
        raw = _read_text(path.read_bytes() if size < min(kw["chunk_bytes"], IN_MEMORY_BYTES) else path, str(path),
                         **kw)
        raw.hint, raw.text_file = hint, path
        return [raw]
    rs = _read_bytes(path, suffix, str(path), **kw)
    for r in rs:
        r.hint = r.hint or hint
    return rs


def _read_bytes(data: bytes | Path, suffix: str, source: str, *, encoding: str | None = None,
                sheet: str | None = None, progress: bool = False, chunk_bytes: int = CHUNK_BYTES,
                keep: Callable[[str], bool] | None = None) -> list[_Raw]:
    """Read one table-holding file (given as bytes or a path) into raw tables."""
    if suffix in (".csv", ".txt", ".tsv"):
        return [_read_text(data, source, encoding=encoding, progress=progress, chunk_bytes=chunk_bytes, keep=keep)]
    if isinstance(data, bytes) and len(data) == 0 or isinstance(data, Path) and data.stat().st_size == 0:
        raise SurveyError(f"{source} is empty (0 bytes): the export did not finish or the wrong file was given",
                          location=Location(file=source), rule="empty-file")
    src: Any = io.BytesIO(data) if isinstance(data, bytes) else data
    try:
        if suffix in (".xlsx", ".xlsm", ".xls"):
            if suffix != ".xls":
                check_sheets(src, source)
            return _read_excel(src, source, sheet)
        if suffix in (".sav", ".zsav"):
            return [_read_stat(src, source, "sav")]
        if suffix == ".dta":
            return [_read_stat(src, source, "dta")]
        if suffix in (".parquet", ".pq"):
            columns = None
            if keep is not None:
                import pyarrow.parquet as pq

                columns = [c for c in pq.read_schema(src).names if keep(c)]
            else:
                import pyarrow.parquet as pq

                check_columns(len(pq.read_schema(src).names), source)
            return [_Raw(pd.read_parquet(src, columns=columns), source, None)]
    except SurveyError:
        raise
    except Exception as exc:  # a damaged binary file: say which and why
        raise SurveyError(f"{source} could not be read as {suffix} ({type(exc).__name__}: {exc}); is the file "
                          "complete?", location=Location(file=source), rule="unreadable-file") from exc
    raise SurveyError(f"{source}: unsupported file type '{suffix}' (use .csv, .xlsx, .sav, .dta or .parquet)",
                      location=Location(file=source), rule="unsupported-format")


def _formulas_without_values(src: Any) -> list[tuple[str, str, str]]:
    """(sheet, cell, formula) of every formula cell an .xlsx holds without a saved result (written by a program
    that does not calculate): a reader sees it empty. Scans the sheets' XML; other files give []."""
    import html

    try:
        zf = zipfile.ZipFile(src)
    except (zipfile.BadZipFile, OSError, ValueError):
        return []
    found = []
    with zf:
        try:
            book = zf.read("xl/workbook.xml").decode("utf-8", "replace")
            rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
        except KeyError:
            return []
        target = {m[0]: m[1] for m in re.findall(r'<Relationship[^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"', rels)}
        target |= {m[1]: m[0] for m in re.findall(r'<Relationship[^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)}
        for name, rid in re.findall(r'<sheet [^>]*?name="([^"]*)"[^>]*?r:id="([^"]+)"', book):
            part = target.get(rid, "").lstrip("/")
            part = part if part.startswith("xl/") else f"xl/{part}"
            try:
                raw = zf.read(part)
            except KeyError:
                continue
            if b"<f" not in raw:  # no formula at all (every export): nothing to look at
                continue
            xml = raw.decode("utf-8", "replace")
            for cell in re.finditer(r'<c\b([^>]*)>(.*?)</c>', xml, flags=re.S):
                body = cell.group(2)
                text_result = re.search(r'\bt="(?:str|inlineStr)"', cell.group(1)) and "<v" in body  # "" cached
                if "<f" in body and not re.search(r"<v>[^<]+</v>", body) and not text_result:
                    ref = re.search(r'\br="([A-Z]+[0-9]+)"', cell.group(1))
                    formula = re.search(r"<f[^>]*>(.*?)</f>", body, flags=re.S)
                    found.append((html.unescape(name), ref.group(1) if ref else "?",
                                  html.unescape(formula.group(1)) if formula else "(shared formula)"))
    if hasattr(src, "seek"):
        src.seek(0)
    return found


def _read_excel(src: Any, source: str, sheet: str | None) -> list[_Raw]:
    blank = _formulas_without_values(src)
    if blank:
        problems = [Problem(f"cell {cell} holds the formula ={formula} but no saved result, so it would read as "
                            "empty; open the workbook in Excel or LibreOffice and save it (that stores the results),"
                            " or export the data as CSV", "formula-without-value",
                            location=Location(file=f"{source}#{name}"))
                    for name, cell, formula in blank[:20]]
        raise SurveyError(problems)
    book = pd.read_excel(src, sheet_name=sheet if sheet is not None else None, dtype=object, engine=None,
                         header=None)
    if isinstance(book, pd.DataFrame):
        return [_Raw(_clean_object_frame(_with_header(book, f"{source}#{sheet}")), f"{source}#{sheet}", TOP_LEVEL)]
    book = {name: _with_header(frame, f"{source}#{name}") for name, frame in book.items()}
    if set(book) == {"data", "variables", "codes"}:  # our own export: the other two sheets are documentation
        book = {"data": book["data"]}
    out = []
    for name, frame in book.items():
        if frame.shape[1] == 0:
            continue
        out.append(_Raw(_clean_object_frame(frame), f"{source}#{name}", None))
    if not out:
        raise SurveyError(f"{source}: every sheet is empty", location=Location(file=source), rule="empty-file")
    return out


def _with_header(raw: pd.DataFrame, source: str) -> pd.DataFrame:
    """The sheet's first row as column names, refusing duplicates (read_excel would rename them silently)."""
    if raw.empty:
        return pd.DataFrame()
    names = [f"Unnamed: {i}" if pd.isna(v) else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
             for i, v in enumerate(raw.iloc[0])]
    refuse_duplicate_names(names, source)
    frame = raw.iloc[1:].reset_index(drop=True)
    frame.columns = names
    return frame


def _clean_object_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Column names as text; numeric columns of a workbook become numbers where every cell is one."""
    frame.columns = [str(c) for c in frame.columns]
    for c in frame.columns:
        col = frame[c]
        if col.dtype == object:
            num = pd.to_numeric(col, errors="coerce")
            if num.notna().sum() == col.notna().sum() and not col.map(lambda v: isinstance(v, str)).any():
                frame[c] = num
    return frame


def _read_stat(src: Any, source: str, kind: str) -> _Raw:
    import pyreadstat

    path = src if isinstance(src, Path) else None
    if path is None:  # pyreadstat needs a path
        import tempfile

        with tempfile.NamedTemporaryFile(suffix=f".{kind}", delete=False) as fh:
            fh.write(src.getvalue())
            path = Path(fh.name)
    try:
        if kind == "sav":
            frame, meta = pyreadstat.read_sav(str(path), user_missing=True, apply_value_formats=False)
        else:
            frame, meta = pyreadstat.read_dta(str(path), user_missing=True, apply_value_formats=False)
    finally:
        if not isinstance(src, Path):
            path.unlink()
    raw = _Raw(frame, source, None)
    raw.frame.attrs["stat_meta"] = meta
    return raw


# ------------------------------------------------------------------------------------------------------ text files


def _read_text(data: bytes | Path, source: str, *, encoding: str | None = None, progress: bool = False,
               chunk_bytes: int = CHUNK_BYTES, keep: Callable[[str], bool] | None = None, **_: Any) -> _Raw:
    """Read a delimited text file: detect encoding and delimiter, keep text as text, flag a truncated end."""
    head = data[: 1 << 20] if isinstance(data, bytes) else _head(data)
    size = len(data) if isinstance(data, bytes) else data.stat().st_size
    problems: list[Problem] = []
    if size == 0 or not head.strip():
        raise SurveyError(f"{source} is empty (0 bytes): the export did not finish or the wrong file was given",
                          location=Location(file=source), rule="empty-file")
    if b"\x00" in head and not (encoding or "").lower().startswith("utf-16") \
            and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        at = head.index(b"\x00")
        line = head.count(b"\n", 0, at) + 1
        raise SurveyError(f"{source} is not a text export: it contains NUL bytes (first at byte {at}); give the "
                          "CSV/XLSX/SAV/DTA file the server exported", location=Location(file=source, line=line),
                          rule="binary-file")
    enc, note = (encoding, None) if encoding else detect_encoding(head, complete=size <= len(head))
    if note and not encoding and enc.startswith("cp"):
        mixed = mixed_encoding(data if isinstance(data, bytes) else data.read_bytes())
        if mixed:
            raise SurveyError(f"{source} mixes text encodings: line {mixed[0]} is UTF-8 but line {mixed[1]} is "
                              "not; re-export the file, or convert it to UTF-8 consistently, and read it again",
                              location=Location(file=source, line=mixed[1]), rule="encoding")
    if note:
        problems.append(Problem(f"{note}; pass --encoding to choose another", "encoding", "info",
                                Location(file=source)))
    try:
        first_line = head.decode(enc, errors="replace").splitlines()[0]
    except LookupError as exc:
        raise SurveyError(f"unknown text encoding '{enc}'", rule="encoding") from exc
    sep = sniff_delimiter(first_line)
    refuse_duplicate_names(next(csv.reader([first_line], delimiter=sep), []), source)
    tail = data[-4:] if isinstance(data, bytes) else _tail(data)
    no_newline = not tail.endswith(_newline(enc, head))
    truncated = ""
    opts: dict[str, Any] = dict(sep=sep, encoding=enc, dtype=str, keep_default_na=False, na_values=[""],
                                skipinitialspace=False, low_memory=False)
    numeric_guess = _numeric_guess(head, enc, sep, keep)
    if keep is not None:
        opts["usecols"] = lambda c: keep(str(c))
    opts["dtype"] = {c: (None if ok else str) for c, ok in numeric_guess.items()}
    # R writes missing numbers as NA: missing in a column of numbers, but a text answer "NA" stays text
    opts["na_values"] = {c: (["", "NA"] if ok else [""]) for c, ok in numeric_guess.items()}
    opts["dtype"] = {c: t for c, t in opts["dtype"].items() if t is not None}
    try:
        frame = None if no_newline else _arrow_parse(
            data, enc, sep, numeric_guess, progress=progress and size >= chunk_bytes,
            line_bytes=len(head) / max(1, head.count(b"\n")))
        if frame is None:  # a file pyarrow cannot take as it is: the located checks and pandas' parser
            last_short = _refuse_ragged_rows(data, enc, sep, source, allow_short_last=no_newline)
            # a file without a final line break is cut off only if its last row is short; a complete last row
            # without the line break is an ordinary file
            truncated = "no final line break" if no_newline and last_short else ""
            frame = _parse(data, opts, progress, chunk_bytes, size, head)
    except UnicodeError as exc:  # UnicodeDecodeError, or e.g. "UTF-16 stream does not start with BOM"
        line = first_undecodable_line(data if isinstance(data, bytes) else data.read_bytes(), enc)
        raise SurveyError(f"{source} is not valid {enc} text (line {line} cannot be decoded); "
                          "pass --encoding (e.g. utf-8, cp1251, cp1250, latin-1)",
                          location=Location(file=source, line=line), rule="encoding") from exc
    except pd.errors.EmptyDataError as exc:
        raise SurveyError(f"{source} has no header row", location=Location(file=source), rule="empty-file") from exc
    except pd.errors.ParserError as exc:
        msg = str(exc)
        if "EOF inside string" in msg or "EOF" in msg:
            text = (data if isinstance(data, bytes) else data.read_bytes()) + b'"\n'
            frame = _parse(text, opts, False, chunk_bytes, size, head)
            truncated = "a quoted value is never closed"
        else:
            line = re.search(r"line (\d+)", msg)
            raise SurveyError(f"{source}: a row has more fields than the header ({msg}); no row was dropped — "
                              "fix the quoting or delimiter and read again",
                              location=Location(file=source, line=int(line.group(1)) if line else None),
                              rule="malformed-row") from exc
    frame = _exact_big_numbers(frame, data, opts)
    if truncated and len(frame):
        problems.append(Problem(
            f"the file ends in the middle of data row {len(frame)} ({truncated}): the export was probably "
            "cut off and this row may be incomplete", "truncated-file", "error",
            Location(file=source, row=len(frame))))
    return _Raw(frame, source, None, None, problems)


EXACT_LIMIT = 2**53
"""Whole numbers of this magnitude and above are not all exact as float64 (16-digit ids would lose digits)."""


def _exact_big_numbers(frame: pd.DataFrame, data: bytes | Path, opts: dict[str, Any]) -> pd.DataFrame:
    """Columns parsed as float64 that hold magnitudes of 2**53 or more (where float64 has lost digits) are read
    again as the text they were, so an id such as 9007199254740993 keeps every digit (``_exact_integers``)."""
    big = []
    for c in frame.columns:
        if frame[c].dtype.kind == "f":
            with np.errstate(invalid="ignore"):
                if (np.abs(frame[c].to_numpy()) >= EXACT_LIMIT).any():
                    big.append(c)
    if not big:
        return frame
    src: Any = io.BytesIO(data) if isinstance(data, bytes) else data
    text = pd.read_csv(src, **{**opts, "usecols": big, "dtype": str, "na_values": [""]})
    for c in big:
        given = text[c].dropna().str.strip()
        if given[given != ""].str.fullmatch(r"[+-]?\d+").all():  # whole numbers as written: keep every digit
            frame[c] = text[c].to_numpy(dtype=object)
        # else a decimal column (1e300, 12345678901234567.5): its float64 values are what the file says
    return frame


def _exact_integers(col: pd.Series) -> pd.Series | None:
    """*col* as exact nullable integers (Int64) when its values are whole numbers and some reach 2**53, where
    float64 would round them (ids and codes keep every digit); None for any other column."""
    if pd.api.types.is_integer_dtype(col.dtype):
        with np.errstate(invalid="ignore"):
            big = bool((col.abs() >= EXACT_LIMIT).any())
        return col.astype("Int64") if big else None
    if col.dtype != object and not pd.api.types.is_string_dtype(col.dtype):
        return None
    present = col.dropna().astype("str").str.strip()
    present = present[present != ""]
    if present.empty or not present.str.fullmatch(r"[+-]?\d{1,18}").all():
        return None
    ints = present.map(int)
    if not (ints.abs() >= EXACT_LIMIT).any():
        return None
    out = pd.Series(pd.array([None] * len(col), dtype="Int64"), index=col.index)
    out.loc[ints.index] = pd.array(ints.tolist(), dtype="Int64")
    return out


def _newline(enc: str, head: bytes) -> bytes:
    """A line break in the file's encoding (two bytes in UTF-16)."""
    low = enc.lower().replace("_", "-")
    if low.startswith("utf-8"):
        return b"\n"
    if low in ("utf-16", "utf16"):
        return "\n".encode("utf-16-be" if head.startswith(b"\xfe\xff") else "utf-16-le")
    try:
        return "\n".encode(enc)
    except LookupError:
        return b"\n"


MAX_RAGGED_LISTED = 20


def _arrow_parse(data: bytes | Path, enc: str, sep: str, numeric: dict[str, bool],
                 progress: bool = False, line_bytes: float = 1.0) -> pd.DataFrame | None:
    """The whole file parsed by pyarrow's multi-threaded reader, typed as the pandas path types it (columns of
    numbers as numbers, all others as text, "NA" missing only among numbers), or None when the file needs the
    careful path: not UTF-8, a row with a wrong number of fields, or a value that breaks a column's type."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    if enc.lower().replace("-", "").replace("_", "") not in ("utf8", "utf8sig") or not numeric:
        return None
    ragged: list[bool] = []
    wanted = list(numeric)

    def handler(_row: Any) -> str:
        ragged.append(True)
        return "skip"

    src: Any = io.BytesIO(data) if isinstance(data, bytes) else str(data)
    options = dict(  # without a quote character no value can hold a line break: blocks are then split in parallel
        read_options=pcsv.ReadOptions(block_size=ARROW_BLOCK),
        parse_options=pcsv.ParseOptions(delimiter=sep, newlines_in_values=_has_quote(data),
                                        invalid_row_handler=handler),
        convert_options=pcsv.ConvertOptions(
            include_columns=wanted,
            column_types={c: pa.string() for c, ok in numeric.items() if not ok},
            null_values=["", "NA"], strings_can_be_null=False, quoted_strings_can_be_null=False,
            true_values=[], false_values=[], timestamp_parsers=[]))
    frame: pd.DataFrame | None = None
    try:
        if isinstance(data, Path) and data.stat().st_size >= STREAM_BYTES:  # streamed, a block at a time
            frame = _arrow_stream(pcsv.open_csv(src, **options), data, progress, line_bytes)
        if frame is None:
            table = pcsv.read_csv(src, **options)
            if table.column_names != wanted or len(set(table.column_names)) != table.num_columns:
                return None
            empty = [c for c in table.column_names if pa.types.is_null(table.schema.field(c).type)]
            frame = table.to_pandas(split_blocks=True, self_destruct=True)  # hands the buffers over, no copy
            del table
            for c in empty:  # a column with no value at all: missing numbers, as pandas reads it
                frame[c] = np.full(len(frame), np.nan)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError, KeyError):
        return None
    if ragged or list(frame.columns) != wanted:
        return None
    for c, ok in numeric.items():
        if not ok:  # text columns: an empty field is missing, as pandas reads it
            col = frame[c]
            frame[c] = col.where(col != "", np.nan).astype("str")
        elif frame[c].dtype == object:
            return None
    return frame


class _Growing:
    """A numeric column filled block by block into one array sized from the file (no list of blocks to join):
    whole numbers stay int64 until a block has a gap, then the column turns float64 with NaN, as pandas reads
    it."""

    def __init__(self, capacity: int, dtype: Any) -> None:
        self.values = np.empty(capacity, dtype=dtype)
        self.n = 0

    def add(self, block: np.ndarray) -> None:
        end = self.n + len(block)
        if block.dtype.kind == "f" and self.values.dtype.kind != "f":
            self.values = self.values.astype("float64")
        if end > len(self.values):  # the estimate of the rows fell short: grow by a quarter
            grown = np.empty(max(end, len(self.values) * 5 // 4), dtype=self.values.dtype)
            grown[:self.n] = self.values[:self.n]
            self.values = grown
        self.values[self.n:end] = block
        self.n = end


def _arrow_stream(reader: Any, path: Path, progress: bool, line_bytes: float) -> pd.DataFrame | None:
    """The blocks of pyarrow's streaming CSV reader as one frame: each block's numbers are copied into arrays
    sized from the file as the block arrives and the block is dropped, so memory holds about the frame once
    (pyarrow's whole-file reader held it about twice over). None when a later block breaks a type the first
    block set (the whole-file reader, which looks at every block, takes over)."""
    import pyarrow as pa

    schema = reader.schema
    numeric = {f.name for f in schema if pa.types.is_integer(f.type) or pa.types.is_floating(f.type)}
    if any(not (f.name in numeric or pa.types.is_null(f.type) or pa.types.is_string(f.type)
                or pa.types.is_large_string(f.type)) for f in schema):
        return None
    size = path.stat().st_size
    capacity = int(size / max(line_bytes, 1.0) * 1.02) + 1024
    grown: dict[str, _Growing] = {}
    texts: dict[str, list[Any]] = {f.name: [] for f in schema if f.name not in numeric}
    rows = 0
    try:
        with contextlib.ExitStack() as stack:
            stack.enter_context(reader)
            bar = None
            if progress:
                import click

                bar = stack.enter_context(click.progressbar(length=size, file=sys.stderr,
                                                            label=f"reading {path.name}"))
            ahead = stack.enter_context(contextlib.closing(_read_ahead(reader)))  # stopped before the reader closes
            for batch in ahead:
                for f, arr in zip(schema, batch.columns, strict=True):
                    if f.name in numeric:  # integers with gaps come out as floats with NaN
                        block = arr.to_numpy(zero_copy_only=False)
                        if f.name not in grown:
                            grown[f.name] = _Growing(capacity, block.dtype)
                        grown[f.name].add(block)
                    else:
                        texts[f.name].append(arr)
                rows += batch.num_rows
                if bar is not None:
                    bar.update(int(batch.num_rows * line_bytes))
    except pa.ArrowInvalid:
        return None
    if not rows:
        return None
    columns: dict[str, Any] = {}
    for f in schema:  # the first block fixes every type: a later block that breaks one raised above
        if f.name in numeric:
            columns[f.name] = grown.pop(f.name).values[:rows]
        elif pa.types.is_null(f.type):  # no value in the whole column: missing numbers
            columns[f.name] = np.full(rows, np.nan)
        else:
            columns[f.name] = pa.chunked_array(texts.pop(f.name), type=f.type).to_pandas()
    return pd.DataFrame(columns, copy=False)


def _read_ahead(batches: Any, depth: int = 4) -> Generator[Any, None, None]:
    """The items of *batches*, the next ones parsed on a second thread while the caller works on this one (pyarrow
    parses a streamed CSV on one core, and lets go of the interpreter lock while it does). At most *depth* items
    wait; an error of the parser is raised here, in order."""
    import queue
    import threading

    waiting: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def parse() -> None:
        try:
            for item in batches:
                while not stop.is_set():
                    try:
                        waiting.put((True, item), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            waiting.put((False, None))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            waiting.put((False, exc))

    worker = threading.Thread(target=parse, name="surveymod-csv-read-ahead", daemon=True)
    worker.start()
    try:
        while True:
            more, item = waiting.get()
            if not more:
                if item is not None:
                    raise item
                return
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # let the parser see the stop (it may wait on a full queue)
            try:
                waiting.get_nowait()
            except queue.Empty:
                worker.join(0.05)


def _has_quote(data: bytes | Path) -> bool:
    """Whether the file holds a double quote anywhere (memory-mapped search, no copy)."""
    if isinstance(data, bytes):
        return b'"' in data
    import mmap

    with open(data, "rb") as fh:
        if fh.seek(0, 2) == 0:
            return False
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as m:
            return m.find(b'"') >= 0


def _refuse_ragged_rows(data: bytes | Path, enc: str, sep: str, source: str, allow_short_last: bool) -> bool:
    """A located error for data rows with fewer or more fields than the header.

    pandas pads a short row with empty values, which would silently invent answers; a truncated last row (the
    file ends without a line break) is left to the truncated-file report instead.
    """
    import pyarrow as pa
    import pyarrow.csv as pcsv

    bad: list[tuple[int, int, int]] = []
    unclosed: list[bool] = []

    def handler(row: Any) -> str:
        bad.append((row.number, row.expected_columns, row.actual_columns))
        unclosed.append(row.text.count('"') % 2 == 1)
        return "skip"

    src: Any = io.BytesIO(data) if isinstance(data, bytes) else str(data)
    rows = 0
    try:
        reader = pcsv.open_csv(
            src, read_options=pcsv.ReadOptions(use_threads=False, encoding=_arrow_encoding(enc), block_size=1 << 24),
            parse_options=pcsv.ParseOptions(delimiter=sep, newlines_in_values=True, invalid_row_handler=handler),
            convert_options=pcsv.ConvertOptions(include_columns=[], column_types={}))
        refuse_duplicate_names(reader.schema.names, source)
        for batch in reader:
            rows += batch.num_rows
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
        return True  # pandas reports what pyarrow could not parse, with its own message
    last = rows + len(bad) + 1  # record number of the last row (the header is record 1)
    last_short = bool(bad) and bad[-1][0] == last and bad[-1][2] < bad[-1][1]
    if last_short and (allow_short_last or unclosed[-1]):
        bad = bad[:-1]  # a cut-off last row: reported as a truncated file, with the row kept
    if not bad:
        return last_short
    problems = [Problem(f"data row {n - 1} has {got} field(s) but the header has {want}; no row was padded or "
                        "dropped — fix the delimiter, quoting or the row and read again", "malformed-row",
                        location=Location(file=source, row=n - 1 if n else None))
                for n, want, got in bad[:MAX_RAGGED_LISTED]]
    if len(bad) > MAX_RAGGED_LISTED:
        problems.append(Problem(f"... and {len(bad) - MAX_RAGGED_LISTED} more such rows", "malformed-row",
                                location=Location(file=source)))
    raise SurveyError(problems)


def refuse_duplicate_names(names: list[str], source: str) -> None:
    """A located error when two columns share a name (pandas would silently rename the second 'age.1'), or when
    there are more columns than a table may have (``limits.MAX_COLUMNS``)."""
    check_columns(len(names), source)
    first: dict[str, int] = {}
    problems = []
    for i, name in enumerate(names, start=1):
        key = str(name).strip()
        if key in first:
            problems.append(Problem(f"columns {first[key]} and {i} are both named '{key}'; rename one and read "
                                    "again (nothing was renamed)", "duplicate-column",
                                    location=Location(file=source, line=1, variable=key)))
        else:
            first[key] = i
    if problems:
        raise SurveyError(problems)


def _arrow_encoding(enc: str) -> str:
    """pyarrow's name for an encoding (it transcodes anything Python knows)."""
    return "utf8" if enc.lower().replace("-", "") in ("utf8", "utf8sig") else enc


def _head(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(1 << 20)


def _tail(path: Path) -> bytes:
    with open(path, "rb") as fh:
        fh.seek(max(0, path.stat().st_size - 4))
        return fh.read()


def _numeric_guess(head: bytes, enc: str, sep: str, keep: Callable[[str], bool] | None = None) -> dict[str, bool]:
    """Columns whose sample values are all numbers may be parsed as numbers; others are read as text (only the
    columns *keep* wants)."""
    text = head.decode(enc, errors="ignore")
    cut = text.rfind("\n")
    sample = text[: cut + 1] if cut > 0 else text
    try:
        df = pd.read_csv(io.StringIO(sample), sep=sep, dtype=str, keep_default_na=False, na_values=[""],
                         nrows=2000, usecols=None if keep is None else (lambda c: keep(str(c))))
    except (pd.errors.ParserError, pd.errors.EmptyDataError):
        return {}
    out = {}
    for c in df.columns:
        col = df[c].dropna()
        col = col[col != "NA"]
        num = pd.to_numeric(col, errors="coerce")
        out[c] = bool(num.notna().all()) and not col.str.match(r"^0\d").any()
    return out


def _parse(data: bytes | Path, opts: dict[str, Any], progress: bool, chunk_bytes: int, size: int,
           head: bytes) -> pd.DataFrame:
    src: Any = io.BytesIO(data) if isinstance(data, bytes) else data
    if isinstance(data, bytes) or size < chunk_bytes:
        frame = pd.read_csv(src, **opts)
    else:
        rows_per_chunk = 200_000
        line_bytes = max(1, len(head) // max(1, head.count(b"\n")))
        chunks = []
        reader = pd.read_csv(src, chunksize=rows_per_chunk, **opts)
        if progress:
            import click

            with click.progressbar(length=size, label=f"reading {Path(str(data)).name}", file=sys.stderr) as bar:
                for chunk in reader:
                    chunks.append(chunk)
                    bar.update(len(chunk) * line_bytes)
        else:
            chunks = list(reader)
        frame = pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame()
    frame.columns = [str(c) for c in frame.columns]
    return frame


# --------------------------------------------------------------------------------------------- columns and values


_GROUP_SEPARATORS = "/-."
"""Characters Kobo/ODK exports put between group, question and option names."""


@dataclass
class _Names:
    """Lookup of questionnaire names used to recognise columns."""

    questions: dict[str, Question]
    dummies: dict[str, tuple[Question, int]]
    codes: dict[str, dict[str, int]]
    expected: dict[str, dict[str, int]] = field(default_factory=dict)
    """Per question, the choice names an imported XLSForm's exports write as answers (case-folded) → code:
    Kobo/ODK write choice names, so mapping them is expected (info), unlike labels (warning)."""
    headers: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    """Column headers written as labels (Kobo's "Labels" export), normalized → {(variable, language)}: a
    question's label, the same after its groups' titles ('Household/Municipality'), and a select_multiple's
    label plus an option's label for its dummy ('Why did they leave?/Work'), in every language."""

    @classmethod
    def of(cls, qn: Questionnaire) -> _Names:
        from ..questionnaire.names import dummy_name

        qs = {q.name.lower(): q for q in qn.questions()}
        for q in list(qs.values()):  # an imported XLSForm's own names, as its exports spell the columns
            xname = (q.xlsform or {}).get("name")
            if xname:
                qs.setdefault(xname.lower(), q)
        if qn.xlsform is not None:  # and with their groups (g1/age, g2/age: one name in two groups)
            for item, parents in qn.walk():
                if item.type in ("group", "roster") or (item.xlsform or {}).get("type") == "":
                    continue
                groups = [(g.xlsform or {}).get("name", g.name) for g in parents
                          if (g.xlsform or {}).get("type") != ""]
                if groups:
                    own = (item.xlsform or {}).get("name", item.name)
                    for sep in _GROUP_SEPARATORS:
                        qs.setdefault(sep.join([*groups, own]).lower(), item)
        dummies: dict[str, tuple[Question, int]] = {}
        codes: dict[str, dict[str, int]] = {}
        expected: dict[str, dict[str, int]] = {}
        by_name = qn.xlsform is not None and qn.xlsform.choice_names
        for q in {id(q): q for q in qs.values()}.values():
            if q.is_choice:
                codes[q.name] = choice_codes(qn, q)
                if by_name:
                    expected[q.name] = {c.name.strip().casefold(): c.code for c in qn.choice_list(q) if c.name}
            if q.type == "select_multiple":
                for c in qn.choice_list(q):
                    dummies[dummy_name(q.name, c.code).lower()] = (q, c.code)
        return cls(qs, dummies, codes, expected, _label_headers(qn))

    def by_label(self, column: str) -> tuple[str, str] | None:
        """(variable, language) of a column whose header is a label, or None if no label or several match.

        The longest tail of the header (after a group separator) that is a known label path decides, so group
        titles in front are allowed and a title shared by two questions is told apart by its groups' titles."""
        head = _norm_label(column)
        cuts = [0] + [i + 1 for i, ch in enumerate(head) if ch in _GROUP_SEPARATORS]
        for i in cuts:
            hits = self.headers.get(head[i:].strip())
            if hits:
                targets = {t for t, _ in hits}
                return (next(iter(targets)), sorted(lang for _, lang in hits)[0]) if len(targets) == 1 else None
        return None

    def canonical(self, column: str) -> str | None:
        """The questionnaire name a column stands for, or None if unknown."""
        from ..questionnaire.names import dummy_name

        low = column.strip().lower()
        if low in self.questions:
            return self.questions[low].name
        if low in self.dummies:
            q, code = self.dummies[low]
            return dummy_name(q.name, code)
        # group prefixes (grp/q, grp-q, grp.q): the longest tail after a separator that names a question, or
        # question + separator + option for a select_multiple dummy (q/option)
        col = column.strip()
        cuts = [0] + [i + 1 for i, ch in enumerate(col) if ch in _GROUP_SEPARATORS]
        for i in cuts[1:]:
            tail = col[i:].lower()
            if tail in self.questions:
                return self.questions[tail].name
            if tail in self.dummies:
                q, code = self.dummies[tail]
                return dummy_name(q.name, code)
        for j in reversed(cuts[1:]):
            option = col[j:].strip().casefold()
            for i in (c for c in cuts if c < j - 1):
                q = self.questions.get(col[i:j - 1].lower())
                if q is not None and q.type == "select_multiple":
                    code = self.codes[q.name].get(option)
                    if code is not None:
                        return dummy_name(q.name, code)
        return None


def _norm_label(text: str) -> str:
    """A label or header compared without case and spacing (also around group separators: 'Mother / Age')."""
    return re.sub(r"\s*([/.\-])\s*", r"\1", " ".join(str(text).split())).casefold()


def _label_headers(qn: Questionnaire) -> dict[str, set[tuple[str, str]]]:
    from ..questionnaire.model import Question
    from ..questionnaire.names import dummy_name

    out: dict[str, set[tuple[str, str]]] = {}
    for item, parents in qn.walk():
        if not isinstance(item, Question) or item.type == "note" or not item.label:
            continue
        for lang, text in item.label.items():
            paths = [(_norm_label(text), sep) for sep in _GROUP_SEPARATORS]
            for sep in _GROUP_SEPARATORS:
                path = _norm_label(text)
                for g in reversed(parents):
                    title = (g.title or {}).get(lang)
                    if not title:
                        break
                    path = f"{_norm_label(title)}{sep}{path}"
                    paths.append((path, sep))
            for path, _ in paths:
                out.setdefault(path, set()).add((item.name, lang))
            if item.type == "select_multiple":
                for c in qn.choice_list(item):
                    option = c.label.get(lang)
                    for path, sep in paths if option else []:
                        out.setdefault(f"{path}{sep}{_norm_label(option)}", set()).add(
                            (dummy_name(item.name, c.code), lang))
    return out


def _assemble(ds: Dataset, raws: list[_Raw], qn: Questionnaire, dd: DataDictionary) -> None:
    from ..questionnaire.names import did_you_mean, shown

    names = _Names.of(qn)
    metas = {v.name: v for v in dd.variables}
    lvl_of = {v.name: level_of_roster(qn, v.roster) for v in dd.variables}
    for raw in raws:
        ds.problems += raw.problems
        frame = raw.frame
        stat_meta = frame.attrs.pop("stat_meta", None)
        rename: dict[str, str] = {}
        taken: set[str] = set()
        by_label: dict[str, str] = {}  # column → language of the label its header is
        for col in frame.columns:
            target = names.canonical(col)
            if target is None and (hit := names.by_label(col)) is not None:
                target, by_label[col] = hit
            if target is not None and target not in taken:
                taken.add(target)
                if target != col:
                    rename[col] = target
        if by_label:
            ds.problems.append(Problem(
                f"{len(by_label)} column header(s) are question labels in {', '.join(sorted(set(by_label.values())))}"
                " (Kobo's 'Labels' export); they were matched to the questionnaire's variables by their labels. An "
                "export with 'XML values and headers' is read by names, which do not change when a label is edited",
                "label-headers", "info", Location(file=raw.source)))
        frame = frame.rename(columns=rename)
        level = raw.hint or _vote(frame, lvl_of)
        if level not in ds.frames and level in levels(qn):
            pass
        elif level in ds.frames or level not in levels(qn):
            level = _vote(frame, lvl_of, exclude=set(ds.frames))
        if level is None:
            level = Path(raw.source.split("#")[-1]).stem
            ds.problems.append(Problem(
                f"table {raw.source} matches no level of the questionnaire; it is kept as '{level}'",
                "unknown-table", "warning", Location(file=raw.source)))
        keys = set(level_keys(qn, level)) if level in levels(qn) else set()
        if level != TOP_LEVEL:  # a repeat sheet's own _index/KEY is its row's id, never its parent's key
            back = {new: old for old, new in rename.items() if _own_id(old) and new in keys}
            if back:
                frame = frame.rename(columns=back)
                rename = {old: new for old, new in rename.items() if new not in back}
        unknown, system = [], []
        for col in frame.columns:
            meta = metas.get(col)
            if meta is not None and (lvl_of[col] == level or col in keys):
                frame[col] = _coerce(frame[col], meta, names, ds, raw.source, stat_meta)
            elif is_system_column(col):
                system.append(col)
            else:
                unknown.append(col)
        frame, unknown = _merge_invalid_text(frame, unknown, metas)
        if level in levels(qn):
            frame = _select_multiple(frame, qn, level, metas, lvl_of)
        ds.frames[level] = frame
        ds.sources[level] = raw.source
        ds.unknown[level] = unknown
        ds.system[level] = system
        ds.renamed[level] = rename
        for col in unknown:
            ds.problems.append(Problem(
                f"column {shown(col)} is not in the questionnaire; it is kept as it is"
                f"{did_you_mean(col, metas, close=False)}", "unknown-column",
                "warning", Location(file=raw.source, variable=col)))


def _merge_invalid_text(frame: pd.DataFrame, unknown: list[str],
                        metas: dict[str, VariableMeta]) -> tuple[pd.DataFrame, list[str]]:
    """Put back invalid values that our export kept in a ``<var>_txt`` column next to a numeric/date variable."""
    for col in list(unknown):
        base = col[:-4] if col.endswith("_txt") else None
        meta = metas.get(base) if base else None
        if meta is None or meta.kind == "string" or base not in frame.columns:
            continue
        text = frame[col].astype("str")
        has = text.notna() & (text.str.strip() != "") & frame[base].isna()
        if has.any():
            merged = frame[base].astype(object)
            merged[has] = text[has]
            frame[base] = merged
        frame = frame.drop(columns=[col])
        unknown.remove(col)
    return frame, unknown


def _vote(frame: pd.DataFrame, lvl_of: dict[str, str], exclude: set[str] | None = None) -> str | None:
    counts: dict[str, int] = {}
    for c in frame.columns:
        lvl = lvl_of.get(c)
        if lvl and lvl not in (exclude or set()):
            counts[lvl] = counts.get(lvl, 0) + 1
    return max(counts, key=lambda k: counts[k]) if counts else None


def _coerce(col: pd.Series, meta: VariableMeta, names: _Names, ds: Dataset, source: str,
            stat_meta: Any) -> pd.Series:
    """Give a column the type of its variable; values that do not fit are kept unchanged (as text)."""
    if meta.is_dummy:
        return multi.dummy_values(col) if col.dtype != object else _numeric(col, {}, meta, ds, source)
    expected = names.expected.get(meta.name, {})
    if meta.kind == "numeric":
        lookup = dict(names.codes.get(meta.name, {}))
        for code, letter in meta.stata_missing.items():
            lookup[letter.lstrip(".")] = code
            lookup[letter] = code
        return _numeric(col, lookup, meta, ds, source, expected)
    if meta.kind == "date":
        return _date(col)
    if meta.qtype == "select_multiple":
        out, by_name = multi.normalize_raw(col, expected) if expected else (col, 0)  # the form's names first
        out, mapped = multi.normalize_raw(out, names.codes.get(meta.name, {}))  # then labels (and other names)
        _report_mapped(ds, source, meta.name, by_name, mapped, "answers written as choice names or labels")
        return out
    if pd.api.types.is_float_dtype(col):  # a text question whose answers all looked like numbers: no '.0'
        arr = col.to_numpy(dtype="float64")
        whole = np.isnan(arr) | (np.mod(arr, 1) == 0)
        if whole.all():
            col = col.astype("Int64")
    out = col.astype("str") if col.dtype != "str" else col
    return out.where(out.str.len() > 0, np.nan) if len(out) else out


def _report_mapped(ds: Dataset, source: str, variable: str, by_name: int, other: int, what: str) -> None:
    """Say how many answers were mapped to codes: an imported XLSForm's choice names (how Kobo/ODK write answers)
    as info, anything else (labels, names on a native questionnaire, Stata letters) as a warning."""
    where = Location(file=source, variable=variable)
    if by_name:
        ds.problems.append(Problem(f"{by_name} answers written as the XLSForm's choice names (as Kobo/ODK export "
                                   "them) were mapped to codes", "names-mapped", "info", where))
    if other:
        ds.problems.append(Problem(f"{other} {what} were mapped to codes", "labels-mapped", "warning", where))


def _numeric(col: pd.Series, lookup: dict[str, int], meta: VariableMeta, ds: Dataset, source: str,
             expected: dict[str, int] | None = None) -> pd.Series:
    exact = _exact_integers(col)
    if exact is not None:
        return exact
    if pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
        num = col.astype("float64")
        inf = np.isinf(num.to_numpy())
        if not inf.any():
            return num
        out = num.astype(object)  # 'inf' is no answer: kept as the text it was, for the checker to flag
        out[inf] = np.where(num[inf] > 0, "inf", "-inf")
        return out
    num = _finite(pd.to_numeric(col, errors="coerce"))
    text = col.notna() & num.isna()
    if not text.any():
        return num.astype("float64")
    stripped = col[text].astype("str").str.strip()
    empty = stripped == ""
    keys = stripped.str.casefold()
    mapped = keys.map(lookup) if lookup else pd.Series(np.nan, index=keys.index)
    num2 = _finite(pd.to_numeric(stripped, errors="coerce"))  # numbers with spaces around them
    fill = mapped.where(mapped.notna(), num2)
    num = num.astype("float64")
    num.loc[fill.index] = fill.astype("float64")
    letters = {x for lt in meta.stata_missing.values() for x in (lt, lt.lstrip("."))}  # .a-.z are no labels
    changed = mapped.notna() & ~keys.isin([str(v) for v in lookup.values()]) & ~keys.isin(letters)
    by_name = (changed & keys.map(lambda k: k in expected and lookup.get(k) == expected[k]).astype(bool)
               if expected else None)
    n_name = int(by_name.sum()) if by_name is not None else 0
    _report_mapped(ds, source, meta.name, n_name, int(changed.sum()) - n_name,
                   "values written as labels, choice names or Stata missing letters")
    bad = fill.isna() & ~empty
    if not bad.any():
        return num
    out = num.astype(object)
    out.loc[bad[bad].index] = col.loc[bad[bad].index]
    return out


def _finite(num: pd.Series) -> pd.Series:
    """Numbers with 'inf' (which to_numeric accepts, but no answer can be) made missing, so they stay text."""
    num = num.astype("float64")
    return num.where(~np.isinf(num.to_numpy()), np.nan)


_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%Y/%m/%d")


def _date(col: pd.Series) -> pd.Series:
    """Dates as datetime64[s] (ISO and the other formats exports use); values that are no date stay as they were
    (the column is then object). The formats are tried on the distinct texts only (a survey has a few hundred
    interview dates in millions of rows), so no Python object is made per row."""
    if pd.api.types.is_datetime64_any_dtype(col):
        if getattr(col.dt, "tz", None) is not None:
            col = col.dt.tz_localize(None)
        return col.dt.normalize().astype("datetime64[s]")
    parsed = np.full(len(col), np.datetime64("NaT", "s"))
    todo = col.notna().to_numpy(dtype=bool, copy=True)
    if col.dtype == object:
        nonstr = col.map(lambda v: not isinstance(v, str) and v is not None and not pd.isna(v)).to_numpy(dtype=bool)
        if nonstr.any():
            got = pd.to_datetime(col[nonstr], errors="coerce").dt.normalize()
            parsed[nonstr] = got.to_numpy(dtype="datetime64[s]")
            todo &= ~nonstr
    codes, uniq = pd.factorize(col.where(todo).astype("str").str.strip())
    codes[~todo] = -1  # missing values (pandas 2 turns them into the text "nan")
    text = pd.Series(np.asarray(uniq, dtype=object), dtype="str")
    iso = text.str.slice(0, 10)
    u_parsed = np.full(len(text), np.datetime64("NaT", "s"))
    u_todo = (text != "").to_numpy(dtype=bool, copy=True)
    for fmt in _DATE_FORMATS:
        if not u_todo.any():
            break
        at = np.flatnonzero(u_todo)
        got = pd.to_datetime((iso if fmt == "%Y-%m-%d" else text).iloc[at], errors="coerce", format=fmt)
        ok = got.notna().to_numpy()
        u_parsed[at[ok]] = got.to_numpy(dtype="datetime64[s]")[ok]
        u_todo[at[ok]] = False
    have = codes >= 0
    parsed[have] = u_parsed[codes[have]]
    left = np.zeros(len(col), dtype=bool)
    left[have] = u_todo[codes[have]]
    result = pd.Series(parsed, index=col.index)
    if not left.any():
        return result
    out = result.astype(object)
    out[left] = col[left]
    return out


def _select_multiple(frame: pd.DataFrame, qn: Questionnaire, level: str, metas: dict[str, VariableMeta],
                     lvl_of: dict[str, str]) -> pd.DataFrame:
    """Make raw column and dummies both present: rebuild the raw column from dummies or derive the dummies."""
    new: dict[str, Any] = {}
    after: dict[str, list[str]] = {}  # existing column → new columns to place right after it
    for meta in list(metas.values()):
        if meta.qtype != "select_multiple" or lvl_of[meta.name] != level:
            continue
        dummies = [m for m in metas.values() if m.dummy_of == meta.name]
        codes = [m.dummy_code for m in dummies if m.dummy_code is not None]
        present = [m.name for m in dummies if m.name in frame.columns]
        if meta.name not in frame.columns and not present:
            continue
        if meta.name in frame.columns:
            raw = frame[meta.name]
            anchor = meta.name
        else:
            mat = np.column_stack([frame[m.name].to_numpy(dtype=float) if m.name in frame.columns
                                   else np.full(len(frame), np.nan) for m in dummies])
            raw = multi.raw_from_dummies(mat, codes).set_axis(frame.index)
            new[meta.name] = raw
            anchor = present[0]
            after.setdefault(frame.columns[frame.columns.get_loc(anchor) - 1] if frame.columns.get_loc(anchor)
                             else "", []).append(meta.name)
        missing = [m for m in dummies if m.name not in frame.columns]
        if missing:
            mat = multi.dummies_from_raw(raw, codes)
            prev = meta.name
            for j, m in enumerate(dummies):
                if m.name in frame.columns:
                    prev = m.name
                    continue
                new[m.name] = mat[:, j]
                after.setdefault(prev, []).append(m.name)
                prev = m.name
    if not new:
        return frame
    order: list[str] = list(after.pop("", []))
    placed = set(order)

    def place(col: str) -> None:
        order.append(col)
        for extra in after.get(col, []):
            if extra not in placed:
                placed.add(extra)
                place(extra)

    for col in frame.columns:
        place(col)
    added = pd.DataFrame({k: v for k, v in new.items()}, index=frame.index)
    return pd.concat([frame, added], axis=1)[order]


# ------------------------------------------------------------------------------------------------------- linking

_LINKS = (("PARENT_KEY", "KEY"), ("_parent_index", "_index"), ("_parent_index", "index"),
          ("_submission__uuid", "_uuid"), ("_submission__uuid", "uuid"), ("uuid", "uuid"))
"""(child column, parent column) pairs that link a repeat's rows to their parent's, in order of preference: ODK
Central/Briefcase, Kobo's row numbers, Kobo's submission uuid (uuid links only to the top level; ``index`` and
``uuid`` are how REACH/IMPACT's R tools name Kobo's ``_index`` and ``_uuid`` in cleaned exports). The first pair
found links; every other one found must agree with it."""
_OWN_IDS = {"_index", "key", "_uuid", "_id"}
"""Export columns that identify a row of their own table: on a repeat sheet they are never its parent's key."""


def _link(ds: Dataset, qn: Questionnaire) -> None:
    """Give roster frames their parent's key columns (from ODK/Kobo link columns) and their own line number.

    Every child row must find exactly one parent row; a missing, unknown or ambiguous link is refused with its
    file, sheet, row and column, never guessed (a roster's own ``_index`` is not its household's)."""
    rid, main = qn.respondent_id, ds.frames.get(TOP_LEVEL)
    if rid and main is not None and rid not in main.columns and _data_only(qn, rid):
        numbers = pd.DataFrame({rid: np.arange(1, len(main) + 1, dtype="float64")}, index=main.index)
        ds.frames[TOP_LEVEL] = main = pd.concat([numbers, main], axis=1)  # as Kobo numbers _index
        ds.problems.append(Problem(f"'{rid}' (the export's submission number) was not in the data; the rows were "
                                   "numbered in order", "key-derived", "info",
                                   Location(file=ds.sources.get(TOP_LEVEL), variable=rid)))
    for level, group in levels(qn).items():
        if group is None or level not in ds.frames:
            continue
        frame = ds.frames[level]
        parent = parent_level(qn, level) or TOP_LEVEL
        pframe = ds.frames.get(parent)
        pkeys = level_keys(qn, parent)
        need = [k for k in pkeys if k not in frame.columns]
        if need and pframe is not None:
            links = [(cc, pc) for child_col, parent_col in _LINKS
                     if not (parent_col.endswith("uuid") and parent != TOP_LEVEL)
                     for cc in [_find(frame, child_col)]
                     for pc in [_find(pframe, parent_col) or _renamed(ds, parent, parent_col)] if cc and pc]
            links = list(dict.fromkeys(links))
            if not links:
                raise SurveyError(
                    f"the rows of '{level}' cannot be linked to level '{parent}': the table has none of the key "
                    f"columns {', '.join(need)} and no link column (PARENT_KEY -> KEY, _parent_index -> _index, "
                    "_submission__uuid -> _uuid)", location=Location(file=ds.sources.get(level)), rule="link-missing")
            names = {new: old for old, new in ds.renamed.get(parent, {}).items()}
            where = _parent_rows(frame, pframe, links[0], ds.sources.get(level), ds.sources.get(parent), names)
            for other in links[1:]:
                _same_parents(where, _parent_rows(frame, pframe, other, ds.sources.get(level),
                                                  ds.sources.get(parent), names), links[0], other,
                              ds.sources.get(level))
            cc, pc = links[0]
            _own_key_under_parent(frame, cc, ds.sources.get(level))
            for pos, k in enumerate(k for k in need if k in pframe.columns):
                frame.insert(pos, k, pframe[k].to_numpy()[where])
            ds.problems.append(Problem(
                f"rows linked to level '{parent}' through {cc} -> {pc}"
                + "".join(f" (checked against {o[0]} -> {o[1]})" for o in links[1:])
                + f"; every row found exactly one parent; key column(s) {', '.join(need)} added", "linked", "info",
                Location(file=ds.sources.get(level))))
        if group.key and group.key not in frame.columns:
            key_col = _find(frame, "KEY")
            line = None
            if key_col is not None:
                line = pd.to_numeric(frame[key_col].astype("str").str.extract(r"\[(\d+)\]\s*$")[0], errors="coerce")
            if line is None or line.isna().any():
                by = [k for k in pkeys if k in frame.columns]
                line = (frame.groupby(by, dropna=False, sort=False).cumcount() + 1 if by
                        else pd.Series(np.arange(1, len(frame) + 1), index=frame.index))
            pos = len([k for k in pkeys if k in frame.columns])
            frame.insert(pos, group.key, line.astype("float64").to_numpy())
            ds.problems.append(Problem(
                f"roster line number '{group.key}' was not in the data; it was numbered from the row order within "
                "each parent", "key-derived", "info", Location(file=ds.sources.get(level), variable=group.key)))
        ds.frames[level] = frame


def _data_only(qn: Questionnaire, name: str) -> bool:
    """True for a variable an imported XLSForm does not have (Kobo's _index, repeat line numbers)."""
    try:
        return (qn.question(name).xlsform or {}).get("type") == ""
    except KeyError:
        return False


def _renamed(ds: Dataset, level: str, column: str) -> str | None:
    """The variable a link column of *level* was read as (an imported form names Kobo's _index)."""
    return next((new for old, new in ds.renamed.get(level, {}).items() if old.lower() == column.lower()), None)


def _own_id(column: str) -> bool:
    """True for an export column that numbers or names the rows of its own table (``_index``, ``KEY``)."""
    return re.split(r"[/\-]", column.strip())[-1].lower() in _OWN_IDS


def _link_values(col: pd.Series) -> pd.Series:
    """Link column values comparable across tables: numbers as floats (Kobo's ``_index`` 3 and '3.0' agree),
    otherwise stripped text; blanks are missing."""
    num = pd.to_numeric(col, errors="coerce")
    text = col.astype("string").str.strip().replace("", pd.NA)
    if num.notna().sum() == text.notna().sum():
        return num.astype("float64")
    return text.astype("object")


def _parent_rows(frame: pd.DataFrame, pframe: pd.DataFrame, link: tuple[str, str], source: str | None,
                 psource: str | None, names: dict[str, str]) -> np.ndarray:
    """Position in *pframe* of each child row's parent through *link* (child column, parent column); refuses
    (located at data rows, counted from 1 under the header, and the columns as the file names them, *names*)
    parent keys given twice and child keys that are missing or match no parent."""
    cc, pc = link
    shown = names.get(pc, pc)
    parents, children = _link_values(pframe[pc]), _link_values(frame[cc])
    if parents.dtype != children.dtype:
        parents, children = parents.astype("string").astype("object"), children.astype("string").astype("object")
    problems: list[Problem] = []
    dup = parents.notna() & parents.duplicated(keep=False)
    if dup.any():
        rows = np.flatnonzero(dup.to_numpy())
        problems.append(Problem(
            f"the link column '{shown}' holds the same value on {len(rows)} rows (first: "
            f"{_shown(parents.iloc[rows[0]])} on data rows {', '.join(str(r + 1) for r in rows[:5])}); rows that "
            "link to it would be ambiguous", "link-ambiguous", "error",
            Location(file=psource, row=int(rows[0]) + 1, variable=shown)))
    lookup = pd.Series(np.arange(len(parents)), index=parents.to_numpy())
    lookup = lookup[~lookup.index.duplicated(keep="first") & lookup.index.notna()]
    where = children.map(lookup)
    for mask, what in ((children.isna(), "is empty"), (children.notna() & where.isna(), "matches no parent row")):
        rows = np.flatnonzero(mask.to_numpy())
        if len(rows):
            first = "" if what == "is empty" else f" ({_shown(children.iloc[rows[0]])} is not in '{shown}' of {psource})"
            problems.append(Problem(
                f"the link column '{cc}' {what} on {len(rows)} row(s){first}: data rows "
                f"{', '.join(str(r + 1) for r in rows[:5])}{' ...' if len(rows) > 5 else ''}; these rows cannot be "
                "given a parent", "link-missing", "error", Location(file=source, row=int(rows[0]) + 1, variable=cc)))
    if problems:
        raise SurveyError(problems)
    return where.to_numpy(dtype="int64")


def _shown(value: Any) -> str:
    """A link value as the file shows it (Kobo's _index 4, not 4.0)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(str(value))


def _own_key_under_parent(frame: pd.DataFrame, cc: str, source: str | None) -> None:
    """ODK Central/Briefcase name a repeat row ``<PARENT_KEY>/<group>/<repeat>[n]``: a KEY that is not under its
    PARENT_KEY means the files do not belong together, and is refused at its row."""
    key = _find(frame, "KEY")
    if key is None or cc.split("/")[-1].upper() != "PARENT_KEY":
        return
    own, parent = frame[key].astype("string"), frame[cc].astype("string")
    bad = np.flatnonzero((own.notna() & parent.notna() & ~pd.Series(
        [o.startswith(p + "/") for o, p in zip(own.fillna(""), parent.fillna(""), strict=True)],
        index=frame.index)).to_numpy())
    if len(bad):
        raise SurveyError(
            f"the row's KEY {own.iloc[bad[0]]!r} is not under its PARENT_KEY {parent.iloc[bad[0]]!r} on {len(bad)} "
            f"row(s) (data rows {', '.join(str(r + 1) for r in bad[:5])}); the repeat file does not belong to "
            "this export", location=Location(file=source, row=int(bad[0]) + 1, variable=cc), rule="link-ambiguous")


def _same_parents(first: np.ndarray, second: np.ndarray, a: tuple[str, str], b: tuple[str, str],
                  source: str | None) -> None:
    """Two link columns of one table must point at the same parent rows; otherwise the export is inconsistent
    (re-sorted or filtered sheets) and is refused at the first row where they disagree."""
    bad = np.flatnonzero(first != second)
    if len(bad):
        raise SurveyError(
            f"the links {a[0]} -> {a[1]} and {b[0]} -> {b[1]} give different parent rows on {len(bad)} row(s) "
            f"(data rows {', '.join(str(r + 1) for r in bad[:5])}{' ...' if len(bad) > 5 else ''}); the export's "
            "sheets do not belong together (re-sorted or filtered?)",
            location=Location(file=source, row=int(bad[0]) + 1, variable=a[0]), rule="link-ambiguous")


def _find(frame: pd.DataFrame, name: str) -> str | None:
    for c in frame.columns:
        if c.lower() == name.lower() or re.split(r"[/\-]", c)[-1].lower() == name.lower():
            return c
    return None
