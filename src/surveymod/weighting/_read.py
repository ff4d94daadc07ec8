"""A small private reader/writer for the weight command (CSV, XLSX, SAV, DTA, Parquet), until the data module lands.

Writing goes through ``surveymod.atomic`` so a failed run never leaves a partial output file.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..atomic import write_with
from ..errors import SurveyError

_READERS = {".csv", ".xlsx", ".sav", ".dta", ".parquet"}


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
        df, _meta = reader(str(p))
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
