"""Blocks of rows for the .sav and .dta writers: one frame, or frames with the same columns written one after the
other under a header that says how many rows and how wide each text column is over all of them."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
from typing import TypeVar

import pandas as pd

C = TypeVar("C")


def first_block(frame: pd.DataFrame | Iterable[pd.DataFrame]) -> tuple[pd.DataFrame, Iterator[pd.DataFrame]]:
    """The first block and the rest (none for a single frame)."""
    blocks = iter([frame]) if isinstance(frame, pd.DataFrame) else iter(frame)
    return next(blocks), blocks


def laid_out(first: pd.DataFrame, columns: list[C], rest: Iterator[pd.DataFrame],
             lay_out: Callable[[pd.DataFrame], list[C] | None], key: Callable[[C], Hashable],
             rows: int) -> Iterator[tuple[pd.DataFrame, list[C]]]:
    """Every block with its columns laid out (the first's given); a block laid out otherwise than the first, or
    a total other than the *rows* the header says, is an error (the writer's temporary file is then dropped)."""
    layout = [key(c) for c in columns]
    yield first, columns
    written = len(first)
    for block in rest:
        got = lay_out(block)
        if got is None or [key(c) for c in got] != layout:
            raise ValueError("a block of rows does not have the columns of the first block")
        yield block, got
        written += len(block)
    if written != rows:
        raise ValueError(f"{written} rows written where the header says {rows}")


def text_width(own: int, given: int | None) -> int:
    """A text column's width: *given* (the widest over all blocks), which must hold this block's *own*."""
    if given is None:
        return own
    if given < own:
        raise ValueError(f"text of {own} bytes in a column {given} bytes wide")
    return given
