"""The replicate weight columns of a weighting run, made a batch of columns at a time.

A replicate is the main weight at the replicates step times that replicate's PSU factors, taken through every
later step as the main weight was (the same rows, cells, targets and bounds; each column on its own). So a batch of
columns needs only its own memory: 10,000,000 rows x 100 replicates are 8 GB at once, but a few columns at a time
are a few hundred MB. ``matrix`` makes them all at once (the API's data frame, .sav/.dta/.xlsx outputs);
``by_rows`` hands them to a streaming writer a block of rows at a time, spilled to a temporary file in the output's
folder when they are large.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..estimation.engine.weight import Replicates

BATCH_BYTES = 512 * 2**20
"""Memory of one batch of replicate columns."""

SPILL_BYTES = 2**30
"""Replicate weights larger than this are spilled to a temporary file for writing instead of held at once."""

Op = Callable[[np.ndarray, int], np.ndarray]
"""A step after the replicates step: (rows x k weights, number of the first column) -> the new weights."""


@dataclass
class ReplicateWeights:
    """Replicate weight columns made on demand from the main weight at the replicates step and the later steps."""

    names: list[str]
    base: np.ndarray
    replicates: Replicates
    ops: list[Op] = field(default_factory=list)
    progress: Callable[[str], None] | None = None
    _matrix: np.ndarray | None = field(default=None, repr=False)

    @property
    def count(self) -> int:
        return self.replicates.n_replicates

    def batch_columns(self) -> int:
        """Columns per batch: as many as fit in ``BATCH_BYTES``, at least one."""
        return max(1, min(self.count, BATCH_BYTES // max(8 * len(self.base), 1)))

    def batches(self, columns: int) -> Iterator[tuple[int, np.ndarray]]:
        """(0-based index of the first replicate, its final weights rows x k, k <= columns) for every batch; the
        array is reused by the next batch, so use it before asking for the next."""
        buf = np.empty((len(self.base), min(columns, self.count)), order="F")
        for start in range(0, self.count, columns):
            k = min(columns, self.count - start)
            if self.progress is not None and self.count > columns:
                self.progress(f"replicate weights {start + 1}-{start + k} of {self.count}")
            w = self.replicates.fill(self.base, start, buf[:, :k])
            for op in self.ops:
                w = op(w, start + 1)
            yield start, w

    def matrix(self) -> np.ndarray:
        """Every replicate's final weights (rows x R, column-major), made once."""
        if self._matrix is None:
            _, w = next(self.batches(self.count))
            self._matrix = np.asfortranarray(w)
        return self._matrix

    @contextlib.contextmanager
    def by_rows(self, folder: Path) -> Iterator[Callable[[int, int], np.ndarray]]:
        """A reader of row blocks: ``rows(a, b)`` gives replicates x (b - a) weights (each replicate's rows
        contiguous). Up to ``SPILL_BYTES`` (or once made) they are held in memory; beyond, they are made a batch at
        a time into a temporary file in *folder* (unlinked at once, so nothing is left behind) and read back."""
        n = len(self.base)
        if self._matrix is not None or n * self.count * 8 <= SPILL_BYTES:
            by_column = self.matrix().T
            yield lambda a, b: by_column[:, a:b]
            return
        fd, name = tempfile.mkstemp(prefix=".surveymod-replicates-", suffix=".tmp", dir=folder)
        try:
            os.unlink(name)
            for start, w in self.batches(self.batch_columns()):
                _write_at(fd, np.ascontiguousarray(w.T), start * n * 8)

            def rows(a: int, b: int) -> np.ndarray:
                out = np.empty((self.count, b - a))
                for j in range(self.count):
                    _read_at(fd, out[j], (j * n + a) * 8)
                return out

            yield rows
        finally:
            os.close(fd)


def _write_at(fd: int, values: np.ndarray, offset: int) -> None:
    """Write a contiguous array's bytes at *offset*, however many calls the kernel needs."""
    view = memoryview(values).cast("B")
    done = 0
    while done < len(view):
        done += os.pwrite(fd, view[done:], offset + done)


def _read_at(fd: int, out: np.ndarray, offset: int) -> None:
    """Fill a contiguous array from the bytes at *offset*."""
    view = memoryview(out).cast("B")
    done = 0
    while done < len(view):
        got = os.preadv(fd, [view[done:]], offset + done)
        if got == 0:
            raise OSError(f"the temporary file of replicate weights ended early at byte {offset + done}")
        done += got
