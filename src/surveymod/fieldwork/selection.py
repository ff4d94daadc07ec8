"""Respondent selection check (Kish grid or last-birthday rule) from the selection columns of the form.

Without a household roster the check is statistical: in a household with n eligible persons a Kish grid picks
each line with probability 1/n, so an interviewer's count of line-1 selections (the oldest person) is compared
with its expectation Σ 1/n (binomial z); and the sex and age of the respondents an interviewer selected in
households with several eligible persons are compared with everyone else's (interviewers who take whoever opens
the door interview more women and older people).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _num(s: pd.Series) -> np.ndarray:
    return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)


def kish_check(df: pd.DataFrame, interviewer: str, n_elig: str, kish_line: str, sel_method: str | None,
               sex: str | None, age: str | None, female_code: float = 2) -> pd.DataFrame:
    """Per interviewer: Kish selections, line-1 selections observed and expected, z; share of women and mean age
    among respondents of multi-person households against everyone else's, with z."""
    n = _num(df[n_elig])
    line = _num(df[kish_line])
    multi = n > 1
    kish = multi & ~np.isnan(line)
    if sel_method and sel_method in df.columns:
        kish &= _num(df[sel_method]) == 1
    ids = df[interviewer]
    rows = []
    fem = _num(df[sex]) == female_code if sex and sex in df.columns else None
    ages = _num(df[age]) if age and age in df.columns else None
    for who in sorted(ids.dropna().unique(), key=str):
        mine = (ids == who).to_numpy()
        k = mine & kish
        p = 1 / n[k]
        obs, exp, var = float((line[k] == 1).sum()), float(p.sum()), float((p * (1 - p)).sum())
        row = {"interviewer": who, "kish_selections": int(k.sum()), "line1_observed": int(obs),
               "line1_expected": round(exp, 2), "line1_z": (obs - exp) / np.sqrt(var) if var > 0 else np.nan}
        if fem is not None:
            a, b = mine & multi, ~mine & multi
            pa, pb = fem[a].mean() if a.any() else np.nan, fem[b].mean() if b.any() else np.nan
            pool = fem[multi].mean() if multi.any() else np.nan
            se = np.sqrt(pool * (1 - pool) * (1 / max(a.sum(), 1) + 1 / max(b.sum(), 1)))
            row.update(female_share=pa, female_share_others=pb, female_z=(pa - pb) / se if se > 0 else np.nan)
        if ages is not None:
            a, b = mine & multi & ~np.isnan(ages), ~mine & multi & ~np.isnan(ages)
            if a.sum() >= 2 and b.sum() >= 2:
                se = np.sqrt(ages[a].var(ddof=1) / a.sum() + ages[b].var(ddof=1) / b.sum())
                row.update(mean_age=ages[a].mean(), mean_age_others=ages[b].mean(),
                           age_z=(ages[a].mean() - ages[b].mean()) / se if se > 0 else np.nan)
        rows.append(row)
    return pd.DataFrame(rows)
