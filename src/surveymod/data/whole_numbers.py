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


def whole_number_codes(v: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Codes (-1 = missing) and sorted values when every non-missing float is a whole number that int64 holds,
    in a range :func:`range_codes` takes; else None."""
    ok = ~np.isnan(v)
    if not ok.any():
        return None
    vals = v[ok] if not ok.all() else v
    if not np.array_equal(vals, np.floor(vals)) or float(np.abs(vals).max()) >= 2.0**62 \
            or float(vals.max()) - float(vals.min()) > max(SPAN, len(vals)):
        return None
    found = range_codes(vals.astype(np.int64))
    assert found is not None
    codes = np.full(len(v), -1, dtype=np.int64)
    codes[ok] = found[0]
    return codes, found[1]
