"""Design effects with R ``survey``'s definition, computed from the data (no svy call).

deff = Var_design / Var_SRS, where Var_SRS uses R's ``svyvar`` (weighted variance with the n/(n-1) factor) over the
n respondents of the domain with a valid value and N = the domain's weight sum (computed in one pass from
values shifted by their overall weighted mean):
mean/proportion ``s2/n``; total ``s2*N^2/n``; ratio ``s2(y - R x)/xbar^2/n``. The ``wor`` reference (R
``deff=TRUE``) multiplies by ``(1 - n/N)``; ``wr`` (R ``deff="replace"``) does not. The ``wor`` value is only
meaningful while weights sum to a population count.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

DeffRef = Literal["wor", "wr"]


def srs_variances(codes: np.ndarray, k: int, y: np.ndarray, w: np.ndarray, valid: np.ndarray, kind: str, *,
                  x: np.ndarray | None = None, ref: DeffRef = "wor") -> tuple[np.ndarray, np.ndarray]:
    """SRS variance of the estimator in each of ``k`` domains (``codes`` 0..k-1, rows ``valid`` with ``w > 0``).

    Returns (variance per domain, respondents per domain). Two-pass (centred) sums for accuracy.
    """
    use = valid & (w > 0) & (codes >= 0)
    if use.all():
        c, wu, yu = codes, w, y
        xu = x
    else:
        c, wu, yu = codes[use], w[use], y[use]
        xu = None if x is None else x[use]
    n = np.bincount(c, minlength=k).astype(float)
    big_n = np.bincount(c, weights=wu, minlength=k)
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "ratio":
            assert xu is not None
            sx = np.bincount(c, weights=wu * xu, minlength=k)
            r = np.bincount(c, weights=wu * yu, minlength=k) / sx
            z = yu - r[c] * xu
            xbar = sx / big_n
            s2 = _weighted_var(c, k, wu, z, big_n) * n / (n - 1)
            v = s2 / xbar**2 / n
        else:
            s2 = _weighted_var(c, k, wu, yu, big_n) * n / (n - 1)
            v = s2 * big_n**2 / n if kind == "total" else s2 / n
        if ref == "wor":
            v = v * (1 - n / big_n)
    v = np.where(n >= 2, v, np.nan)
    return v, n


def _weighted_var(c: np.ndarray, k: int, w: np.ndarray, y: np.ndarray, big_n: np.ndarray) -> np.ndarray:
    """Weighted variance (divisor = weight sum) per group, from sums of values shifted by their overall mean.

    Shifting by the overall weighted mean keeps the one-pass formula accurate (no catastrophic cancellation
    unless a group's mean is far from the overall one relative to its spread).
    """
    shift = float(np.dot(w, y) / w.sum()) if w.sum() > 0 else 0.0
    d = y - shift
    wd = w * d
    s1 = np.bincount(c, weights=wd, minlength=k)
    s2 = np.bincount(c, weights=wd * d, minlength=k)
    return np.maximum(s2 - s1**2 / big_n, 0.0) / big_n
