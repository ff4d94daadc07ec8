"""Codes and ids compared as text: '12', 12 and 12.0 are one PSU, interviewer or household."""

from __future__ import annotations

import pandas as pd


def code_text(s: pd.Series) -> pd.Series:
    """Codes as text, whole numbers without decimals ('12', 12 and 12.0 give '12'); blanks give 'nan'."""
    num = pd.to_numeric(s, errors="coerce")
    whole = num.notna() & (num % 1 == 0)
    out = s.astype(str).str.strip()
    out[whole] = num[whole].astype("int64").astype(str)
    return out


def key_text(frame: pd.DataFrame) -> pd.Series:
    """One text key per row from several id columns ('12 / 3'), numbers compared as in :func:`code_text`."""
    parts = [code_text(frame[c]) for c in frame.columns]
    out = parts[0]
    for p in parts[1:]:
        out = out + " / " + p
    return out
