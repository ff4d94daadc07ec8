"""XLSX cells hold what the data says, never a formula: the one rule for every workbook surveymod writes.

openpyxl stores any text that starts with ``=`` as a formula, so a label or a data value such as
``=HYPERLINK(…)`` would become live in the user's spreadsheet. Every writer saves through :func:`save` or
:func:`write_frames`, which keep such texts as plain text (the value itself is unchanged, not prefixed). Text
with characters XLSX cannot hold (control characters) is a located error rather than a crash.
"""

from __future__ import annotations

import io
from typing import IO, TYPE_CHECKING, Any

from .errors import Location, SurveyError

if TYPE_CHECKING:
    import pandas as pd
    from openpyxl import Workbook


def formulas_as_text(wb: Workbook) -> Workbook:
    """Turn every formula cell of *wb* into a text cell holding the same characters."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    return wb


def save(wb: Workbook, target: str | IO[bytes] | Any) -> None:
    """Save *wb* with no formulas (see the module docstring)."""
    buffer = io.BytesIO()
    formulas_as_text(wb).save(buffer)
    _put(buffer, target)


def write_frames(target: Any, sheets: dict[str, pd.DataFrame]) -> None:
    """Write data frames as the sheets of one workbook (no index), texts never formulas."""
    import pandas as pd

    for name, df in sheets.items():
        _refuse_illegal(df, name)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as xw:
        for name, df in sheets.items():
            df.to_excel(xw, sheet_name=name, index=False)
        formulas_as_text(xw.book)
    _put(buffer, target)


def _put(buffer: io.BytesIO, target: Any) -> None:
    """The workbook is zipped in memory and written in one go: a full disk is then a plain OSError from the
    write, never a zip archive left open that complains (with a traceback) when it is collected."""
    if hasattr(target, "write"):
        target.write(buffer.getbuffer())
        return
    with open(target, "wb") as fh:
        fh.write(buffer.getbuffer())


def _refuse_illegal(df: pd.DataFrame, sheet: str) -> None:
    """A located error for the first text cell with a character XLSX cannot store."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    for i, col in enumerate(df.columns, start=1):
        if ILLEGAL_CHARACTERS_RE.search(str(col)):
            raise SurveyError(f"sheet '{sheet}': the name of column {i} holds a control character that XLSX cannot "
                              "store; rename the column or write CSV, SAV or DTA instead",
                              location=Location(variable=repr(str(col))), rule="xlsx-character")
    for col in df.columns:
        s = df[col]
        if s.dtype != object and str(s.dtype) not in ("string", "str"):
            continue
        bad = s.map(lambda v: isinstance(v, str) and ILLEGAL_CHARACTERS_RE.search(v) is not None)
        if bad.any():
            row = int(bad.to_numpy().argmax())
            raise SurveyError(f"sheet '{sheet}': the text holds a control character that XLSX cannot store; "
                              "write CSV, SAV or DTA instead, or clean the value",
                              location=Location(row=row + 1, variable=str(col)), rule="xlsx-character")
