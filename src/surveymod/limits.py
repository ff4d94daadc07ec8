"""The size limits of every input, and the guards that keep time and memory bounded whatever a file claims.

A file is checked before it is parsed: it must be a regular file (a FIFO or a device such as ``/dev/zero`` would
block or never end), text is read with a cap instead of trusting ``st_size``, a zip container (XLSX, a data .zip)
is refused when its members would inflate beyond ``MAX_UNZIPPED_BYTES`` or at a ratio no real export has, and a
worksheet is refused when its cells span more than ``MAX_SHEET_CELLS`` (the ``<dimension>`` a file declares is
not trusted: the cells that hold a value are). The limits are documented in docs/data.md and docs/import.md.
"""

from __future__ import annotations

import re
import stat
import zipfile
from pathlib import Path
from typing import IO

from .errors import Location, SurveyError

MAX_COLUMNS = 10_000
"""Most columns of one data table (the widest LFS exports have some 3,000)."""
MAX_SHEET_CELLS = 20_000_000
"""Most cells (rows × columns, counted up to the last cell that holds a value) of one worksheet read."""
MAX_UNZIPPED_BYTES = 1024**3
"""Most bytes the members of one zip container (XLSX, .zip of data files) may inflate to."""
MAX_ZIP_RATIO = 200
"""Largest compression ratio of a member larger than 1 MiB (real sheets and CSVs compress 5-50 times)."""
MAX_FORM_ROWS = 10_000
"""Most rows of an XLSForm's survey sheet (the largest national forms have some 2,000)."""
MAX_FORM_CHOICES = 200_000
"""Most rows of an XLSForm's choices sheet."""
MAX_NESTING = 20
"""Deepest nesting of groups and repeats in a questionnaire."""

_MIB = 1024 * 1024


def regular_file(path: str | Path, what: str = "file") -> Path:
    """*path* if it is a regular file; a FIFO, socket or device (which would block or never end) is refused."""
    p = Path(path)
    try:
        mode = p.stat().st_mode
    except FileNotFoundError:
        raise SurveyError(f"{what} not found: {p}", location=Location(file=str(p)), rule="file-not-found") from None
    except OSError as exc:
        raise SurveyError(f"cannot read the {what}: {exc.strerror}", location=Location(file=str(p)),
                          rule="file-not-found") from None
    if not stat.S_ISREG(mode):
        kind = ("a folder" if stat.S_ISDIR(mode) else "a named pipe (FIFO)" if stat.S_ISFIFO(mode)
                else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode)
                else "not a regular file")
        raise SurveyError(f"the {what} is {kind}, not a regular file; give the path of a saved file",
                          location=Location(file=str(p)), rule="not-a-file")
    return p


def read_capped(path: str | Path, limit: int, what: str = "file") -> bytes:
    """The bytes of a regular file of at most *limit* bytes, read with that cap (``st_size`` may lie)."""
    p = regular_file(path, what)
    with open(p, "rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise SurveyError(f"the {what} is larger than {limit / _MIB:g} MiB", location=Location(file=str(p)),
                          rule="file-too-large")
    return data


def check_zip(src: str | Path | IO[bytes], source: str) -> None:
    """Refuse a zip container (XLSX or .zip) whose members would inflate beyond the limits (a zip bomb).

    Python's zip reader never returns more than a member's declared size, so checking the declared sizes bounds
    what any later reader (openpyxl, pandas, pyxform) can inflate."""
    try:
        with zipfile.ZipFile(src) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise SurveyError(f"not a valid zip/XLSX file ({exc}); is the file complete?",
                          location=Location(file=source), rule="unreadable-file") from None
    finally:
        if hasattr(src, "seek"):
            src.seek(0)
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(1, info.compress_size)
        if info.file_size > _MIB and ratio > MAX_ZIP_RATIO:
            raise SurveyError(f"the member {info.filename} would inflate {ratio:,.0f} times (to "
                              f"{info.file_size / _MIB:,.0f} MiB); no export compresses like that (a zip bomb?), "
                              f"the limit is {MAX_ZIP_RATIO} times", location=Location(file=source, path=info.filename),
                              rule="zip-bomb")
        if total > MAX_UNZIPPED_BYTES:
            raise SurveyError(f"the contents inflate to more than {MAX_UNZIPPED_BYTES // _MIB:,} MiB, the "
                              "limit for a zip or XLSX file; export CSV or Parquet instead",
                              location=Location(file=source, path=info.filename), rule="zip-too-large")


_CELL = re.compile(rb"<(?:\w+:)?c\b[^>]*?\br=\"([A-Z]{1,3})([0-9]{1,7})\"[^>]*?(/?)>")
_SHEET = re.compile(r"xl/worksheets/[^/]+\.xml")


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def check_sheets(src: str | Path | IO[bytes], source: str) -> None:
    """Refuse an XLSX (after :func:`check_zip`) whose worksheet cells span more than ``MAX_SHEET_CELLS``.

    Readers pad every row to the widest one and every sheet to its last row, so one stray cell at XFD1048576 makes
    17 billion cells; the extent is taken from the cells that hold a value, never from ``<dimension>``."""
    check_zip(src, source)
    try:
        with zipfile.ZipFile(src) as zf:
            for info in zf.infolist():
                if _SHEET.fullmatch(info.filename):
                    _check_sheet(zf, info, source)
    finally:
        if hasattr(src, "seek"):
            src.seek(0)


def _check_sheet(zf: zipfile.ZipFile, info: zipfile.ZipInfo, source: str) -> None:
    rows = cols = 0
    far = ""
    carry = b""
    with zf.open(info) as fh:
        while True:
            block = fh.read(4 * _MIB)
            if not block:
                break
            text = carry + block
            cut = text.rfind(b"<")
            text, carry = (text[:cut], text[cut:]) if cut > 0 else (text, b"")
            for m in _CELL.finditer(text):
                if m.group(3):  # <c r="X9" s="1"/>: a formatted empty cell, dropped by every reader
                    continue
                r, c = int(m.group(2)), _column_number(m.group(1))
                if r > rows or c > cols:
                    rows, cols = max(rows, r), max(cols, c)
                    far = (m.group(1) + m.group(2)).decode()
                if rows * cols > MAX_SHEET_CELLS:
                    raise SurveyError(
                        f"worksheet {Path(info.filename).stem} has cells up to {far} ({rows:,} rows × "
                        f"{cols:,} columns), more than the {MAX_SHEET_CELLS:,} cells a sheet may span; delete the "
                        "stray cells far from the data or export CSV", location=Location(file=source, path=far),
                        rule="sheet-too-large")


def check_columns(count: int, source: str) -> None:
    """Refuse a table with more than ``MAX_COLUMNS`` columns before it is parsed or checked."""
    if count > MAX_COLUMNS:
        raise SurveyError(f"the table has {count:,} columns, more than the {MAX_COLUMNS:,} a data table may have; "
                          "split the table or select the columns you need", location=Location(file=source, line=1),
                          rule="too-many-columns")

