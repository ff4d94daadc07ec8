"""CSV/TSV files: encoding and delimiter, pyarrow or pandas parsing (streamed in blocks when large), ids kept
exact, ragged rows refused."""

from __future__ import annotations

import contextlib
import csv
import io
import re
from collections.abc import Callable, Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ...errors import Location, Problem, SurveyError
from ...limits import check_columns
from ..encoding import detect_encoding, first_undecodable_line, mixed_encoding, sniff_delimiter
from .dataset import _Raw

if TYPE_CHECKING:  # the questionnaire machinery is imported only when a questionnaire is given
    pass

Progress = Callable[[str, int, int], None]
"""Told ``(file name, bytes read, bytes in the file)`` while a large CSV is read; the last call has read == total."""
CHUNK_BYTES = 64 * 1024 * 1024
"""CSV files smaller than this are read into memory first; larger ones are read from disk (and, on the careful
pandas path, in chunks with a progress bar)."""
IN_MEMORY_BYTES = 8 * 1024 * 1024
"""CSV files smaller than this are read into memory before parsing; pyarrow reads larger ones from disk."""
ARROW_BLOCK = 1 << 22
"""Bytes of CSV pyarrow parses at a time: 4 MB blocks keep both cores busy on a 40 MB file."""
STREAM_BYTES = 256 * 1024 * 1024
"""From this size a CSV is read block by block, with a progress bar (about the frame's memory once, a little
slower), instead of by pyarrow's whole-file reader (faster, about twice the frame's memory while it reads)."""


# ------------------------------------------------------------------------------------------------------ text files


def _read_text(data: bytes | Path, source: str, *, encoding: str | None = None, progress: Progress | None = None,
               chunk_bytes: int = CHUNK_BYTES, keep: Callable[[str], bool] | None = None, **_: Any) -> _Raw:
    """Read a delimited text file: detect encoding and delimiter, keep text as text, flag a truncated end."""
    head = data[: 1 << 20] if isinstance(data, bytes) else _head(data)
    size = len(data) if isinstance(data, bytes) else data.stat().st_size
    problems: list[Problem] = []
    if size == 0 or not head.strip():
        raise SurveyError(f"{source} is empty (0 bytes): the export did not finish or the wrong file was given",
                          location=Location(file=source), rule="empty-file")
    if b"\x00" in head and not (encoding or "").lower().startswith("utf-16") \
            and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        at = head.index(b"\x00")
        line = head.count(b"\n", 0, at) + 1
        raise SurveyError(f"{source} is not a text export: it contains NUL bytes (first at byte {at}); give the "
                          "CSV/XLSX/SAV/DTA file the server exported", location=Location(file=source, line=line),
                          rule="binary-file")
    enc, note = (encoding, None) if encoding else detect_encoding(head, complete=size <= len(head))
    if note and not encoding and enc.startswith("cp"):
        mixed = mixed_encoding(data if isinstance(data, bytes) else data.read_bytes())
        if mixed:
            raise SurveyError(f"{source} mixes text encodings: line {mixed[0]} is UTF-8 but line {mixed[1]} is "
                              "not; re-export the file, or convert it to UTF-8 consistently, and read it again",
                              location=Location(file=source, line=mixed[1]), rule="encoding")
    if note:
        problems.append(Problem(f"{note}; pass --encoding to choose another", "encoding", "info",
                                Location(file=source)))
    try:
        first_line = head.decode(enc, errors="replace").splitlines()[0]
    except LookupError as exc:
        raise SurveyError(f"unknown text encoding '{enc}'", rule="encoding") from exc
    sep = sniff_delimiter(first_line)
    refuse_duplicate_names(next(csv.reader([first_line], delimiter=sep), []), source)
    tail = data[-4:] if isinstance(data, bytes) else _tail(data)
    no_newline = not tail.endswith(_newline(enc, head))
    truncated = ""
    opts: dict[str, Any] = dict(sep=sep, encoding=enc, dtype=str, keep_default_na=False, na_values=[""],
                                skipinitialspace=False, low_memory=False)
    numeric_guess = _numeric_guess(head, enc, sep, keep)
    if keep is not None:
        opts["usecols"] = lambda c: keep(str(c))
    opts["dtype"] = {c: (None if ok else str) for c, ok in numeric_guess.items()}
    # R writes missing numbers as NA: missing in a column of numbers, but a text answer "NA" stays text
    opts["na_values"] = {c: (["", "NA"] if ok else [""]) for c, ok in numeric_guess.items()}
    opts["dtype"] = {c: t for c, t in opts["dtype"].items() if t is not None}
    try:
        frame = None if no_newline else _arrow_parse(
            data, enc, sep, numeric_guess, progress=progress if size >= chunk_bytes else None,
            line_bytes=len(head) / max(1, head.count(b"\n")))
        if frame is None:  # a file pyarrow cannot take as it is: the located checks and pandas' parser
            last_short = _refuse_ragged_rows(data, enc, sep, source, allow_short_last=no_newline)
            # a file without a final line break is cut off only if its last row is short; a complete last row
            # without the line break is an ordinary file
            truncated = "no final line break" if no_newline and last_short else ""
            frame = _parse(data, opts, progress, chunk_bytes, size, head)
    except UnicodeError as exc:  # UnicodeDecodeError, or e.g. "UTF-16 stream does not start with BOM"
        line = first_undecodable_line(data if isinstance(data, bytes) else data.read_bytes(), enc)
        raise SurveyError(f"{source} is not valid {enc} text (line {line} cannot be decoded); "
                          "pass --encoding (e.g. utf-8, cp1251, cp1250, latin-1)",
                          location=Location(file=source, line=line), rule="encoding") from exc
    except pd.errors.EmptyDataError as exc:
        raise SurveyError(f"{source} has no header row", location=Location(file=source), rule="empty-file") from exc
    except pd.errors.ParserError as exc:
        msg = str(exc)
        if "EOF inside string" in msg or "EOF" in msg:
            text = (data if isinstance(data, bytes) else data.read_bytes()) + b'"\n'
            frame = _parse(text, opts, False, chunk_bytes, size, head)
            truncated = "a quoted value is never closed"
        else:
            line = re.search(r"line (\d+)", msg)
            raise SurveyError(f"{source}: a row has more fields than the header ({msg}); no row was dropped — "
                              "fix the quoting or delimiter and read again",
                              location=Location(file=source, line=int(line.group(1)) if line else None),
                              rule="malformed-row") from exc
    frame = _exact_big_numbers(frame, data, opts)
    if truncated and len(frame):
        problems.append(Problem(
            f"the file ends in the middle of data row {len(frame)} ({truncated}): the export was probably "
            "cut off and this row may be incomplete", "truncated-file", "error",
            Location(file=source, row=len(frame))))
    return _Raw(frame, source, None, None, problems)


EXACT_LIMIT = 2**53
"""Whole numbers of this magnitude and above are not all exact as float64 (16-digit ids would lose digits)."""


def reaches(values: np.ndarray, limit: float) -> bool:
    """Whether a number's magnitude is *limit* or more: from the extremes alone (NaN ignored, no |x| made)."""
    return bool(values.size) and bool(np.fmax.reduce(values) >= limit or np.fmin.reduce(values) <= -limit)


def _exact_big_numbers(frame: pd.DataFrame, data: bytes | Path, opts: dict[str, Any]) -> pd.DataFrame:
    """Columns parsed as float64 that hold magnitudes of 2**53 or more (where float64 has lost digits) are read
    again as the text they were, so an id such as 9007199254740993 keeps every digit (``_exact_integers``)."""
    big = []
    for c in frame.columns:
        if frame[c].dtype.kind == "f" and reaches(frame[c].to_numpy(), EXACT_LIMIT):
            big.append(c)
    if not big:
        return frame
    src: Any = io.BytesIO(data) if isinstance(data, bytes) else data
    text = pd.read_csv(src, **{**opts, "usecols": big, "dtype": str, "na_values": [""]})
    for c in big:
        given = text[c].dropna().str.strip()
        if given[given != ""].str.fullmatch(r"[+-]?\d+").all():  # whole numbers as written: keep every digit
            frame[c] = text[c].to_numpy(dtype=object)
        # else a decimal column (1e300, 12345678901234567.5): its float64 values are what the file says
    return frame


def _exact_integers(col: pd.Series) -> pd.Series | None:
    """*col* as exact nullable integers (Int64) when its values are whole numbers and some reach 2**53, where
    float64 would round them (ids and codes keep every digit); None for any other column."""
    if pd.api.types.is_integer_dtype(col.dtype):
        with np.errstate(invalid="ignore"):
            big = bool((col.abs() >= EXACT_LIMIT).any())
        return col.astype("Int64") if big else None
    if col.dtype != object and not pd.api.types.is_string_dtype(col.dtype):
        return None
    present = col.dropna().astype("str").str.strip()
    present = present[present != ""]
    if present.empty or not present.str.fullmatch(r"[+-]?\d{1,18}").all():
        return None
    ints = present.map(int)
    if not (ints.abs() >= EXACT_LIMIT).any():
        return None
    out = pd.Series(pd.array([None] * len(col), dtype="Int64"), index=col.index)
    out.loc[ints.index] = pd.array(ints.tolist(), dtype="Int64")
    return out


def _newline(enc: str, head: bytes) -> bytes:
    """A line break in the file's encoding (two bytes in UTF-16)."""
    low = enc.lower().replace("_", "-")
    if low.startswith("utf-8"):
        return b"\n"
    if low in ("utf-16", "utf16"):
        return "\n".encode("utf-16-be" if head.startswith(b"\xfe\xff") else "utf-16-le")
    try:
        return "\n".encode(enc)
    except LookupError:
        return b"\n"


MAX_RAGGED_LISTED = 20


def _arrow_parse(data: bytes | Path, enc: str, sep: str, numeric: dict[str, bool],
                 progress: Progress | None = None, line_bytes: float = 1.0) -> pd.DataFrame | None:
    """The whole file parsed by pyarrow's multi-threaded reader, typed as the pandas path types it (columns of
    numbers as numbers, all others as text, "NA" missing only among numbers), or None when the file needs the
    careful path: not UTF-8, a row with a wrong number of fields, or a value that breaks a column's type."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    if enc.lower().replace("-", "").replace("_", "") not in ("utf8", "utf8sig") or not numeric:
        return None
    ragged: list[bool] = []
    wanted = list(numeric)

    def handler(_row: Any) -> str:
        ragged.append(True)
        return "skip"

    src: Any = io.BytesIO(data) if isinstance(data, bytes) else str(data)
    options = arrow_options(data, sep, numeric, handler)
    frame: pd.DataFrame | None = None
    try:
        if isinstance(data, Path) and data.stat().st_size >= STREAM_BYTES:  # streamed, a block at a time
            frame = _arrow_stream(pcsv.open_csv(src, **options), data, progress, line_bytes)
        if frame is None:
            table = pcsv.read_csv(src, **options)
            if table.column_names != wanted or len(set(table.column_names)) != table.num_columns:
                return None
            empty = [c for c in table.column_names if pa.types.is_null(table.schema.field(c).type)]
            frame = table.to_pandas(split_blocks=True, self_destruct=True)  # hands the buffers over, no copy
            del table
            for c in empty:  # a column with no value at all: missing numbers, as pandas reads it
                frame[c] = np.full(len(frame), np.nan)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError, KeyError):
        return None
    if ragged or list(frame.columns) != wanted:
        return None
    return as_read(frame, numeric)


def arrow_options(data: bytes | Path, sep: str, numeric: dict[str, bool], handler: Callable[[Any], str]) -> dict[str, Any]:
    """pyarrow's CSV options that type a file as the pandas path types it: the guessed columns of numbers as
    numbers, all others as text, "NA" missing only among numbers, no booleans or timestamps; *handler* is told of
    a row with a wrong number of fields."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    return dict(  # without a quote character no value can hold a line break: blocks are then split in parallel
        read_options=pcsv.ReadOptions(block_size=ARROW_BLOCK),
        parse_options=pcsv.ParseOptions(delimiter=sep, newlines_in_values=_has_quote(data),
                                        invalid_row_handler=handler),
        convert_options=pcsv.ConvertOptions(
            include_columns=list(numeric),
            column_types={c: pa.string() for c, ok in numeric.items() if not ok},
            null_values=["", "NA"], strings_can_be_null=False, quoted_strings_can_be_null=False,
            true_values=[], false_values=[], timestamp_parsers=[]))


def as_read(frame: pd.DataFrame, numeric: dict[str, bool]) -> pd.DataFrame | None:
    """A frame pyarrow parsed, its text columns as the pandas path reads them (an empty field is missing); None
    when a column guessed to hold numbers turned out to hold text (the careful path reads it)."""
    for c, ok in numeric.items():
        if not ok:
            frame[c] = empty_as_missing(frame[c])
        elif frame[c].dtype == object:
            return None
    return frame


def empty_as_missing(col: pd.Series) -> pd.Series:
    """*col* as text (str) with each empty value missing (NaN). Arrow-backed text is masked in Arrow, without
    copying the strings (pandas' ``where`` rebuilds them: 20 ms instead of 3 ms a million rows). Whole numbers
    are written as text by Arrow (pandas goes through a Python object per value: 0.7 GB for ten million ids)."""
    if pd.api.types.is_integer_dtype(col.dtype):
        import pyarrow as pa

        text = pa.array(col.array, from_pandas=True).cast(pa.large_string())
        col = pd.Series(pd.array(text, dtype="str"), index=col.index, name=col.name)
    col = col.astype("str")
    if not len(col) or not bool((col == "").any()):
        return col
    to_arrow = getattr(col.array, "__arrow_array__", None)
    if to_arrow is None:
        return col.where(col != "", np.nan)
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = to_arrow()
    kept = pc.if_else(pc.equal(arr, ""), pa.scalar(None, arr.type), arr)
    return pd.Series(pd.array(kept, dtype="str"), index=col.index, name=col.name)


class _Growing:
    """A numeric column filled block by block into one array sized from the file (no list of blocks to join):
    whole numbers stay int64 until a block has a gap, then the column turns float64 with NaN, as pandas reads
    it."""

    def __init__(self, capacity: int, dtype: Any) -> None:
        self.values = np.empty(capacity, dtype=dtype)
        self.n = 0

    def add(self, block: np.ndarray) -> None:
        end = self.n + len(block)
        if block.dtype.kind == "f" and self.values.dtype.kind != "f":
            self.values = self.values.astype("float64")
        if end > len(self.values):  # the estimate of the rows fell short: grow by a quarter
            grown = np.empty(max(end, len(self.values) * 5 // 4), dtype=self.values.dtype)
            grown[:self.n] = self.values[:self.n]
            self.values = grown
        self.values[self.n:end] = block
        self.n = end


def _arrow_stream(reader: Any, path: Path, progress: Progress | None, line_bytes: float) -> pd.DataFrame | None:
    """The blocks of pyarrow's streaming CSV reader as one frame: each block's numbers are copied into arrays
    sized from the file as the block arrives and the block is dropped, so memory holds about the frame once
    (pyarrow's whole-file reader held it about twice over). None when a later block breaks a type the first
    block set (the whole-file reader, which looks at every block, takes over)."""
    import pyarrow as pa

    schema = reader.schema
    numeric = {f.name for f in schema if pa.types.is_integer(f.type) or pa.types.is_floating(f.type)}
    if any(not (f.name in numeric or pa.types.is_null(f.type) or pa.types.is_string(f.type)
                or pa.types.is_large_string(f.type)) for f in schema):
        return None
    size = path.stat().st_size
    capacity = int(size / max(line_bytes, 1.0) * 1.02) + 1024
    grown: dict[str, _Growing] = {}
    texts: dict[str, list[Any]] = {f.name: [] for f in schema if f.name not in numeric}
    rows = 0
    try:
        with contextlib.ExitStack() as stack:
            stack.enter_context(reader)
            ahead = stack.enter_context(contextlib.closing(_read_ahead(reader)))  # stopped before the reader closes
            for batch in ahead:
                for f, arr in zip(schema, batch.columns, strict=True):
                    if f.name in numeric:  # integers with gaps come out as floats with NaN
                        block = arr.to_numpy(zero_copy_only=False)
                        if f.name not in grown:
                            grown[f.name] = _Growing(capacity, block.dtype)
                        grown[f.name].add(block)
                    else:
                        texts[f.name].append(arr)
                rows += batch.num_rows
                if progress is not None:
                    progress(path.name, min(size, int(rows * line_bytes)), size)
            if progress is not None:
                progress(path.name, size, size)
    except pa.ArrowInvalid:
        return None
    if not rows:
        return None
    columns: dict[str, Any] = {}
    for f in schema:  # the first block fixes every type: a later block that breaks one raised above
        if f.name in numeric:
            columns[f.name] = grown.pop(f.name).values[:rows]
        elif pa.types.is_null(f.type):  # no value in the whole column: missing numbers
            columns[f.name] = np.full(rows, np.nan)
        else:
            columns[f.name] = pa.chunked_array(texts.pop(f.name), type=f.type).to_pandas()
    return pd.DataFrame(columns, copy=False)


def _read_ahead(batches: Any, depth: int = 4) -> Generator[Any, None, None]:
    """The items of *batches*, the next ones parsed on a second thread while the caller works on this one (pyarrow
    parses a streamed CSV on one core, and lets go of the interpreter lock while it does). At most *depth* items
    wait; an error of the parser is raised here, in order."""
    import queue
    import threading

    waiting: queue.Queue[tuple[bool, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def parse() -> None:
        try:
            for item in batches:
                while not stop.is_set():
                    try:
                        waiting.put((True, item), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            waiting.put((False, None))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            waiting.put((False, exc))

    worker = threading.Thread(target=parse, name="surveymod-csv-read-ahead", daemon=True)
    worker.start()
    try:
        while True:
            more, item = waiting.get()
            if not more:
                if item is not None:
                    raise item
                return
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # let the parser see the stop (it may wait on a full queue)
            try:
                waiting.get_nowait()
            except queue.Empty:
                worker.join(0.05)


def _has_quote(data: bytes | Path) -> bool:
    """Whether the file holds a double quote anywhere, read 16 MB at a time into one buffer: a memory map of the
    file would count every page it scans as this process's memory (a 1 GB CSV without quotes: 1 GB of peak)."""
    if isinstance(data, bytes):
        return b'"' in data
    buf = bytearray(16 << 20)
    with open(data, "rb", buffering=0) as fh:
        while got := fh.readinto(buf):
            if buf.find(b'"', 0, got) >= 0:
                return True
    return False


def _refuse_ragged_rows(data: bytes | Path, enc: str, sep: str, source: str, allow_short_last: bool) -> bool:
    """A located error for data rows with fewer or more fields than the header.

    pandas pads a short row with empty values, which would silently invent answers; a truncated last row (the
    file ends without a line break) is left to the truncated-file report instead.
    """
    import pyarrow as pa
    import pyarrow.csv as pcsv

    bad: list[tuple[int, int, int]] = []
    unclosed: list[bool] = []

    def handler(row: Any) -> str:
        bad.append((row.number, row.expected_columns, row.actual_columns))
        unclosed.append(row.text.count('"') % 2 == 1)
        return "skip"

    src: Any = io.BytesIO(data) if isinstance(data, bytes) else str(data)
    rows = 0
    try:
        reader = pcsv.open_csv(
            src, read_options=pcsv.ReadOptions(use_threads=False, encoding=_arrow_encoding(enc), block_size=1 << 24),
            parse_options=pcsv.ParseOptions(delimiter=sep, newlines_in_values=True, invalid_row_handler=handler),
            convert_options=pcsv.ConvertOptions(include_columns=[], column_types={}))
        refuse_duplicate_names(reader.schema.names, source)
        for batch in reader:
            rows += batch.num_rows
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError):
        return True  # pandas reports what pyarrow could not parse, with its own message
    last = rows + len(bad) + 1  # record number of the last row (the header is record 1)
    last_short = bool(bad) and bad[-1][0] == last and bad[-1][2] < bad[-1][1]
    if last_short and (allow_short_last or unclosed[-1]):
        bad = bad[:-1]  # a cut-off last row: reported as a truncated file, with the row kept
    if not bad:
        return last_short
    problems = [Problem(f"data row {n - 1} has {got} field(s) but the header has {want}; no row was padded or "
                        "dropped — fix the delimiter, quoting or the row and read again", "malformed-row",
                        location=Location(file=source, row=n - 1 if n else None))
                for n, want, got in bad[:MAX_RAGGED_LISTED]]
    if len(bad) > MAX_RAGGED_LISTED:
        problems.append(Problem(f"... and {len(bad) - MAX_RAGGED_LISTED} more such rows", "malformed-row",
                                location=Location(file=source)))
    raise SurveyError(problems)


def refuse_duplicate_names(names: list[str], source: str) -> None:
    """A located error when two columns share a name (pandas would silently rename the second 'age.1'), or when
    there are more columns than a table may have (``limits.MAX_COLUMNS``)."""
    check_columns(len(names), source)
    first: dict[str, int] = {}
    problems = []
    for i, name in enumerate(names, start=1):
        key = str(name).strip()
        if key in first:
            problems.append(Problem(f"columns {first[key]} and {i} are both named '{key}'; rename one and read "
                                    "again (nothing was renamed)", "duplicate-column",
                                    location=Location(file=source, line=1, variable=key)))
        else:
            first[key] = i
    if problems:
        raise SurveyError(problems)


def _arrow_encoding(enc: str) -> str:
    """pyarrow's name for an encoding (it transcodes anything Python knows)."""
    return "utf8" if enc.lower().replace("-", "") in ("utf8", "utf8sig") else enc


def _head(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(1 << 20)


def _tail(path: Path) -> bytes:
    with open(path, "rb") as fh:
        fh.seek(max(0, path.stat().st_size - 4))
        return fh.read()


def _numeric_guess(head: bytes, enc: str, sep: str, keep: Callable[[str], bool] | None = None) -> dict[str, bool]:
    """Columns whose sample values are all numbers may be parsed as numbers; others are read as text (only the
    columns *keep* wants)."""
    text = head.decode(enc, errors="ignore")
    cut = text.rfind("\n")
    sample = text[: cut + 1] if cut > 0 else text
    try:
        df = pd.read_csv(io.StringIO(sample), sep=sep, dtype=str, keep_default_na=False, na_values=[""],
                         nrows=2000, usecols=None if keep is None else (lambda c: keep(str(c))))
    except (pd.errors.ParserError, pd.errors.EmptyDataError):
        return {}
    out = {}
    for c in df.columns:
        col = df[c].dropna()
        col = col[col != "NA"]
        num = pd.to_numeric(col, errors="coerce")
        out[c] = bool(num.notna().all()) and not col.str.match(r"^0\d").any()
    return out


def _parse(data: bytes | Path, opts: dict[str, Any], progress: Progress | None, chunk_bytes: int, size: int,
           head: bytes) -> pd.DataFrame:
    src: Any = io.BytesIO(data) if isinstance(data, bytes) else data
    if isinstance(data, bytes) or size < chunk_bytes:
        frame = pd.read_csv(src, **opts)
    else:
        rows_per_chunk = 200_000
        line_bytes = max(1, len(head) // max(1, head.count(b"\n")))
        chunks = []
        name, rows = Path(str(data)).name, 0
        for chunk in pd.read_csv(src, chunksize=rows_per_chunk, **opts):
            chunks.append(chunk)
            rows += len(chunk)
            if progress is not None:
                progress(name, min(size, rows * line_bytes), size)
        if progress is not None:
            progress(name, size, size)
        frame = pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame()
    frame.columns = [str(c) for c in frame.columns]
    return frame


