"""Analysis outputs written to disk: weighted data (CSV, XLSX, SAV, DTA, Parquet) and result tables.

Reading is not done here: every command reads data through ``surveymod.data.read`` (one reader), whose
``Dataset.meta`` carries the labels and missing values that :meth:`DataLabels.of` turns back into SPSS/Stata
metadata. Writing goes through ``surveymod.atomic`` so a failed run never leaves a partial file, and XLSX through
``surveymod.xlsx`` so no cell becomes a formula.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from .atomic import write_with
from .data.meta import Metadata, stata_letters
from .errors import Problem, SurveyError
from .xlsx import write_frames

SUFFIXES = (".csv", ".xlsx", ".sav", ".dta", ".parquet")
_WRITERS = set(SUFFIXES)
STREAMED = (".csv", ".parquet")
"""Outputs written a block of rows at a time, so float columns made in batches need not be held at once."""

BLOCK_BYTES = 256 * 2**20
"""About the size of one block of the streamed float columns."""


class FloatColumns(Protocol):
    """Float columns handed to a writer a block of rows at a time (replicate weights)."""

    names: list[str]

    def by_rows(self, folder: Path) -> contextlib.AbstractContextManager[Callable[[int, int], np.ndarray]]:
        """A reader ``rows(a, b)`` of columns x (b - a) values, each column's values contiguous."""
        ...


@dataclass(frozen=True)
class DataLabels:
    """Variable labels, value labels and measurement levels of a data file (SPSS/Stata metadata)."""

    variable: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[Any, str]] = field(default_factory=dict)
    measure: dict[str, str] = field(default_factory=dict)
    missing: dict[str, list[Any]] = field(default_factory=dict)
    """SPSS user-missing values/ranges (pyreadstat ``missing_ranges``) or Stata letters (``missing_user_values``)."""

    def with_added(self, variable: dict[str, str], measure: dict[str, str] | None = None) -> DataLabels:
        """A copy with labels and measurement levels for columns a command adds; existing entries win."""
        return DataLabels({**variable, **self.variable}, self.values, {**(measure or {}), **self.measure},
                          self.missing)

    @classmethod
    def of(cls, meta: Metadata, frame: pd.DataFrame, ext: str) -> DataLabels:
        """The labels and missing declarations of *meta* for the columns of *frame*, in the form *ext* needs."""
        variable = {c: i.label for c, i in meta.variables.items() if i.label and c in frame.columns}
        values = {c: dict(i.values) for c, i in meta.variables.items() if i.values and c in frame.columns}
        missing: dict[str, list[Any]] = {}
        for c in frame.columns:
            info = meta.variables.get(c)
            if ext == ".sav" and info is not None:
                spec: list[Any] = [{"lo": lo, "hi": hi} for lo, hi in info.missing_ranges]
                spec += sorted(info.missing)[: 3 - len(spec)] if len(spec) < 3 else []
                if spec:
                    missing[c] = spec
            elif ext == ".dta" and frame[c].dtype == object:
                letters = sorted(set(frame[c][stata_letters(frame[c])]))
                if letters:
                    missing[c] = letters
        measure = {c: i.measure for c, i in meta.variables.items() if i.measure and c in frame.columns}
        return cls(variable, values, measure, missing)


def _stat_labels(df: pd.DataFrame, labels: DataLabels, ext: str) -> dict[str, Any]:
    """pyreadstat keyword arguments for the labels of the columns present in ``df``.

    Stata allows value labels only on integer-valued numeric columns, so other value labels are left out there.
    """
    cols = set(df.columns)
    kw: dict[str, Any] = {}
    var = {c: labels.variable[c] for c in df.columns if c in labels.variable}
    if var:
        kw["column_labels"] = var
    values = {c: v for c, v in labels.values.items() if c in cols}
    if ext == ".dta":  # whole-number codes only (a label of an extended missing letter is dropped, not the set)
        values = {c: {int(k): t for k, t in v.items() if isinstance(k, int | float) and float(k).is_integer()}
                  for c, v in values.items() if _integer_valued(df[c])}
        values = {c: v for c, v in values.items() if v}
    if values:
        kw["variable_value_labels"] = values
    if ext == ".sav":
        measure = {c: m for c, m in labels.measure.items() if c in cols}
        if measure:
            kw["variable_measure"] = measure
    missing = {c: m for c, m in labels.missing.items() if c in cols}
    if missing:
        kw["missing_ranges" if ext == ".sav" else "missing_user_values"] = missing
    return kw


def _integer_valued(s: pd.Series) -> bool:
    """A numeric column whose non-missing values are all whole numbers (Stata missing letters aside)."""
    if s.dtype == object:  # numbers beside Stata missing letters count as numbers; any other text does not
        rest = s.where(~stata_letters(s)).dropna()
        if not rest.map(lambda x: isinstance(x, int | float)).all():
            return False
        s = rest.astype(float)
    if not pd.api.types.is_numeric_dtype(s):
        return False
    v = s.dropna()
    return bool((v == v.round()).all())


def write_data(df: pd.DataFrame, path: str | Path, labels: DataLabels | None = None,
               more: FloatColumns | None = None, notes: list[Problem] | None = None) -> Path:
    """Write the weighted data atomically in the format of the output's extension.

    ``labels`` (``DataLabels.of`` the dataset's metadata) are written to .sav and .dta outputs; other formats
    cannot hold them. ``more`` (float columns after ``df``'s, read a block of rows at a time) is for the
    ``STREAMED`` formats: it is written as if it were part of ``df``, never held whole. Ids the format would round
    (past 2**53 in .sav/.dta, 15 digits in .xlsx) are written as text, with a warning added to *notes*.
    """
    p = Path(path)
    ext = p.suffix.lower()
    if ext not in _WRITERS:
        raise SurveyError(f"cannot write {p.name}: use .csv, .xlsx, .sav, .dta or .parquet", rule="data-format")
    from .data.exporter import EXACT_LIMITS, digits_as_text, has_long_integers, long_integer_warning

    limit = EXACT_LIMITS.get(ext[1:])
    long_ids = [c for c in df.columns if limit and has_long_integers(df[c], limit)]
    if long_ids:  # the one rule of the exporter: every digit kept, as text
        df = df.assign(**{str(c): digits_as_text(df[c], "" if ext == ".dta" else None) for c in long_ids})
        if notes is not None:
            notes += [long_integer_warning(str(c), ext[1:], p) for c in long_ids]
    if more is not None and ext not in STREAMED:
        raise ValueError(f"columns streamed to {ext}: only {', '.join(STREAMED)} are written by blocks of rows")

    def writer(tmp: Path) -> None:
        if more is not None:
            with more.by_rows(tmp.parent) as rows:
                (_stream_csv if ext == ".csv" else _stream_parquet)(df, more.names, rows, tmp)
        elif ext == ".csv":
            df.to_csv(tmp, index=False)
        elif ext == ".xlsx":
            write_frames(tmp, {"data": df})
        elif ext == ".parquet":  # no dictionary for floating-point columns: weights are nearly all distinct
            df.to_parquet(tmp, index=False, use_dictionary=[str(c) for c, t in df.dtypes.items() if t.kind != "f"])
        else:
            import pyreadstat

            if ext == ".dta":
                from .data.exporter import refuse_unstorable_in_stata

                refuse_unstorable_in_stata(df, p)
            kw = _stat_labels(df, labels, ext) if labels else {}
            try:
                if ext == ".sav":
                    pyreadstat.write_sav(df, str(tmp), **kw)
                else:  # the one .dta writer (label-set names that fit Stata's 32 characters)
                    from .data.dta_labelsets import write_dta_pyreadstat

                    write_dta_pyreadstat(df, tmp, column_labels=kw.get("column_labels", {}),
                              value_labels=kw.get("variable_value_labels", {}),
                              missing=kw.get("missing_user_values", {}), formats={})
            except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError) as exc:
                raise SurveyError(f"cannot write {p.name} as {ext}: {exc}", rule="data-write") from None

    return write_with(p, writer)


def _blocks(n: int, columns: int) -> list[tuple[int, int]]:
    """Row ranges of about ``BLOCK_BYTES`` of *columns* float columns (one empty range for no rows)."""
    step = max(1, BLOCK_BYTES // (8 * max(columns, 1)))
    return [(a, min(n, a + step)) for a in range(0, max(n, 1), step)]


def _stream_csv(df: pd.DataFrame, names: list[str], rows: Callable[[int, int], np.ndarray], tmp: Path) -> None:
    """``df`` and the streamed columns as CSV, written by pandas a block of rows at a time (the same text as one
    ``to_csv`` of the whole frame)."""
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        for a, b in _blocks(len(df), len(names)):
            extra = pd.DataFrame(rows(a, b).T, columns=names, index=df.index[a:b], copy=False)
            pd.concat([df.iloc[a:b], extra], axis=1).to_csv(fh, index=False, header=a == 0)


def _stream_parquet(df: pd.DataFrame, names: list[str], rows: Callable[[int, int], np.ndarray],
                    tmp: Path) -> None:
    """``df`` and the streamed columns as Parquet, a row group per block, with the pandas metadata of the whole
    frame (so pandas reads it back as one frame) and dictionary encoding for the columns that are not floats."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    base = pa.Table.from_pandas(df, preserve_index=False)
    meta = json.loads(base.schema.metadata[b"pandas"])
    meta["columns"] += [{"name": n, "field_name": n, "pandas_type": "float64", "numpy_type": "float64",
                         "metadata": None} for n in names]
    schema = pa.schema([*base.schema, *(pa.field(n, pa.float64()) for n in names)],
                       metadata={**base.schema.metadata, b"pandas": json.dumps(meta).encode()})
    dictionary = [f.name for f in base.schema if not pa.types.is_floating(f.type)]

    def table(a: int, b: int) -> pa.Table:
        block = rows(a, b)
        arrays = [*base.slice(a, b - a).columns, *(pa.array(block[j]) for j in range(len(names)))]
        return pa.Table.from_arrays(arrays, schema=schema)

    blocks = _blocks(len(df), len(names))
    with pq.ParquetWriter(tmp, schema, use_dictionary=dictionary) as out, ThreadPoolExecutor(1) as ahead:
        following = ahead.submit(table, *blocks[0])
        for i in range(len(blocks)):  # the next block is read while this one is encoded and written
            current = following.result()
            if i + 1 < len(blocks):
                following = ahead.submit(table, *blocks[i + 1])
            out.write_table(current)


def write_table(df: pd.DataFrame, path: Path, *, xlsx: bool) -> None:
    """Write a result table as XLSX or CSV to ``path`` (the temporary file of an atomic write)."""
    if xlsx:
        write_frames(path, {"estimates": df})
    else:
        df.to_csv(path, index=False)
