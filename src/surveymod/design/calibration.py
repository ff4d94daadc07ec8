"""Calibration records and the projection that credits them in Taylor variances, as R ``svyrecvar``.

A weighting step that calibrates (post-stratification, raking, GREG/logit calibration) leaves a record; before
influence values are summed by PSU they are replaced by their residuals on each record, in order, exactly as R
``survey`` does with ``design$postStrata``:
- post-stratification: ``x - psw * rowsum(x * oldw / psw) / rowsum(oldw)`` per cell (R ``postStratify``);
- raking: 10 sweeps over the margins of ``x - psw * ave(x / psw)`` with the weights stored for each margin at
  raking time (R ``rake``);
- calibration: ``qr.resid(Q, x / w) * w`` with ``Q`` from ``qr(X sqrt(w0))`` and ``w = g sqrt(w0)`` (R
  ``calibrate``).
The stored weights are those of the calibration itself, so a later trim (R ``trimWeights``) changes the influence
values but not the projection, as in R. Records are row-aligned with the data; rows outside the calibrated set
(weight 0 before the step, e.g. nonrespondents) have zero influence and are left out of the cell means.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PostStratified:
    """One post-stratification: cell code per row (-1 = not calibrated), weights after and before."""

    cells: np.ndarray
    weights: np.ndarray
    oldweights: np.ndarray

    @property
    def n_rows(self) -> int:
        return len(self.cells)


@dataclass(frozen=True)
class Raked:
    """One raking: per margin, cell codes per row and the weights right after that margin in the last sweep."""

    margins: tuple[tuple[np.ndarray, np.ndarray], ...]

    @property
    def n_rows(self) -> int:
        return len(self.margins[0][0])


@dataclass(frozen=True)
class Calibrated:
    """One GREG-type calibration: ``q`` (rows x k) orthonormal basis of ``X sqrt(w0)``; ``w = g sqrt(w0)``."""

    q: np.ndarray
    w: np.ndarray

    @property
    def n_rows(self) -> int:
        return len(self.w)

    @classmethod
    def from_weights(cls, x: np.ndarray, before: np.ndarray, after: np.ndarray) -> Calibrated:
        """Record of calibrating ``before`` to ``after`` on auxiliaries ``x`` (rows x k)."""
        whalf = np.sqrt(np.maximum(before, 0.0))
        q, r = np.linalg.qr(x * whalf[:, None])
        keep = np.abs(np.diag(r)) > 1e-10 * max(float(np.abs(np.diag(r)).max()), 1e-300)
        with np.errstate(divide="ignore", invalid="ignore"):
            g = np.where(before > 0, after / before, 0.0)
        return cls(q[:, keep], g * whalf)


Record = PostStratified | Raked | Calibrated


def _safe_div(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """x / w per row, 0 where w is 0 (rows that carry no weight carry no influence)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((w != 0)[:, None], x / np.where(w != 0, w, 1.0)[:, None], 0.0)


def _cell_means(values: np.ndarray, cells: np.ndarray, denom: np.ndarray) -> np.ndarray:
    """Per row, the sum of ``values`` over its cell divided by ``denom`` of the cell (0 outside any cell)."""
    inside = cells >= 0
    k = int(cells.max()) + 1 if inside.any() else 0
    c = cells[inside]
    out = np.zeros_like(values)
    for j in range(values.shape[1]):
        sums = np.bincount(c, weights=values[inside, j], minlength=k)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[inside, j] = (sums / denom)[c]
    return out


def _count(cells: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    inside = cells >= 0
    k = int(cells.max()) + 1 if inside.any() else 0
    return np.bincount(cells[inside], weights=None if weights is None else weights[inside], minlength=k)


def project(x: np.ndarray, records: Sequence[Record]) -> np.ndarray:
    """Residuals of influence values ``x`` (rows x m) on each calibration record in order (R ``svyrecvar``)."""
    x = np.array(x, dtype=float, copy=True).reshape(x.shape[0], -1)
    for rec in records:
        if isinstance(rec, Calibrated):
            u = _safe_div(x, rec.w)
            x = (u - rec.q @ (rec.q.T @ u)) * rec.w[:, None]
        elif isinstance(rec, Raked):
            counts = [(cells, psw, _count(cells)) for cells, psw in rec.margins]
            for _ in range(10):
                for cells, psw, n in counts:
                    x = x - psw[:, None] * _cell_means(_safe_div(x, psw), cells, n)
        else:
            psw = np.where((rec.weights == 0) & (rec.oldweights == 0), 1.0, rec.weights)
            ratio = _safe_div(x * rec.oldweights[:, None], psw)
            x = x - _cell_means(ratio, rec.cells, _count(rec.cells, rec.oldweights)) * psw[:, None]
    return x


class CalibrationError(Exception):
    """A calibration has no solution (its system is singular); the message is for the user."""


def calibrate_linear(x: np.ndarray, totals: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Linear (GREG, R ``calibrate(calfun="linear")``) calibration of each column of ``weights`` to ``totals`` of
    ``x`` (rows x p): w (1 + x'lambda), lambda solving (X'WX) lambda = totals - X'w, as R ``regcalibrate``.
    Negative weights are allowed, as in R."""
    x = np.asarray(x, dtype=float)
    totals = np.asarray(totals, dtype=float)
    out = np.empty(weights.shape, dtype=float)
    for k in range(weights.shape[1]):
        w = np.asarray(weights[:, k], dtype=float)
        try:
            lam = np.linalg.solve(x.T @ (x * w[:, None]), totals - x.T @ w)
        except np.linalg.LinAlgError:
            raise CalibrationError("the calibration system is singular: a calibration variable is constant, "
                                   "empty or a combination of the others (collinear margins?)") from None
        out[:, k] = w * (1.0 + x @ lam)
    return out
