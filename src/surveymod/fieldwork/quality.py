"""Interview quality by interviewer: duration and speeders, item nonresponse, don't know and refusal, straightlining
in grids, 'Other' answers, outliers, and the interviewer effect rho_int of key items.

Which items were asked comes from the questionnaire's routing (the same universe ``surveymod check`` uses); which
codes are don't know or refusal from the data's metadata (questionnaire ``missing:`` kinds or the file's own).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..data.meta import Metadata
from ..questionnaire import expr as E
from ..questionnaire.conditions import universe
from ..questionnaire.model import Question, Questionnaire
from .config import Fields, Grid, MonitorConfig

STORED = {"select_one", "select_multiple", "integer", "decimal", "text", "date", "year", "scale"}
_OTHER = re.compile(r"^\s*other\b", re.IGNORECASE)


@dataclass
class Items:
    """The substantive items of the form (survey management left out), its grids, and the notes on what is not
    checked."""

    names: list[str]
    grids: list[Grid]
    numeric: list[str]
    other_codes: dict[str, set[float]]
    notes: list[str] = field(default_factory=list)


def substantive_items(df: pd.DataFrame, qn: Questionnaire | None, fields: Fields, cfg: MonitorConfig) -> Items:
    """The items the quality checks look at, in questionnaire order."""
    used = fields.used()
    if qn is None:
        names = [c for c in df.columns if c not in used and not str(c).startswith("_")]
        numeric = [c for c in names if pd.api.types.is_numeric_dtype(df[c])]
        return Items(names, list(cfg.grids or []), numeric, {},
                     ["No questionnaire: every column is an item, asked of everyone; no grids unless the thresholds "
                      "file lists them."])
    skip = {g.lower() for g in cfg.paradata_groups}
    qs: list[Question] = []
    for it, parents in qn.walk():
        if isinstance(it, Question) and it.type in STORED and it.name in df.columns and it.name not in used \
                and not any(p.name.lower() in skip for p in parents):
            qs.append(it)
    other = {}
    for q in qs:
        codes = {float(c.code) for c in qn.choice_list(q) if not c.missing and _OTHER.match(qn.text(c.label, "en"))}
        if codes and q.type == "select_one":
            other[q.name] = codes
    grids = list(cfg.grids) if cfg.grids is not None else find_grids(qn, {q.name for q in qs})
    numeric = [q.name for q in qs if q.type in {"integer", "decimal"}]
    return Items([q.name for q in qs], grids, numeric, other)


def find_grids(qn: Questionnaire, allowed: set[str]) -> list[Grid]:
    """Runs of three or more consecutive single-choice or scale questions of one group with the same answer scale."""
    grids: list[Grid] = []
    run: list[str] = []
    key: object = None
    group = ""

    def close() -> None:
        if len(run) >= 3:
            grids.append(Grid(name=f"{group}: {run[0]}–{run[-1]}", items=list(run)))

    for it, parents in qn.walk():
        if not isinstance(it, Question) or it.type == "note":
            continue
        scale = it.choices if isinstance(it.choices, str) else tuple(c.code for c in it.choices or [])
        k = (parents[-1].name if parents else "", it.type, scale, it.min, it.max)
        if it.name in allowed and it.type in {"select_one", "scale"} and k == key:
            run.append(it.name)
            continue
        close()
        run, key = ([it.name], k) if it.name in allowed and it.type in {"select_one", "scale"} else ([], None)
        group = parents[-1].name if parents else ""
    close()
    return grids


def _numbers(s: pd.Series) -> np.ndarray:
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)


def _env(df: pd.DataFrame) -> dict[str, np.ndarray]:
    env: dict[str, np.ndarray] = {}
    for c in df.columns:
        num = pd.to_numeric(df[c], errors="coerce")
        env[str(c)] = (num.to_numpy(dtype=float) if num.notna().sum() >= df[c].notna().sum()
                       else df[c].to_numpy(dtype=object))
    return env


def asked_masks(df: pd.DataFrame, qn: Questionnaire | None, items: list[str]) -> dict[str, np.ndarray]:
    """Per item, the rows the questionnaire's routing asks it of (everyone when the routing cannot be evaluated)."""
    n = len(df)
    if qn is None:
        return {i: np.ones(n, dtype=bool) for i in items}
    env = _env(df)
    out = {}
    for i in items:
        try:
            node = universe(qn, i)
            out[i] = np.ones(n, dtype=bool) if node is None else np.asarray(E.truth(E.evaluate(node, env, n)),
                                                                             dtype=bool)
        except (KeyError, E.ExprSyntaxError):
            out[i] = np.ones(n, dtype=bool)
    return out


def _kind_mask(meta: Metadata, name: str, s: pd.Series, kinds: set[str]) -> np.ndarray:
    if name not in meta:
        return np.zeros(len(s), dtype=bool)
    info = meta.info(name)
    codes = [c for c, k in info.missing_kinds.items() if k in kinds]
    if not codes:
        return np.zeros(len(s), dtype=bool)
    return np.isin(_numbers(s), np.asarray(codes, dtype=float))


def _blank(s: pd.Series) -> np.ndarray:
    return (s.isna() | (s.astype(str).str.strip() == "")).to_numpy()


def item_response(df: pd.DataFrame, items: Items, meta: Metadata, asked: dict[str, np.ndarray]) -> pd.DataFrame:
    """Per interview: items asked, left blank (or 'no answer'), don't know, refused."""
    n = len(df)
    tot = {k: np.zeros(n) for k in ("asked", "blank", "dk", "refused")}
    for i in items.names:
        a = asked[i]
        s = df[i]
        tot["asked"] += a
        tot["blank"] += a & (_blank(s) | _kind_mask(meta, i, s, {"no_answer", "not_stated"}))
        tot["dk"] += a & _kind_mask(meta, i, s, {"dont_know"})
        tot["refused"] += a & _kind_mask(meta, i, s, {"refusal"})
    return pd.DataFrame(tot, index=df.index)


def valid_values(df: pd.DataFrame, meta: Metadata, cols: list[str]) -> pd.DataFrame:
    """Numeric values with every missing code as NaN."""
    v = meta.valid(df[cols], [c for c in cols if c in meta]) if cols else df[cols]
    return v.apply(pd.to_numeric, errors="coerce")


def straightlining(df: pd.DataFrame, grids: list[Grid], meta: Metadata) -> pd.DataFrame:
    """Per interview: grids answered (at least three valid answers) and grids with one answer throughout."""
    answered = np.zeros(len(df))
    straight = np.zeros(len(df))
    for g in grids:
        cols = [c for c in g.items if c in df.columns]
        if len(cols) < 2:
            continue
        v = valid_values(df, meta, cols)
        ok = v.notna().sum(axis=1) >= min(3, len(cols))
        same = v.max(axis=1) == v.min(axis=1)
        answered += ok.to_numpy()
        straight += (ok & same).to_numpy()
    return pd.DataFrame({"grids": answered, "straight": straight}, index=df.index)


def other_answers(df: pd.DataFrame, items: Items) -> pd.DataFrame:
    """Per interview: answers to questions with an 'Other' code, and how many were 'Other'."""
    answered = np.zeros(len(df))
    other = np.zeros(len(df))
    for name, codes in items.other_codes.items():
        v = _numbers(df[name])
        answered += ~np.isnan(v)
        other += np.isin(v, np.fromiter(codes, dtype=float))
    return pd.DataFrame({"other_asked": answered, "other": other}, index=df.index)


def outliers(df: pd.DataFrame, cols: list[str], meta: Metadata, z: float) -> tuple[pd.Series, pd.DataFrame]:
    """Per interview the number of numeric answers more than *z* robust SDs from the item's median, and the
    outlying values (item, row, value, median, robust z)."""
    count = pd.Series(0, index=df.index)
    found = []
    for c in cols:
        v = valid_values(df, meta, [c])[c]
        med = v.median()
        mad = 1.4826 * (v - med).abs().median()
        if not np.isfinite(mad) or mad == 0:
            continue
        rz = (v - med) / mad
        hit = rz.abs() > z
        count += hit.astype(int)
        for idx in v.index[hit]:
            found.append({"row": idx, "item": c, "value": v[idx], "median": med, "robust_z": round(rz[idx], 2)})
    return count, pd.DataFrame(found, columns=["row", "item", "value", "median", "robust_z"])


def rho_int(values: pd.Series, groups: pd.Series) -> tuple[float, int, int]:
    """Intra-interviewer correlation by the one-way ANOVA estimator (Kish 1962): (MSB − MSW) / (MSB + (n0 − 1) MSW),
    n0 = (N − Σ n_i² / N) / (k − 1); with the number of interviewers k and interviews N used."""
    ok = values.notna() & groups.notna()
    y = values[ok].astype(float)
    g = groups[ok]
    n_i = y.groupby(g).size()
    n_i = n_i[n_i >= 2]
    y, g = y[g.isin(n_i.index)], g[g.isin(n_i.index)]
    k, n = len(n_i), len(y)
    if k < 2 or n - k < 1:
        return np.nan, k, n
    means = y.groupby(g).transform("mean")
    ssb = float(((means - y.mean()) ** 2).sum())
    ssw = float(((y - means) ** 2).sum())
    msb, msw = ssb / (k - 1), ssw / (n - k)
    n0 = (n - float((n_i ** 2).sum()) / n) / (k - 1)
    denom = msb + (n0 - 1) * msw
    return (msb - msw) / denom if denom > 0 else np.nan, k, n


def duration_minutes(df: pd.DataFrame, fields: Fields) -> tuple[pd.Series | None, str]:
    """Interview length in minutes and where it came from: start/end date-times (ODK ``start``/``end``), else
    start and end hour/minute columns (past midnight allowed), else a duration column; None when none is there."""
    start, end = fields.get("start"), fields.get("end")
    if start and end and start in df.columns and end in df.columns:
        s = pd.to_datetime(df[start], errors="coerce", utc=True, format="mixed")
        e = pd.to_datetime(df[end], errors="coerce", utc=True, format="mixed")
        return (e - s).dt.total_seconds() / 60, f"{end} − {start}"
    if fields.start_hm and fields.end_hm and all(c in df.columns for c in fields.start_hm + fields.end_hm):
        sh, sm = (_numbers(df[c]) for c in fields.start_hm)
        eh, em = (_numbers(df[c]) for c in fields.end_hm)
        mins = ((eh - sh) * 60 + em - sm + 1440) % 1440
        return pd.Series(mins, index=df.index), f"{'/'.join(fields.end_hm)} − {'/'.join(fields.start_hm)}"
    dur = fields.get("duration")
    if dur and dur in df.columns:
        return pd.Series(_numbers(df[dur]), index=df.index), dur
    return None, ""
