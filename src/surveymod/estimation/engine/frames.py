"""pandas <-> polars conversion for the svy engine (svy accepts Polars frames only).

Shared by estimation and weighting so both hand svy the same column types: numbers stay Float64/Int64, text and
categoricals become Utf8 (svy groups on strings), and pandas NaN/None become Polars null.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import polars as pl


def to_polars(df: pd.DataFrame, columns: Iterable[str] | None = None, *, categorical_as_str: bool = True
              ) -> pl.DataFrame:
    """Convert (a column subset of) a pandas frame to Polars; NaN -> null, categoricals -> strings."""
    cols = list(dict.fromkeys(columns)) if columns is not None else list(df.columns)
    sub = df.loc[:, cols]
    out: dict[str, pl.Series] = {}
    for name in cols:
        s = sub[name]
        if isinstance(s.dtype, pd.CategoricalDtype) and categorical_as_str:
            cats = pl.Series(name, [str(c) for c in s.cat.categories], dtype=pl.Utf8)
            codes = s.cat.codes.to_numpy()
            taken = cats.gather(np.maximum(codes, 0)) if len(cats) else pl.Series(name, [None] * len(s),
                                                                                  dtype=pl.Utf8)
            out[name] = pl.select(pl.when(pl.Series(codes >= 0)).then(taken).otherwise(None).alias(name)
                                  ).to_series()
        elif pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_float_dtype(s.dtype):
            out[name] = pl.Series(name, s.to_numpy(dtype=float, na_value=float("nan")), nan_to_null=True)
        elif pd.api.types.is_integer_dtype(s.dtype):
            out[name] = pl.Series(name, s.astype("Int64").tolist(), dtype=pl.Int64)
        else:
            arrow = s.astype("string[pyarrow]").array.__arrow_array__()
            out[name] = pl.Series(name, pl.from_arrow(arrow), dtype=pl.Utf8)
    return pl.DataFrame(out)


def to_pandas(df: pl.DataFrame) -> pd.DataFrame:
    """Convert a Polars frame back to pandas (nulls become NaN/None)."""
    return pd.DataFrame({name: df[name].to_list() for name in df.columns})


def add_column(pl_df: pl.DataFrame, name: str, values: object) -> pl.DataFrame:
    """Return ``pl_df`` with one more (or a replaced) column built from a numpy array or list."""
    return pl_df.with_columns(pl.Series(name, values))
