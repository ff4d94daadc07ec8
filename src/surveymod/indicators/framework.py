"""The results-framework table in the programme's layout, as Markdown, HTML and XLSX.

Columns: Outcome/Output | Indicator | Baseline | Year 1 | Year 2 | Year 3 | Cumulative | Notes. Disaggregations
(sex, age) are indented rows beneath each indicator. Builders return text/bytes; writing happens at the edge.
"""

from __future__ import annotations

import html
import io
from collections.abc import Iterator

from .results import PERIOD_TITLES, PERIODS, IndicatorRow

HEADERS = ["Outcome/Output", "Indicator", *[PERIOD_TITLES[p] for p in PERIODS], "Cumulative", "Notes"]


def _notes(row: IndicatorRow) -> str:
    parts: list[str] = []
    if row.change is not None:
        parts.append(f"Change vs baseline: {row.change.text()}.")
    if row.target:
        met = "" if row.target_met is None else (" — met" if row.target_met else " — not met")
        parts.append(f"Target: {row.target}{met}.")
    sources = sorted({c.source for c in row.cells.values() if c.source})
    if sources:
        parts.append("Source: " + "; ".join(sources) + ".")
    parts.extend(row.notes)
    return " ".join(parts)


def table_rows(rows: list[IndicatorRow]) -> Iterator[tuple[int, list[str]]]:
    """(depth, cells) for each indicator and each of its disaggregation rows, in table order."""
    for row in rows:
        yield 0, _cells(row, row.level, f"{row.id} {row.text}")
        for sub in row.breakdown:
            yield 1, _cells(sub, "", f"  {sub.label}")


def _cells(row: IndicatorRow, level: str, title: str) -> list[str]:
    return [level, title, *[row.cells[p].text() if p in row.cells else "" for p in PERIODS],
            row.cumulative.text() if row.cumulative else "", _notes(row)]


def to_markdown(rows: list[IndicatorRow], title: str = "Results framework") -> str:
    """A GitHub-flavoured Markdown table."""
    out = [f"# {title}", "", "| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    for depth, cells in table_rows(rows):
        esc = [c.replace("|", "\\|") for c in cells]
        if depth:
            esc[1] = "&nbsp;&nbsp;&nbsp;" + esc[1].strip()
        out.append("| " + " | ".join(esc) + " |")
    return "\n".join(out) + "\n"


def to_html_table(rows: list[IndicatorRow]) -> str:
    """An HTML <table> (embedded in the report and in the standalone HTML file)."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in HEADERS)
    body = []
    for depth, cells in table_rows(rows):
        cls = ' class="sub"' if depth else ""
        tds = "".join(f"<td>{html.escape(c.strip() if i == 1 and depth else c)}</td>" for i, c in enumerate(cells))
        body.append(f"<tr{cls}>{tds}</tr>")
    return f'<table class="rf"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


CSS = """
body{font-family:system-ui,Segoe UI,Arial,sans-serif;margin:2em;color:#222;max-width:1200px}
table.rf{border-collapse:collapse;font-size:13px;width:100%}
table.rf th,table.rf td{border:1px solid #bbb;padding:4px 6px;vertical-align:top}
table.rf th{background:#1f4e79;color:#fff}
table.rf tr.sub td{color:#444;background:#f6f8fa}
table.rf tr.sub td:nth-child(2){padding-left:2em}
"""


def to_html(rows: list[IndicatorRow], title: str = "Results framework") -> str:
    """A standalone HTML page with the table."""
    return (f"<!doctype html><html lang=en><meta charset=utf-8><title>{html.escape(title)}</title>"
            f"<style>{CSS}</style><h1>{html.escape(title)}</h1>{to_html_table(rows)}</html>\n")


def to_xlsx(rows: list[IndicatorRow], title: str = "Results framework") -> bytes:
    """An XLSX workbook with the table (indicator rows bold, disaggregations indented)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = "Results framework"
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(HEADERS)
    for c in ws[2]:
        c.font = Font(bold=True, color="FFFFFF")
        c.fill = PatternFill("solid", fgColor="1F4E79")
    for depth, cells in table_rows(rows):
        ws.append([c.strip() if i == 1 and depth else c for i, c in enumerate(cells)])
        r = ws.max_row
        if depth:
            ws.cell(r, 2).alignment = Alignment(indent=2)
        else:
            for c in ws[r]:
                c.font = Font(bold=True)
        ws.cell(r, len(HEADERS)).alignment = Alignment(wrap_text=True, vertical="top")
    for col, width in zip("ABCDEFGH", (14, 48, 22, 22, 22, 22, 22, 70), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "C3"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
