"""The one writer of data files: ``write(data, metadata, path)`` in the format of the path's suffix.

A :class:`~surveymod.data.reader.Dataset` read with its questionnaire is exported labelled, one linked file per level
(:mod:`surveymod.data.exporter`: formats, missing values and labels from the questionnaire's data dictionary); a
plain frame (weighted data, a dataset without questionnaire) is written as one file labelled from its
:class:`~surveymod.data.meta.Metadata` (a .sav/.dta input's own labels and missing values). Both follow one rule for
names SPSS and Stata refuse (:func:`surveymod.data.exporter.safe_names`) and one for ids a format would round.
Writing goes through ``surveymod.atomic`` so a failed run never leaves a partial file, and XLSX through
``surveymod.xlsx`` so no cell becomes a formula. Result tables (estimates) are written by :func:`write_table`.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from ..atomic import write_with
from ..errors import Location, Problem, SurveyError
from ..xlsx import write_frames
from .levels import TOP_LEVEL
from .meta import Metadata, stata_letters

if TYPE_CHECKING:
    from .exporter import ExportResult
    from .reader import Dataset

SUFFIXES = (".csv", ".xlsx", ".sav", ".dta", ".parquet")
STREAMED = (".csv", ".parquet")
"""Outputs written a block of rows at a time, so float columns made in batches need not be held at once."""

BLOCK_BYTES = 64 * 2**20
"""About the size of one block of the streamed float columns."""


class FloatColumns(Protocol):
    """Float columns handed to a writer a block of rows at a time (replicate weights)."""

    names: list[str]

    def by_rows(self, folder: Path) -> contextlib.AbstractContextManager[Callable[[int, int], np.ndarray]]:
        """A reader ``rows(a, b)`` of columns x (b - a) values, each column's values contiguous."""
        ...


def write(data: Dataset | pd.DataFrame, metadata: Metadata | None, path: str | Path, *, to: str | None = None,
          lang: str | None = None, syntax: bool = False, added: Mapping[str, str] | None = None,
          more: FloatColumns | None = None, progress: Callable[[str], None] | None = None) -> ExportResult:
    """Write *data* to *path* (format from *to* or the suffix: csv, xlsx, sav, dta, parquet); the files and warnings.

    A Dataset with a questionnaire is exported labelled from it, every level in its own file (``<stem>_<level>``),
    with the .sps/.do syntax when *syntax*; *metadata* must then be None or the dataset's own (``Dataset.meta`` is
    itself a view of the questionnaire's dictionary). Anything else is written frame by frame with the labels and
    missing values of *metadata* (default: the dataset's own). *added* labels columns a command added (weights);
    *more* are float columns streamed after the frame's (.csv/.parquet only).
    """
    from .exporter import ExportResult, export, level_path, target_path

    out, _ = target_path(path, to)
    if not isinstance(data, pd.DataFrame) and data.questionnaire is not None:
        if metadata is not None and metadata is not data.meta:
            raise ValueError("a dataset with a questionnaire is labelled from its questionnaire: pass metadata=None")
        if more is not None:
            raise ValueError("streamed columns are written with one frame, not with a labelled export")
        return export(data, out=out, lang=lang, syntax=syntax, added=dict(added or {}), progress=progress)
    frames = {TOP_LEVEL: data} if isinstance(data, pd.DataFrame) else data.frames
    meta = metadata if metadata is not None else (Metadata() if isinstance(data, pd.DataFrame) else data.meta)
    if added:
        meta = meta.with_labels(added, measure="scale")
    result = ExportResult()
    for level, frame in frames.items():
        target = level_path(out, level)
        extra = more if level == TOP_LEVEL else None
        if progress is not None:
            width = frame.shape[1] + (len(extra.names) if extra is not None else 0)
            progress(f"writing {target.name} ({len(frame):,} rows, {width} columns)")
        result.renamed.update(_write_frame(frame, meta, target, extra, result.warnings))
        result.files.append(target)
    return result


def _stat_labels(df: pd.DataFrame, meta: Metadata, ext: str) -> dict[str, Any]:
    """pyreadstat keyword arguments for the labels, measures and missing values *meta* has for the columns of *df*.

    SPSS takes at most three user-missing values (or ranges) per variable; a .dta's extended missing values are the
    letters the reader left in object columns. Stata allows value labels only on integer-valued numeric columns,
    so other value labels are left out there.
    """
    infos = {c: meta.variables[c] for c in df.columns if c in meta.variables}
    kw: dict[str, Any] = {}
    var = {c: i.label for c, i in infos.items() if i.label}
    if var:
        kw["column_labels"] = var
    values = {c: dict(i.values) for c, i in infos.items() if i.values}
    if ext == ".dta":  # whole-number codes only (a label of an extended missing letter is dropped, not the set)
        values = {c: {int(k): t for k, t in v.items() if isinstance(k, int | float) and float(k).is_integer()}
                  for c, v in values.items() if _integer_valued(df[c])}
        values = {c: v for c, v in values.items() if v}
    if values:
        kw["variable_value_labels"] = values
    missing: dict[str, list[Any]] = {}
    if ext == ".sav":
        measure = {c: i.measure for c, i in infos.items() if i.measure}
        if measure:
            kw["variable_measure"] = measure
        for c, info in infos.items():
            spec: list[Any] = [{"lo": lo, "hi": hi} for lo, hi in info.missing_ranges]
            spec += sorted(info.missing)[: 3 - len(spec)] if len(spec) < 3 else []
            if spec:
                missing[c] = spec
    else:
        for c in df.columns:
            if df[c].dtype == object:
                letters = sorted(set(df[c][stata_letters(df[c])]))
                if letters:
                    missing[c] = letters
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


def _write_frame(df: pd.DataFrame, meta: Metadata, p: Path, more: FloatColumns | None,
                 warnings: list[Problem]) -> dict[str, str]:
    """Write one frame atomically in the format of *p*'s suffix; the columns renamed for SPSS/Stata.

    *meta*'s labels and missing values are written to .sav and .dta outputs; other formats cannot hold them.
    *more* (float columns after *df*'s, read a block of rows at a time) is for the ``STREAMED`` formats: it is
    written as if it were part of *df*, never held whole. Ids the format would round (past 2**53 in .sav/.dta,
    15 digits in .xlsx) are written as text, and names SPSS/Stata refuse are renamed (the original name becomes the
    variable label when there is none), each with a warning.
    """
    from .exporter import EXACT_LIMITS, digits_as_text, has_long_integers, long_integer_warning, safe_names

    ext = p.suffix.lower()
    if ext not in SUFFIXES:
        raise SurveyError(f"cannot write {p.name}: use .csv, .xlsx, .sav, .dta or .parquet", rule="data-format")
    limit = EXACT_LIMITS.get(ext[1:])
    long_ids = [c for c in df.columns if limit and has_long_integers(df[c], limit)]
    if long_ids:  # the one rule of the exporter: every digit kept, as text
        df = df.assign(**{str(c): digits_as_text(df[c], "" if ext == ".dta" else None) for c in long_ids})
        warnings += [long_integer_warning(str(c), ext[1:], p) for c in long_ids]
    if more is not None and ext not in STREAMED:
        raise ValueError(f"columns streamed to {ext}: only {', '.join(STREAMED)} are written by blocks of rows")
    renamed: dict[str, str] = {}
    if ext in (".sav", ".dta"):
        names = safe_names([str(c) for c in df.columns], ext[1:], p, [])  # said once for all, below
        renamed = {c: n for c, n in names.items() if c != n}
        if renamed:
            df, meta = df.rename(columns=renamed), meta.renamed(renamed)
            warnings.append(Problem(
                f"renamed for {'Stata' if ext == '.dta' else 'SPSS'} (original name kept as the variable label "
                f"when it had none): " + ", ".join(f"{a} -> {b}" for a, b in renamed.items()), "renamed",
                "warning", Location(file=str(p))))

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
                from .exporter import refuse_unstorable_in_stata

                refuse_unstorable_in_stata(df, p)
            kw = _stat_labels(df, meta, ext)
            try:
                if ext == ".sav":
                    pyreadstat.write_sav(df, str(tmp), **kw)
                else:  # label-set names that fit Stata's 32 characters
                    from .dta_labelsets import write_dta_pyreadstat

                    write_dta_pyreadstat(df, tmp, column_labels=kw.get("column_labels", {}),
                                         value_labels=kw.get("variable_value_labels", {}),
                                         missing=kw.get("missing_user_values", {}), formats={})
            except (pyreadstat.ReadstatError, pyreadstat.PyreadstatError) as exc:
                raise SurveyError(f"cannot write {p.name} as {ext}: {exc}", rule="data-write") from None

    write_with(p, writer)
    return renamed


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
