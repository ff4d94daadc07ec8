"""Check a large single-level CSV a block of rows at a time: the whole-file check's report without the whole file
in memory.

The rules that look at one row at a time run on each block (row numbers go on from block to block); the one that
compares rows, duplicate ids, runs once on the key columns gathered from every block; what is said once per file
(an unknown or missing column, an unchecked constraint) is said once, and reading's counts are added up. The
chunks of all blocks are put back in the whole-file check's order: check by check, rows ascending. Questionnaires
with declared ``rules:`` or household roles (rules that group rows) are checked whole.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..atomic import note_input
from ..errors import Problem, added_up
from ..questionnaire.dictionary import data_dictionary
from ..questionnaire.household import household_roles
from ..questionnaire.model import Questionnaire
from .checker import CheckReport, _keys, check_rows, level_acc, reading_chunks, report_of, unknown_columns
from .levels import TOP_LEVEL, level_keys
from .reader import Dataset
from .reader.blocks import BLOCK_ROWS, NotStreamable, csv_blocks
from .reader.text_files import STREAM_BYTES


def check_in_blocks(path: Path, qn: Questionnaire, *, encoding: str | None = None, min_bytes: int | None = None,
                    block_rows: int | None = None) -> CheckReport | None:
    """The check report of *path* read in blocks, or None when it is to be read whole (under *min_bytes*, rosters,
    declared rules, not UTF-8 ...; see :func:`surveymod.data.reader.blocks.csv_blocks`)."""
    if qn.rules or household_roles(qn):
        return None
    plan = csv_blocks(path, qn, encoding=encoding, min_bytes=STREAM_BYTES if min_bytes is None else min_bytes,
                      block_rows=block_rows or BLOCK_ROWS)
    if plan is None:
        return None
    note_input(path)
    metas = {v.name: v for v in data_dictionary(qn).variables}
    keys = level_keys(qn, TOP_LEVEL)
    rid = qn.respondent_id
    tagged: list[tuple[int, int, pd.DataFrame]] = []  # (check, block, chunk)
    key_parts: list[pd.DataFrame] = []
    reading: list[Problem] = []
    unknown: list[str] | None = None
    try:
        for block, (first, ds) in enumerate(plan):
            frame = ds.main
            if unknown is None:
                unknown = list(ds.unknown.get(TOP_LEVEL, []))
            reading += ds.problems
            acc = level_acc(qn, TOP_LEVEL, frame, first)
            check_rows(acc, ds, qn, TOP_LEVEL, frame, metas)
            tagged += [(call, block, chunk) for call, chunk in zip(acc.calls, acc.chunks, strict=True)]
            wanted = list(dict.fromkeys([k for k in keys if k in frame.columns] + ([rid] if rid in frame else [])))
            key_parts.append(frame[wanted].copy())
    except NotStreamable:
        return None
    key_frame = pd.concat(key_parts, ignore_index=True)
    acc = level_acc(qn, TOP_LEVEL, key_frame)
    unknown_columns(acc, unknown or [], metas)
    _keys(acc, Dataset(frames={TOP_LEVEL: key_frame}, questionnaire=qn), qn, TOP_LEVEL, key_frame, keys)
    return report_of(reading_chunks(added_up(reading)) + acc.chunks + _in_order(tagged), {TOP_LEVEL: plan.rows})


def _in_order(tagged: list[tuple[int, int, pd.DataFrame]]) -> list[pd.DataFrame]:
    """The blocks' chunks check by check, block by block; a problem about a column (no row) once."""
    out, said = [], set()
    for _, _, chunk in sorted(tagged, key=lambda t: (t[0], t[1])):
        if len(chunk) == 1 and pd.isna(chunk["row"].iloc[0]):
            key = tuple(chunk.iloc[0][["variable", "rule", "message"]])
            if key in said:
                continue
            said.add(key)
        out.append(chunk)
    return out

