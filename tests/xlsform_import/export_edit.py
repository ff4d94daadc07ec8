"""Test helper: a copy of a Kobo XLSX export with some cells changed, to plant a wrong link."""

from __future__ import annotations

from pathlib import Path

import openpyxl


def edited_export(export: Path, tmp_path: Path, sheet: str, column: str, rows: dict[int, object]) -> Path:
    """A copy of *export* with *column* of *sheet* set on data rows *rows* (1 = first row under the header); a
    sheet the workbook does not have means its first sheet."""
    book = openpyxl.load_workbook(export)
    ws = book[sheet] if sheet in book.sheetnames else book.worksheets[0]
    col = [c.value for c in ws[1]].index(column) + 1
    for row, value in rows.items():
        ws.cell(row=row + 1, column=col).value = value
    out = tmp_path / "export.xlsx"
    book.save(out)
    return out
