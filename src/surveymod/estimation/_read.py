"""A small private reader for estimation inputs (CSV, XLSX, SAV, DTA, Parquet) until the data module has one.

SPSS/Stata files are read with their stored codes (value labels are not applied), so categories keep the codes
the questionnaire defines; user-missing values declared in SPSS become missing.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import Location, SurveyError

SUFFIXES = (".csv", ".xlsx", ".sav", ".dta", ".parquet")


def read_data(path: str | Path) -> pd.DataFrame:
    """Read a data file by its extension; unsupported or unreadable files are a located SurveyError."""
    p = Path(path)
    suffix = p.suffix.lower()
    if not p.exists():
        raise SurveyError(f"data file not found: {p}", location=Location(file=str(p)), rule="data-read")
    try:
        if suffix == ".csv":
            return pd.read_csv(p)
        if suffix == ".xlsx":
            return pd.read_excel(p)
        if suffix in (".sav", ".dta"):
            import pyreadstat

            reader = pyreadstat.read_sav if suffix == ".sav" else pyreadstat.read_dta
            kw = {"user_missing": False} if suffix == ".sav" else {}
            df, _meta = reader(str(p), **kw)
            return df
        if suffix == ".parquet":
            return pd.read_parquet(p)
    except SurveyError:
        raise
    except Exception as exc:  # any parser failure is the user's file, not our bug
        raise SurveyError(f"cannot read {p.name}: {exc}", location=Location(file=str(p)), rule="data-read") from exc
    raise SurveyError(f"unsupported data format '{suffix}' (use {', '.join(SUFFIXES)})",
                      location=Location(file=str(p)), rule="data-read")


def write_table(df: pd.DataFrame, path: Path, *, xlsx: bool) -> None:
    """Write a result table as XLSX or CSV to ``path`` (the temporary file of an atomic write)."""
    if xlsx:
        df.to_excel(path, index=False, engine="openpyxl")
    else:
        df.to_csv(path, index=False)
