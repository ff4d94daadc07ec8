"""Export a large single-level CSV to .sav/.dta a block of rows at a time, so ten million rows never sit in memory.

Pass one reads the file in blocks (:mod:`surveymod.data.reader.blocks`), prepares each block exactly as the
whole-file export does and spools it to a hidden file beside the output, noting what the file's header needs from
all the rows: the columns and their kinds, the numbers behind each display format, the widest text, the invalid
values kept. Pass two writes the header, then the spooled blocks (ReadStat, under pyreadstat, takes a whole frame
and cannot be fed rows; our own .sav/.dta writers can). Whatever a block cannot decide alone sends the export back
to the whole-file path, so the files are the same either way (tests/data_io/test_export_blocks.py).
"""

from __future__ import annotations

import os
import pickle
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import pandas as pd

from ..atomic import note_input, refuse_overwriting_inputs
from ..errors import Problem, added_up
from ..questionnaire.dictionary import Limits, VariableMeta
from ..questionnaire.model import Questionnaire
from .exporter import (
    ExportResult,
    Extent,
    _begin,
    _guarded,
    _prepare,
    _Prepared,
    _syntax,
    level_metas,
    unknown_warnings,
    unknown_widths,
)
from .levels import TOP_LEVEL
from .reader.blocks import BLOCK_ROWS, NotStreamable, csv_blocks
from .reader.text_files import STREAM_BYTES

_WIDEST = {"sav": 255, "dta": 2045}
"""Text wider than this (bytes) needs SPSS's very long strings or Stata's strL: the whole-file path writes those."""


def export_in_blocks(path: Path, qn: Questionnaire, out: Path, target: str, *, lang: str | None = None,
                     syntax: bool = True, encoding: str | None = None,
                     progress: Callable[[str], None] | None = None, min_bytes: int | None = None,
                     block_rows: int | None = None) -> ExportResult | None:
    """Export *path* to *out* (.sav or .dta) in blocks of rows; None, having written nothing, when the file is not
    one to read in blocks (under *min_bytes*, rosters, not UTF-8 ...) or a block finds something only the whole
    file decides."""
    block_rows = block_rows or BLOCK_ROWS
    plan = csv_blocks(path, qn, encoding=encoding, lang=lang, min_bytes=STREAM_BYTES if min_bytes is None else min_bytes,
                      block_rows=block_rows)
    if plan is None:
        return None
    limits, dd, result = _begin(qn, lang, target)
    note_input(path)
    refuse_overwriting_inputs(out, [path.resolve(), *([Path(qn.file)] if qn.file else [])])
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".blocks", dir=out.parent)
    spool = Path(name)
    try:
        if progress is not None:
            progress(f"reading {path.name} in blocks of {block_rows:,} rows")
        with os.fdopen(fd, "wb") as fh:
            try:
                whole = _spool(plan, level_metas(qn, dd, TOP_LEVEL), target, limits, out, fh)
            except NotStreamable:
                return None
        if progress is not None:
            progress(f"writing {out.name} ({whole.rows:,} rows, {len(whole.order)} variables)")
        try:
            _guarded(lambda tmp: _write(whole, spool, tmp, target), out)
        except NotStreamable:
            return None
    finally:
        spool.unlink(missing_ok=True)
    result.warnings += unknown_warnings(whole.unknown, out) + added_up(whole.warnings)
    result.files.append(out)
    result.renamed = dict(whole.prepared.renamed)
    if syntax:
        result.files += _syntax(qn, dd, out, target, lang, result.warnings, result.renamed,
                                {TOP_LEVEL: whole.source}, {TOP_LEVEL: whole.chars} if target == "sav" else None)
    return result


@dataclass
class _Whole:
    """What the header needs from every block: columns in order, kinds, extents, widths, metadata, warnings."""

    prepared: _Prepared = field(default_factory=lambda: _Prepared(pd.DataFrame()))
    order: list[str] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)
    extents: dict[str, Extent] = field(default_factory=dict)
    widths: dict[str, int] = field(default_factory=dict)
    chars: dict[str, int] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    """Every block's warnings (:func:`surveymod.errors.added_up` makes them the file's)."""
    unknown: list[str] = field(default_factory=list)
    source: str = ""
    rows: int = 0
    blocks: int = 0

    def add(self, p: _Prepared, warnings: list[Problem]) -> None:
        cols = [str(c) for c in p.frame.columns]
        for i, c in enumerate(cols):
            if c not in self.kinds:  # a column only some blocks have (invalid values kept as text) goes where
                self.order.insert(self.order.index(cols[i - 1]) + 1 if i else 0, c)  # the first block had it
            s = p.frame[c]
            if pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_numeric_dtype(s.dtype):
                kind = "number"
            elif pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype):
                kind = "text"
                uniques = pd.unique(s.dropna())
                if any(not isinstance(u, str) for u in uniques):
                    raise NotStreamable(f"column {c} mixes text and other values")
                self.widths[c] = max(self.widths.get(c, 1), *(len(u.encode("utf-8")) for u in uniques), 1)
            else:
                raise NotStreamable(f"column {c} is {s.dtype}")
            if self.kinds.setdefault(c, kind) != kind:
                raise NotStreamable(f"column {c} is numbers in one block and text in another")
        base = self.prepared
        for mine, theirs in ((base.labels, p.labels), (base.value_labels, p.value_labels), (base.missing, p.missing),
                             (base.measure, p.measure), (base.formats, p.formats), (base.letters, p.letters),
                             (base.renamed, p.renamed), (base.sized, p.sized)):
            for k, v in theirs.items():
                mine.setdefault(k, v)  # type: ignore[attr-defined]
        for c, extent in p.extents.items():  # made by _prepare for the formats that depend on the numbers
            self.extents[c] = self.extents.get(c, Extent()) | extent
        if any(w.rule == "long-integer-as-text" for w in warnings):
            raise NotStreamable("ids of 2**53 or more are written as text, decided by the whole column")
        self.warnings += warnings
        self.rows += len(p.frame)
        self.blocks += 1

    def finish(self, target: str) -> None:
        """The formats from the extents of all the rows; refuses text too wide for the fixed-width writers."""
        for c, rule in self.prepared.sized.items():
            self.prepared.formats[c] = rule(self.extents.get(c, Extent()))
        wide = [c for c, w in self.widths.items() if w > _WIDEST[target]]
        if wide:
            raise NotStreamable(f"column {wide[0]} holds text wider than {_WIDEST[target]} bytes")


def _spool(plan: Any, metas: dict[str, VariableMeta], target: str, limits: Limits, out: Path,
           fh: BinaryIO) -> _Whole:
    """Pass one: every block prepared, noted and pickled to *fh*."""
    whole = _Whole()
    for _first, ds in plan:
        frame = ds.main
        if not whole.blocks:
            whole.unknown, whole.source = list(ds.unknown.get(TOP_LEVEL, [])), ds.sources.get(TOP_LEVEL, "")
        for c, w in unknown_widths(ds).get(TOP_LEVEL, {}).items():
            whole.chars[c] = max(whole.chars.get(c, 0), w)
        warnings: list[Problem] = []
        p = _prepare(frame, metas, target, limits, out, warnings)
        del frame, ds  # (a number Stata cannot store is over 2**53: the block reader has sent it to the whole file)
        whole.add(p, warnings)
        pickle.dump(p.frame, fh, protocol=pickle.HIGHEST_PROTOCOL)
    whole.finish(target)
    return whole


def _blocks(whole: _Whole, spool: Path) -> Iterator[pd.DataFrame]:
    """Pass two's frames: the spooled blocks, every one with all the columns in the one order."""
    with open(spool, "rb") as fh:
        for _ in range(whole.blocks):
            frame = pickle.load(fh)
            if list(frame.columns) != whole.order:
                blank = pd.Series([None] * len(frame), index=frame.index, dtype=object)
                frame = pd.DataFrame({c: frame[c] if c in frame.columns else blank for c in whole.order}, copy=False)
            yield frame


def _write(whole: _Whole, spool: Path, tmp: Path, target: str) -> None:
    p = whole.prepared
    if target == "sav":
        from .sav_file import write_sav

        done = write_sav(_blocks(whole, spool), tmp, column_labels=p.labels, value_labels=p.value_labels,
                         missing=p.missing, measure=p.measure, formats=p.formats, rows=whole.rows, widths=whole.widths)
    else:
        from .dta_file import write_dta

        done = write_dta(_blocks(whole, spool), tmp, column_labels=p.labels, value_labels=p.value_labels,
                         formats=p.formats, letters=p.letters, rows=whole.rows, widths=whole.widths)
    if not done:
        raise NotStreamable(f"the .{target} writer does not cover every column")
