"""The results-framework table in the layout of the programme's annual-report template, as Markdown, HTML and XLSX.

Columns: INDICATORS | Baseline | Y1 | Y2 | Y3 | Cumulative | Notes (the year columns carry the calendar year when
the spec gives it, e.g. "Y1 (2020)"). Outcome and Output statements are heading rows; each indicator row starts
with its code; disaggregations (sex, age, institution) are indented rows beneath it. Builders return text/bytes;
writing happens at the edge. Cell text is escaped for HTML, and written to XLSX as text, never as a formula.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping

from ..escaping import html_text, md_text
from ..xlsx import save
from .results import PERIODS, SHORT_TITLES, IndicatorRow

COLUMNS = ["INDICATORS", "Baseline", "Y1", "Y2", "Y3", "Cumulative", "Notes"]
HEADING, INDICATOR, SUB = "heading", "indicator", "sub"


def headers(years: Mapping[str, str] | None = None) -> list[str]:
    """The template's column titles, e.g. ``Y1 (2020)`` when the calendar years are known."""
    years = years or {}
    per = [SHORT_TITLES[p] + (f" ({years[p]})" if years.get(p) else "") for p in PERIODS]
    return ["INDICATORS", *per, "Cumulative", "Notes"]


HEADERS = headers()


def notes(row: IndicatorRow) -> str:
    """The Notes cell: change against baseline, target and its status, sources, the spec's notes."""
    parts: list[str] = list(row.notes[:1]) if row.value_type == "relative_change" else []
    if row.change is not None and row.value_type != "relative_change":
        parts.append(f"Change vs baseline: {row.change.text()}.")
    if row.target:
        status = f" — {row.target_status}" if row.target_status else ""
        parts.append(f"Target: {row.target}{status}.")
    sources = sorted({c.source for c in row.cells.values() if c.source})
    if sources:
        parts.append("Source: " + "; ".join(sources) + ".")
    parts.extend(row.notes[1:] if row.value_type == "relative_change" else row.notes)
    return " ".join(parts)


def table_rows(rows: list[IndicatorRow]) -> Iterator[tuple[str, list[str]]]:
    """(row type, cells) for each Outcome/Output heading, indicator and disaggregation row, in table order."""
    level = None
    for row in rows:
        if row.level != level:
            level = row.level
            head = f"{row.level}: {row.result_text}" if row.result_text else row.level
            yield HEADING, [head] + [""] * (len(COLUMNS) - 1)
        yield INDICATOR, _cells(row, f"{row.id} {row.text}", notes(row))
        for sub in row.breakdown:
            note = f"Change vs baseline: {sub.change.text()}." if sub.change and row.value_type != "relative_change" \
                else ""
            if sub.change and row.value_type == "relative_change" and sub.notes:
                note = sub.notes[0]
            yield SUB, _cells(sub, sub.label, note)


def _cells(row: IndicatorRow, title: str, note: str) -> list[str]:
    return [title, *[row.cells[p].text() if p in row.cells else "–" for p in PERIODS],
            row.cumulative.text() if row.cumulative else "–", note]


def to_markdown(rows: list[IndicatorRow], title: str = "Results framework",
                years: Mapping[str, str] | None = None) -> str:
    """A GitHub-flavoured Markdown table."""
    hs = headers(years)
    out = [f"# {md_text(title)}", "", "| " + " | ".join(md_text(h) for h in hs) + " |", "|" + "---|" * len(hs)]
    for kind, cells in table_rows(rows):
        esc = [md_text(c) for c in cells]
        if kind == HEADING:
            esc[0] = f"**{esc[0]}**"
        elif kind == SUB:
            esc[0] = "&nbsp;&nbsp;&nbsp;" + esc[0]
        out.append("| " + " | ".join(esc) + " |")
    return "\n".join(out) + "\n"


def to_html_table(rows: list[IndicatorRow], years: Mapping[str, str] | None = None) -> str:
    """An HTML <table> (embedded in the report and in the standalone HTML file); every cell is escaped."""
    head = "".join(f"<th>{html_text(h)}</th>" for h in headers(years))
    body = []
    for kind, cells in table_rows(rows):
        if kind == HEADING:
            body.append(f'<tr class="head"><td colspan="{len(COLUMNS)}">{html_text(cells[0])}</td></tr>')
            continue
        cls = ' class="sub"' if kind == SUB else ""
        tds = "".join(f"<td>{html_text(c)}</td>" for c in cells)
        body.append(f"<tr{cls}>{tds}</tr>")
    return f'<table class="rf"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


CSS = """
body{font-family:system-ui,Segoe UI,Arial,sans-serif;margin:2em;color:#222;max-width:1200px}
table.rf{border-collapse:collapse;font-size:13px;width:100%}
table.rf th,table.rf td{border:1px solid #bbb;padding:4px 6px;vertical-align:top}
table.rf th{background:#1f4e79;color:#fff}
table.rf tr.head td{background:#dce6f1;font-weight:bold}
table.rf tr.sub td{color:#444;background:#f6f8fa}
table.rf tr.sub td:first-child{padding-left:2em}
"""


def to_html(rows: list[IndicatorRow], title: str = "Results framework",
            years: Mapping[str, str] | None = None) -> str:
    """A standalone HTML page with the table."""
    return (f"<!doctype html><html lang=en><meta charset=utf-8><title>{html_text(title)}</title>"
            f"<style>{CSS}</style><h1>{html_text(title)}</h1>{to_html_table(rows, years)}</html>\n")


def to_xlsx(rows: list[IndicatorRow], title: str = "Results framework",
            years: Mapping[str, str] | None = None) -> bytes:
    """An XLSX workbook in the template's columns (headings shaded, indicator rows bold, disaggregations indented),
    ready to paste into the annual report. Saved through ``surveymod.xlsx``: a text starting with = + - @ stays
    text, never a formula."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = "Results framework"
    ws.cell(1, 1, title)
    ws["A1"].font = Font(bold=True, size=14)
    for j, h in enumerate(headers(years), start=1):
        ws.cell(2, j, h)
        c = ws.cell(2, j)
        c.font = Font(bold=True, color="FFFFFF")
        c.fill = PatternFill("solid", fgColor="1F4E79")
    r = 2
    for kind, cells in table_rows(rows):
        r += 1
        for j, v in enumerate(cells, start=1):
            ws.cell(r, j, v)
            ws.cell(r, j).alignment = Alignment(wrap_text=True, vertical="top",
                                                indent=2 if kind == SUB and j == 1 else 0)
        if kind == HEADING:
            for j in range(1, len(COLUMNS) + 1):
                ws.cell(r, j).font = Font(bold=True)
                ws.cell(r, j).fill = PatternFill("solid", fgColor="DCE6F1")
        elif kind == INDICATOR:
            ws.cell(r, 1).font = Font(bold=True)
    for col, width in zip("ABCDEFG", (60, 22, 22, 22, 22, 22, 80), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "B3"
    buf = io.BytesIO()
    save(wb, buf)
    return buf.getvalue()
