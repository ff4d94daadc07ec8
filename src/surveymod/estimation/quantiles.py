"""Quantiles by domain with Woodruff intervals, as R ``svyquantile`` (survey 4.x defaults) on Taylor designs.

- estimate (R ``qrule="math"``): sort the domain's values with positive weight; with cumulative weights ``c``
  and total ``W``, take the last position with ``c <= pW`` (the first if none, as R); if ``c = pW`` there the
  value at it, else the next one;
- interval (R ``interval.type="mean"``, Woodruff): the proportion ``m`` of the domain at or below the estimate,
  with its design SE (our Taylor engine, the domain zero-weighted, calibration credited), gives
  ``m -+ t(df) se``; those two probabilities mapped back through the same rule are the CI (NaN beyond 0..1);
  ``se = (upper - lower) / (2 t(df))`` with the domain df.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .calibration import Record
from .ci import t_crit
from .statistics import column, taylor
from .taylor import Stages


def qrule_math(x: np.ndarray, w: np.ndarray, p: float) -> float:
    """R survey's ``qrule_math`` on sorted values ``x`` with weights ``w`` (all positive)."""
    if len(x) == 0:
        return float("nan")
    # R accumulates cumsum() and sum() in long double and rounds each to double: ties at exactly p (equal
    # weights, even n) then fall where R's do.
    cum = np.cumsum(w, dtype=np.longdouble).astype(float)
    total = cum[-1]
    target = p * total
    pos = int(np.searchsorted(cum, target, side="right")) - 1  # last position with cum <= target
    pos = max(pos, 0)  # R's last() gives 1 when no position qualifies; the rule then takes the next value
    if p - cum[pos] / total == 0:
        return float(x[pos])
    return float(x[min(pos + 1, len(x) - 1)])


def woodruff(y: np.ndarray, w: np.ndarray, dom: np.ndarray, k: int, p: float, st: Stages, df: np.ndarray,
             level: float, records: Sequence[Record] = ()) -> tuple[np.ndarray, ...]:
    """Per domain: estimate, SE, CI low, CI high (arrays of length k) of the ``p`` quantile of ``y``."""
    valid = ~np.isnan(y) & (dom >= 0)
    est, lo, hi, se = (np.full(k, np.nan) for _ in range(4))
    sorted_parts: list[tuple[np.ndarray, np.ndarray]] = []
    for d in range(k):
        use = valid & (dom == d) & (w > 0)
        order = np.argsort(y[use], kind="stable")
        xs, ws = y[use][order], w[use][order]
        sorted_parts.append((xs, ws))
        est[d] = qrule_math(xs, ws, p)
    below = np.where(valid, (y <= np.where(dom >= 0, est[np.maximum(dom, 0)], np.nan)).astype(float), np.nan)
    res, _ = taylor(column("mean", below, dom), w, dom, k, st, records, df=df)
    share, share_se = res.est[:, 0], np.sqrt(np.maximum(res.var[:, 0], 0.0))
    for d in range(k):
        if not df[d] > 0:
            continue
        t = float(t_crit(level, df[d]))
        p_lo, p_hi = share[d] - t * share_se[d], share[d] + t * share_se[d]
        xs, ws = sorted_parts[d]
        lo[d] = qrule_math(xs, ws, p_lo) if p_lo >= 0 else np.nan
        hi[d] = qrule_math(xs, ws, p_hi) if p_hi <= 1 else np.nan
        se[d] = (hi[d] - lo[d]) / (2 * t)
    return est, se, lo, hi
