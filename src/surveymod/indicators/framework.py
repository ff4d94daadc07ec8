"""The results-framework table in the layout of the programme's annual-report template: Markdown, HTML, XLSX, Word.

Columns: INDICATORS | Baseline | Y1 | Y2 | Y3 | [Y4] | Cumulative | Notes (the year columns carry the calendar year
when the spec gives it, e.g. "Y1 (2020)"; Y4 only when the spec names a fourth year). Outcome and Output statements
are heading rows with the spec's text as written; each indicator row starts with its code and its text as written;
disaggregations (sex, age, institution) are indented rows beneath it, and the Word table also writes the sex split
inside the indicator's cell as the template does ("54 (29 M / 25 F)"). A report made as of Year k leaves the later
year columns blank. Builders return text/bytes; writing happens at the edge. Cell text is escaped for HTML, and
written to XLSX as a number with a number format where it is one (text never becomes a formula).
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import replace

from ..syntax.markdown import md_text
from ..xlsx import save
from .asof import covered, report_periods
from .results import PERIOD_TITLES, SHORT_TITLES, Cell, IndicatorRow

HEADING, INDICATOR, SUB = "heading", "indicator", "sub"
_BASELINE_AS_WRITTEN = "programme framework (baseline as written)"


def headers(years: Mapping[str, str] | None = None) -> list[str]:
    """The template's column titles, e.g. ``Y1 (2020)`` when the calendar years are known."""
    years = years or {}
    per = [SHORT_TITLES[p] + (f" ({years[p]})" if years.get(p) else "") for p in report_periods(years)]
    return ["INDICATORS", *per, "Cumulative", "Notes"]


HEADERS = headers()
COLUMNS = HEADERS


def notes(row: IndicatorRow) -> str:
    """The Notes cell, short and in reading order: target and its status, how the value was obtained (change
    against baseline, definitions, caveats), then the source in words."""
    parts: list[str] = []
    if row.target:
        status = f" — {row.target_status}" if row.target_status else ""
        parts.append(f"Target: {row.target}{status}.")
    if row.change is not None and row.value_type != "relative_change":
        parts.append(f"Change vs baseline: {row.change.text()}.")
    parts.extend(row.notes)
    flagged = sorted({c.flag for c in row.cells.values() if c.flag})
    if flagged:
        parts.append("Caveat: " + "; ".join(flagged) + " (estimate less reliable).")
    parts.append(_source(row))
    return " ".join(p for p in parts if p)


def _source(row: IndicatorRow) -> str:
    """'Source: …' from the spec's words; monitoring values add their records, each named once, the yearly ones
    together ('Policy review 2021, 2022 (demo figures)')."""
    records = [] if row.kind in ("survey", "training") else _merge_years(
        c.source for _, c in sorted(row.cells.items(), key=lambda kv: _order(kv[0]))
        if c.source and c.source != _BASELINE_AS_WRITTEN)
    said = [row.sources.rstrip(".")] if row.sources else []
    text = "; ".join([*said, *records])
    return f"Source: {text}." if text else ""


_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_SLOT = "\ufffc"  # where the year stood in a source merged over years


def _merge_years(sources: Iterator[str] | list[str]) -> list[str]:
    """Sources named once; those differing only in one year merged: 'Workshop 2020', 'Workshop 2021' ->
    'Workshop 2020, 2021'."""
    groups: dict[str, list[str]] = {}
    for src in sources:
        years = _YEAR.findall(src)
        key = _YEAR.sub(_SLOT, src, count=1) if len(years) == 1 else src
        groups.setdefault(key, [])
        if len(years) == 1 and years[0] not in groups[key]:
            groups[key].append(years[0])
    return [key.replace(_SLOT, ", ".join(ys)) if ys else key for key, ys in groups.items()]


def _order(period: str) -> int:
    return list(PERIOD_TITLES).index(period)


def table_rows(rows: list[IndicatorRow], years: Mapping[str, str] | None = None,
               as_of: str | None = None) -> Iterator[tuple[str, list[str]]]:
    """(row type, cells) for each Outcome/Output heading, indicator and disaggregation row, in table order."""
    periods = report_periods(years)
    level = None
    for row in rows:
        if row.level != level:
            level = row.level
            yield HEADING, [heading(row)] + [""] * (len(periods) + 2)
        yield INDICATOR, _cells(row, f"{row.id} {row.text}", notes(row), periods, as_of)
        for sub in row.breakdown:
            yield SUB, _cells(sub, sub.label, sub_note(row, sub), periods, as_of)


def heading(row: IndicatorRow) -> str:
    """The Outcome/Output heading above an indicator: its level and the statement as the spec writes it."""
    return f"{row.level}: {row.result_text}" if row.result_text else row.level


def sub_note(row: IndicatorRow, sub: IndicatorRow) -> str:
    """A disaggregation row's note: its change against baseline (the levels, under a relative change)."""
    if sub.change is None:
        return ""
    if row.value_type == "relative_change":
        return sub.notes[0] if sub.notes else ""
    return f"Change vs baseline: {sub.change.text()}."


def _cells(row: IndicatorRow, title: str, note: str, periods: tuple[str, ...], as_of: str | None) -> list[str]:
    return [title, *[_period_text(row, p, as_of) for p in periods],
            row.cumulative.text() if row.cumulative else "–", note]


def _period_text(row: IndicatorRow, period: str, as_of: str | None) -> str:
    """A year cell: its value, "–" when nothing was reported, blank for a year after the report's date."""
    if as_of is not None and not covered(period, as_of):
        return ""
    return row.cells[period].text() if period in row.cells else "–"


def to_markdown(rows: list[IndicatorRow], title: str = "Results framework",
                years: Mapping[str, str] | None = None, as_of: str | None = None) -> str:
    """A GitHub-flavoured Markdown table."""
    hs = headers(years)
    out = [f"# {md_text(title)}", "", "| " + " | ".join(md_text(h) for h in hs) + " |", "|" + "---|" * len(hs)]
    for kind, cells in table_rows(rows, years, as_of):
        esc = [md_text(c) for c in cells]
        if kind == HEADING:
            esc[0] = f"**{esc[0]}**"
        elif kind == SUB:
            esc[0] = "&nbsp;&nbsp;&nbsp;" + esc[0]
        out.append("| " + " | ".join(esc) + " |")
    return "\n".join(out) + "\n"


def html_table(rows: list[IndicatorRow], years: Mapping[str, str] | None = None,
               as_of: str | None = None) -> dict[str, object]:
    """The table for the ``rf_table`` template macro (standalone page and report): headers and (kind, cells) rows."""
    return {"headers": headers(years), "rows": list(table_rows(rows, years, as_of))}


def to_html(rows: list[IndicatorRow], title: str = "Results framework",
            years: Mapping[str, str] | None = None, as_of: str | None = None) -> str:
    """A standalone HTML page with the table."""
    from ..templates import render

    return render("framework.html", page="framework", title=title, table=html_table(rows, years, as_of))


# ------------------------------------------------------------------------------------------------ XLSX: numbers

PERCENT, SIGNED_PERCENT, WHOLE, DECIMAL = "0.0%", "+0.0%;-0.0%;0.0%", "#,##0", "#,##0.0"
Value = tuple[object, str | None]  # a cell value and its number format (None: text or empty)
_NUMBER = re.compile(r"^-?[\d,]+(\.\d+)?$")


def cell_value(cell: Cell | None, row: IndicatorRow, part: str = "value") -> Value:
    """What an XLSX cell holds: a count, share or level as a number with its format; a statement as text; nothing
    when no value was reported. *part* 'extra' takes a training cell's second count (improved)."""
    if cell is None:
        return None, None
    if part == "extra":
        return _number(cell.extra) if cell.extra is not None else (None, None)
    text = cell.text_value
    if text is not None:
        if row.value_type == "relative_change" and cell.value is not None and text[:1] in "+-":
            return cell.value / 100, SIGNED_PERCENT
        if _NUMBER.match(text.strip()) and cell.value is not None:
            return _number(cell.value)
        return text, None
    if cell.value is None or math.isnan(cell.value):
        return None, None
    if cell.unit == "%":
        return cell.value / 100, PERCENT
    return _number(cell.value)


def _number(v: float) -> Value:
    """A count as a whole number (int in the cell), a level with one decimal; thousands separated."""
    if float(v).is_integer():
        return int(v), WHOLE
    return v, WHOLE if abs(v) >= 1000 else DECIMAL


def _ci_note(row: IndicatorRow, periods: tuple[str, ...]) -> str:
    """The confidence intervals the numeric cells leave out, e.g. '95% CI: Baseline 37.1–47.3%; Y3 49.7–60.1%.'"""
    cells = row.level_cells()
    parts = [f"{SHORT_TITLES[p]} {c.ci_low:,.1f}–{c.ci_high:,.1f}{c.unit if c.unit == '%' else ''}"
             for p in periods if (c := cells.get(p)) is not None and c.ci_low is not None and not math.isnan(c.ci_low)]
    return f"95% CI: {'; '.join(parts)}." if parts and row.value_type != "relative_change" else ""


def sheet_rows(rows: list[IndicatorRow], years: Mapping[str, str] | None = None, as_of: str | None = None
               ) -> Iterator[tuple[str, str, list[Value], str]]:
    """(row type, first column, values of the year and Cumulative columns, notes) for the XLSX sheet. A training
    indicator takes two lines, trained and improved, so each is one number."""
    periods = report_periods(years)

    def values(r: IndicatorRow, part: str = "value") -> list[Value]:
        cols: list[Value] = [(None, None) if as_of is not None and not covered(p, as_of)
                             else cell_value(r.cells.get(p), r, part) for p in periods]
        return [*cols, cell_value(r.cumulative, r, part)]

    level = None
    for row in rows:
        if row.level != level:
            level = row.level
            yield HEADING, heading(row), [], ""
        two = any(c.extra is not None for c in row.cells.values())
        note = " ".join(x for x in (notes(row), _ci_note(row, periods)) if x)
        yield INDICATOR, f"{row.id} {row.text}" + (" — trained" if two else ""), values(row), note
        if two:
            yield SUB, "improved", values(row, "extra"), ""
        for sub in row.breakdown:
            yield SUB, sub.label + (" — trained" if two else ""), values(sub), sub_note(row, sub)
            if two:
                yield SUB, sub.label + " — improved", values(sub, "extra"), ""


def to_xlsx(rows: list[IndicatorRow], title: str = "Results framework",
            years: Mapping[str, str] | None = None, as_of: str | None = None) -> bytes:
    """An XLSX workbook in the template's columns (headings shaded, indicator rows bold, disaggregations indented):
    counts, shares and changes are numbers with number formats, statements are text. Saved through
    ``surveymod.xlsx``: a text starting with = + - @ stays text, never a formula."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "Results framework"
    ws.cell(1, 1, title)
    ws["A1"].font = Font(bold=True, size=14)
    hs = headers(years)
    for j, h in enumerate(hs, start=1):
        c = ws.cell(2, j, h)
        c.font = Font(bold=True, color="FFFFFF")
        c.fill = PatternFill("solid", fgColor="1F4E79")
    r = 2
    for kind, first, vals, note in sheet_rows(rows, years, as_of):
        r += 1
        ws.cell(r, 1, first).alignment = Alignment(wrap_text=True, vertical="top", indent=2 if kind == SUB else 0)
        for j, (v, fmt) in enumerate(vals, start=2):
            c = ws.cell(r, j, v)
            c.alignment = Alignment(wrap_text=True, vertical="top")
            if fmt:
                c.number_format = fmt
        ws.cell(r, len(hs), note or None).alignment = Alignment(wrap_text=True, vertical="top")
        if kind == HEADING:
            for j in range(1, len(hs) + 1):
                ws.cell(r, j).font = Font(bold=True)
                ws.cell(r, j).fill = PatternFill("solid", fgColor="DCE6F1")
        elif kind == INDICATOR:
            ws.cell(r, 1).font = Font(bold=True)
    for j in range(1, len(hs) + 1):
        ws.column_dimensions[get_column_letter(j)].width = 60 if j == 1 else 80 if j == len(hs) else 16
    ws.freeze_panes = "B3"
    buf = io.BytesIO()
    save(wb, buf)
    return buf.getvalue()


# ------------------------------------------------------------------------------------------------ Word

def _sex_parts(row: IndicatorRow) -> list[tuple[str, IndicatorRow]]:
    """The sex breakdown rows as (initial, row): 'Sex: Male' -> ('M', row)."""
    return [(sub.label.split(":")[-1].strip()[:1].upper(), sub) for sub in row.breakdown if sub.by == "sex"]


def inline_text(row: IndicatorRow, cell: Cell | None, pick: str, as_of_blank: bool = False) -> str:
    """A Word cell as the template writes it: the value with its sex split inside, '54 (29 M / 25 F)'; a
    training cell '54 (29 M / 25 F) trained / 40 (24 M / 16 F) improved'; a share '42.1% (37.1–47.3); 40.8% M /
    43.5% F'. *pick* names the period (or 'cumulative') to take from each sex row."""
    if as_of_blank:
        return ""
    if cell is None:
        return "–"
    sexes = [(k, sub.cumulative if pick == "cumulative" else sub.cells.get(pick)) for k, sub in _sex_parts(row)]
    sexes = [(k, c) for k, c in sexes if c is not None and c.value is not None and c.text_value is None]
    if not sexes or cell.text_value is not None:
        return cell.text()
    if cell.extra is not None:  # training: trained and improved, each with its split
        def split(get: str) -> str:
            return " / ".join(f"{int(getattr(c, get) or 0):,} {k}" for k, c in sexes)
        return (f"{int(cell.value or 0):,} ({split('value')}) {cell.label or 'trained'} / "
                f"{int(cell.extra):,} ({split('extra')}) {cell.extra_label or 'improved'}")
    if cell.unit != "%" and cell.ci_low is None:
        return f"{cell.text()} (" + " / ".join(f"{replace(c, label='').text()} {k}" for k, c in sexes) + ")"
    bare = [f"{replace(c, ci_low=None, ci_high=None, flag='').text()} {k}" for k, c in sexes]
    return f"{cell.text()}; " + " / ".join(bare)


def docx_rows(rows: list[IndicatorRow], years: Mapping[str, str] | None = None, as_of: str | None = None
              ) -> Iterator[tuple[str, list[str]]]:
    """The Word table's rows: headings, indicators with the sex split inside their cells, then the other
    disaggregations (age, institution ...) as indented rows."""
    periods = report_periods(years)
    level = None
    for row in rows:
        if row.level != level:
            level = row.level
            yield HEADING, [heading(row)]
        cells = [inline_text(row, row.cells.get(p), p, as_of is not None and not covered(p, as_of))
                 for p in periods]
        yield INDICATOR, [f"{row.id} {row.text}", *cells, inline_text(row, row.cumulative, "cumulative"),
                          notes(row)]
        for kind, sub_cells in table_rows([replace(row, breakdown=[s for s in row.breakdown if s.by != "sex"])],
                                          years, as_of):
            if kind == SUB:
                yield SUB, sub_cells


def to_docx(rows: list[IndicatorRow], title: str = "Results framework",
            years: Mapping[str, str] | None = None, as_of: str | None = None) -> bytes:
    """A Word document (landscape A4) with the results framework in the annual-report template's layout:
    header row INDICATORS | Baseline | Y1 | Y2 | Y3 | [Y4] | Cumulative | Notes, shaded Outcome/Output rows
    spanning the table, the sex split inside each indicator's cells, other disaggregations indented beneath."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    doc = Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.LANDSCAPE
    sec.page_width, sec.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(sec, side, Cm(1.5))
    doc.styles["Normal"].font.name = "Arial"
    doc.styles["Normal"].font.size = Pt(8)
    doc.add_heading(title, level=1)
    hs = headers(years)
    table = doc.add_table(rows=1, cols=len(hs))
    table.style = "Table Grid"

    def shade(cell: object, color: str) -> None:
        props = cell._tc.get_or_add_tcPr()  # type: ignore[attr-defined]
        fill = OxmlElement("w:shd")
        fill.set(qn("w:val"), "clear")
        fill.set(qn("w:fill"), color)
        props.append(fill)

    def put(cell: object, text: str, bold: bool = False, indent: bool = False, white: bool = False) -> None:
        para = cell.paragraphs[0]  # type: ignore[attr-defined]
        run = para.add_run(text)
        run.bold = bold
        if white:
            from docx.shared import RGBColor

            run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
        if indent:
            para.paragraph_format.left_indent = Cm(0.4)

    for j, h in enumerate(hs):
        put(table.rows[0].cells[j], h, bold=True, white=True)
        shade(table.rows[0].cells[j], "1F4E79")
    head_row = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    head_row.append(repeat)
    for kind, cells in docx_rows(rows, years, as_of):
        tr = table.add_row()
        if kind == HEADING:
            merged = tr.cells[0].merge(tr.cells[len(hs) - 1])
            put(merged, cells[0], bold=True)
            shade(merged, "DCE6F1")
            continue
        for j, text in enumerate(cells):
            put(tr.cells[j], text, bold=kind == INDICATOR and j == 0, indent=kind == SUB and j == 0)
    widths = [Cm(5.0), *[Cm(2.5)] * (len(hs) - 3), Cm(2.7), Cm(0)]
    widths[-1] = Cm(26.7 - sum(w.cm for w in widths[:-1]))
    table.autofit = False
    for j, w in enumerate(widths):  # the grid (LibreOffice) and every cell (Word)
        table.columns[j].width = w
        for c in table.columns[j].cells:
            c.width = w
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
