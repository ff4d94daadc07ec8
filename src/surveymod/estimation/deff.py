"""Design effects with R ``survey``'s definition, computed from the data (no svy call).

deff = Var_design / Var_SRS, where Var_SRS uses R's ``svyvar`` (weighted variance with the n/(n-1) factor) over the
n respondents of the domain with a valid value and N = the domain's weight sum:
mean/proportion ``s2/n``; total ``s2*N^2/n``; ratio ``s2(y - R x)/xbar^2/n``. The ``wor`` reference (R
``deff=TRUE``) multiplies by ``(1 - n/N)``; ``wr`` (R ``deff="replace"``) does not. The ``wor`` value is only
meaningful while weights sum to a population count.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

DeffRef = Literal["wor", "wr"]


def srs_variance(y: np.ndarray, w: np.ndarray, kind: str, *, x: np.ndarray | None = None,
                 ref: DeffRef = "wor") -> tuple[float, int]:
    """SRS variance of the estimator over the valid in-domain rows given (``w > 0``); returns (var, n)."""
    keep = w > 0
    y, w = y[keep], w[keep]
    n = int(keep.sum())
    if n < 2:
        return float("nan"), n
    big_n = float(w.sum())
    if kind == "ratio":
        assert x is not None
        x = x[keep]
        r = float((w * y).sum() / (w * x).sum())
        z = y - r * x
        xbar = float((w * x).sum() / big_n)
        zbar = float((w * z).sum() / big_n)
        s2 = float((w * (z - zbar) ** 2).sum() / big_n) * n / (n - 1)
        v = s2 / xbar**2 / n
    else:
        ybar = float((w * y).sum() / big_n)
        s2 = float((w * (y - ybar) ** 2).sum() / big_n) * n / (n - 1)
        v = s2 / n if kind != "total" else s2 * big_n**2 / n
    if ref == "wor":
        v *= 1 - n / big_n
    return v, n
