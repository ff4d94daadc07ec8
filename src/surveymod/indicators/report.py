"""The programme report: the results-framework table, charts and a methods note in one HTML page, plus files.

``write_framework`` is the one place that writes the indicator outputs (atomically): framework.docx/.xlsx/.md/.html,
charts/*.png|svg, report.html and indicators.json (machine-readable rows).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..atomic import inside, write_bytes, write_text
from . import charts, framework
from .results import PERIOD_TITLES, PERIODS, IndicatorRow

if TYPE_CHECKING:
    from .compute import WaveData

DEFAULT_METHODS = [
    "Survey indicators are design-based estimates: weights, strata and PSUs (or replicate weights) enter every "
    "estimate, standard error and confidence interval (surveymod.estimation, Taylor linearisation or replicates).",
    "Confidence intervals are 95% intervals with Student t and the design degrees of freedom (#PSU − #strata; "
    "replicates − 1); proportions use the logit interval unless the spec says otherwise.",
    "Change against baseline treats the waves as independent samples: the variances add; the relative change "
    "(% increase) uses the delta method, as R survey's svycontrast; the one p-value of a change is the two-sided "
    "t test of no change (difference 0), shown alike next to the points and the % increase, printed as "
    "p < 0.001 when smaller.",
    "Disaggregations by sex and age keep the full design (domains are zero-weighted, never deleted).",
    "Training indicators: trained = every trainee who attended (a pre- or a post-test); improved = a trainee whose "
    "pre- and post-test match (same trainee id) and whose score rose by at least the stated threshold in points of "
    "the maximum score. Totals and breakdowns (sex, age, institution) use the same definitions, so breakdowns add "
    "up to the total; trainees with only one test are counted as trained and reported; paired t and Wilcoxon tests "
    "use the matched pairs.",
    "Monitoring indicators are taken from the programme's records (the spec or its monitoring register) as "
    "stated in each row's source; baselines are shown as written in the framework.",
    "Cumulative column, as the annual-report template asks: counts add up over the reporting years (Y1; Y1+Y2; "
    "Y1+Y2+Y3); levels, shares, scale scores and survey estimates report the latest value; yes/no and text "
    "indicators show the latest statement. A period without a value stays empty (–), never 0.",
    "Targets are judged from the confidence interval: met (the whole interval reaches the target), met on the "
    "point estimate but not statistically, or not met.",
]


def _chart_periods(row: IndicatorRow) -> str | None:
    cells = row.level_cells()
    later = [p for p in PERIODS[1:] if p in cells]
    base = cells.get("baseline")
    return later[-1] if later and base is not None and base.ci_low is not None else None


def render_charts(rows: list[IndicatorRow]) -> dict[str, dict[str, bytes]]:
    """Chart bytes per indicator id that has an estimated baseline and a later survey value."""
    out: dict[str, dict[str, bytes]] = {}
    for row in rows:
        later = _chart_periods(row)
        if row.kind == "survey" and later:
            out[row.id] = charts.baseline_vs_latest(row, later)
    return out


def _latest(row: IndicatorRow) -> tuple[str, str]:
    """The result to date: the latest estimated level of a survey row, else the Cumulative column."""
    cells = row.level_cells()
    if row.kind != "survey" and row.cumulative is not None:
        cells = {p: c for p, c in cells.items() if p != "baseline"}
        period = max(cells, key=PERIODS.index) if cells else ""
        return (PERIOD_TITLES[period] if period else ""), row.cumulative.text()
    for p in reversed(PERIODS[1:]):
        if p in cells:
            return PERIOD_TITLES[p], cells[p].text()
    return "", "–"


def _headline(rows: list[IndicatorRow]) -> list[IndicatorRow]:
    """Outcome-level indicators, then any other row with a target."""
    out = [r for r in rows if r.level.lower().startswith("outcome")]
    return out + [r for r in rows if r.target and r not in out]


def _png_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def summary_rows(rows: list[IndicatorRow]) -> list[dict[str, str]]:
    """The one-page summary's rows: headline indicators with their latest value and change, status vs targets."""
    out = []
    for r in _headline(rows):
        period, latest = _latest(r)
        if r.change is not None:
            ch = r.change.increase_text()
            if r.value_type != "relative_change":
                ch = f"{r.change.points:+.1f} points; {ch}"
        else:
            ch = "–"
        out.append({"id": r.id, "text": r.text, "base": r.cells["baseline"].text() if "baseline" in r.cells else "–",
                    "latest": latest + (f" ({period})" if period else ""), "change": ch, "target": r.target or "–",
                    "status": r.target_status or ("no target set" if not r.target else "not yet measured"),
                    "cls": {"met": "met", "not met": "notmet"}.get(r.target_status,
                                                                    "point" if r.target_status else "")})
    return out


def report_html(rows: list[IndicatorRow], title: str, chart_png: dict[str, bytes], methods: list[str],
                sources: list[str], years: Mapping[str, str] | None = None, as_of: str | None = None) -> str:
    """One self-contained HTML page (charts embedded) a programme officer can read and forward: a one-page
    summary first, then the full results framework, charts, methods and sources. Every text is escaped."""
    from ..templates import render

    first = next((k for k in (r.id for r in _headline(rows)) if k in chart_png), None) or next(iter(chart_png), None)
    return render("report.html", page="framework", title=title, summary=summary_rows(rows),
                  summary_chart=None if first is None else {"alt": first, "uri": _png_uri(chart_png[first])},
                  table=framework.html_table(rows, years, as_of),
                  charts=[{"alt": k, "uri": _png_uri(png)} for k, png in chart_png.items()],
                  methods=methods, sources=sources)


def rows_json(rows: list[IndicatorRow]) -> str:
    """Machine-readable rows (every cell, change and breakdown)."""
    return json.dumps([asdict(r) for r in rows], indent=2, ensure_ascii=False, default=str) + "\n"


def write_framework(rows: list[IndicatorRow], out_dir: str | Path, *, title: str, methods: list[str] | None = None,
                  sources: list[str] | None = None, years: Mapping[str, str] | None = None,
                  as_of: str | None = None) -> dict[str, Path]:
    """Write the table (Word, XLSX, Markdown, HTML), charts (PNG, SVG), the report and JSON; return their paths.
    *as_of* (a period) leaves the later year columns blank, as the annual report of that year does."""
    out = Path(out_dir)
    written: dict[str, Path] = {
        "framework.docx": write_bytes(out / "framework.docx", framework.to_docx(rows, title, years, as_of)),
        "framework.xlsx": write_bytes(out / "framework.xlsx", framework.to_xlsx(rows, title, years, as_of)),
        "framework.md": write_text(out / "framework.md", framework.to_markdown(rows, title, years, as_of)),
        "framework.html": write_text(out / "framework.html", framework.to_html(rows, title, years, as_of)),
        "indicators.json": write_text(out / "indicators.json", rows_json(rows)),
    }
    imgs = render_charts(rows)
    for ind_id, files in imgs.items():
        safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in ind_id)
        for fmt, data in files.items():
            written[f"charts/{safe}.{fmt}"] = write_bytes(inside(out / "charts", f"{safe}.{fmt}"), data)
    written["report.html"] = write_text(out / "report.html", report_html(
        rows, title, {k: v["png"] for k, v in imgs.items()}, methods or DEFAULT_METHODS, sources or [], years, as_of))
    return written


@dataclass
class Report:
    """What ``write_indicator_report`` made: the written files, notes on the waves left out, the rows and the loaded waves."""

    paths: dict[str, Path]
    notes: list[str]
    rows: list[IndicatorRow]
    waves: dict[str, WaveData]


def write_indicator_report(spec: str | Path, out_dir: str | Path, as_of: str | None = None, *,
                 loaded: dict[str, WaveData] | None = None, methods: list[str] | None = None,
                 sources: list[str] | None = None) -> Report:
    """``surveymod indicators``: load the spec, compute it as of a reporting year (default: the last) and write
    every output, with the notes on waves left out (due later, or no data yet). *loaded* reuses waves already read
    and weighted; *sources* are added to the ones listed from the waves."""
    from .asof import availability, resolve_as_of, year_text
    from .compute import compute
    from .programme import load_programme

    lp = load_programme(spec)
    period = resolve_as_of(as_of, lp.spec.years)
    rows, waves = compute(lp, period, loaded)
    av = availability(lp.spec.waves, lp.base, period)
    listed = [f"{w.wave.label or name}: {w.wave.data} ({len(w.frame)} rows, period {w.wave.period})"
              for name, w in waves.items()]
    if lp.spec.register_path:
        listed.append(f"Monitoring register: {lp.spec.register_path}")
    notes = [f"{lp.spec.waves[w].label or w}: due {year_text(p, lp.spec.years)}" for w, p in av.due.items()]
    notes += [f"{lp.spec.waves[w].label or w}: data file {f} not found; reported as not available"
              for w, f in av.missing.items()]
    title = lp.spec.title if as_of is None else (
        f"{lp.spec.title} — as of {PERIOD_TITLES[period]}"
        + (f" ({lp.spec.years[period]})" if lp.spec.years.get(period) else ""))  # type: ignore[index]
    written = write_framework(rows, out_dir, title=title, methods=methods, sources=[*listed, *(sources or [])],
                            years=lp.spec.years, as_of=period)
    return Report(written, notes, rows, waves)
