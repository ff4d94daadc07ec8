"""Fieldwork progress: completed interviews by day, PSU, region and interviewer against the sample's targets.

The sample file has one row per PSU with a ``target`` column (interviews expected), or one row per issued unit
(targets are then the issued counts). Its PSU column has the data's PSU column name (or ``psu``); a ``region``
or ``interviewer`` column there gives targets by region or interviewer too.
"""

from __future__ import annotations

import pandas as pd

from ..errors import Location, SurveyError
from .keys import code_text


def sample_targets(sample: pd.DataFrame, psu: str, path: str) -> pd.DataFrame:
    """Targets per PSU (columns psu, target and, when the sample has them, region and interviewer)."""
    col = psu if psu in sample.columns else "psu" if "psu" in sample.columns else None
    if col is None:
        raise SurveyError(f"the sample file has no PSU column ('{psu}' or 'psu'); its columns: "
                          f"{', '.join(map(str, sample.columns))}", location=Location(file=path), rule="sample-psu")
    s = sample.rename(columns={col: "psu"})
    if "target" in s.columns:
        bad = pd.to_numeric(s["target"], errors="coerce")
        wrong = s.index[bad.isna() | (bad < 0)]
        if len(wrong):
            raise SurveyError(f"target '{s.loc[wrong[0], 'target']}' is not a count of interviews",
                              location=Location(file=path, row=int(wrong[0]) + 2, variable="target"),
                              rule="sample-target")
        s = s.assign(target=bad)
    else:
        s = s.assign(target=1.0)
    keep = [c for c in ("region", "interviewer") if c in s.columns]
    agg = s.groupby("psu", dropna=False).agg(target=("target", "sum"), **{c: (c, "first") for c in keep})
    return agg.reset_index()


def by_group(done: pd.DataFrame, col: str, targets: pd.DataFrame | None = None,
             target_col: str | None = None) -> pd.DataFrame:
    """Completed interviews (and all finalised cases) per value of *col*, with the target and % achieved."""
    counts = done.groupby(code_text(done[col]).rename("group")).agg(
        completed=("_complete", "sum"), cases=("_complete", "size")).reset_index()
    if targets is not None and target_col and target_col in targets.columns:
        t = targets.groupby(code_text(targets[target_col]).rename("group"))["target"].sum().reset_index()
        counts = t.merge(counts, on="group", how="outer")
        counts[["completed", "cases"]] = counts[["completed", "cases"]].fillna(0).astype(int)
        counts["achieved_pct"] = 100 * counts["completed"] / counts["target"].where(counts["target"] > 0)
    return counts.sort_values("group", key=_sort_key).reset_index(drop=True)


def _sort_key(s: pd.Series) -> pd.Series:
    num = pd.to_numeric(s, errors="coerce")
    return num.fillna(float("inf")) if num.notna().any() else s


def by_day(dates: pd.Series, complete: pd.Series, total_target: float | None) -> pd.DataFrame:
    """Completed interviews per day, cumulative, and the cumulative share of the total target."""
    if not pd.api.types.is_datetime64_any_dtype(dates):  # ODK start '2026-10-01T09:30:00.000+02:00': local day
        dates = dates.astype(str).str.strip().str[:10]
    d = pd.to_datetime(dates, errors="coerce", format="mixed").dt.tz_localize(None).dt.normalize()
    frame = pd.DataFrame({"date": d, "completed": complete.astype(int)}).dropna(subset=["date"])
    daily = frame.groupby("date")["completed"].sum().reset_index()
    daily["cumulative"] = daily["completed"].cumsum()
    if total_target:
        daily["cumulative_pct_of_target"] = 100 * daily["cumulative"] / total_target
    daily["date"] = daily["date"].dt.strftime("%Y-%m-%d")
    return daily
