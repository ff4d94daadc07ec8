"""Flat analysis tables in and out (CSV, XLSX, SAV, DTA, Parquet) for the weight, estimate, tables and indicators
commands.

Unlike ``surveymod.data.read`` (which keeps field exports exactly as collected, text and all), this reads a table for
analysis: numeric columns are numbers, SPSS/Stata files give their stored codes (value labels not applied, SPSS
user-missing values become missing), identifiers with leading zeros stay text. Writing goes through
``surveymod.atomic`` so a failed run never leaves a partial file.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .atomic import write_with
from .errors import SurveyError

SUFFIXES = (".csv", ".xlsx", ".sav", ".dta", ".parquet")
_READERS = set(SUFFIXES)


def read_data(path: str | Path) -> pd.DataFrame:
    """Read a data file by its extension; unreadable or unknown formats are a SurveyError."""
    p = Path(path)
    ext = p.suffix.lower()
    if ext not in _READERS:
        raise SurveyError(f"cannot read {p.name}: use .csv, .xlsx, .sav, .dta or .parquet", rule="data-format")
    if not p.exists():
        raise SurveyError(f"data file not found: {p}", rule="data-missing")
    try:
        if ext == ".csv":
            df = pd.read_csv(p)
            raw = pd.read_csv(p, dtype=str)
            for col in df.columns:  # identifiers with leading zeros ("0094") stay text
                if df[col].dtype != object and raw[col].str.match(r"^0\d").any():
                    df[col] = raw[col]
            return df
        if ext == ".xlsx":
            return pd.read_excel(p)
        if ext == ".parquet":
            return pd.read_parquet(p)
        import pyreadstat

        reader = pyreadstat.read_sav if ext == ".sav" else pyreadstat.read_dta
        kw = {"user_missing": False} if ext == ".sav" else {}
        df, _meta = reader(str(p), **kw)
        return df
    except SurveyError:
        raise
    except Exception as exc:  # noqa: BLE001 - any parse failure is about the user's file
        raise SurveyError(f"cannot read {p}: {exc}", rule="data-read") from None


def write_data(df: pd.DataFrame, path: str | Path) -> Path:
    """Write the weighted data atomically in the format of the output's extension."""
    p = Path(path)
    ext = p.suffix.lower()
    if ext not in _READERS:
        raise SurveyError(f"cannot write {p.name}: use .csv, .xlsx, .sav, .dta or .parquet", rule="data-format")

    def writer(tmp: Path) -> None:
        if ext == ".csv":
            df.to_csv(tmp, index=False)
        elif ext == ".xlsx":
            df.to_excel(tmp, index=False)
        elif ext == ".parquet":
            df.to_parquet(tmp, index=False)
        else:
            import pyreadstat

            (pyreadstat.write_sav if ext == ".sav" else pyreadstat.write_dta)(df, str(tmp))

    return write_with(p, writer)


def write_table(df: pd.DataFrame, path: Path, *, xlsx: bool) -> None:
    """Write a result table as XLSX or CSV to ``path`` (the temporary file of an atomic write)."""
    if xlsx:
        df.to_excel(path, index=False, engine="openpyxl")
    else:
        df.to_csv(path, index=False)
