"""Value-label set names that fit Stata's 32 characters, whatever the length of the variable name.

pyreadstat (1.3) names the value-label set of each labelled variable after the variable plus a running number
(``<variable><n>``, n counting labelled variables from 0), and ReadStat refuses a label name longer than 32
characters. So a 32-character variable with value labels could not be written at all, and a 31-character one failed
from the 11th labelled variable on (30 characters from the 101st). pyreadstat has no argument to choose the name.

Rather than rename the variable, :func:`write_dta_pyreadstat` hands pyreadstat a short stand-in name for each such
variable and then writes the real variable name and a label name that fits (the variable name cut to leave room for
the same running number) into the file's fixed-width name fields: ``<varnames>``, ``<value_label_names>`` and the
``<lbl>`` table, located through the file's own ``<map>`` (Stata's documented dta 118 layout, ``help dta``). Field
widths and offsets do not change, so nothing else in the file moves.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import pandas as pd

STATA_NAME_MAX = 32
"""Longest variable or value-label name in Stata (and in ReadStat's dta writer)."""

_NAME_FIELD = 129
"""Bytes of a variable or value-label name field in dta 118/119 (128 bytes of UTF-8 and a NUL)."""


def stata_label_name(variable: str, number: int) -> str:
    """The name pyreadstat gives the label set, cut to fit: the variable's first characters, then *number*."""
    suffix = str(number)
    return variable[: STATA_NAME_MAX - len(suffix)] + suffix


def write_dta_pyreadstat(frame: pd.DataFrame, path: Path, *, column_labels: dict[str, str],
              value_labels: dict[str, dict[Any, str]], missing: dict[str, list[Any]],
              formats: dict[str, str]) -> None:
    """pyreadstat.write_dta (Stata 14, dta 118), with label-set names that fit whatever the variable names."""
    import pyreadstat

    standin: dict[str, str] = {}  # real name → short name pyreadstat sees
    number: dict[str, int] = {}
    taken = {str(c).lower() for c in frame.columns}
    n = 0
    for col in frame.columns:
        if not value_labels.get(col):
            continue
        number[col] = n
        if len(col) + len(str(n)) > STATA_NAME_MAX:
            short = f"_L{n}"
            while short.lower() in taken:
                short = "_" + short
            taken.add(short.lower())
            standin[col] = short
        n += 1
    if not standin:
        pyreadstat.write_dta(frame, str(path), version=14, column_labels=column_labels,
                             variable_value_labels=value_labels, missing_user_values=missing,
                             variable_format=formats)
        return

    def rekey(d: dict[str, Any]) -> dict[str, Any]:
        return {standin.get(k, k): v for k, v in d.items()}

    pyreadstat.write_dta(frame.rename(columns=standin), str(path), version=14, column_labels=rekey(column_labels),
                         variable_value_labels=rekey(value_labels), missing_user_values=rekey(missing),
                         variable_format=rekey(formats))
    used = {f"{c}{k}" for c, k in number.items() if c not in standin}
    renames: dict[int, tuple[str, str, str]] = {}  # column index → (real name, pyreadstat's label name, new)
    for col, short in standin.items():
        new = stata_label_name(col, number[col])
        cut = STATA_NAME_MAX - len(str(number[col]))
        while new in used:  # another label set already has the name: cut one character more
            cut -= 1
            new = col[:cut] + str(number[col])
        used.add(new)
        renames[list(frame.columns).index(col)] = (col, f"{short}{number[col]}", new)
    _patch(path, renames)


def _field(name: str) -> bytes:
    raw = name.encode("utf-8")
    if len(raw) >= _NAME_FIELD:
        raise ValueError(f"name '{name}' does not fit a dta name field")
    return raw.ljust(_NAME_FIELD, b"\0")


def _patch(path: Path, renames: dict[int, tuple[str, str, str]]) -> None:
    """Write the real variable names and the new label-set names into the fixed-width fields of a dta 118 file."""
    data = bytearray(path.read_bytes())
    if not data.startswith(b"<stata_dta><header><release>118</release>"):
        raise ValueError("pyreadstat did not write a dta 118 file; label names cannot be set")
    endian = "<" if data[data.index(b"<byteorder>") + 11:][:3] == b"LSF" else ">"
    at = data.index(b"<map>") + len(b"<map>")
    offsets = struct.unpack(f"{endian}14Q", bytes(data[at:at + 14 * 8]))
    varnames, lbllist, tables = offsets[3], offsets[6], offsets[11]
    for start, tag in ((varnames, b"<varnames>"), (lbllist, b"<value_label_names>"), (tables, b"<value_labels>")):
        if bytes(data[start:start + len(tag)]) != tag:
            raise ValueError(f"unexpected dta layout: no {tag.decode()} where the map points")
    old_to_new: dict[bytes, bytes] = {}
    for i, (real, old, new) in renames.items():
        v = varnames + len(b"<varnames>") + i * _NAME_FIELD
        data[v:v + _NAME_FIELD] = _field(real)
        lbl = lbllist + len(b"<value_label_names>") + i * _NAME_FIELD
        if bytes(data[lbl:lbl + _NAME_FIELD]) != _field(old):
            raise ValueError(f"unexpected dta layout: label name of '{real}' is not '{old}'")
        data[lbl:lbl + _NAME_FIELD] = _field(new)
        old_to_new[_field(old)] = _field(new)
    pos = tables + len(b"<value_labels>")
    while bytes(data[pos:pos + 5]) == b"<lbl>":
        (length,) = struct.unpack(f"{endian}i", bytes(data[pos + 5:pos + 9]))
        name = bytes(data[pos + 9:pos + 9 + _NAME_FIELD])
        if name in old_to_new:
            data[pos + 9:pos + 9 + _NAME_FIELD] = old_to_new.pop(name)
        pos += 9 + _NAME_FIELD + 3 + length + len(b"</lbl>")
    if old_to_new:
        raise ValueError("unexpected dta layout: a value-label table was not found")
    path.write_bytes(bytes(data))
