"""The weighting steps as pure functions on a weight matrix (column 0 = main weight, 1..R = replicates).

Raking and post-stratification (numpy, every replicate column at once, keeping what R needs to credit them in
variances), nonresponse adjustment, bounded logit and linear calibration and R-style trimming are implemented here;
linear calibration without bounds is the design core's (``design.calibration.calibrate_linear``). Each function adjusts every column the same way, so replicates repeat every step.
"""

from __future__ import annotations

import numpy as np

from ..design.taylor import first_per_group, group_sums


class StepFailure(Exception):
    """A step could not be carried out (no convergence, infeasible bounds, empty class); message for the user."""


def which(col: int) -> str:
    """A weight column by its number: 0 is the main weight, 1..R the replicates."""
    return "the main weight" if col == 0 else f"replicate {col}"


def nonresponse(w: np.ndarray, classes: np.ndarray, respondent: np.ndarray, ineligible: np.ndarray,
                max_factor: float | None, first: int = 0) -> tuple[np.ndarray, dict[str, float]]:
    """Weighting-class adjustment: respondents' weights x (eligible weight / respondent weight) per class.

    Nonrespondents and ineligibles end with weight 0; ineligibles' weight is not redistributed. ``first`` is
    the number of ``w``'s first column (0: the main weight, whose classes must have respondents and factors
    within ``max_factor``). Returns the new matrix and the first column's factor per class.
    """
    out = np.where(respondent[:, None], w, 0.0)
    factors: dict[str, float] = {}
    eligible = ~ineligible
    for c in np.unique(classes):
        in_c = classes == c
        tot = w[in_c & eligible].sum(axis=0)
        resp = w[in_c & respondent].sum(axis=0)
        if first == 0 and resp[0] <= 0:
            raise StepFailure(f"adjustment class {c} has no respondents (with positive weight); "
                              "merge it with a neighbouring class")
        f = np.divide(tot, resp, out=np.zeros_like(tot), where=resp > 0)
        if first == 0 and max_factor is not None and f[0] > max_factor:
            raise StepFailure(f"adjustment class {c} has factor {f[0]:.3g} above max_factor {max_factor:g}")
        out[in_c & respondent] *= f
        factors[str(c)] = float(f[0])
    return out, factors


def _factors(codes: np.ndarray, controls: dict[int, float], w: np.ndarray, what: str,
             columns: np.ndarray | int = 0) -> np.ndarray:
    """Per cell and column, target / current sum; an empty cell in any column is an error naming it
    (``columns``: the numbers of ``w``'s columns, or the number of the first)."""
    k = int(codes.max()) + 1
    target = np.full(k, np.nan)
    for code, value in controls.items():
        if code < k:
            target[code] = value
    sums = group_sums(codes, k, w)
    used = np.bincount(codes, minlength=k) > 0
    if np.isnan(target[used]).any():
        raise StepFailure(f"{what}: a cell of the data has no target")
    empty = used[:, None] & (sums <= 0)
    if empty.any():
        cell, col = (int(x[0]) for x in np.nonzero(empty))
        number = int(columns[col]) if isinstance(columns, np.ndarray) else columns + col
        raise StepFailure(f"{what}: cell {cell + 1} has no weight in {which(number)} (its PSUs are all out of "
                          "that replicate); collapse small cells or use more PSUs")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(used[:, None], target[:, None] / sums, 1.0)


def joint_cells(margins: list[np.ndarray]) -> tuple[list[np.ndarray], np.ndarray]:
    """The joint cells the rows fall in (one cell of every margin): each cell's code in every margin, and each
    row's cell. Made once for every column raked, by counting when the cell numbers are few (no sort of the rows);
    a cell's codes are read back from its number (no pass over the rows to find one of its rows)."""
    n = len(margins[0])
    joint, size, sizes = np.zeros(n, dtype=np.int64), 1, []
    for codes in margins:
        m = int(codes.max()) + 1
        if size * m >= 2**62:  # the numbers would overflow: number the cells found so far first
            joint = np.unique(joint, return_inverse=True)[1].astype(np.int64)
            size, sizes = int(joint.max()) + 1, []
        joint = joint * m + codes
        size *= m
        sizes.append(m)
    if size <= max(4 * n, 2**24):
        present = np.bincount(joint, minlength=size) > 0
        rows = (np.cumsum(present) - 1)[joint]
        numbers = np.flatnonzero(present)
    else:
        numbers, rows = np.unique(joint, return_inverse=True)
    if len(sizes) < len(margins):  # renumbered on the way: the first margins' codes from one row of each cell
        first = first_per_group(np.arange(n), rows, len(numbers)) if n else np.zeros(0, dtype=np.intp)
        return [codes[first] for codes in margins], rows
    cells: list[np.ndarray] = []
    for codes, m in zip(reversed(margins), reversed(sizes), strict=True):
        numbers, code = np.divmod(numbers, m)
        cells.append(code.astype(codes.dtype))
    return cells[::-1], rows


STALL_SWEEPS = 50
STALL_RATIO = 0.99
"""Raking stops as infeasible when its largest misfit falls by less than 1% in 50 sweeps (a feasible raking
converges geometrically), so ``max_iter: 100000000`` cannot make it run for hours."""


def rake(margins: list[np.ndarray], controls: list[dict[int, float]], w: np.ndarray, tol: float,
         max_iter: int, out: np.ndarray | None = None, first: int = 0,
         joint: tuple[list[np.ndarray], np.ndarray] | None = None) -> tuple[np.ndarray, list[np.ndarray]]:
    """Iterative proportional fitting of every column (R ``rake``); non-convergence is an error.

    Each column is swept until its own margins are all within ``tol`` (relative) after a full sweep, so a
    column's result does not depend on the others raked with it (the main weight is the same with or without
    replicates, and replicates made in batches equal replicates made at once). Also returns, per margin, the first
    column's weight right after that margin in its last sweep: R keeps these to credit the raking in Taylor
    variances (only when ``first``, the number of ``w``'s first column, is 0: the main weight).

    ``out`` (may be ``w`` itself) receives the raked weights instead of a new column-major matrix.

    Raking multiplies a row's weights by factors that depend only on its cells, so the rows of one joint cell (one
    cell of every margin) share every factor: the sweeps run on the joint cells' weight sums (a few hundred rows
    instead of millions, for every replicate column at once), and the rows get their factors once at the end.
    ``joint`` is :func:`joint_cells` of the margins, when already made.
    """
    cells, rows = joint if joint is not None else joint_cells(margins)
    sums = group_sums(rows, len(cells[0]), np.asarray(w, dtype=float))
    factor = np.ones_like(sums)
    live = np.arange(sums.shape[1])  # the columns still sweeping
    snapshots: list[np.ndarray] = []
    worst = np.zeros(0)
    before = np.inf  # the largest misfit STALL_SWEEPS sweeps ago
    for sweep_no in range(1, max_iter + 1):
        f, s = factor[:, live], sums[:, live]
        sweep = []
        for codes, ctrl in zip(cells, controls, strict=True):
            f *= _factors(codes, ctrl, s * f, "raking", live + first)[codes]
            sweep.append(f[:, 0].copy())
        factor[:, live] = f
        if live[0] == 0:
            snapshots = sweep
        worst = np.zeros(len(live))
        for codes, ctrl in zip(cells, controls, strict=True):
            misfit = np.abs(1 / _factors(codes, ctrl, s * f, "raking", live + first) - 1)
            worst = np.maximum(worst, misfit.max(axis=0))
        live, worst = live[worst >= tol], worst[worst >= tol]
        if live.size and sweep_no % STALL_SWEEPS == 0:
            now = float(worst.max())
            if now > STALL_RATIO * before:
                raise StepFailure(
                    f"the raking margins cannot all be met: after {sweep_no} sweeps the largest relative misfit "
                    f"({now:.2g}, {which(int(live[int(worst.argmax())]) + first)}) fell by less than "
                    f"{1 - STALL_RATIO:.0%} in the last {STALL_SWEEPS}, so more sweeps would not meet the tolerance "
                    f"{tol:g}. The sample leaves cells empty that the margins need (e.g. every respondent of one "
                    "margin's category is in one category of another); collapse levels or check the targets")
            before = now
        if not live.size:
            main = np.asarray(w, dtype=float)[:, 0]
            after = [main * snap[rows] for snap in snapshots] if first == 0 else []
            out = np.empty(w.shape, order="F") if out is None else out
            gathered = np.empty(len(rows))
            for j in range(w.shape[1]):  # column by column: a gather from the few joint cells into one buffer
                np.take(factor[:, j], rows, out=gathered, mode="clip")  # (valid indices; "raise" buffers)
                np.multiply(w[:, j], gathered, out=out[:, j])
            return out, after
    raise StepFailure(f"raking did not converge in {max_iter} iterations for {which(int(live[0]) + first)} "
                      f"(largest relative misfit {float(worst.max()):.2g} > tolerance {tol:g}). The margins cannot "
                      "all be met within the tolerance: look for margins that conflict or sample cells that are "
                      "empty; collapse levels or raise max_iter")


def poststratify(cells: np.ndarray, controls: dict[int, float], w: np.ndarray, first: int = 0) -> np.ndarray:
    """Post-stratification of every column: weights x target / weighted count in the cell (R ``postStratify``);
    ``first`` numbers ``w``'s first column for messages."""
    return w * _factors(cells, controls, w, "post-stratification", first)[cells]


def _logit_g(u: np.ndarray, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    """R survey's bounded logit calibration function g = F(u) and its derivative (cal.logit)."""
    a = (hi - lo) / ((1 - lo) * (hi - 1))
    eta = np.exp(np.clip(u * a, -700, 700))
    g = (lo * (hi - 1) + hi * (1 - lo) * eta) / (hi - 1 + (1 - lo) * eta)
    den = hi - 1 + (1 - lo) * eta
    dg = a * (hi - lo) * (1 - lo) * (hi - 1) * (eta / den) / den  # eta / den first: no overflow of den²
    return g, dg


def _linear_g(u: np.ndarray, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    """R survey's bounded linear calibration function g = 1 + u clipped to [L, U], and its derivative
    (cal.linear with bounds)."""
    g = np.clip(1 + u, lo, hi)
    return g, ((u > lo - 1) & (u < hi - 1)).astype(float)


def calibrate_bounded(x: np.ndarray, totals: np.ndarray, w: np.ndarray, method: str, bounds: tuple[float, float],
                      tol: float, max_iter: int, first: int = 0) -> np.ndarray:
    """Bounded calibration as R ``calibrate(calfun=method, bounds=)`` (its ``grake``): Newton steps on the
    Lagrange multipliers with the calibration function of *method* (``logit``: Deville-Sarndal; ``linear``:
    g = 1 + x'beta clipped to [L, U]), the step solved by least squares (R: a generalised inverse).

    Convergence: max |misfit| / (1 + |total|) < tol, as R's ``epsilon``. Not converging (usually: the bounds are
    too tight for the targets) is an error.
    """
    lo, hi = bounds
    gfun = _logit_g if method == "logit" else _linear_g
    out = np.empty_like(w)
    for k in range(w.shape[1]):
        d = w[:, k]
        beta = np.zeros(x.shape[1])
        for _ in range(max_iter):
            g, dg = gfun(x @ beta, lo, hi)
            misfit = totals - x.T @ (d * g)
            if np.max(np.abs(misfit) / (1 + np.abs(totals))) < tol:
                break
            hess = x.T @ (x * (d * dg)[:, None])
            try:
                beta = beta + np.linalg.lstsq(hess, misfit, rcond=None)[0]
            except np.linalg.LinAlgError:
                raise StepFailure(f"{method} calibration: singular system (collinear margins?)") from None
        else:
            raise StepFailure(f"{method} calibration did not converge in {max_iter} iterations for "
                              f"{which(k + first)}; the bounds {lo:g}..{hi:g} are probably too tight for the targets")
        out[:, k] = d * g
    return out


NEAR = 0.8
"""Weights above NEAR x upper or below lower / NEAR are a column's trimming candidates (see _trim_column)."""


def trim(w: np.ndarray, lower: float | None, upper: float | None, redistribute: str, strict: bool,
         max_iter: int, out: np.ndarray | None = None, first: int = 0) -> tuple[np.ndarray, int]:
    """Trim positive weights to [lower, upper] and redistribute the excess over the untrimmed ones.

    ``additive`` adds an equal share to every untrimmed weight (R ``trimWeights``); ``proportional`` scales
    them; ``none`` drops the excess. ``strict`` repeats until nothing is outside. Zero weights (nonrespondents,
    dropped replicate PSUs) stay zero. Every column (main and replicate weights) is trimmed on its own. Returns
    the trimmed matrix (``out``, which may be ``w`` itself to trim in place, or a new column-major one) and the
    number of weights of the first column trimmed (``first``: that column's number, 0 for the main weight).
    """
    lo = -np.inf if lower is None else lower
    hi = np.inf if upper is None else upper
    if out is None:
        out = np.array(w, dtype=float, order="F", copy=True)
    elif out is not w:
        out[...] = w
    n_trimmed = []
    for j in range(out.shape[1]):
        try:
            n_trimmed.append(_trim_column(out[:, j], lo, hi, redistribute, strict, max_iter))
        except StepFailure as exc:
            raise StepFailure(f"{exc} ({which(first + j)})") from None
    return out, n_trimmed[0]


def _trim_column(w: np.ndarray, lo: float, hi: float, redistribute: str, strict: bool, max_iter: int) -> int:
    """Trim one weight column in place as ``trim`` says; returns how many weights were set to a bound.

    The untrimmed weights only ever change all together (scaled, or shifted by an equal share), so they are kept
    as ``w * a + b``; a weight crosses a bound when the original weight crosses the threshold (bound - b) / a. The
    rounds run on the candidates only (weights above NEAR x upper or below lower / NEAR: the tails), with the
    totals of all weights, for as long as both thresholds stay beyond those margins, which keeps every other
    weight inside the bounds: the result is exactly that of rounds over all weights. Should a threshold move past
    a margin, the rounds start again on all weights. The column is written once at the end.
    """
    pos = w > 0
    n_free = float(np.count_nonzero(pos))
    others = np.flatnonzero(~pos) if n_free < len(w) else None  # zero (or negative) weights: never trimmed
    negative = others is not None and float(w.min()) < 0
    # the sum of the untrimmed original weights (numpy's where= runs about 15 times slower than a plain sum)
    s_free = float(w[pos].sum() if negative else w.sum())
    m_hi = NEAR * hi if np.isfinite(hi) else np.inf
    m_lo = lo / NEAR if np.isfinite(lo) and lo > 0 else -np.inf
    rows = None
    if m_lo < m_hi and (np.isfinite(hi) or np.isfinite(lo)):
        rows = np.flatnonzero((w >= m_hi) | ((w <= m_lo) & pos))
    found = None if rows is None else _rounds(w[rows], pos[rows], n_free, s_free, lo, hi, redistribute, strict,
                                               max_iter, (m_lo, m_hi))
    if found is None:
        rows = None
        found = _rounds(w, pos, n_free, s_free, lo, hi, redistribute, strict, max_iter, None)
    assert found is not None
    a, b, at_hi, at_lo = found
    if a != 1 or b != 0:  # the untrimmed weights: w * a + b, in place; the others as they were
        kept = w[others] if negative else 0.0
        w *= a
        w += b
        if others is not None:
            w[others] = kept
    if rows is None:
        w[at_hi] = hi
        w[at_lo] = lo
    else:
        w[rows[at_hi]] = hi
        w[rows[at_lo]] = lo
    return int(at_hi.sum() + at_lo.sum())


def _rounds(w: np.ndarray, free: np.ndarray, n_free: float, s_free: float, lo: float, hi: float,
            redistribute: str, strict: bool, max_iter: int, margins: tuple[float, float] | None
            ) -> tuple[np.float64, np.float64, np.ndarray, np.ndarray] | None:
    """The trimming rounds on the weights *w* of one column (``free``: still untrimmed; the totals
    ``n_free``/``s_free`` are of the whole column): ``a``, ``b`` and the weights set to the upper and the lower
    bound. None when a threshold moves past ``margins`` (the weights given are then not enough)."""
    free = free.copy()
    at_hi = np.zeros(len(w), dtype=bool)
    at_lo = np.zeros(len(w), dtype=bool)
    a, b = np.float64(1.0), np.float64(0.0)  # numpy scalars: a division by a zero scale gives inf, as on arrays
    has_hi, has_lo = bool(np.isfinite(hi)), bool(np.isfinite(lo))

    def thresholds() -> tuple[np.float64, np.float64] | None:
        with np.errstate(divide="ignore", invalid="ignore"):
            t_hi, t_lo = (hi - b) / a, (lo - b) / a
        if margins is not None and ((has_hi and t_hi < margins[1]) or (has_lo and t_lo > margins[0])):
            return None
        return t_hi, t_lo

    for it in range(max_iter):
        t = thresholds()
        if t is None:
            return None
        new_hi = free & (w > t[0]) if has_hi else np.zeros(len(w), dtype=bool)
        new_lo = free & (w < t[1]) if has_lo else np.zeros(len(w), dtype=bool)
        n_hi, n_lo = int(new_hi.sum()), int(new_lo.sum())
        if not (n_hi or n_lo):
            break
        sum_hi = np.where(new_hi, w, 0.0).sum()
        sum_lo = np.where(new_lo, w, 0.0).sum()
        excess = (a * sum_hi + b * n_hi - hi * n_hi if has_hi else 0.0) + \
            (a * sum_lo + b * n_lo - lo * n_lo if has_lo else 0.0)
        at_hi |= new_hi
        at_lo |= new_lo
        free &= ~(new_hi | new_lo)
        n_free -= n_hi + n_lo
        s_free -= sum_hi + sum_lo
        if redistribute != "none":
            if excess != 0.0 and n_free == 0:
                raise StepFailure("trimming bounds leave no weight free to carry the trimmed excess; "
                                  "the bounds are infeasible for the weight total")
            with np.errstate(divide="ignore", invalid="ignore"):
                if redistribute == "additive":
                    b = b + (excess / max(n_free, 1) if n_free > 0 else 0.0)
                else:
                    total = a * s_free + b * n_free
                    factor = 1 + excess / total if total > 0 else 1.0
                    a, b = a * factor, b * factor
        if not strict:
            break
        if it == max_iter - 1:
            t = thresholds()
            if t is None:
                return None
            if (free & ((w > t[0]) | (w < t[1]))).any():
                raise StepFailure(f"trimming did not settle in {max_iter} rounds")
    return a, b, at_hi, at_lo


def median_bound(value: float | str | None, w: np.ndarray) -> float | None:
    """A bound as a number: a value as given, or '<k> median' = k x the median of the positive main weights."""
    if value is None or isinstance(value, int | float):
        return None if value is None else float(value)
    k = float(value.split()[0])
    return k * float(np.median(w[w > 0], overwrite_input=True))  # the selection is a copy already: sorted in place
