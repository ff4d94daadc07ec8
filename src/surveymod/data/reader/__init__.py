"""Read field data (ODK Central / Kobo CSV or XLSX, SPSS, Stata, Parquet, plain CSV) into one frame per level.

Column names lose their group prefixes (``grp/q1``, ``grp-q1``), split select_multiple columns (``q/choice``)
become the dummies ``q_<code>`` and the raw space-separated column is rebuilt (or the dummies are derived from it),
labels and choice names are mapped back to codes, and repeat sheets/files are linked to their parent through
``PARENT_KEY``/``KEY`` (ODK Central) or ``_parent_index``/``_index`` (Kobo). Nothing is dropped: values that do not
fit their question are kept as they were (the checker flags them) and unknown columns pass through.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ...atomic import note_input
from ...errors import Location, SurveyError
from ..levels import TOP_LEVEL, level_keys, levels
from ..meta import from_questionnaire, from_stat_file, merged
from .columns import _assemble
from .dataset import Dataset, _Raw, is_system_column
from .link import _link
from .narrow import narrow_frame
from .sources import SUFFIXES, _sources, release_unused_memory
from .text_files import CHUNK_BYTES, EXACT_LIMIT, Progress, refuse_duplicate_names

if TYPE_CHECKING:  # the questionnaire machinery is imported only when a questionnaire is given
    from ...questionnaire.model import Questionnaire

__all__ = ["CHUNK_BYTES", "EXACT_LIMIT", "SUFFIXES", "Dataset", "Progress", "is_system_column", "questionnaire_of",
           "read", "release_unused_memory", "refuse_duplicate_names"]


# ------------------------------------------------------------------------------------------------ entry point


def read(path: str | Path, questionnaire: Questionnaire | str | Path | None = None, *, encoding: str | None = None,
         sheet: str | None = None, progress: Progress | None = None, chunk_bytes: int = CHUNK_BYTES,
         lang: str | None = None, keep: Callable[[str], bool] | None = None, narrow: bool = False) -> Dataset:
    """Read *path* (file, directory or .zip) into a :class:`Dataset`, using *questionnaire* to name and type columns.

    Roster tables are the other sheets of a workbook, the other files of a directory/zip, or sibling files named
    ``<stem>-<roster>`` / ``<stem>_<roster>`` (roster name or level). ``encoding`` overrides detection for text
    files; ``sheet`` reads a single sheet as the top level; ``progress`` is told how far a large CSV has been read
    (``progress(file_name, bytes_read, bytes_total)``; the CLI draws it as a bar, the reader draws nothing).
    ``keep`` reads just the columns it accepts from CSV and Parquet files, so an analysis of a few columns of a
    wide file holds only those in memory; with a questionnaire it leaves out only the questionnaire's own
    variables it does not accept (under their exact names), never the keys that link the levels nor a
    select_multiple whose dummies it accepts. ``narrow`` holds whole-number columns as float32 (``reader.narrow``:
    the same values in half the memory; Parquet columns are narrowed as they are read), for analyses of millions
    of rows that widen what they compute with.
    """
    path = Path(path)
    if not path.exists():
        raise SurveyError(f"data file not found: {path}", location=Location(file=str(path)), rule="file-not-found")
    qn = questionnaire_of(questionnaire)
    if keep is not None and qn is not None:
        keep = _questionnaire_keep(qn, keep)
    raws = _sources(path, qn, encoding=encoding, sheet=sheet, progress=progress, chunk_bytes=chunk_bytes,
                    keep=keep, narrow=narrow)
    release_unused_memory()
    _refuse_parts(raws, path)
    ds = Dataset(frames={}, questionnaire=qn, inputs=_input_files(path, raws))
    for f in ds.inputs:
        note_input(f)
    if qn is None:
        for i, raw in enumerate(raws):
            name = TOP_LEVEL if i == 0 else (raw.hint or re.split(r"[#/\\]", raw.source)[-1].rsplit(".", 1)[0])
            ds.frames[name] = narrow_frame(raw.frame) if narrow else raw.frame
            ds.sources[name] = raw.source
            ds.problems += raw.problems
            stat = raw.frame.attrs.get("stat_meta")
            if i == 0 and stat is not None:
                ds.meta = from_stat_file(stat, raw.source)
        return ds
    from ...questionnaire.dictionary import data_dictionary

    dd = data_dictionary(qn, lang)  # the one form model: the metadata is its view, the columns are typed by it
    ds.meta = from_questionnaire(qn, lang, dd)
    stat = next((r.frame.attrs["stat_meta"] for r in raws if r.frame.attrs.get("stat_meta") is not None), None)
    if stat is not None:  # a labelled file keeps its own missing values under the questionnaire's
        ds.meta = merged(ds.meta, from_stat_file(stat, raws[0].source))
    _assemble(ds, raws, qn, dd, narrow)
    _link(ds, qn)
    if narrow:  # column by column: one column's float64 and float32 at a time
        for frame in ds.frames.values():
            narrow_frame(frame)
    order = [lv for lv in levels(qn) if lv in ds.frames] + [lv for lv in ds.frames if lv not in levels(qn)]
    ds.frames = {lv: ds.frames[lv] for lv in order}
    release_unused_memory()  # and what naming and typing the columns used (0.4 GB at ten million rows)
    return ds


def _refuse_parts(raws: list[_Raw], path: Path) -> None:
    """Two tables of a zip, folder or workbook with the same columns are parts of one table (an export split in
    two), not a table and its roster: one would be read as the data and the other set aside, so that is refused,
    naming both."""
    seen: dict[tuple[str, ...], _Raw] = {}
    for raw in raws:
        cols = tuple(str(c) for c in raw.frame.columns)
        first = seen.setdefault(cols, raw)
        if first is not raw and (first.hint == raw.hint or None in (first.hint, raw.hint)):
            raise SurveyError(
                f"{path} holds two tables with the same columns, {first.source} and {raw.source}: parts of one "
                "table? surveymod reads one table per level and would use only the first; put the rows in one "
                "file (or give the one part you mean)", location=Location(file=raw.source), rule="split-table")


def questionnaire_of(q: Questionnaire | str | Path | None) -> Questionnaire | None:
    """*q* loaded and validated when it is a path (None stays None)."""
    if q is None:
        return None
    if isinstance(q, str | os.PathLike):
        from ...questionnaire import load_valid

        return load_valid(q)
    from ...questionnaire.model import Questionnaire

    if not isinstance(q, Questionnaire):
        raise TypeError(f"questionnaire must be a Questionnaire or a path, not {type(q).__name__}")
    return q


def _questionnaire_keep(qn: Questionnaire, keep: Callable[[str], bool]) -> Callable[[str], bool]:
    """*keep* for a read with a questionnaire: leave out only the questionnaire's own variables (exact names) that
    nothing wanted depends on; the keys that link the levels always stay, and a select_multiple stays when one of
    its dummies is wanted (the dummies are made from it)."""
    from ...questionnaire.names import dummy_name

    keys = {k for lv in levels(qn) for k in level_keys(qn, lv)}
    unwanted = set()
    for q in qn.questions():
        if keep(q.name) or q.name in keys:
            continue
        if q.type == "select_multiple" and any(keep(dummy_name(q.name, c.code)) for c in qn.choice_list(q)):
            continue
        unwanted.add(q.name)
    return lambda c: c not in unwanted


def _input_files(path: Path, raws: list[_Raw]) -> list[Path]:
    files = {path.resolve()}
    for r in raws:
        if r.text_file is not None:
            files.add(r.text_file.resolve())
        src = Path(r.source.split("#")[0])
        if src.exists():
            files.add(src.resolve())
    return sorted(files)


