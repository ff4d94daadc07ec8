"""The monitoring report: one self-contained HTML page (Jinja2 with autoescape, charts embedded as PNG) and every
table as CSV in ``tables/``, written atomically into the output folder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..atomic import inside, refuse_overwriting_inputs, write_text
from ..templates import render
from . import charts
from .monitor import Monitoring

PERCENT = {"RR1", "RR2", "RR3", "RR4", "RR5", "RR6", "COOP1", "COOP2", "COOP3", "COOP4", "REF1", "REF2", "REF3",
           "CON1", "CON2", "CON3", "speeder_share", "item_nonresponse", "dont_know", "refusal", "straightlining",
           "other_share", "outlier_share", "consent_refusal", "female_share", "female_share_others", "error_rate",
           "type1_error_rate", "type2_error_rate", "roster_mismatch_rate"}
# Column of the interviewer quality table -> the threshold attribute above which its cell is marked.
MARK = {"speeder_share": "speeder_share", "item_nonresponse": "item_nonresponse", "straightlining": "straightlining",
        "other_share": "other_share", "outlier_share": "outlier_share", "consent_refusal": "consent_refusal",
        "type1_error_rate": "backcheck_error"}
DECIMALS = {"median_duration": 1, "achieved_pct": 1, "cumulative_pct_of_target": 1, "rho_int": 3, "deff_int": 2,
            "line1_expected": 1, "mean_age": 1, "mean_age_others": 1, "e": 3, "robust_z": 2, "median": 1}
CSV_FORMULA = ("=", "+", "-", "@", "\t", "\r")

METHODS = [
    "Outcome rates follow AAPOR Standard Definitions (10th edition, 2023): I complete, P partial, R refusal and "
    "break-off, NC non-contact, O other non-interview, UH/UO unknown eligibility, NE not eligible. "
    "RR1 = I/((I+P)+(R+NC+O)+(UH+UO)); RR3 = I/((I+P)+(R+NC+O)+e(UH+UO)); RR5 = I/((I+P)+(R+NC+O)); RR2/4/6 count "
    "partials as respondents. COOP1 = I/((I+P)+R+O), COOP3 = I/((I+P)+R); REF1 = R/((I+P)+(R+NC+O)+(UH+UO)); "
    "CON1 = ((I+P)+R+O)/((I+P)+R+O+NC+(UH+UO)).",
    "Speeders: interviews shorter than the speeder limit. Item nonresponse, don't know and refusal: shares of the "
    "items the questionnaire's routing asked (survey-management items left out). Straightlining: grids (three or "
    "more consecutive items with one answer scale) answered with one value throughout. Outliers: numeric answers "
    "more than the limit in robust SDs (1.4826 × MAD) from the median.",
    "Interviewer effect rho_int: the one-way ANOVA estimator (MSB − MSW)/(MSB + (n0 − 1)MSW) with interviewers as "
    "groups (Kish 1962); deff_int = 1 + (m − 1)·rho_int with m interviews per interviewer. Values above about 0.02 "
    "are common; larger ones point to interviewers leading answers or inventing them.",
    "Selection: with a Kish grid each of n eligible persons is chosen with probability 1/n, so an interviewer's "
    "count of line-1 selections is compared with Σ 1/n (z); sex and age of respondents in households with several "
    "eligible persons are compared with everyone else's.",
    "Back-checks (as IPA bcstats): type 1 items should never differ (interviewer error), type 2 may be hard to get "
    "right (training), type 3 test stability (by item only); okrange differences count as agreement.",
]


def _fmt(col: str, v: Any) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)) or (not isinstance(v, str) and pd.isna(v)):
        return "–"
    if isinstance(v, bool | np.bool_):
        return "yes" if v else "no"
    if col in PERCENT and isinstance(v, int | float | np.number):
        return f"{100 * float(v):.1f}%"
    if isinstance(v, float | np.floating) and (col in DECIMALS or col.endswith("_z")):
        return f"{float(v):,.{DECIMALS.get(col, 2)}f}"
    if isinstance(v, float | np.floating):
        f = float(v)
        return f"{f:,.0f}" if f.is_integer() and abs(f) < 1e12 else f"{f:,.2f}" if abs(f) >= 10 else f"{f:.3f}"
    return str(v)


def _table(df: pd.DataFrame, title: str, csv: str, *, limit: int | None = 60, collapsed: bool = False,
           marks: dict[str, float] | None = None, flagged: set[str] | None = None) -> dict[str, Any]:
    """A table block: formatted cells, cells above their mark (or rows of flagged interviewers' first cell)
    classed 'flag'."""
    shown = df if limit is None else df.head(limit)
    rows = []
    for _, r in shown.iterrows():
        cells = []
        for k, col in enumerate(shown.columns):
            v = r[col]
            cls = "t" if k == 0 or isinstance(v, str) else ""
            if marks and col in marks and isinstance(v, int | float | np.number) and np.isfinite(v) \
                    and v > marks[col]:
                cls = "flag"
            if k == 0 and flagged is not None and str(v) in flagged:
                cls = "t flag"
            cells.append({"text": _fmt(str(col), v), "cls": cls})
        rows.append(cells)
    first = rows[0] if rows else [{"cls": "t"}] * len(shown.columns)
    header = [{"text": str(c).replace("_", " "), "cls": "t" if "t" in cell["cls"].split() else ""}
              for c, cell in zip(shown.columns, first, strict=True)]
    return {"kind": "table", "title": title, "header": header, "rows": rows, "total": len(df),
            "more": len(df) - len(shown), "csv": csv, "collapsed": collapsed}


def _chart(uri: str, alt: str) -> dict[str, Any]:
    return {"kind": "chart", "uri": uri, "alt": alt}


def _csv_safe(df: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula get a leading apostrophe."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = out[c].map(lambda v: "'" + v if isinstance(v, str) and v.startswith(CSV_FORMULA) else v)
    return out


def write_monitoring_report(m: Monitoring, out_dir: str | Path, *, title: str, data: str,
                 inputs: list[str | Path] | None = None) -> dict[str, Path]:
    """Write DIR/monitor.html and DIR/tables/<name>.csv (never over one of *inputs*); return the paths by name."""
    out = Path(out_dir)
    targets = {f"tables/{name}.csv": inside(out / "tables", f"{name}.csv") for name in [*m.tables, "flags"]}
    for target in [*targets.values(), out / "monitor.html"]:
        refuse_overwriting_inputs(target, inputs or [])
    written: dict[str, Path] = {}
    for name, table in {**m.tables, "flags": m.flags}.items():
        written[f"tables/{name}.csv"] = write_text(targets[f"tables/{name}.csv"], _csv_safe(table).to_csv(index=False))
    html = render("monitor.html", page="monitor", **_context(m, title, data))
    written["monitor.html"] = write_text(out / "monitor.html", html)
    return written


def _context(m: Monitoring, title: str, data: str) -> dict[str, Any]:
    th = m.config.thresholds
    t = m.tables
    flagged = {str(x) for x in m.flags["interviewer"]} if len(m.flags) else set()
    marks = {col: getattr(th, attr) for col, attr in MARK.items()}
    cards = [{"value": f"{m.summary.get('completed', 0):,}", "label": "completed interviews", "bad": False}]
    if m.summary.get("target"):
        pct = 100 * float(m.summary["completed"]) / float(m.summary["target"])  # type: ignore[arg-type]
        cards.append({"value": f"{pct:.1f}%", "label": f"of the target {m.summary['target']:,.0f}", "bad": False})
    if "outcomes_overall" in t:
        rr3 = t["outcomes_overall"]["RR3"].iloc[0]
        cards.append({"value": _fmt("RR3", rr3), "label": "response rate (AAPOR RR3)",
                      "bad": bool(np.isfinite(rr3) and rr3 < th.response_rate)})
    if m.summary.get("interviewers"):
        cards.append({"value": str(m.summary["interviewers"]), "label": "interviewers", "bad": False})
    n_flag = len({x for x in flagged if not x.startswith("(item)")})
    cards.append({"value": str(n_flag), "label": "interviewers flagged", "bad": n_flag > 0})
    if "gaps" in t:
        gaps = int((t["gaps"]["issue"] != "in the data but not in the sample").sum())
        cards.append({"value": str(gaps), "label": "PSUs without interviews", "bad": gaps > 0})
    if m.summary.get("backchecks"):
        cards.append({"value": str(m.summary["backchecks"]), "label": "back-checks matched", "bad": False})
    sections = [_flags_section(m), _progress_section(m), _outcomes_section(m, flagged),
                _quality_section(m, flagged, marks), _effects_section(m), _selection_section(m),
                _duplicates_section(m), _backcheck_section(m, marks)]
    return {"title": title, "data": data, "generated": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
            "cards": cards, "sections": [s for s in sections if s],
            "notes": ([f"Columns found by their usual names: {'; '.join(m.fields.found)}."] if m.fields.found else [])
            + m.notes + METHODS, "csv_dir": "tables"}


def _flagged_for(m: Monitoring, word: str) -> set[str]:
    """Interviewers flagged on a check whose name contains *word* (the red bars of that check's chart)."""
    f = m.flags
    return {str(x) for x in f.loc[f["check"].str.contains(word, regex=False), "interviewer"]} if len(f) else set()


def _flags_section(m: Monitoring) -> dict[str, Any]:
    if not len(m.flags):
        return {"id": "flags", "title": "Flags", "intro": [], "blocks": [
            {"kind": "text", "text": "Nothing beyond the thresholds."}]}
    f = m.flags.copy()
    f["value"] = [_fmt("RR3" if "%" in str(lim) else "", v) for v, lim in zip(f["value"], f["limit"], strict=True)]
    f = f.sort_values(["interviewer", "check"], key=lambda s: s.astype(str))
    return {"id": "flags", "title": "Flags", "intro": [
        "What to follow up today: each interviewer (or item) beyond a threshold. Thresholds are set in the "
        "thresholds file (--thresholds)."], "blocks": [_table(f, "", "tables/flags.csv", limit=None)]}


def _progress_section(m: Monitoring) -> dict[str, Any] | None:
    t = m.tables
    blocks: list[dict[str, Any]] = []
    if "progress_day" in t and len(t["progress_day"]):
        blocks.append(_chart(charts.cumulative_chart(t["progress_day"], m.summary.get("target")),  # type: ignore[arg-type]
                             "completed interviews by day"))
        blocks.append(_table(t["progress_day"].iloc[::-1], "By day (latest first)", "tables/progress_day.csv",
                             limit=None, collapsed=True))
    if "progress_region" in t:
        blocks.append(_chart(charts.achieved(t["progress_region"], "Completed interviews by region"), "by region"))
        blocks.append(_table(t["progress_region"], "By region", "tables/progress_region.csv", limit=None))
    if "progress_interviewer" in t:
        blocks.append(_table(t["progress_interviewer"], "By interviewer", "tables/progress_interviewer.csv",
                             limit=None, collapsed=True))
    if "progress_psu" in t:
        p = t["progress_psu"]
        if "achieved_pct" in p:
            p = p.sort_values("achieved_pct", na_position="first")
        blocks.append(_table(p, "By PSU (least advanced first)", "tables/progress_psu.csv", limit=200,
                             collapsed=True))
    return {"id": "progress", "title": "Progress", "intro": [], "blocks": blocks} if blocks else None


def _outcomes_section(m: Monitoring, flagged: set[str]) -> dict[str, Any] | None:
    t = m.tables
    if "outcomes_overall" not in t:
        return None
    e = m.summary.get("e")
    intro = [f"Eligibility estimate e for cases of unknown eligibility: {_fmt('', e)} ({m.summary.get('e_source')})."]
    o_all = t["outcomes_overall"]
    counts = [c for c in ("I", "P", "R", "NC", "O", "UH", "UO", "NE", "cases", "e") if c in o_all]
    blocks = [_table(o_all[counts], "Final dispositions (all cases)", "tables/outcomes_overall.csv"),
              _table(o_all[[c for c in o_all.columns if c not in counts and c != "group"]], "Rates",
                     "tables/outcomes_overall.csv")]
    if "outcomes_interviewer" in t:
        o = t["outcomes_interviewer"]
        blocks.append(_chart(charts.by_interviewer(o["RR3"], o["interviewer"], _flagged_for(m, "response rate"),
                                                   "Response rate RR3 by interviewer",
                                                   m.config.thresholds.response_rate), "RR3 by interviewer"))
        blocks.append(_table(o, "By interviewer", "tables/outcomes_interviewer.csv", limit=None, collapsed=True,
                             flagged=flagged))
    if "outcomes_psu" in t:
        blocks.append(_table(t["outcomes_psu"].sort_values("RR3"), "By PSU (lowest RR3 first)",
                             "tables/outcomes_psu.csv", limit=200, collapsed=True))
    return {"id": "outcomes", "title": "Outcome rates (AAPOR)", "intro": intro, "blocks": blocks}


def _quality_section(m: Monitoring, flagged: set[str], marks: dict[str, float]) -> dict[str, Any] | None:
    t = m.tables
    if "quality_interviewer" not in t:
        return None
    q = t["quality_interviewer"]
    intro = []
    if m.summary.get("duration_source"):
        intro.append(f"Duration from {m.summary['duration_source']}; median {m.summary['median_duration']:.0f} "
                     f"minutes; speeder limit {m.summary['speeder_limit']:.1f} minutes.")
    if m.summary.get("grids"):
        intro.append("Grids checked for straightlining: " + "; ".join(map(str, m.summary["grids"])) + ".")  # type: ignore[call-overload]
    blocks = [_table(q, "", "tables/quality_interviewer.csv", limit=None, marks=marks, flagged=flagged)]
    iv = t.get("interviews")
    if iv is not None and "duration" in iv:
        blocks.append(_chart(charts.durations(iv, m.summary.get("speeder_limit"), _flagged_for(m, "speeders")),  # type: ignore[arg-type]
                             "durations by interviewer"))
    if "straightlining" in q and q["straightlining"].notna().any():
        blocks.append(_chart(charts.by_interviewer(q["straightlining"], q["interviewer"],
                                                   _flagged_for(m, "straightlining"),
                                                   "Straightlining: share of grids answered all alike",
                                                   m.config.thresholds.straightlining), "straightlining"))
    if "outliers" in t:
        blocks.append(_table(t["outliers"], "Outlying numeric answers", "tables/outliers.csv", limit=100,
                             collapsed=True))
    return {"id": "quality", "title": "Quality by interviewer", "intro": intro, "blocks": blocks}


def _effects_section(m: Monitoring) -> dict[str, Any] | None:
    e = m.tables.get("interviewer_effects")
    if e is None or not len(e):
        return None
    return {"id": "effects", "title": "Interviewer effects", "intro": [
        "Intra-interviewer correlation rho_int of the key items (one-way ANOVA estimator) and the design effect it "
        "causes, deff_int = 1 + (m − 1)·rho_int."], "blocks": [
        _chart(charts.rho(e, m.config.thresholds.rho_int), "rho_int by item"),
        _table(e, "", "tables/interviewer_effects.csv", limit=None, marks={"rho_int": m.config.thresholds.rho_int})]}


def _selection_section(m: Monitoring) -> dict[str, Any] | None:
    s = m.tables.get("selection")
    if s is None:
        return None
    z = m.config.thresholds.rate_z
    return {"id": "selection", "title": "Respondent selection (Kish grid)", "intro": [
        f"line1_z above {z:g} is flagged: line 1 (the oldest) chosen more often than 1/n predicts. The sex and age "
        "of the respondents are compared with the other interviewers' (z) but not flagged: interviewers work in "
        "different areas, whose people differ."], "blocks": [
        _table(s, "", "tables/selection.csv", limit=None, flagged=_flagged_for(m, "Kish"),
               marks={"line1_z": z, "roster_mismatch_rate": m.config.thresholds.selection_mismatch})]
        + ([_table(m.tables["selection_roster"], "Selections that do not match the roster",
                   "tables/selection_roster.csv", limit=100, collapsed=True)]
           if len(m.tables.get("selection_roster", [])) else [])}


def _duplicates_section(m: Monitoring) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = []
    d = m.tables.get("duplicates")
    if d is not None and len(d):
        blocks.append(_table(d, "Duplicates", "tables/duplicates.csv", limit=100))
    else:
        blocks.append({"kind": "text", "text": "No household, respondent id or answer pattern occurs twice."})
    g = m.tables.get("gaps")
    if g is not None and len(g):
        blocks.append(_table(g, "PSUs without interviews", "tables/gaps.csv", limit=100))
    elif g is not None:
        blocks.append({"kind": "text", "text": "Every PSU of the sample has completed interviews."})
    return {"id": "duplicates", "title": "Duplicates and gaps", "intro": [], "blocks": blocks}


def _backcheck_section(m: Monitoring, marks: dict[str, float]) -> dict[str, Any] | None:
    t = m.tables
    if "backcheck_item" not in t:
        return None
    b = t["backcheck_interviewer"]
    blocks = []
    if "type1_error_rate" in b:
        blocks.append(_chart(charts.by_interviewer(b["type1_error_rate"], b["interviewer"],
                                                   _flagged_for(m, "back-check"),
                                                   "Back-check discrepancy rate, type 1 items",
                                                   m.config.thresholds.backcheck_error), "back-check errors"))
    blocks += [_table(b, "By interviewer", "tables/backcheck_interviewer.csv", limit=None, marks=marks,
                      flagged=_flagged_for(m, "back-check")),
               _table(t["backcheck_item"], "By item", "tables/backcheck_item.csv", limit=None),
               _table(t["backcheck_discrepancies"], "Discrepancies", "tables/backcheck_discrepancies.csv",
                      limit=150, collapsed=True)]
    return {"id": "backchecks", "title": "Back-checks", "intro": [
        f"{m.summary.get('backchecks', 0)} back-check interview(s) matched to the originals. An interviewer is "
        f"flagged when more than {m.config.thresholds.backcheck_error:.0%} of the type 1 comparisons differ, two "
        "at least (one discrepancy alone is no flag)."], "blocks": blocks}
