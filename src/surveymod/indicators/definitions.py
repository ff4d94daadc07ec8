"""Per-respondent values of the indicator definitions shipped next to the instruments (questionnaires/indicators).

An index rescales each item's valid range to 0–100 (reversed where a low code is positive) and averages the valid
items; a score sums points given code by code (a code without points makes the score missing); a share is a
condition or an index above a threshold. The estimation layer then turns these values into weighted estimates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import SurveyError
from ..questionnaire import expr as E
from .spec import IndexIndicator, IndicatorSpec, ScoreIndicator, ShareIndicator


def _col(frame: pd.DataFrame, var: str, ind_id: str) -> np.ndarray:
    if var not in frame.columns:
        raise SurveyError(f"indicator {ind_id}: variable '{var}' is not in the data")
    return pd.to_numeric(frame[var], errors="coerce").to_numpy(float)


def index_values(ind: IndexIndicator, frame: pd.DataFrame) -> np.ndarray:
    """0–100 index per respondent; NaN when fewer than ``min_items`` items have a valid (in-range) answer."""
    scaled = []
    for it in ind.items:
        v = _col(frame, it.var, ind.id)
        ok = (v >= it.min) & (v <= it.max)
        s = (v - it.min) / (it.max - it.min) * 100.0
        if it.reverse:
            s = 100.0 - s
        scaled.append(np.where(ok, s, np.nan))
    m = np.vstack(scaled)
    valid = (~np.isnan(m)).sum(axis=0)
    # mean of the valid items (persons without any, e.g. nonrespondents, get NaN without a warning)
    mean = np.nansum(m, axis=0) / np.maximum(valid, 1)
    return np.where(valid >= max(ind.min_items, 1), mean, np.nan)


def score_values(ind: ScoreIndicator, frame: pd.DataFrame) -> np.ndarray:
    """Sum of points per respondent; NaN when any item has a code without points (e.g. a refusal) or no answer."""
    total = np.zeros(len(frame))
    for it in ind.items:
        v = _col(frame, it.var, ind.id)
        pts = np.full(len(frame), np.nan)
        for code, p in it.points.items():
            pts[v == code] = p
        total += pts
    return total


def share_values(ind: ShareIndicator, spec: IndicatorSpec, frame: pd.DataFrame) -> np.ndarray:
    """1/0 per respondent (NaN when the inputs are missing)."""
    if ind.index is not None:
        base = next(i for i in spec.indicators if i.id == ind.index)
        idx = index_values(base, frame)  # type: ignore[arg-type]
        return np.where(np.isnan(idx), np.nan, (idx > (ind.above or 0)).astype(float))
    node = E.parse(ind.condition or "")
    names = sorted({r.name for r in E.references(node)})
    env = {}
    miss = np.zeros(len(frame), dtype=bool)
    for n in names:
        env[n] = _col(frame, n, ind.id)
        miss |= np.isnan(env[n])
    out = E.truth(E.evaluate(node, env, len(frame))).astype(float)
    return np.where(miss, np.nan, out)


def respondent_values(spec: IndicatorSpec, ind_id: str, frame: pd.DataFrame) -> np.ndarray:
    """Per-respondent value of definition *ind_id* of *spec* (index, score or share)."""
    ind = next((i for i in spec.indicators if i.id == ind_id), None)
    if ind is None:
        raise SurveyError(f"indicator definition '{ind_id}' is not in {spec.id}")
    if isinstance(ind, IndexIndicator):
        return index_values(ind, frame)
    if isinstance(ind, ScoreIndicator):
        return score_values(ind, frame)
    if isinstance(ind, ShareIndicator):
        return share_values(ind, spec, frame)
    raise SurveyError(f"indicator definition '{ind_id}' ({ind.kind}) has no per-respondent value")
