"""Levels of simulated data (the respondent level and one per roster) and the variable lookup across them.

A roster row sees its own variables and those of every enclosing level (broadcast through the parent index), which
is how conditions such as ``age >= 15`` inside a person roster or ``hhsize`` in a roster count are evaluated.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np


@dataclass
class LevelRows:
    """Rows of one level: ``parent_row[i]`` is the row of the enclosing level that row ``i`` belongs to."""

    name: str
    n: int
    key: str | None = None
    parent: LevelRows | None = None
    parent_row: np.ndarray | None = None
    cols: dict[str, np.ndarray] = field(default_factory=dict)

    def ancestors(self) -> list[LevelRows]:
        """Enclosing levels, innermost first."""
        out: list[LevelRows] = []
        lvl = self.parent
        while lvl is not None:
            out.append(lvl)
            lvl = lvl.parent
        return out

    def index_to(self, other: LevelRows) -> np.ndarray | None:
        """Row of *other* (an ancestor) for each row of this level; None when *other* is this level."""
        idx: np.ndarray | None = None
        lvl = self
        while lvl is not other:
            if lvl.parent is None or lvl.parent_row is None:
                raise ValueError(f"{other.name} does not enclose {self.name}")
            idx = lvl.parent_row if idx is None else lvl.parent_row[idx]
            lvl = lvl.parent
        return idx


class LevelEnv(Mapping[str, np.ndarray]):
    """Variables visible from a level: its own columns, then each enclosing level's, broadcast to its rows."""

    def __init__(self, level: LevelRows) -> None:
        self.level = level
        self._cache: dict[str, np.ndarray] = {}

    def _find(self, name: str) -> np.ndarray | None:
        lvl: LevelRows | None = self.level
        idx: np.ndarray | None = None
        while lvl is not None:
            col = lvl.cols.get(name)
            if col is None:
                low = {k.lower(): k for k in lvl.cols}
                if name.lower() in low:
                    col = lvl.cols[low[name.lower()]]
            if col is not None:
                return col if idx is None else col[idx]
            if lvl.parent_row is None:
                return None
            idx = lvl.parent_row if idx is None else lvl.parent_row[idx]
            lvl = lvl.parent
        return None

    def __getitem__(self, name: str) -> np.ndarray:
        own = self.level.cols.get(name)
        if own is not None:
            return own
        if name in self._cache:
            return self._cache[name]
        found = self._find(name)
        if found is None:
            raise KeyError(name)
        if found is not self.level.cols.get(name):
            self._cache[name] = found
        return found

    def __iter__(self) -> Iterator[str]:
        seen: set[str] = set()
        lvl: LevelRows | None = self.level
        while lvl is not None:
            for k in lvl.cols:
                if k not in seen:
                    seen.add(k)
                    yield k
            lvl = lvl.parent

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        low = name.lower()
        return any(name in lvl.cols or any(k.lower() == low for k in lvl.cols)
                   for lvl in [self.level, *self.level.ancestors()])


def subset_levels(levels: dict[str, LevelRows], keep: np.ndarray) -> dict[str, LevelRows]:
    """Keep rows *keep* (sorted indexes) of the top level and every roster row that belongs to them.

    *levels* must list every parent before its rosters (document order does).
    """
    new: dict[str, LevelRows] = {}
    mapping: dict[str, np.ndarray] = {}
    for name, lvl in levels.items():
        if lvl.parent is None:
            rows = keep
        else:
            pmap = mapping[lvl.parent.name]
            assert lvl.parent_row is not None
            rows = np.nonzero(pmap[lvl.parent_row] >= 0)[0]
        remap = np.full(lvl.n, -1, dtype=np.int64)
        remap[rows] = np.arange(len(rows))
        mapping[name] = remap
        parent = new[lvl.parent.name] if lvl.parent is not None else None
        parent_row = None
        if lvl.parent is not None and lvl.parent_row is not None:
            parent_row = mapping[lvl.parent.name][lvl.parent_row[rows]]
        new[name] = LevelRows(name, len(rows), lvl.key, parent, parent_row, {k: v[rows] for k, v in lvl.cols.items()})
    return new
