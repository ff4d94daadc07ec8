"""Whole-number columns held as float32: half the memory for an analysis of millions of rows, the same numbers.

A float64 column is narrowed only when every value is a whole number below 2**24 in size (or missing): float32
holds those exactly, and widening gives back the very same float64 values. Compare and compute on the widened
column (:func:`widened`): numpy rounds a Python float to float32 before comparing it with a float32 array, so
``x > 10000000.7`` on the narrow column of 10000001 is False.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FLOAT32_WHOLE = 2**24
"""Whole numbers below this (in size) are exact in float32."""


def _small_whole(arr: np.ndarray) -> bool:
    """Whether every value of a float array is missing or a whole number below 2**24 in size."""
    with np.errstate(invalid="ignore"):
        small = np.abs(arr) < FLOAT32_WHOLE  # False for NaN and inf
        return bool(((small & (np.floor(arr) == arr)) | np.isnan(arr)).all())


def narrowed(col: pd.Series) -> pd.Series:
    """*col* as float32 when it is float64 and every value is missing or a whole number below 2**24 in size;
    otherwise *col* itself."""
    if col.dtype != np.float64 or not _small_whole(col.to_numpy()):
        return col
    return pd.Series(col.to_numpy().astype(np.float32), index=col.index, name=col.name, copy=False)


def is_narrowed(col: pd.Series) -> bool:
    """Whether *col* is float32 holding only whole numbers below 2**24 (or missing values), as :func:`narrowed`
    makes it: a number question's typing would give the same values in float64."""
    return col.dtype == np.float32 and _small_whole(col.to_numpy())


def narrow_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """*frame* with its whole-number float64 columns narrowed (in place, column by column: one column's copy at
    a time)."""
    for i in range(frame.shape[1]):
        col = frame.iloc[:, i]
        out = narrowed(col)
        if out is not col:
            frame.isetitem(i, out)
    return frame


def widened(col: pd.Series) -> pd.Series:
    """A narrowed (float32) column back in float64, exactly; any other column as it is."""
    return col.astype(np.float64) if col.dtype == np.float32 else col
