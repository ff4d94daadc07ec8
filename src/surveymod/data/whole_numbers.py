"""Integer codes of whole-number columns by bincount: no hash table and no sort, for ids, codes and keys.

A column of whole numbers in a range about the size of the data (survey codes 1..99, PSU and respondent ids) gets
its codes 0..k-1 in sorted order from one bincount; anything else returns None and the caller hashes.
"""

from __future__ import annotations

import numpy as np

SPAN = 100_000
"""A range this wide always takes the bincount (more only up to the number of values)."""


def range_codes(ints: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Codes (0..k-1) and sorted distinct values of integers in a range no wider than SPAN or their number,
    else None."""
    lo, hi = (int(ints.min()), int(ints.max())) if len(ints) else (0, -1)
    if hi - lo > max(SPAN, len(ints)):
        return None
    shifted = ints - lo
    present = np.bincount(shifted, minlength=hi - lo + 1) > 0
    return (np.cumsum(present) - 1)[shifted], np.flatnonzero(present) + lo


BLOCK = 1 << 20
"""Rows worked on at a time: the temporaries of ten million rows stay a few MB, not several 80 MB arrays."""


def whole_number_codes(v: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Codes (-1 = missing) and sorted values when every non-missing float (float32 or float64) is a whole number
    that int64 holds, in a range :func:`range_codes` takes; else None. Worked in blocks of rows: besides the
    codes, a missing-value mask (one byte a row) and memory for one block."""
    n_missing = int(np.count_nonzero(np.isnan(v)))
    if n_missing == len(v):
        return None
    lo, hi = float(np.nanmin(v)), float(np.nanmax(v))
    if not (np.isfinite(lo) and np.isfinite(hi)) or max(abs(lo), abs(hi)) >= 2.0**62 \
            or hi - lo > max(SPAN, len(v) - n_missing):
        return None
    base = int(lo)
    codes = np.full(len(v), -1, dtype=np.int64)
    present = np.zeros(int(hi) - base + 1, dtype=bool)
    for i in range(0, len(v), BLOCK):
        block = v[i:i + BLOCK]
        ok = ~np.isnan(block)
        vals = block[ok]
        if not np.array_equal(vals, np.floor(vals)):
            return None
        shifted = vals.astype(np.int64) - base
        present[shifted] = True
        codes[i:i + BLOCK][ok] = shifted
    rank = np.cumsum(present) - 1  # a value's code: the present values below it
    for i in range(0, len(v), BLOCK):
        block = codes[i:i + BLOCK]
        ok = block >= 0
        block[ok] = rank[block[ok]]
    return codes, np.flatnonzero(present) + base
