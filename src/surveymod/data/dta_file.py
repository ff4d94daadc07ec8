"""Write a Stata 14 file (dta 118, UTF-8) straight from numpy, a block of rows at a time.

pyreadstat (1.3) walks the frame row by row in Python; the dta 118 layout (Stata's ``help dta``) is a header, fixed
width name/format/label fields, the data as fixed-width records and the value-label tables, so whole columns can be
laid out at once. Covered: numeric columns (stored as doubles), Stata's extended missing values (a column's missing codes written as ``.a``–``.z``, given by
*letters*, or as the letters ``'a'``–``'z'`` in an object column, pyreadstat's convention), datetime columns (as %tc milliseconds), text up to 2045 bytes (str#),
variable labels, integer value labels (missing letters included) and display formats. Each value-label set is named
after its variable, so any name up to Stata's 32 characters works. Anything else returns False, writing nothing; the
caller then uses pyreadstat.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .row_blocks import first_block, laid_out, text_width

MAX_STR = 2045
"""Longest fixed-width text (str#) in dta 118; longer text needs strL (not written here)."""
BLOCK_ROWS = 65_536
"""Rows laid out and written at a time."""
LETTERS = "abcdefghijklmnopqrstuvwxyz"
STATA_EPOCH_DAYS = 3_653
"""Days from Stata's day 0 (1960-01-01) to 1970-01-01: a Stata %td date is days since 1960-01-01."""
MS_1960 = STATA_EPOCH_DAYS * 86_400_000
"""Milliseconds from Stata's %tc origin (1960-01-01) to 1970-01-01."""

_DOUBLE = 65526
"""Stata's type code of a double."""
_DOUBLE_MISSING = 0x7FE0000000000000
_LABEL_MISSING = 2147483621
"""Value-label code of '.'; '.a' is one more, and so on (the codes of a long's missing values)."""


@dataclass
class _Column:
    name: str
    code: int  # Stata type code
    width: int  # bytes in the record
    values: np.ndarray  # the column as doubles, or the distinct texts (S<width>, NUL-padded) + an empty one
    codes: np.ndarray | None  # text: row -> distinct text
    label: str
    fmt: str
    tags: np.ndarray | None = None  # numbers: extended missing letter per row (1 = .a), 0 for none


def write_dta(frame: pd.DataFrame | Iterable[pd.DataFrame], path: Path, *, column_labels: dict[str, str],
              value_labels: dict[str, dict[Any, str]], formats: dict[str, str],
              letters: dict[str, dict[float, str]] | None = None, rows: int | None = None,
              widths: dict[str, int] | None = None) -> bool:
    """Write *frame* as dta 118 to *path*; False (nothing written) when a column or a label is not covered.

    *letters* maps a numeric column's missing codes to the extended missing value written instead ('a' for .a).
    *frame* may be blocks of rows (the same columns in each) written one after the other: *rows* is then their
    total and *widths* the byte width of each text column over all blocks (the header comes first).
    """
    def lay_out(block: pd.DataFrame) -> list[_Column] | None:
        out = []
        for name, s in block.items():
            col = _column(str(name), s, column_labels.get(str(name), ""), formats.get(str(name)),
                          (letters or {}).get(str(name)), (widths or {}).get(str(name)))
            if col is None:
                return None
            out.append(col)
        return out

    first, rest = first_block(frame)
    columns = lay_out(first)
    if columns is None:
        return False
    tables = {}
    for c in columns:
        labels = value_labels.get(c.name)
        if labels:
            table = _label_table(labels)
            if table is None or c.code != _DOUBLE:
                return False
            tables[c.name] = table
    nobs = len(first) if rows is None else rows
    record = sum(c.width for c in columns)
    head, tail = _frame(columns, tables, nobs)
    with open(path, "wb") as f:
        f.write(head)
        for block, cols in laid_out(first, columns, rest, lay_out, lambda c: (c.name, c.code), nobs):
            for chunk in _records(cols, len(block), record):
                f.write(chunk)
        f.write(tail)
    return True


def _column(name: str, s: pd.Series, label: str, fmt: str | None,
            letters: dict[float, str] | None, width: int | None = None) -> _Column | None:
    dtype = s.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        d = s.to_numpy().astype("datetime64[ms]")  # from the column's own unit: 1582 overflows nanoseconds
        ms = d.astype("int64").astype("float64") + MS_1960
        ms[np.isnat(d)] = np.nan
        return _Column(name, _DOUBLE, 8, ms, None, label, fmt or "%tc")
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
        v = s.to_numpy(dtype="float64", na_value=np.nan)
        tags = None
        if letters:
            tags = np.zeros(len(v), dtype="int8")
            for code, letter in letters.items():
                if len(letter) != 1 or letter not in LETTERS:
                    return None
                tags[v == code] = LETTERS.index(letter) + 1
        return _numeric(name, v, tags, label, fmt)
    if not (pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype)):
        return None
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    kinds = {type(u) for u in uniques}
    if kinds <= {str} and (kinds or width is not None):  # all missing: text only where a width says so
        return _text(name, codes, list(uniques), label, fmt, width)
    # numbers with extended missing letters ('a' .. 'z'), as the exporter hands them for pyreadstat
    numbers = np.empty(len(uniques) + 1, dtype="float64")
    letters = np.zeros(len(uniques) + 1, dtype="int8")
    for k, u in enumerate(uniques):
        if isinstance(u, str):
            if len(u) != 1 or u not in LETTERS:
                return None
            numbers[k], letters[k] = np.nan, LETTERS.index(u) + 1
        elif isinstance(u, (int, float, np.integer, np.floating)) and not isinstance(u, bool):
            numbers[k] = float(u)
        else:
            return None
    numbers[-1] = np.nan
    pick = np.where(codes < 0, len(uniques), codes)
    return _numeric(name, numbers[pick], letters[pick], label, fmt)


def _numeric(name: str, v: np.ndarray, letters: np.ndarray | None, label: str, fmt: str | None) -> _Column:
    """Every number as a double, as pyreadstat wrote them: ReadStat's reader (ours included) mistakes the missing
    values of byte/int/long columns for numbers when it keeps user-missing values. The missing bit patterns are
    laid in a block at a time (:func:`_doubles`), so no second copy of the column is held."""
    return _Column(name, _DOUBLE, 8, v, None, label, fmt or "%10.0g", letters)


def _doubles(v: np.ndarray, letters: np.ndarray | None) -> np.ndarray:
    """Doubles with Stata's missing bit patterns: '.' is 2^1023, '.a' … '.z' add the letter's number << 40."""
    bits = v.astype("<f8").view("<u8").copy()
    bits[np.isnan(v)] = _DOUBLE_MISSING
    if letters is not None:
        hit = letters > 0
        bits[hit] = _DOUBLE_MISSING + (letters[hit].astype("uint64") << np.uint64(40))
    return bits.view("<f8")


def _text(name: str, codes: np.ndarray, uniques: list[str], label: str, fmt: str | None,
          width: int | None = None) -> _Column | None:
    encoded = [u.encode("utf-8") for u in uniques]
    width = text_width(max((len(e) for e in encoded), default=1) or 1, width)
    if width > MAX_STR:
        return None
    table = np.array([*encoded, b""], dtype=f"S{width}")  # NUL-padded, as str# values are
    pick = np.where(codes < 0, len(encoded), codes)
    return _Column(name, width, width, table, pick, label, fmt or f"%-{min(width, 244)}s")


def _label_table(labels: dict[Any, str]) -> bytes | None:
    """A value-label table (n, txtlen, offsets, values, text); None if a code is not a whole number or letter."""
    entries = []
    for value, text in labels.items():
        if isinstance(value, str):
            if len(value) != 1 or value not in LETTERS:
                return None
            code = _LABEL_MISSING + LETTERS.index(value) + 1
        else:
            f = float(value)
            if not f.is_integer() or not -2147483647 <= f <= 2147483620:
                return None
            code = int(f)
        entries.append((code, text.encode("utf-8") + b"\0"))
    entries.sort()
    offsets, at = [], 0
    for _, raw in entries:
        offsets.append(at)
        at += len(raw)
    n = len(entries)
    return b"".join([struct.pack(f"<2i{n}i{n}i", n, at, *offsets, *(c for c, _ in entries)),
                     *(raw for _, raw in entries)])


def _field(text: str, size: int) -> bytes:
    raw = text.encode("utf-8")
    if len(raw) >= size:  # cut on a character boundary, leaving the terminating NUL
        raw = raw[:size - 1].decode("utf-8", "ignore").encode("utf-8")
    return raw.ljust(size, b"\0")


def _frame(columns: list[_Column], tables: dict[str, bytes], nobs: int) -> tuple[bytes, bytes]:
    """(everything before the data records, everything after them) of a file of *nobs* rows."""
    k = len(columns)
    stamp = time.strftime("%d %b %Y %H:%M").encode("ascii")
    head = b"".join([b"<stata_dta><header><release>118</release><byteorder>LSF</byteorder>",
                     b"<K>", struct.pack("<H", k), b"</K><N>", struct.pack("<Q", nobs), b"</N>",
                     b"<label>", struct.pack("<H", 0), b"</label>",
                     b"<timestamp>", bytes([len(stamp)]), stamp, b"</timestamp></header>"])
    sections = [
        (b"<variable_types>", b"".join(struct.pack("<H", c.code) for c in columns), b"</variable_types>"),
        (b"<varnames>", b"".join(_field(c.name, 129) for c in columns), b"</varnames>"),
        (b"<sortlist>", b"\0\0" * (k + 1), b"</sortlist>"),
        (b"<formats>", b"".join(_field(c.fmt, 57) for c in columns), b"</formats>"),
        (b"<value_label_names>", b"".join(_field(c.name if c.name in tables else "", 129) for c in columns),
         b"</value_label_names>"),
        (b"<variable_labels>", b"".join(_field(c.label, 321) for c in columns), b"</variable_labels>"),
        (b"<characteristics>", b"", b"</characteristics>"),
    ]
    offsets = [0]  # <stata_dta>
    pos = len(head)
    offsets.append(pos)  # <map>
    pos += len(b"<map>") + 14 * 8 + len(b"</map>")
    for open_tag, body, close_tag in sections:
        offsets.append(pos)
        pos += len(open_tag) + len(body) + len(close_tag)
    record = sum(c.width for c in columns)
    offsets.append(pos)  # <data>
    pos += len(b"<data>") + record * nobs + len(b"</data>")
    offsets.append(pos)  # <strls>
    pos += len(b"<strls></strls>")
    offsets.append(pos)  # <value_labels>
    labels = b"".join(b"<lbl>" + struct.pack("<i", len(t)) + _field(name, 129) + b"\0\0\0" + t + b"</lbl>"
                      for name, t in tables.items())
    pos += len(b"<value_labels>") + len(labels) + len(b"</value_labels>")
    offsets.append(pos)  # </stata_dta>
    offsets.append(pos + len(b"</stata_dta>"))  # end of file
    before = b"".join([head, b"<map>", struct.pack("<14Q", *offsets), b"</map>",
                       *(open_tag + body + close_tag for open_tag, body, close_tag in sections), b"<data>"])
    return before, b"</data><strls></strls><value_labels>" + labels + b"</value_labels></stata_dta>"


def _records(columns: list[_Column], nobs: int, record: int) -> Iterator[bytes]:
    """The data records, a block of rows at a time: one structured array whose fields are the variables."""
    layout = np.dtype([(f"v{i}", c.values.dtype) for i, c in enumerate(columns)])
    assert layout.itemsize == record
    for start in range(0, nobs, BLOCK_ROWS):
        stop = min(start + BLOCK_ROWS, nobs)
        block = np.empty(stop - start, dtype=layout)
        for i, c in enumerate(columns):
            if c.codes is not None:
                block[f"v{i}"] = c.values[c.codes[start:stop]]
            else:
                block[f"v{i}"] = _doubles(c.values[start:stop], None if c.tags is None else c.tags[start:stop])
        yield block.tobytes()
