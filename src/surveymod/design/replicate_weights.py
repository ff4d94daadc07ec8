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
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .replicates import ReplicateFactors

BATCH_BYTES = 128 * 2**20
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
    replicates: ReplicateFactors
    ops: list[Op] = field(default_factory=list)
    progress: Callable[[str], None] | None = None
    _matrix: np.ndarray | None = field(default=None, repr=False)

    @property
    def count(self) -> int:
        return self.replicates.n_replicates

    def _made(self, start: int, w: np.ndarray, say: bool = False) -> np.ndarray:
        """Replicates ``start`` .. ``start + k - 1`` (0-based) into the k columns of *w*, through every step
        (*say*: tell ``progress``)."""
        if say and self.progress is not None:
            self.progress(f"replicate weights {start + 1}-{start + w.shape[1]} of {self.count}")
        w = self.replicates.fill(self.base, start, w)
        for op in self.ops:
            w = op(w, start + 1)
        return w

    def matrix(self) -> np.ndarray:
        """Every replicate's final weights (rows x R, column-major), made once, a share of the columns on each
        core (numpy lets go of the interpreter lock on whole columns)."""
        if self._matrix is None:
            out = np.empty((len(self.base), self.count), order="F")
            share = -(-self.count // _workers())

            def part(start: int) -> None:
                view = out[:, start:start + share]
                done = self._made(start, view)
                if not np.may_share_memory(done, out):
                    view[...] = done

            _run_all(part, range(0, self.count, share))
            self._matrix = out
        return self._matrix

    @contextlib.contextmanager
    def by_rows(self, folder: Path) -> Iterator[Callable[[int, int], np.ndarray]]:
        """A reader of row blocks: ``rows(a, b)`` gives replicates x (b - a) weights (each replicate's rows
        contiguous). Up to ``SPILL_BYTES`` (or once made) they are held in memory; beyond, they are made a batch at
        a time on every core into a temporary file in *folder* (unlinked at once, so nothing is left behind) and
        read back."""
        n = len(self.base)
        if self._matrix is not None or n * self.count * 8 <= SPILL_BYTES:
            by_column = self.matrix().T
            yield lambda a, b: by_column[:, a:b]
            return
        fd, name = tempfile.mkstemp(prefix=".surveymod-replicates-", suffix=".tmp", dir=folder)
        try:
            os.unlink(name)
            columns = max(1, batch_columns(n, self.count) // _workers())
            local = threading.local()

            def batch(start: int) -> None:
                k = min(columns, self.count - start)
                if getattr(local, "buf", None) is None:
                    local.buf = np.empty((n, columns), order="F")  # one buffer a thread, reused
                w = self._made(start, local.buf[:, :k], say=True)
                _write_at(fd, np.ascontiguousarray(w.T), start * n * 8)

            _run_all(batch, range(0, self.count, columns))

            def rows(a: int, b: int) -> np.ndarray:
                out = np.empty((self.count, b - a))
                for j in range(self.count):
                    _read_at(fd, out[j], (j * n + a) * 8)
                    if hasattr(os, "posix_fadvise"):  # read once: its cached pages are no longer needed
                        os.posix_fadvise(fd, (j * n + a) * 8, (b - a) * 8, os.POSIX_FADV_DONTNEED)
                return out

            yield rows
        finally:
            os.close(fd)


def batch_columns(rows: int, count: int) -> int:
    """Replicate columns held at once when they are made a batch at a time: as many of *count* as fit in
    ``BATCH_BYTES``, at least one."""
    return max(1, min(count, BATCH_BYTES // max(8 * rows, 1)))


def _workers() -> int:
    """Threads for making replicate columns: the cores this process may use, at most 4."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(4, cores))


def _run_all(job: Callable[[int], None], starts: range) -> None:
    """``job(start)`` for every start on ``_workers()`` threads; the first error (in order) is raised once the
    jobs started have ended, and the jobs not started are cancelled."""
    with ThreadPoolExecutor(_workers()) as pool:
        futures = [pool.submit(job, s) for s in starts]
        try:
            for f in futures:
                f.result()
        finally:
            for f in futures:
                f.cancel()


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
