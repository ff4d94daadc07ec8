"""Respondent selection check (Kish grid or last-birthday rule) from the selection columns of the form.

Without a household roster the check is statistical: in a household with n eligible persons a Kish grid picks
each line with probability 1/n, so an interviewer's count of line-1 selections (the oldest person) is compared
with its expectation Σ 1/n (binomial z); and the sex and age of the respondents an interviewer selected in
households with several eligible persons are compared with everyone else's (interviewers who take whoever opens
the door interview more women and older people).

With a roster the check is exact: the eligible members listed from the oldest to the youngest, the person on the
Kish line must be the respondent (same sex, age within a year), and their number must equal n_elig.
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


def roster_check(main: pd.DataFrame, roster: pd.DataFrame, link: list[str], interviewer: str, kish_line: str,
                 n_elig: str | None, sex: str | None, age: str | None, r_sex: str, r_age: str,
                 min_age: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per Kish selection: the roster's selected person against the respondent; and per interviewer the checked
    selections and mismatches."""
    line = _num(main[kish_line])
    rows = []
    members = roster.assign(_age=_num(roster[r_age]), _sex=_num(roster[r_sex]))
    members = members[members["_age"] >= min_age]
    groups = {k if isinstance(k, tuple) else (k,): g.sort_values("_age", ascending=False, kind="stable")
              for k, g in members.groupby(link, dropna=True)}
    for pos, (idx, r) in enumerate(main.iterrows()):
        if np.isnan(line[pos]):
            continue
        key = tuple(r[c] for c in link)
        elig = groups.get(key)
        listed = 0 if elig is None else len(elig)
        problem = ""
        if n_elig and pd.notna(r[n_elig]) and float(r[n_elig]) != listed:
            problem = f"n_elig {r[n_elig]:g} but {listed} eligible listed"
        elif listed < line[pos]:
            problem = f"Kish line {line[pos]:g} but {listed} eligible listed"
        else:
            chosen = elig.iloc[int(line[pos]) - 1]
            if sex and pd.notna(r[sex]) and float(r[sex]) != chosen["_sex"]:
                problem = "respondent's sex is not the selected person's"
            elif age and pd.notna(r[age]) and abs(float(r[age]) - chosen["_age"]) > 1:
                problem = f"respondent aged {r[age]:g}, selected person {chosen['_age']:g}"
        rows.append({"interviewer": r[interviewer], "data_row": idx + 2, "problem": problem})
    per = pd.DataFrame(rows, columns=["interviewer", "data_row", "problem"])
    g = per.assign(bad=per["problem"] != "").groupby("interviewer")
    summary = pd.DataFrame({"roster_checked": g.size(), "roster_mismatches": g["bad"].sum()})
    summary["roster_mismatch_rate"] = summary["roster_mismatches"] / summary["roster_checked"]
    return per[per["problem"] != ""], summary.reset_index()
