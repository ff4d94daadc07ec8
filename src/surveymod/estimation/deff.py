"""Design effects with R ``survey``'s definition, computed from the data (no svy call).

deff = Var_design / Var_SRS, where Var_SRS uses R's ``svyvar`` (weighted variance with the n/(n-1) factor) over the
n respondents of the domain with a valid value and N = the domain's weight sum (computed in two passes from
values shifted by their overall weighted mean):
mean/proportion ``s2/n``; total ``s2*N^2/n``; ratio ``s2(y - R x)/xbar^2/n``. The ``wor`` reference (R
``deff=TRUE``) multiplies by ``(1 - n/N)``; ``wr`` (R ``deff="replace"``) does not. The ``wor`` value is only
meaningful while weights sum to a population count.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

DeffRef = Literal["wor", "wr"]


ROWS = 1 << 20
"""Rows summed at a time: the sums are added block by block, so ten million rows need no row-sized temporaries."""


def srs_variances(codes: np.ndarray, k: int, y: np.ndarray, w: np.ndarray, valid: np.ndarray, kind: str, *,
                  x: np.ndarray | None = None, ref: DeffRef = "wor") -> tuple[np.ndarray, np.ndarray]:
    """SRS variance of the estimator in each of ``k`` domains (``codes`` 0..k-1, rows ``valid`` with ``w > 0``).

    Returns (variance per domain, respondents per domain). Two passes over the rows, ``ROWS`` at a time: the
    domain sums (and the ratio), then the sums of values centred on their overall weighted mean (accurate: no
    catastrophic cancellation unless a domain's mean is far from the overall one relative to its spread).
    """
    n, big_n, sy, sx = (np.zeros(k) for _ in range(4))
    for c, wu, yu, xu in _used(codes, y, w, valid, x):
        n += np.bincount(c, minlength=k)
        big_n += np.bincount(c, weights=wu, minlength=k)
        sy += np.bincount(c, weights=wu * yu, minlength=k)
        if xu is not None:
            sx += np.bincount(c, weights=wu * xu, minlength=k)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = sy / sx if kind == "ratio" else None  # the value is y - r x for a ratio, y otherwise
        total = float(big_n.sum())
        shift = float(np.nansum(sy - r * sx) if r is not None else sy.sum()) / total if total > 0 else 0.0
        s1, s2 = np.zeros(k), np.zeros(k)
        for c, wu, yu, xu in _used(codes, y, w, valid, x):
            d = yu - shift if r is None else yu - r[c] * xu - shift
            wd = wu * d
            s1 += np.bincount(c, weights=wd, minlength=k)
            s2 += np.bincount(c, weights=np.multiply(wd, d, out=d), minlength=k)
        s2 = np.maximum(s2 - s1**2 / big_n, 0.0) / big_n * n / (n - 1)  # R svyvar: weighted, n/(n-1)
        if r is not None:
            v = s2 / (sx / big_n) ** 2 / n
        else:
            v = s2 * big_n**2 / n if kind == "total" else s2 / n
        if ref == "wor":
            v = v * (1 - n / big_n)
    v = np.where(n >= 2, v, np.nan)
    return v, n


def _used(codes: np.ndarray, y: np.ndarray, w: np.ndarray, valid: np.ndarray, x: np.ndarray | None):
    """(codes, w, y, x) of the used rows (valid, weighted, in a domain), ``ROWS`` rows at a time."""
    for a in range(0, len(codes), ROWS):
        b = a + ROWS
        use = valid[a:b] & (w[a:b] > 0) & (codes[a:b] >= 0)
        yield (codes[a:b][use], w[a:b][use], y[a:b][use], None if x is None else x[a:b][use])
