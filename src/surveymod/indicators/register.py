"""The programme's monitoring register: a CSV or XLSX sheet with one value per indicator and period, and its source.

Columns: ``indicator`` (the framework code, e.g. ``1.2a``), ``period`` (baseline, year1 ... year4), ``value``
(checked against the indicator's value type) and ``source`` (required: where the value comes from); ``notes`` is
optional. Every row is checked; problems name the file and the row as the programme officer sees it (the header is
row 1), so a wrong code, an unknown period or a bad value can be found and fixed in the sheet.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..atomic import note_input
from ..errors import Location, Problem, SurveyError
from ..limits import check_sheets, regular_file
from ..yamlpos import NON_PRINTABLE
from .asof import report_periods
from .programme import MonitoringValue, Programme
from .values import check_value

COLUMNS = ("indicator", "period", "value", "source")


def _read(path: Path) -> pd.DataFrame:
    ext = path.suffix.lower()
    note_input(path)
    regular_file(path, "monitoring register")
    if ext == ".xlsx":
        check_sheets(path, str(path))
    try:
        if ext == ".csv":
            return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        if ext == ".xlsx":
            return pd.read_excel(path, dtype=str).fillna("")
    except Exception as exc:  # noqa: BLE001 - any parse failure is about the user's file
        raise SurveyError(f"cannot read the monitoring register {path}: {exc}", rule="register-read") from None
    raise SurveyError(f"monitoring register {path.name}: use a .csv or .xlsx file", rule="register-format")


def read_register(path: str | Path, spec: Programme, display: str | None = None) -> dict[str, list[MonitoringValue]]:
    """Values per indicator code; SurveyError listing every bad row (file, row, column)."""
    p = Path(path)
    file = display or str(p)
    df = _read(p)
    df.columns = [str(c).strip().lower() for c in df.columns]
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise SurveyError(Problem(f"the monitoring register needs the column(s) {', '.join(missing)} (it has: "
                                  f"{', '.join(df.columns)})", "register-columns", location=Location(file, row=1)))
    by_id = {ind.id: ind for ind in spec.indicators}
    periods = report_periods(spec.years)
    out: dict[str, list[MonitoringValue]] = {}
    seen: dict[tuple[str, str], int] = {}
    problems: list[Problem] = []
    for k, rec in enumerate(df.to_dict("records")):
        row = k + 2  # the header is row 1

        def bad(msg: str, col: str, rule: str, row: int = row) -> None:
            problems.append(Problem(msg, rule, location=Location(file, row=row, variable=col)))

        for col, text in rec.items():
            hit = NON_PRINTABLE.search(str(text))
            if hit:
                bad(f"the text holds the control character U+{ord(hit.group()):04X}; clean the cell", str(col),
                    "register-control-character")
        code, period = str(rec["indicator"]).strip(), str(rec["period"]).strip().lower()
        value, source = str(rec["value"]).strip(), str(rec["source"]).strip()
        if not any((code, period, value, source)):
            continue  # blank line
        ind = by_id.get(code)
        if ind is None:
            bad(f"unknown indicator code '{code}' (the spec's codes: {', '.join(by_id)})", "indicator",
                "register-indicator")
        elif ind.kind != "monitoring":
            bad(f"indicator {code} is computed from {ind.kind} data, not taken from the register", "indicator",
                "register-indicator")
        if period not in periods:
            bad(f"unknown period '{rec['period']}' (periods: {', '.join(periods)}"
                + ("; name year4 under 'years' in the spec to report it" if period == "year4" else "") + ")",
                "period", "register-period")
        if not source:
            bad("every value needs its source (register, log, report)", "source", "register-source")
        if ind is None or ind.kind != "monitoring" or period not in periods:
            continue
        msg = check_value(ind, value)
        if msg:
            bad(f"indicator {code}: value '{value}': {msg}", "value", "register-value")
            continue
        if (code, period) in seen:
            bad(f"indicator {code} has a second value for {period} (first in row {seen[(code, period)]})",
                "period", "register-duplicate")
            continue
        seen[(code, period)] = row
        note = str(rec.get("notes", "") or "").strip() or None
        out.setdefault(code, []).append(MonitoringValue(period=period, value=value, source=source, notes=note))
    if problems:
        raise SurveyError(problems)
    return out
