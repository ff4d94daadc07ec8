"""A large single-level CSV read a block of rows at a time, each block named and typed as :func:`read` would.

For work that can be done block by block (the .sav/.dta export), so ten million rows are never held at once. Only
files the whole-file reader would parse with pyarrow qualify (UTF-8, the final line break, no roster, no
duplicate header); anything a block cannot decide alone (a value that breaks a column's type, an id of 2**53 or
more, rows to be numbered, a text question whose numbers are whole in one block and not in another) raises
:class:`NotStreamable`, and the caller reads the whole file instead, so the result never depends on the blocks.
"""

from __future__ import annotations

import contextlib
import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..encoding import detect_encoding, sniff_delimiter
from ..levels import TOP_LEVEL, levels
from .columns import _assemble, _Names, all_whole
from .dataset import Dataset, _Raw
from .link import _link
from .text_files import (
    EXACT_LIMIT,
    STREAM_BYTES,
    _head,
    _numeric_guess,
    _read_ahead,
    _tail,
    arrow_options,
    as_read,
    reaches,
)

if TYPE_CHECKING:
    from ...questionnaire.dictionary import DataDictionary
    from ...questionnaire.model import Questionnaire

BLOCK_ROWS = 1 << 19
"""Rows per block (about 80 MB for 20 numeric columns)."""


class NotStreamable(Exception):
    """The file must be read whole (the reason is the message)."""


@dataclass
class CsvBlocks:
    """The plan for reading *path* in blocks; iterate it for ``(first row, Dataset of the block)``."""

    path: Path
    questionnaire: Questionnaire
    dictionary: DataDictionary
    sep: str
    numeric: dict[str, bool]
    text_columns: list[str]
    """The header's columns of text questions (their numbers must be whole in every block or in none)."""
    block_rows: int = BLOCK_ROWS
    rows: int = 0
    """Rows read so far (all of them once the iteration has ended)."""
    _whole: dict[str, set[bool]] = field(default_factory=dict)

    def __iter__(self) -> Iterator[tuple[int, Dataset]]:
        import pyarrow as pa
        import pyarrow.csv as pcsv

        ragged: list[bool] = []

        def handler(_row: Any) -> str:
            ragged.append(True)
            return "skip"

        self.rows = 0
        self._whole = {}
        try:
            reader = pcsv.open_csv(str(self.path), **arrow_options(self.path, self.sep, self.numeric, handler))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError) as exc:
            raise NotStreamable(f"pyarrow cannot read the file ({exc})") from exc
        schema = reader.schema
        if schema.names != list(self.numeric):
            raise NotStreamable("the columns pyarrow found are not the header's")
        for f in schema:
            if not (pa.types.is_integer(f.type) or pa.types.is_floating(f.type) or pa.types.is_null(f.type)
                    or pa.types.is_string(f.type) or pa.types.is_large_string(f.type)):
                raise NotStreamable(f"column {f.name} is read as {f.type}")
        batches: list[Any] = []
        held = 0
        try:
            with contextlib.ExitStack() as stack:
                stack.enter_context(reader)
                ahead = stack.enter_context(contextlib.closing(_read_ahead(reader)))
                for batch in ahead:
                    if ragged:
                        raise NotStreamable("a row has a wrong number of fields")
                    batches.append(batch)
                    held += batch.num_rows
                    if held >= self.block_rows:
                        yield self._block(schema, batches)
                        batches, held = [], 0
                if ragged:
                    raise NotStreamable("a row has a wrong number of fields")
                if batches or not self.rows:
                    yield self._block(schema, batches)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise NotStreamable(f"a later block breaks a column's type ({exc})") from exc
        split = [c for c, seen in self._whole.items() if len(seen) > 1]
        if split:
            raise NotStreamable(f"text question {split[0]} holds whole numbers in some blocks only")

    def _block(self, schema: Any, batches: list[Any]) -> tuple[int, Dataset]:
        import pyarrow as pa

        n = sum(b.num_rows for b in batches)
        columns: dict[str, Any] = {}
        for i, f in enumerate(schema):
            if pa.types.is_null(f.type):
                columns[f.name] = np.full(n, np.nan)
            elif pa.types.is_integer(f.type) or pa.types.is_floating(f.type):
                parts = [b.column(i).to_numpy(zero_copy_only=False) for b in batches]
                values = np.concatenate(parts) if parts else np.empty(0, dtype="float64")
                if reaches(values, EXACT_LIMIT):
                    raise NotStreamable(f"column {f.name} holds numbers of 2**53 or more (ids kept as text)")
                columns[f.name] = values
            else:
                columns[f.name] = pa.chunked_array([b.column(i) for b in batches], type=f.type).to_pandas()
        frame = as_read(pd.DataFrame(columns, copy=False), self.numeric)
        if frame is None:
            raise NotStreamable("a column guessed to hold numbers holds text")
        self._note_whole(frame)
        first = self.rows
        self.rows += n
        qn = self.questionnaire
        ds = Dataset(frames={}, questionnaire=qn, inputs=[self.path.resolve()])
        _assemble(ds, [_Raw(frame, str(self.path), TOP_LEVEL, self.path, [])], qn, self.dictionary)
        _link(ds, qn)
        if any(p.rule == "key-derived" for p in ds.problems):
            raise NotStreamable("the rows must be numbered across the whole file")
        return first, ds

    def _note_whole(self, frame: pd.DataFrame) -> None:
        """Record, for text questions read as numbers, whether this block's numbers are all whole (the reader
        writes them without '.0' only then, so every block must agree)."""
        for col in self.text_columns:
            self._whole.setdefault(col, set()).add(frame[col].dtype.kind != "f" or all_whole(frame[col]))


def csv_blocks(path: str | Path, questionnaire: Questionnaire, *, encoding: str | None = None,
               lang: str | None = None, min_bytes: int = STREAM_BYTES,
               block_rows: int = BLOCK_ROWS) -> CsvBlocks | None:
    """The block plan of *path*, or None when it is not a file to read in blocks: smaller than *min_bytes*, not a
    UTF-8 CSV/TSV ending in a line break, a questionnaire with rosters, a header with duplicate names."""
    from ...questionnaire.dictionary import data_dictionary

    path = Path(path)
    if not path.is_file() or path.suffix.lower() not in (".csv", ".tsv", ".txt"):
        return None
    size = path.stat().st_size
    if size < max(min_bytes, 1) or list(levels(questionnaire)) != [TOP_LEVEL]:
        return None
    head = _head(path)
    if b"\x00" in head or not head.strip():
        return None
    enc = encoding or detect_encoding(head, complete=size <= len(head))[0]
    if enc.lower().replace("-", "").replace("_", "") not in ("utf8", "utf8sig"):
        return None
    if not _tail(path).endswith(b"\n"):
        return None
    first_line = head.decode("utf-8", errors="replace").splitlines()[0].lstrip("\ufeff")
    sep = sniff_delimiter(first_line)
    header = [h.strip() for h in next(csv.reader([first_line], delimiter=sep), [])]
    if len(set(header)) != len(header):
        return None
    numeric = _numeric_guess(head, enc, sep)
    if not numeric:
        return None
    dd = data_dictionary(questionnaire, lang)
    names, metas = _Names.of(questionnaire), {v.name: v for v in dd.variables}
    text = [c for c in numeric if (m := metas.get(names.canonical(c) or "")) is not None and m.kind == "string"
            and m.qtype != "select_multiple" and not m.is_dummy]
    return CsvBlocks(path, questionnaire, dd, sep, numeric, text, block_rows)
