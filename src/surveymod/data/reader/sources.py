"""Locating the tables of an input (file, workbook sheets, folder, zip) and reading each one as it is."""

from __future__ import annotations

import functools
import io
import re
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ...errors import Location, Problem, SurveyError
from ...limits import check_columns, check_sheets, check_zip, regular_file
from ..levels import TOP_LEVEL, levels, roster_files
from .dataset import _Raw
from .narrow import narrowed
from .text_files import CHUNK_BYTES, IN_MEMORY_BYTES, Progress, _read_text, refuse_duplicate_names

if TYPE_CHECKING:  # the questionnaire machinery is imported only when a questionnaire is given
    from ...questionnaire.model import Questionnaire

SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls", ".sav", ".zsav", ".dta", ".parquet", ".pq"}

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
    for lvl, sib in roster_files(path, names):  # the one rule for roster files beside a file
        if all(Path(r.source) != sib for r in raws):
            raws += _read_file(sib, lvl, **kw)
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
                sheet: str | None = None, progress: Progress | None = None, chunk_bytes: int = CHUNK_BYTES,
                keep: Callable[[str], bool] | None = None, narrow: bool = False) -> list[_Raw]:
    """Read one table-holding file (given as bytes or a path) into raw tables (*narrow*: see ``read``)."""
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
            import pyarrow.parquet as pq

            schema = pq.read_schema(src)
            columns = None
            if keep is not None:
                columns = [c for c in schema.names if keep(c)]
            else:
                check_columns(len(schema.names), source)
            if narrow and not _stored_index(schema):
                return [_Raw(_narrow_parquet(src, columns if columns is not None else schema.names), source, None)]
            # Arrow's buffers handed to the frame column by column (split_blocks, self_destruct): the read holds
            # the data about once, not twice (10M rows x 14 columns: 1.1 GB less at its peak)
            return [_Raw(pd.read_parquet(src, columns=columns, to_pandas_kwargs={"split_blocks": True,
                                                                                "self_destruct": True}),
                         source, None)]
    except SurveyError:
        raise
    except Exception as exc:  # a damaged binary file: say which and why
        raise SurveyError(f"{source} could not be read as {suffix} ({type(exc).__name__}: {exc}); is the file "
                          "complete?", location=Location(file=source), rule="unreadable-file") from exc
    raise SurveyError(f"{source}: unsupported file type '{suffix}' (use .csv, .xlsx, .sav, .dta or .parquet)",
                      location=Location(file=source), rule="unsupported-format")


def release_unused_memory() -> None:
    """Give back what Arrow's allocator, and the C library's (glibc ``malloc_trim``, where there is one), kept of
    freed temporaries (some 500 MB at ten million rows): the frames' own columns stay, the rest would be held for
    the whole command."""
    pa = sys.modules.get("pyarrow")
    if pa is not None:
        pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim`` (free pages of the heap back to the system), or None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        return ctypes.CDLL("libc.so.6").malloc_trim  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None


def _stored_index(schema: Any) -> bool:
    """Whether a Parquet file keeps a pandas index of its own as a column (read whole, to restore it)."""
    meta = schema.pandas_metadata or {}
    return any(isinstance(c, str) for c in meta.get("index_columns", []))


def _narrow_parquet(src: Any, columns: list[str]) -> pd.DataFrame:
    """The columns of a Parquet file read one at a time, each narrowed (``narrow.narrowed``) before the next is
    read: the read holds the narrowed frame and one column, not the whole float64 frame."""
    import pyarrow.parquet as pq

    file = pq.ParquetFile(src)
    frame = pd.DataFrame(index=pd.RangeIndex(file.metadata.num_rows))
    for c in columns:
        col = file.read(columns=[c], use_pandas_metadata=False).to_pandas(split_blocks=True, self_destruct=True)
        frame[c] = narrowed(col.iloc[:, 0])
        del col
        release_unused_memory()
    return frame


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


