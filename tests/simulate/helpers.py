"""Independent checks of simulated frames: routing, constraints and codes, evaluated with pandas merges.

This does not reuse the simulator's level machinery: a roster frame is joined to its parent frame by the key
columns, and each question's universe and constraint are evaluated on the joined frame with ``expr.evaluate``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from surveymod.questionnaire import expr as E
from surveymod.questionnaire.conditions import compile_condition, universe
from surveymod.questionnaire.model import Questionnaire

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "data" / "questionnaires_sim"
SHIPPED = ROOT / "questionnaires"


def questionnaire_files() -> list[Path]:
    """Test fixtures plus every shipped questionnaire (top level of questionnaires/) present at collection time."""
    return sorted(FIXTURES.glob("*.yaml")) + sorted(SHIPPED.glob("*.yaml"))


def joined(frames: dict[str, pd.DataFrame], keys: dict[str, list[str]], level: str) -> pd.DataFrame:
    """The frame of *level* with the respondent-level variables joined on the respondent key."""
    df = frames[level]
    if level == "main":
        return df
    top_key = keys["main"][0]
    main = frames["main"]
    extra = [c for c in main.columns if c not in df.columns]
    return df.merge(main[[top_key, *extra]], on=top_key, how="left", validate="many_to_one")


def _env(df: pd.DataFrame) -> dict[str, np.ndarray]:
    out = {}
    for c in df.columns:
        s = df[c]
        out[c] = s.to_numpy(dtype=float) if s.dtype.kind in "fiu" else s.to_numpy(dtype=object)
    return out


def problems(qn: Questionnaire, frames: dict[str, pd.DataFrame], keys: dict[str, list[str]]) -> list[str]:
    """Every routing, constraint or code violation found in the frames (empty list = clean)."""
    out: list[str] = []
    envs: dict[str, tuple[dict[str, np.ndarray], int]] = {}
    for q in qn.questions():
        roster = qn.roster_of(q.name)
        level = (roster.level or roster.name) if roster is not None else "main"
        if level not in envs:
            df = joined(frames, keys, level)
            envs[level] = (_env(df), len(df))
        env, n = envs[level]
        if q.name not in env:
            out.append(f"{q.name}: missing column")
            continue
        vals = env[q.name]
        answered = ~pd.isna(pd.Series(vals)).to_numpy()
        node = universe(qn, q.name)
        expected = np.ones(n, bool) if node is None else E.truth(E.evaluate(node, env, n))
        if q.type == "calculate":
            # a calculation may be missing by itself (e.g. on a missing input); never present outside its universe
            if (answered & ~expected).any():
                out.append(f"{q.name}: calculated outside its universe")
            continue
        if (answered != expected).any():
            out.append(f"{q.name}: answered on {int((answered & ~expected).sum())} rows outside its universe, "
                       f"unanswered on {int((~answered & expected).sum())} rows inside it")
        ix = np.nonzero(answered)[0]
        if q.constraint and len(ix):
            sub = {k: v[ix] for k, v in env.items()}
            ok = E.truth(E.evaluate(compile_condition(qn, q.constraint), sub, len(ix), self_value=vals[ix]))
            if not ok.all():
                out.append(f"{q.name}: constraint fails on {int((~ok).sum())} rows")
        codes = {float(c.code) for c in qn.choice_list(q)}
        missing = {float(c) for c in qn.missing_codes(q)}
        if q.type in ("select_one", "scale") and len(ix):
            bad = set(np.unique(vals[ix].astype(float))) - codes
            if bad:
                out.append(f"{q.name}: invalid codes {sorted(bad)}")
        elif q.type in ("integer", "decimal", "year") and len(ix):
            v = vals[ix].astype(float)
            special = np.isin(v, list(codes))
            lo = q.min if q.min is not None else -np.inf
            hi = q.max if q.max is not None else np.inf
            if ((v < lo) | (v > hi))[~special].any():
                out.append(f"{q.name}: values outside {lo}..{hi}")
            if q.type in ("integer", "year") and (v != np.round(v)).any():
                out.append(f"{q.name}: non-integer values")
        elif q.type == "select_multiple" and len(ix):
            for s in pd.unique(vals[ix]):
                toks = [float(t) for t in str(s).split()]
                if not toks or set(toks) - codes or (set(toks) & missing and len(toks) > 1):
                    out.append(f"{q.name}: invalid selection {s!r}")
                    break
    return out
