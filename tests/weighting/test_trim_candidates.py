"""Trimming runs its rounds on the tail rows only: the result must be exactly that of rounds over every row,
including when a threshold moves past the candidates' margin (then it starts again on all rows)."""

from __future__ import annotations

import numpy as np
import pytest

from surveymod.weighting import steps as st

CASES = [  # (lower, upper, redistribute, strict) as multiples of the median
    (0.2, 5.0, "additive", True), (0.3, 3.0, "additive", True), (None, 2.0, "proportional", True),
    (0.5, None, "additive", True), (0.2, 5.0, "none", False), (0.5, 1.6, "additive", True),
    (0.9, 1.1, "proportional", True), (0.2, 4.0, "additive", False), (0.0, 1.2, "additive", True),
]


def _weights(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    w = np.exp(rng.normal(0, 0.7, (20_000, 40))) * 100
    w[rng.random(w.shape) < 0.05] = 0.0  # replicate columns have zero weights (dropped PSUs)
    return np.asfortranarray(w)


@pytest.mark.parametrize("case", CASES, ids=[str(c) for c in CASES])
def test_candidate_rounds_equal_rounds_over_all_rows(case, monkeypatch) -> None:
    lower, upper, how, strict = case
    w = _weights(len(str(case)))
    med = float(np.median(w[w[:, 0] > 0, 0]))
    lo = None if lower is None else lower * med
    hi = None if upper is None else upper * med

    def run() -> tuple[np.ndarray, int] | str:
        try:
            return st.trim(w, lo, hi, how, strict, 100)
        except st.StepFailure as exc:  # infeasible bounds fail the same way on both paths
            return str(exc)

    fast = run()
    monkeypatch.setattr(st, "NEAR", 1e-12)  # margins that select no candidates: every round on all rows
    full = run()
    if isinstance(full, str):
        assert fast == full
        return
    assert not isinstance(fast, str)
    np.testing.assert_allclose(fast[0], full[0], rtol=1e-13, atol=0)
    assert fast[1] == full[1]
    fast = fast[0]
    if hi is not None:
        assert fast[fast > 0].max() <= hi * (1 + 1e-12) or not strict


def test_both_paths_are_taken() -> None:
    """The usual bounds stay on the candidates; bounds near the median move a threshold past the margin."""
    w = _weights(3)
    med = float(np.median(w[:, 0]))
    seen: list[bool] = []
    rounds = st._rounds

    def spy(*args, **kw):
        found = rounds(*args, **kw)
        seen.append(args[-1] is not None and found is not None)
        return found

    st._rounds = spy
    try:
        st.trim(w, 0.2 * med, 5 * med, "additive", True, 100)
        usual = list(seen)
        seen.clear()
        st.trim(w, 0.5 * med, 1.6 * med, "additive", True, 100)
        tight = list(seen)
    finally:
        st._rounds = rounds
    assert all(usual) and not any(tight)


def _naive(w: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Additive strict trimming written out round by round on the positive weights (R trimWeights' rule)."""
    w = w.copy()
    free = w > 0
    while True:
        high, low = free & (w > hi), free & (w < lo)
        if not (high.any() or low.any()):
            return w
        excess = (w[high] - hi).sum() + (w[low] - lo).sum()
        w[high], w[low] = hi, lo
        free &= ~(high | low)
        w[free] += excess / free.sum()


def test_zero_and_negative_weights_stay_as_they_were() -> None:
    """Weights that are not positive (dropped PSUs; negative ones after linear calibration) are neither trimmed
    nor given a share of the excess, and the column is trimmed as the round-by-round rule says."""
    w = _weights(5)[:, :3].copy(order="F")
    w[::97, 1] = -3.5
    w[::89, 2] = -0.25
    med = float(np.median(w[w[:, 0] > 0, 0]))
    want = [_naive(w[:, j], 0.3 * med, 3 * med) for j in range(3)]
    got, _ = st.trim(w, 0.3 * med, 3 * med, "additive", True, 100)
    for j in range(3):
        np.testing.assert_allclose(got[:, j], want[j], rtol=1e-12, atol=0)
        assert (got[w[:, j] <= 0, j] == w[w[:, j] <= 0, j]).all()
