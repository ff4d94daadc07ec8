"""The programme report: the results-framework table, charts and a methods note in one HTML page, plus files.

``write_outputs`` is the one place that writes the indicator outputs (atomically): framework.xlsx/.md/.html,
charts/*.png|svg, report.html and indicators.json (machine-readable rows).
"""

from __future__ import annotations

import base64
import html
import json
from dataclasses import asdict
from pathlib import Path

from ..atomic import write_bytes, write_text
from . import charts, framework
from .results import PERIOD_TITLES, PERIODS, IndicatorRow

DEFAULT_METHODS = [
    "Survey indicators are design-based estimates: weights, strata and PSUs (or replicate weights) enter every "
    "estimate, standard error and confidence interval (surveymod.estimation, Taylor linearisation or replicates).",
    "Confidence intervals are 95% intervals with Student t and the design degrees of freedom (#PSU − #strata; "
    "replicates − 1); proportions use the logit interval unless the spec says otherwise.",
    "Change against baseline treats the waves as independent samples: the variances add; the relative change "
    "(% increase) uses the delta method, as R survey's svycontrast; p-values are two-sided t tests.",
    "Disaggregations by sex and age keep the full design (domains are zero-weighted, never deleted).",
    "Training indicators count trainees with a matched pre- and post-test only; 'improved' means a gain of at "
    "least the stated threshold in points of the maximum score; paired t and Wilcoxon tests are reported.",
    "Monitoring indicators are taken from the programme's records as stated in each row's source.",
]


def _chart_periods(row: IndicatorRow) -> str | None:
    later = [p for p in PERIODS[1:] if p in row.cells]
    return later[-1] if later and "baseline" in row.cells else None


def render_charts(rows: list[IndicatorRow]) -> dict[str, dict[str, bytes]]:
    """Chart bytes per indicator id that has a baseline and a later survey value."""
    out: dict[str, dict[str, bytes]] = {}
    for row in rows:
        later = _chart_periods(row)
        if row.kind == "survey" and later:
            out[row.id] = charts.baseline_vs_latest(row, later)
    return out


def report_html(rows: list[IndicatorRow], title: str, chart_png: dict[str, bytes], methods: list[str],
                sources: list[str]) -> str:
    """One self-contained HTML page (charts embedded) a programme officer can read and forward."""
    parts = [f"<!doctype html><html lang=en><meta charset=utf-8><title>{html.escape(title)}</title>",
             f"<style>{framework.CSS} .chart{{margin:1em 0}} .chart img{{max-width:100%}} "
             ".note{color:#555;font-size:13px}</style>",
             f"<h1>{html.escape(title)}</h1>", "<h2>Results framework</h2>", framework.to_html_table(rows)]
    headline = [r for r in rows if r.change is not None]
    if headline:
        parts.append("<h2>Change against baseline</h2><ul>")
        for r in headline:
            ch = r.change
            assert ch is not None
            parts.append(f"<li><b>{html.escape(r.id)}</b> {html.escape(r.text)}: "
                         f"{html.escape(ch.text())} ({PERIOD_TITLES[ch.period]} vs Baseline).</li>")
        parts.append("</ul>")
    if chart_png:
        parts.append("<h2>Charts</h2>")
        for ind_id, png in chart_png.items():
            b64 = base64.b64encode(png).decode("ascii")
            parts.append(f'<div class="chart"><img alt="{html.escape(ind_id)}" src="data:image/png;base64,{b64}">'
                         "</div>")
    parts.append("<h2>Methods</h2><ul>" + "".join(f"<li>{html.escape(m)}</li>" for m in methods) + "</ul>")
    if sources:
        parts.append("<h2>Data sources</h2><ul>" + "".join(f"<li>{html.escape(s)}</li>" for s in sources)
                     + "</ul>")
    parts.append('<p class="note">Produced by surveymod. Cells: estimate (95% CI) [reliability flag].</p></html>')
    return "\n".join(parts) + "\n"


def rows_json(rows: list[IndicatorRow]) -> str:
    """Machine-readable rows (every cell, change and breakdown)."""
    return json.dumps([asdict(r) for r in rows], indent=2, ensure_ascii=False, default=str) + "\n"


def write_outputs(rows: list[IndicatorRow], out_dir: str | Path, *, title: str, methods: list[str] | None = None,
                  sources: list[str] | None = None) -> dict[str, Path]:
    """Write the table (XLSX, Markdown, HTML), charts (PNG, SVG), the report and JSON; return their paths."""
    out = Path(out_dir)
    written: dict[str, Path] = {
        "framework.xlsx": write_bytes(out / "framework.xlsx", framework.to_xlsx(rows, title)),
        "framework.md": write_text(out / "framework.md", framework.to_markdown(rows, title)),
        "framework.html": write_text(out / "framework.html", framework.to_html(rows, title)),
        "indicators.json": write_text(out / "indicators.json", rows_json(rows)),
    }
    imgs = render_charts(rows)
    for ind_id, files in imgs.items():
        safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in ind_id)
        for fmt, data in files.items():
            written[f"charts/{safe}.{fmt}"] = write_bytes(out / "charts" / f"{safe}.{fmt}", data)
    written["report.html"] = write_text(out / "report.html", report_html(
        rows, title, {k: v["png"] for k, v in imgs.items()}, methods or DEFAULT_METHODS, sources or []))
    return written
