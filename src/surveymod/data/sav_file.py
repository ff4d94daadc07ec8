"""Write an SPSS system file (.sav) straight from numpy, a block of rows at a time.

pyreadstat (1.3) walks the frame row by row in Python and takes two to three times as long as R haven's write of the
same data; the system-file layout (PSPP's "System File Format" appendix) is simple enough to lay out whole columns at
once. This writer covers what the exporter hands it: numeric (float, integer, boolean, datetime) and text columns
up to 255 bytes, variable labels, numeric value labels, user-missing values (three discrete, or a range and one
value), print/write formats and measurement levels, long variable names and UTF-8 text. It returns False, writing
nothing, for what it does not cover (a text column longer than 255 bytes, another dtype); the caller then uses
pyreadstat.
"""

from __future__ import annotations

import re
import struct
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .row_blocks import first_block, laid_out, text_width

SYSMIS = -np.finfo(np.float64).max
"""SPSS's system-missing value, -DBL_MAX."""
SPSS_EPOCH_SECONDS = 12_219_379_200
"""Seconds from SPSS's day 0 (1582-10-14) to 1970-01-01."""
MAX_SHORT_STRING = 255
"""Longest text a single variable record holds; longer ones need 'very long string' segments (not written here)."""
BLOCK_ROWS = 65_536
"""Rows laid out and written at a time: the case buffer stays small whatever the file's length."""

_FORMAT_TYPES = {"A": 1, "AHEX": 2, "COMMA": 3, "DOLLAR": 4, "F": 5, "E": 17, "DATE": 20, "TIME": 21,
                 "DATETIME": 22, "ADATE": 23, "JDATE": 24, "DTIME": 25, "WKDAY": 26, "MONTH": 27, "MOYR": 28,
                 "QYR": 29, "WKYR": 30, "PCT": 31, "DOT": 32, "EDATE": 38, "SDATE": 39, "MTIME": 40,
                 "YMDHMS": 41}
_FORMAT = re.compile(r"^([A-Z]+?)(\d+)(?:\.(\d+))?$")
_MEASURES = {"nominal": 1, "ordinal": 2, "scale": 3}
_RESERVED = {"ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH"}


@dataclass
class _Column:
    """One variable as laid out in the case record."""

    name: str
    short: str
    width: int  # 0 numeric, else string width in bytes
    values: np.ndarray  # float64 for numeric; for text, the distinct values blank-padded (bytes, S<8k>)
    codes: np.ndarray | None  # text: row -> row of the table (the last row is all blanks)
    label: str
    fmt: int
    measure: int
    missing: list[Any]

    @property
    def units(self) -> int:
        """8-byte units of the case record the variable takes."""
        return 1 if self.width == 0 else (self.width + 7) // 8


def write_sav(frame: pd.DataFrame | Iterable[pd.DataFrame], path: Path, *, column_labels: dict[str, str],
              value_labels: dict[str, dict[Any, str]], missing: dict[str, list[Any]],
              measure: dict[str, str], formats: dict[str, str], rows: int | None = None,
              widths: dict[str, int] | None = None) -> bool:
    """Write *frame* to *path* as an uncompressed UTF-8 .sav; False (nothing written) if a column is not covered.

    *frame* may be blocks of rows (the same columns in each) written one after the other: *rows* is then their
    total and *widths* the byte width of each text column over all blocks (the dictionary comes first)."""
    def lay_out(block: pd.DataFrame) -> list[_Column] | None:
        return _columns(block, column_labels, missing, measure, formats, widths)

    first, rest = first_block(frame)
    columns = lay_out(first)
    if columns is None:
        return False
    ncases = len(first) if rows is None else rows
    with open(path, "wb") as f:
        f.write(_dictionary(columns, value_labels, ncases))
        for block, cols in laid_out(first, columns, rest, lay_out, lambda c: (c.name, c.width), ncases):
            for chunk in _cases(cols, len(block)):
                f.write(chunk)
    return True


def _columns(frame: pd.DataFrame, labels: dict[str, str], missing: dict[str, list[Any]],
             measure: dict[str, str], formats: dict[str, str],
             widths: dict[str, int] | None = None) -> list[_Column] | None:
    out: list[_Column] = []
    shorts: set[str] = set()
    for i, (name, s) in enumerate(frame.items()):
        name = str(name)
        short = _short_name(name, i, shorts)
        shorts.add(short)
        dtype = s.dtype
        if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
            values = s.to_numpy(dtype="float64", na_value=np.nan)
            whole = pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_integer_dtype(dtype)
            fmt = formats.get(name, "F8.0" if whole else "F8.2")  # pyreadstat's defaults
            out.append(_Column(name, short, 0, values, None, labels.get(name, ""), _format_code(fmt),
                               _MEASURES.get(measure.get(name, ""), 0), missing.get(name, [])))
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            d = s.to_numpy().astype("datetime64[s]")  # from the column's own unit: 1582 overflows nanoseconds
            secs = d.astype("int64").astype("float64") + SPSS_EPOCH_SECONDS
            secs[np.isnat(d)] = np.nan
            out.append(_Column(name, short, 0, secs, None, labels.get(name, ""),
                               _format_code(formats.get(name, "DATETIME20")),
                               _MEASURES.get(measure.get(name, ""), 0), missing.get(name, [])))
        elif pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
            text = _text(s, (widths or {}).get(name))
            if text is None:
                return None
            table, codes, width = text
            if width > MAX_SHORT_STRING or missing.get(name):
                return None
            out.append(_Column(name, short, width, table, codes, labels.get(name, ""), _format_code(f"A{width}"),
                               _MEASURES.get(measure.get(name, ""), 0), []))
        else:
            return None
    return out


def _text(s: pd.Series, width: int | None = None) -> tuple[np.ndarray, np.ndarray, int] | None:
    """(distinct values blank-padded to a multiple of 8 bytes + a blank one, row codes, width); None if not text.
    *width*, when given, is the column's width over all blocks (at least this block's)."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    encoded = []
    for u in uniques:
        if not isinstance(u, str):
            return None
        encoded.append(u.encode("utf-8"))
    width = text_width(max((len(e) for e in encoded), default=1) or 1, width)
    padded = ((width + 7) // 8) * 8
    table = np.array([e.ljust(padded, b" ") for e in encoded] + [b" " * padded], dtype=f"S{padded}")
    codes = np.where(codes < 0, len(encoded), codes)
    return table, codes, width


def _short_name(name: str, index: int, taken: set[str]) -> str:
    """An 8-byte upper-case short name (the long name rides in record 7.13)."""
    up = name.upper()
    if up.isascii() and len(up) <= 8 and up not in taken and up not in _RESERVED and re.match(r"^[A-Z@#$]", up):
        return up
    stem = re.sub(r"[^A-Z0-9_]", "", up.encode("ascii", "ignore").decode()) if up else ""
    stem = stem if stem[:1].isalpha() else "V" + stem
    n = 0
    candidate = stem[:8]
    while candidate in taken or candidate in _RESERVED:
        n += 1
        tail = str(n)
        candidate = stem[:8 - len(tail)] + tail
    return candidate


def _format_code(fmt: str) -> int:
    m = _FORMAT.match(fmt.upper())
    if not m or m.group(1) not in _FORMAT_TYPES:
        raise ValueError(f"unknown SPSS format '{fmt}'")
    return (_FORMAT_TYPES[m.group(1)] << 16) | (int(m.group(2)) << 8) | int(m.group(3) or 0)


def _padded(raw: bytes, multiple: int, fill: bytes = b" ") -> bytes:
    return raw + fill * (-len(raw) % multiple)


def _missing_record(values: list[Any]) -> tuple[int, bytes]:
    """(n_missing_values code, the values as doubles): up to 3 discrete, or a range (+ one discrete)."""
    ranges = [v for v in values if isinstance(v, dict)]
    discrete = [float(v) for v in values if not isinstance(v, dict)]
    if not ranges:
        return len(discrete), struct.pack(f"<{len(discrete)}d", *discrete)
    lo, hi = float(ranges[0]["lo"]), float(ranges[0]["hi"])
    return (-3 if discrete else -2), struct.pack(f"<{2 + len(discrete[:1])}d", lo, hi, *discrete[:1])


def _dictionary(columns: list[_Column], value_labels: dict[str, dict[Any, str]], ncases: int) -> bytes:
    units = sum(c.units for c in columns)
    now = time.localtime()
    header = b"".join([
        b"$FL2", _padded(b"@(#) SPSS DATA FILE - surveymod", 60), struct.pack("<4i", 2, units, 0, 0),
        struct.pack("<i", ncases if ncases < 2**31 else -1), struct.pack("<d", 100.0),
        time.strftime("%d %b %y", now).encode("ascii"), time.strftime("%H:%M:%S", now).encode("ascii"),
        b" " * 64, b"\0" * 3])
    parts = [header]
    index: dict[str, int] = {}
    position = 1
    for c in columns:
        index[c.name] = position
        n_missing, missing = _missing_record(c.missing) if c.width == 0 else (0, b"")
        label = c.label.encode("utf-8")
        rec = [struct.pack("<5i", 2, c.width, 1 if label else 0, n_missing, c.fmt),
               struct.pack("<i", c.fmt), _padded(c.short.encode("ascii"), 8)]
        if label:
            rec += [struct.pack("<i", len(label)), _padded(label, 4)]
        rec.append(missing)
        parts += rec
        for _ in range(c.units - 1):  # continuation records of a string wider than 8 bytes
            parts.append(struct.pack("<5i", 2, -1, 0, 0, 0) + struct.pack("<i", 0) + b" " * 8)
        position += c.units
    for c in columns:
        labels = value_labels.get(c.name)
        if not labels or c.width:
            continue
        body = [struct.pack("<2i", 3, len(labels))]
        for value, text in labels.items():
            raw = text.encode("utf-8")[:120]
            body.append(struct.pack("<d", float(value)) + _padded(bytes([len(raw)]) + raw, 8))
        body.append(struct.pack("<3i", 4, 1, index[c.name]))
        parts += body
    parts.append(_record7(3, 4, struct.pack("<8i", 20, 0, 0, -1, 1, 1, 2, 65001)))
    parts.append(_record7(4, 8, struct.pack("<3d", SYSMIS, -SYSMIS, np.nextafter(SYSMIS, 0))))
    display = []
    for c in columns:
        display += [c.measure, 8, 0 if c.width else 1]  # display width 8, as ReadStat writes it
    parts.append(_record7(11, 4, struct.pack(f"<{len(display)}i", *display)))
    names = "\t".join(f"{c.short}={c.name}" for c in columns).encode("utf-8")
    parts.append(_record7(13, 1, names))
    parts.append(_record7(16, 8, struct.pack("<2q", 1, ncases)))
    parts.append(_record7(20, 1, b"UTF-8"))
    parts.append(struct.pack("<2i", 999, 0))
    return b"".join(parts)


def _record7(subtype: int, size: int, body: bytes) -> bytes:
    return struct.pack("<4i", 7, subtype, size, len(body) // size) + body


def _cases(columns: list[_Column], ncases: int) -> Iterator[bytes]:
    """The case records, a block of rows at a time: one structured array whose fields are the variables."""
    layout = np.dtype([(f"v{i}", "<f8" if c.width == 0 else c.values.dtype) for i, c in enumerate(columns)])
    for start in range(0, ncases, BLOCK_ROWS):
        stop = min(start + BLOCK_ROWS, ncases)
        block = np.empty(stop - start, dtype=layout)
        for i, c in enumerate(columns):
            if c.width == 0:
                v = c.values[start:stop]
                block[f"v{i}"] = np.where(np.isnan(v), SYSMIS, v)
            else:
                assert c.codes is not None
                block[f"v{i}"] = c.values[c.codes[start:stop]]
        yield block.tobytes()
