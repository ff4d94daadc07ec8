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


def srs_variances(codes: np.ndarray, k: int, y: np.ndarray, w: np.ndarray, valid: np.ndarray, kind: str, *,
                  x: np.ndarray | None = None, ref: DeffRef = "wor") -> tuple[np.ndarray, np.ndarray]:
    """SRS variance of the estimator in each of ``k`` domains (``codes`` 0..k-1, rows ``valid`` with ``w > 0``).

    Returns (variance per domain, respondents per domain). Two-pass (centred) sums for accuracy.
    """
    use = valid & (w > 0) & (codes >= 0)
    c = codes[use]
    wu, yu = w[use], y[use]
    n = np.bincount(c, minlength=k).astype(float)
    big_n = np.bincount(c, weights=wu, minlength=k)
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "ratio":
            assert x is not None
            xu = x[use]
            r = np.bincount(c, weights=wu * yu, minlength=k) / np.bincount(c, weights=wu * xu, minlength=k)
            z = yu - r[c] * xu
            xbar = np.bincount(c, weights=wu * xu, minlength=k) / big_n
            zbar = np.bincount(c, weights=wu * z, minlength=k) / big_n
            s2 = np.bincount(c, weights=wu * (z - zbar[c]) ** 2, minlength=k) / big_n * n / (n - 1)
            v = s2 / xbar**2 / n
        else:
            ybar = np.bincount(c, weights=wu * yu, minlength=k) / big_n
            s2 = np.bincount(c, weights=wu * (yu - ybar[c]) ** 2, minlength=k) / big_n * n / (n - 1)
            v = s2 * big_n**2 / n if kind == "total" else s2 / n
        if ref == "wor":
            v = v * (1 - n / big_n)
    v = np.where(n >= 2, v, np.nan)
    return v, n
