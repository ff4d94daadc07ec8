"""The weighting steps as pure functions on a weight matrix (column 0 = main weight, 1..R = replicates).

Linear calibration goes through svy (``estimation.engine.weight``); raking and post-stratification (numpy, every
replicate column at once, keeping what R needs to credit them in variances), nonresponse adjustment, bounded
logit calibration (svy 0.35 has no bounded calibration) and R-style trimming are implemented here. Each function adjusts every column the same way, so replicates repeat every step.
"""

from __future__ import annotations

import numpy as np

from ..estimation.engine import weight as eng


class StepFailure(Exception):
    """A step could not be carried out (no convergence, infeasible bounds, empty class); message for the user."""


def nonresponse(w: np.ndarray, classes: np.ndarray, respondent: np.ndarray, ineligible: np.ndarray,
                max_factor: float | None) -> tuple[np.ndarray, dict[str, float]]:
    """Weighting-class adjustment: respondents' weights x (eligible weight / respondent weight) per class.

    Nonrespondents and ineligibles end with weight 0; ineligibles' weight is not redistributed.
    Returns the new matrix and the main-weight factor per class.
    """
    out = np.where(respondent[:, None], w, 0.0)
    factors: dict[str, float] = {}
    eligible = ~ineligible
    for c in np.unique(classes):
        in_c = classes == c
        tot = w[in_c & eligible].sum(axis=0)
        resp = w[in_c & respondent].sum(axis=0)
        if resp[0] <= 0:
            raise StepFailure(f"adjustment class {c} has no respondents (with positive weight); "
                              "merge it with a neighbouring class")
        f = np.divide(tot, resp, out=np.zeros_like(tot), where=resp > 0)
        if max_factor is not None and f[0] > max_factor:
            raise StepFailure(f"adjustment class {c} has factor {f[0]:.3g} above max_factor {max_factor:g}")
        out[in_c & respondent] *= f
        factors[str(c)] = float(f[0])
    return out, factors


def cell_sums(codes: np.ndarray, k: int, w: np.ndarray) -> np.ndarray:
    """Weight sums per cell (k x columns) of every column of ``w``: one sparse product (cells x rows) @ w, a
    single pass over the rows for all replicates at once."""
    if w.shape[1] == 1:
        return np.bincount(codes, weights=w[:, 0], minlength=k)[:, None]
    from scipy.sparse import csr_matrix

    onehot = csr_matrix((np.ones(len(codes)), (codes, np.arange(len(codes)))), shape=(k, len(codes)))
    return np.asarray(onehot @ w)


def _factors(codes: np.ndarray, controls: dict[int, float], w: np.ndarray, what: str) -> np.ndarray:
    """Per cell and column, target / current sum; an empty cell in any column is an error naming it."""
    k = int(codes.max()) + 1
    target = np.full(k, np.nan)
    for code, value in controls.items():
        if code < k:
            target[code] = value
    sums = cell_sums(codes, k, w)
    used = np.bincount(codes, minlength=k) > 0
    if np.isnan(target[used]).any():
        raise StepFailure(f"{what}: a cell of the data has no target")
    empty = used[:, None] & (sums <= 0)
    if empty.any():
        cell, col = (int(x[0]) for x in np.nonzero(empty))
        which = "the main weight" if col == 0 else f"replicate {col}"
        raise StepFailure(f"{what}: cell {cell + 1} has no weight in {which} (its PSUs are all out of that "
                          "replicate); collapse small cells or use more PSUs")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(used[:, None], target[:, None] / sums, 1.0)


def rake(margins: list[np.ndarray], controls: list[dict[int, float]], w: np.ndarray, tol: float,
         max_iter: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """Iterative proportional fitting of every column at once (R ``rake``); non-convergence is an error.

    Converged when every margin of every column is within ``tol`` (relative) after a full sweep. Also returns,
    per margin, the main weight right after that margin in the last sweep: R keeps these to credit the raking
    in Taylor variances.

    Raking multiplies a row's weights by factors that depend only on its cells, so the rows of one joint cell (one
    cell of every margin) share every factor: the sweeps run on the joint cells' weight sums (a few hundred rows
    instead of millions, for every replicate column at once), and the rows get their factors once at the end.
    """
    joint = np.zeros(len(w), dtype=np.int64)
    for codes in margins:
        joint = joint * (int(codes.max()) + 1) + codes
    _, first, rows = np.unique(joint, return_index=True, return_inverse=True)
    cells = [codes[first] for codes in margins]  # each joint cell's code in every margin
    sums = cell_sums(rows, len(first), np.asarray(w, dtype=float))
    factor = np.ones_like(sums)
    snapshots: list[np.ndarray] = []
    for _ in range(max_iter):
        snapshots = []
        for codes, ctrl in zip(cells, controls, strict=True):
            factor *= _factors(codes, ctrl, sums * factor, "raking")[codes]
            snapshots.append(factor[:, 0].copy())
        worst = 0.0
        for codes, ctrl in zip(cells, controls, strict=True):
            f = _factors(codes, ctrl, sums * factor, "raking")
            worst = max(worst, float(np.max(np.abs(1 / f - 1))))
        if worst < tol:
            main = np.asarray(w, dtype=float)[:, 0]
            return w * factor[rows], [main * snap[rows] for snap in snapshots]
    raise StepFailure(f"raking did not converge in {max_iter} iterations (largest relative misfit {worst:.2g} > "
                      f"tolerance {tol:g}). The margins cannot all be met within the tolerance: look for margins "
                      "that conflict or sample cells that are empty; collapse levels or raise max_iter")


def poststratify(cells: np.ndarray, controls: dict[int, float], w: np.ndarray) -> np.ndarray:
    """Post-stratification of every column: weights x target / weighted count in the cell (R ``postStratify``)."""
    return w * _factors(cells, controls, w, "post-stratification")[cells]


def calibrate_linear(x: np.ndarray, totals: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Linear (GREG) calibration through svy; negative weights are allowed, as in R (reported in diagnostics)."""
    try:
        return eng.calibrate_linear(x, totals, w)
    except eng.EngineError as exc:
        raise StepFailure(f"linear calibration failed: {exc}") from None


def _logit_g(u: np.ndarray, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    """R survey's bounded logit calibration function g = F(u) and its derivative (cal.logit)."""
    a = (hi - lo) / ((1 - lo) * (hi - 1))
    eta = np.exp(np.clip(u * a, -700, 700))
    g = (lo * (hi - 1) + hi * (1 - lo) * eta) / (hi - 1 + (1 - lo) * eta)
    dg = a * eta * (hi - lo) * (1 - lo) * (hi - 1) / (hi - 1 + (1 - lo) * eta) ** 2
    return g, dg


def calibrate_logit(x: np.ndarray, totals: np.ndarray, w: np.ndarray, bounds: tuple[float, float],
                    tol: float, max_iter: int) -> np.ndarray:
    """Bounded logit calibration (Deville-Sarndal; R calibrate(calfun="logit", bounds=)) by Newton steps.

    Convergence: max |misfit| / (1 + |total|) < tol, as R's ``epsilon``. Not converging (usually: the bounds are
    too tight for the targets) is an error.
    """
    lo, hi = bounds
    out = np.empty_like(w)
    for k in range(w.shape[1]):
        d = w[:, k]
        beta = np.zeros(x.shape[1])
        for _ in range(max_iter):
            g, dg = _logit_g(x @ beta, lo, hi)
            misfit = totals - x.T @ (d * g)
            if np.max(np.abs(misfit) / (1 + np.abs(totals))) < tol:
                break
            hess = x.T @ (x * (d * dg)[:, None])
            try:
                beta = beta + np.linalg.lstsq(hess, misfit, rcond=None)[0]
            except np.linalg.LinAlgError:
                raise StepFailure("logit calibration: singular system (collinear margins?)") from None
        else:
            which = "the main weight" if k == 0 else f"replicate {k}"
            raise StepFailure(f"logit calibration did not converge in {max_iter} iterations for {which}; "
                              f"the bounds {lo:g}..{hi:g} are probably too tight for the targets")
        out[:, k] = d * g
    return out


TRIM_COLUMNS = 16
"""Columns (main + replicate weights) trimmed together: vectorised, with temporaries of rows x 16 only."""


def trim(w: np.ndarray, lower: float | None, upper: float | None, redistribute: str, strict: bool,
         max_iter: int) -> tuple[np.ndarray, int]:
    """Trim positive weights to [lower, upper] and redistribute the excess over the untrimmed ones.

    ``additive`` adds an equal share to every untrimmed weight (R ``trimWeights``); ``proportional`` scales
    them; ``none`` drops the excess. ``strict`` repeats until nothing is outside. Zero weights (nonrespondents,
    dropped replicate PSUs) stay zero. Every column (main and replicate weights) is trimmed on its own, a block of
    columns at a time. Returns the new matrix and the number of main weights trimmed.
    """
    lo = -np.inf if lower is None else lower
    hi = np.inf if upper is None else upper
    out = np.array(w, dtype=float, copy=True)
    n_trimmed = 0
    for j0 in range(0, w.shape[1], TRIM_COLUMNS):
        block, fixed = _trim_block(out[:, j0:j0 + TRIM_COLUMNS], lo, hi, redistribute, strict, max_iter)
        out[:, j0:j0 + TRIM_COLUMNS] = block
        if j0 == 0:
            n_trimmed = int(fixed[:, 0].sum())
    return out, n_trimmed


def _trim_block(w: np.ndarray, lo: float, hi: float, redistribute: str, strict: bool,
                max_iter: int) -> tuple[np.ndarray, np.ndarray]:
    """Trim each column of *w* (rows x a few columns) as ``trim`` says; returns the block and what was fixed.

    A column's untrimmed weights only ever change all together (scaled, or shifted by an equal share), so they
    are kept as ``w * a + b`` with one ``a`` and ``b`` per column, and a round only compares the original weights
    with per-column thresholds and sums what newly crossed a bound; the block is written once at the end.
    """
    w = np.ascontiguousarray(w, dtype=float)
    k = w.shape[1]
    pos = w > 0
    free = pos.copy()
    at_hi = np.zeros(w.shape, dtype=bool)
    at_lo = np.zeros(w.shape, dtype=bool)
    a, b = np.ones(k), np.zeros(k)
    n_free = free.sum(axis=0).astype(float)
    s_free = np.where(free, w, 0.0).sum(axis=0)  # sum of the untrimmed original weights
    for it in range(max_iter):
        with np.errstate(divide="ignore", invalid="ignore"):
            new_hi = free & (w > (hi - b) / a) if np.isfinite(hi) else np.zeros(w.shape, dtype=bool)
            new_lo = free & (w < (lo - b) / a) if np.isfinite(lo) else np.zeros(w.shape, dtype=bool)
        n_hi, n_lo = new_hi.sum(axis=0), new_lo.sum(axis=0)
        if not (n_hi.any() or n_lo.any()):
            break
        sum_hi = np.where(new_hi, w, 0.0).sum(axis=0)
        sum_lo = np.where(new_lo, w, 0.0).sum(axis=0)
        excess = (a * sum_hi + b * n_hi - hi * n_hi if np.isfinite(hi) else 0.0) + \
            (a * sum_lo + b * n_lo - lo * n_lo if np.isfinite(lo) else 0.0)
        at_hi |= new_hi
        at_lo |= new_lo
        free &= ~(new_hi | new_lo)
        n_free -= n_hi + n_lo
        s_free -= sum_hi + sum_lo
        if redistribute != "none":
            moved = np.asarray(excess) != 0.0
            if (moved & (n_free == 0)).any():
                raise StepFailure("trimming bounds leave no weight free to carry the trimmed excess; "
                                  "the bounds are infeasible for the weight total")
            with np.errstate(divide="ignore", invalid="ignore"):
                if redistribute == "additive":
                    b = b + np.where(n_free > 0, excess / np.maximum(n_free, 1), 0.0)
                else:
                    total = a * s_free + b * n_free
                    factor = np.where(total > 0, 1 + excess / np.where(total > 0, total, 1.0), 1.0)
                    a, b = a * factor, b * factor
        if not strict:
            break
        if it == max_iter - 1:
            with np.errstate(divide="ignore", invalid="ignore"):
                left = free & ((w > (hi - b) / a) | (w < (lo - b) / a))
            if left.any():
                raise StepFailure(f"trimming did not settle in {max_iter} rounds")
    out = np.where(free, w * a + b, w)
    if np.isfinite(hi):
        out[at_hi] = hi
    if np.isfinite(lo):
        out[at_lo] = lo
    return out, at_hi | at_lo


def median_bound(value: float | str | None, w: np.ndarray) -> float | None:
    """A bound as a number: a value as given, or '<k> median' = k x the median of the positive main weights."""
    if value is None or isinstance(value, int | float):
        return None if value is None else float(value)
    k = float(value.split()[0])
    return k * float(np.median(w[w > 0]))
