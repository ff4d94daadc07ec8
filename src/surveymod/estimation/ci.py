"""Confidence intervals for proportions from (p, se, n, df): logit, beta (Korn-Graubard) and Wilson.

- ``logit``: p on the logit scale +- t(df) * se / (p(1-p)), back-transformed (R ``svyciprop(method="logit")``,
  which fits ``svyglm(y ~ 1, quasibinomial)``: on replicate designs the SE of the logit is the replicate SE of the
  replicates' logits, passed as ``logit_se``).
- ``beta``: Korn-Graubard as R ``svyciprop(method="beta")``: effective n = p(1-p)/se^2 times
  (t(n-1)/t(df))^2, then Clopper-Pearson beta quantiles (no truncation of the effective n).
- ``wilson``: Wilson (1927) score interval with n replaced by the effective n p(1-p)/se^2 and z by t(df).
All three give NaN bounds when p is 0 or 1 (no design-based variance) or df <= 0.
"""

from __future__ import annotations

import math

import numpy as np

from .tdist import t_quantile


def t_crit(conf_level: float, df: float | np.ndarray) -> np.ndarray:
    """Two-sided critical value of Student t with ``df`` (normal where df is infinite; NaN where df <= 0)."""
    d = np.asarray(df, dtype=float)
    q = 1 - (1 - conf_level) / 2
    uniq, where = np.unique(d, return_inverse=True)
    values = np.array([t_quantile(v, q) if v > 0 else math.nan for v in uniq.tolist()], dtype=float)
    return values[where].reshape(d.shape)


def _crit(conf_level: float, df: float) -> float:
    return float(t_crit(conf_level, df))


def _expit(x: float) -> float:
    """1 / (1 + e^-x) without overflow for large |x| (a wide logit interval)."""
    if x >= 0:
        return 1 / (1 + math.exp(-x))
    return math.exp(x) / (1 + math.exp(x))


def prop_ci(p: float, se: float, n: float, df: float, *, method: str = "logit", conf_level: float = 0.95,
            logit_se: float | None = None) -> tuple[float, float]:
    """CI for a proportion ``p`` with design SE ``se``, n respondents and design df; ``logit_se`` (replicate
    designs) is the SE of the logit itself, which the logit method then uses instead of ``se / (p(1-p))``."""
    nan = float("nan")
    if not (df > 0) or not (0 < p < 1) or math.isnan(se):
        return (nan, nan)
    if se <= 0:
        return (p, p)
    if method == "logit":
        t = _crit(conf_level, df)
        lp = math.log(p / (1 - p))
        s = se / (p * (1 - p)) if logit_se is None else logit_se
        return (_expit(lp - t * s), _expit(lp + t * s))
    n_eff = p * (1 - p) / se**2
    if method == "beta":
        from scipy import special  # only here: scipy.special's import costs a tenth of a whole estimate

        alpha = 1 - conf_level
        if n > 1 and not math.isinf(df):
            n_eff *= (t_quantile(n - 1, alpha / 2) / t_quantile(df, alpha / 2)) ** 2
        x = n_eff * p
        return (float(special.betaincinv(x, n_eff - x + 1, alpha / 2)),
                float(special.betaincinv(x + 1, n_eff - x, 1 - alpha / 2)))
    if method == "wilson":
        z = _crit(conf_level, df)
        z2 = z * z
        denom = 1 + z2 / n_eff
        centre = (p + z2 / (2 * n_eff)) / denom
        half = z / denom * math.sqrt(p * (1 - p) / n_eff + z2 / (4 * n_eff**2))
        return (max(0.0, centre - half), min(1.0, centre + half))
    raise ValueError(f"unknown CI method {method!r}")
