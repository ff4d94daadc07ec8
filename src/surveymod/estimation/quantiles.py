"""Quantiles by domain with Woodruff intervals, as R ``svyquantile`` (survey 4.x defaults) on Taylor and
replicate-weight designs.

- estimate (R ``qrule="math"``): sort the domain's values with positive weight; with cumulative weights ``c``
  and total ``W``, take the last position with ``c <= pW`` (the first if none, as R); if ``c = pW`` there the
  value at it, else the next one;
- interval (R ``interval.type="mean"``, Woodruff, the default for both kinds of design): the proportion ``m`` of
  the domain at or below the estimate, with its design SE, gives ``m -+ t(df) se``; those two probabilities
  mapped back through the same rule are the CI (NaN beyond 0..1); ``se = (upper - lower) / (2 t(df))`` with the
  domain df. Taylor designs: the SE of ``m`` from our Taylor engine (the domain zero-weighted, calibration
  credited) and df = PSUs - strata; replicate designs (R ``svyquantile.svyrep.design``): the replicate variance
  of ``m`` with the design's scale, rscales and mse, and df = rank of the domain's replicate weights - 1
  (R ``degf``);
- replicate designs, ``interval="quantile"`` (R ``interval.type="quantile"``, its ``repCI``): the quantile
  recomputed with every replicate weight (same rule, zero weights left out), its replicate variance (scale,
  rscales, mse) as the SE and ``estimate -+ t(df) se`` as the CI. R warns that jackknife replicates may not give
  valid SEs for quantiles; use it with bootstrap (or BRR/Fay) weights.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..design.calibration import Record
from ..design.prepare import Replicates
from ..design.taylor import Stages
from .ci import t_crit
from .statistics import column, replicate, replicate_cov, replicate_df, taylor


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


def _domain_quantiles(y: np.ndarray, w: np.ndarray, dom: np.ndarray, k: int, p: float
                      ) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]], np.ndarray]:
    """Per domain the ``p`` quantile (R qrule "math"), the domain's sorted values and weights, and per row the
    indicator "at or below its domain's estimate" (NaN where the value or the domain is missing)."""
    valid = ~np.isnan(y) & (dom >= 0)
    est = np.full(k, np.nan)
    sorted_parts: list[tuple[np.ndarray, np.ndarray]] = []
    for d in range(k):
        use = valid & (dom == d) & (w > 0)
        order = np.argsort(y[use], kind="stable")
        xs, ws = y[use][order], w[use][order]
        sorted_parts.append((xs, ws))
        est[d] = qrule_math(xs, ws, p)
    below = np.where(valid, (y <= np.where(dom >= 0, est[np.maximum(dom, 0)], np.nan)).astype(float), np.nan)
    return est, sorted_parts, below


def _interval(sorted_parts: list[tuple[np.ndarray, np.ndarray]], share: np.ndarray, share_se: np.ndarray,
              df: np.ndarray, conf_level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Woodruff: SE, CI low, CI high per domain from the share at or below the estimate and its SE."""
    k = len(sorted_parts)
    lo, hi, se = (np.full(k, np.nan) for _ in range(3))
    for d in range(k):
        if not df[d] > 0:
            continue
        t = float(t_crit(conf_level, df[d]))
        p_lo, p_hi = share[d] - t * share_se[d], share[d] + t * share_se[d]
        xs, ws = sorted_parts[d]
        lo[d] = qrule_math(xs, ws, p_lo) if p_lo >= 0 else np.nan
        hi[d] = qrule_math(xs, ws, p_hi) if p_hi <= 1 else np.nan
        se[d] = (hi[d] - lo[d]) / (2 * t)
    return se, lo, hi


def woodruff(y: np.ndarray, w: np.ndarray, dom: np.ndarray, k: int, p: float, st: Stages, df: np.ndarray,
             conf_level: float, records: Sequence[Record] = ()) -> tuple[np.ndarray, ...]:
    """Taylor designs, per domain: estimate, SE, CI low, CI high (arrays of length k) of the ``p`` quantile."""
    est, sorted_parts, below = _domain_quantiles(y, w, dom, k, p)
    res, _ = taylor(column("mean", below, dom), w, dom, k, st, records, df=df)
    se, lo, hi = _interval(sorted_parts, res.est[:, 0], np.sqrt(np.maximum(res.var[:, 0], 0.0)), df, conf_level)
    return est, se, lo, hi


def woodruff_replicate(y: np.ndarray, w: np.ndarray, reps: Sequence[np.ndarray], dom: np.ndarray, k: int,
                       p: float, rep: Replicates, conf_level: float) -> tuple[np.ndarray, ...]:
    """Replicate-weight designs (R ``svyquantile.svyrep.design``), per domain: estimate, SE, CI low, CI high
    and df of the ``p`` quantile; the share's variance and the df come from the replicate engine."""
    est, sorted_parts, below = _domain_quantiles(y, w, dom, k, p)
    # R drops rows with a missing value (na.rm) before degf(): leave them out of the domain for the df too
    dom_valid = np.where(np.isnan(y), -1, dom)
    res = replicate([column("mean", below, dom_valid)], w, reps, dom_valid, k, rep)[0]
    se, lo, hi = _interval(sorted_parts, res.est[:, 0], np.sqrt(np.maximum(res.var[:, 0], 0.0)), res.df, conf_level)
    return est, se, lo, hi, res.df


def replicate_quantiles(y: np.ndarray, w: np.ndarray, reps: Sequence[np.ndarray], dom: np.ndarray, k: int,
                        p: float, rep: Replicates, conf_level: float) -> tuple[np.ndarray, ...]:
    """R ``svyquantile(interval.type="quantile")`` per domain: estimate, SE, CI low, CI high and df of the ``p``
    quantile, the SE from the quantiles of the replicates."""
    dom_valid = np.where(np.isnan(y), -1, dom)
    est, se = np.full(k, np.nan), np.full(k, np.nan)
    for d in range(k):
        rows = np.flatnonzero(dom_valid == d)
        order = rows[np.argsort(y[rows], kind="stable")]
        xs = y[order]
        ws = w[order]
        est[d] = qrule_math(xs[ws > 0], ws[ws > 0], p)
        q_r = np.empty(len(reps))
        for r, col in enumerate(reps):
            wr = col[order]
            q_r[r] = qrule_math(xs[wr > 0], wr[wr > 0], p)
        se[d] = float(np.sqrt(replicate_cov(est[d:d + 1], q_r[:, None], rep)[0, 0]))
    df = replicate_df(w, reps, dom_valid, k)
    t = t_crit(conf_level, df)
    return est, se, est - t * se, est + t * se, df
