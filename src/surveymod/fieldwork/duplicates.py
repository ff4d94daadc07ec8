"""Duplicates and gaps: a household interviewed twice, a respondent id used twice, interviews with identical
answers (copied or invented), and PSUs of the sample without any interview."""

from __future__ import annotations

import pandas as pd

from .keys import code_text, key_text


def duplicate_keys(df: pd.DataFrame, cols: list[str], what: str) -> pd.DataFrame:
    """Every row whose *cols* occur more than once (missing keys never count), with the data row number."""
    if not cols or any(c not in df.columns for c in cols):
        return pd.DataFrame(columns=["check", "key", "data_row"])
    ok = df[cols].notna().all(axis=1)
    dup = df.duplicated(cols, keep=False) & ok
    sub = df[dup]
    return pd.DataFrame({"check": what, "key": key_text(sub[cols]).to_numpy(),
                         "data_row": (sub.index + 2).to_numpy()}).sort_values("key")


def identical_answers(df: pd.DataFrame, items: list[str], min_items: int = 10) -> pd.DataFrame:
    """Completed interviews whose answers to every substantive item are identical to another's (at least
    *min_items* answered): copied or invented interviews."""
    cols = [c for c in items if c in df.columns]
    if len(cols) < min_items:
        return pd.DataFrame(columns=["check", "key", "data_row"])
    answered = df[cols].notna().sum(axis=1) >= min_items
    sub = df.loc[answered, cols].astype(str)
    dup = sub.duplicated(keep=False)
    groups = sub[dup].groupby(cols, dropna=False).ngroup()
    return pd.DataFrame({"check": "identical answers", "key": ("pattern " + (groups + 1).astype(str)).to_numpy(),
                         "data_row": (groups.index + 2).to_numpy()}).sort_values(["key", "data_row"])


def empty_psus(targets: pd.DataFrame, data_psu: pd.Series, complete: pd.Series) -> pd.DataFrame:
    """PSUs of the sample with no completed interview (and whether any case was recorded there), and PSUs in the
    data that the sample does not list."""
    done = set(code_text(data_psu[complete]))
    seen = set(code_text(data_psu))
    sample = code_text(targets["psu"])
    rows = [{"psu": p, "issue": "no completed interview" + ("" if p in seen else " and no case recorded"),
             "target": t} for p, t in zip(sample, targets["target"], strict=True) if p not in done]
    rows += [{"psu": p, "issue": "in the data but not in the sample", "target": None}
             for p in sorted(seen - set(sample), key=str)]
    return pd.DataFrame(rows, columns=["psu", "issue", "target"])
