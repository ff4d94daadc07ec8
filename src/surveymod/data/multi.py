"""select_multiple answers in both shapes: one space-separated column of codes, and one 0/1 dummy per code.

Both directions work on the distinct values only (a few hundred even in a million rows), so they are fast.
"""

from __future__ import annotations

import itertools
import math
import threading
import weakref
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

TRUE_WORDS = {"1": 1.0, "1.0": 1.0, "true": 1.0, "yes": 1.0, "0": 0.0, "0.0": 0.0, "false": 0.0, "no": 0.0}


def _is_missing(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and not v.strip())


def _token(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


_FACTORIZED: dict[int, tuple[weakref.ref[Any], tuple[np.ndarray, Any]]] = {}
_REMEMBERED = 8
_LOCK = threading.Lock()
_TOKENS = itertools.count()


def factorized(values: pd.Series) -> tuple[np.ndarray, Any]:
    """``pd.factorize`` of an answer column (missing = -1), remembered for the few Arrow arrays last seen: Arrow
    arrays never change, and the reader's normalizing, its dummies and the checker each want the distinct
    answers of the same column (15 ms each a million rows). An entry goes when its array goes (nothing is held
    for data that is gone). Callers must not write into the codes."""
    arrow = getattr(values.array, "__arrow_array__", None)
    key = arrow() if arrow is not None and values.dtype == "str" else None
    if key is None:
        return pd.factorize(values, use_na_sentinel=True)
    with _LOCK:  # the dummies of one question are checked side by side: they wait for one factorizing
        for ref, found in list(_FACTORIZED.values()):
            if ref() is key:
                return found
        found = pd.factorize(values, use_na_sentinel=True)
        token = next(_TOKENS)
        # the callback takes no lock: the collector may run it while this thread holds _LOCK
        _FACTORIZED[token] = (weakref.ref(key, lambda _ref, t=token: _FACTORIZED.pop(t, None)), found)
        for old in list(_FACTORIZED)[:-_REMEMBERED]:
            _FACTORIZED.pop(old, None)
        return found


def normalize_raw(values: pd.Series, lookup: Mapping[str, int]) -> tuple[pd.Series, int]:
    """Rewrite each answer as space-separated codes (choice names and labels → codes); unknown tokens are kept.

    Returns the normalized column (str dtype, missing as NaN) and how many tokens were mapped from names/labels.
    """
    idx, uniq = factorized(values)
    if not len(uniq):
        return values.astype("str"), 0
    counts = np.bincount(idx[idx >= 0], minlength=len(uniq))
    texts: list[Any] = []
    mapped = 0
    for u, count in zip(uniq, counts, strict=True):
        if _is_missing(u):
            texts.append(np.nan)
            continue
        out = []
        for tok in _token(u).split():
            code = lookup.get(tok.casefold())
            if code is not None and str(code) != tok:
                mapped += int(count)
            out.append(str(code) if code is not None else tok)
        texts.append(" ".join(out) if out else np.nan)
    if values.dtype == "str" and all(t == u for t, u in zip(texts, uniq, strict=True)):
        return values, mapped  # every answer already as it would be written: no copy of the column
    result = pd.array(texts, dtype="str").take(idx, allow_fill=True)  # per distinct value, no object per row
    return pd.Series(result, index=values.index), mapped


def answer_tokens(raw: pd.Series) -> tuple[np.ndarray, list[set[str] | None]]:
    """(row → distinct answer index, -1 if missing; the codes of each distinct answer, None for a missing one)."""
    idx, uniq = factorized(raw)
    return idx, [None if _is_missing(u) else set(_token(u).split()) for u in uniq]


def _dummy_table(raw: pd.Series, codes: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """(row → distinct value index, distinct values × codes 0/1 table whose last row, for index -1, is NaN)."""
    idx, tokens = answer_tokens(raw)
    table = np.full((len(tokens) + 1, len(codes)), np.nan)
    keys = [str(c) for c in codes]
    for i, toks in enumerate(tokens):
        if toks is not None:
            table[i] = [1.0 if k in toks else 0.0 for k in keys]
    return idx, table


def dummies_from_raw(raw: pd.Series, codes: list[int]) -> np.ndarray:
    """0/1 matrix (rows × codes) from the raw column; rows with no answer are NaN in every dummy."""
    idx, table = _dummy_table(raw, codes)
    return table[idx]  # idx -1 (missing) picks the last, all-NaN row


def dummy_columns(raw: pd.Series, codes: list[int]) -> list[np.ndarray]:
    """The columns of :func:`dummies_from_raw`, each its own array (no rows × codes matrix held beside them)."""
    idx, table = _dummy_table(raw, codes)
    return [np.ascontiguousarray(table[:, j])[idx] for j in range(len(codes))]


def dummy_values(col: pd.Series) -> pd.Series:
    """A split 0/1 column as floats: 1/0, true/false, yes/no; anything else NaN."""
    if pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
        return col.astype("float64")
    low = col.astype("str").str.strip().str.casefold()
    return low.map(TRUE_WORDS).astype("float64")


def raw_from_dummies(matrix: np.ndarray, codes: list[int]) -> pd.Series:
    """Space-separated codes from a 0/1 matrix; rows where every dummy is missing give NaN."""
    n, k = matrix.shape
    if k == 0:
        return pd.Series(np.full(n, np.nan), dtype="str")
    sel = np.nan_to_num(matrix, nan=0.0) == 1
    answered = ~np.isnan(matrix).all(axis=1)
    weights = (1 << np.arange(k, dtype=np.int64)) if k < 62 else None
    if weights is not None:
        masks = sel.astype(np.int64) @ weights
        uniq, inv = np.unique(masks, return_inverse=True)
        texts = np.array([" ".join(str(codes[j]) for j in range(k) if (m >> j) & 1) for m in uniq], dtype=object)
        out = texts[inv]
    else:
        out = np.array([" ".join(str(codes[j]) for j in range(k) if row[j]) for row in sel], dtype=object)
    out = np.where(answered, out, np.nan)
    return pd.Series(out, dtype="str")
