"""Issue 29: the design core's own replicate factors and linear calibration (svy replaced).

- Hadamard matrices: ours against R ``survey::hadamard(n)`` itself for 1-100 strata and a few larger counts
  (Rscript prints R's matrices; skipped without R), so BRR half-samples and replicate counts are R's.
- Rao-Wu bootstrap (R ``subbootweights``): hand-worked identities that hold for any draw: a stratum's factors add up
  to n_h (n_h - 1 draws x n_h/(n_h-1)), every factor is a whole number of draws x n_h/(n_h-1), a seed repeats.
- Linear calibration: the GREG weights of a hand-worked two-group example meet the totals exactly; a singular
  system is a clear error, not a traceback.
"""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from surveymod.design.calibration import CalibrationError, calibrate_linear
from surveymod.design.hadamard import hadamard
from surveymod.design.replicates import ReplicateError, make_replicates

COUNTS = [*range(1, 101), 150, 250]


@pytest.mark.client
@pytest.mark.skipif(shutil.which("Rscript") is None, reason="Rscript (R with survey) is not installed")
def test_hadamard_is_r_hadamard() -> None:
    code = ("suppressMessages(library(survey)); for (n in c(" + ",".join(map(str, COUNTS)) + ")) "
            "cat(n, apply(hadamard(n), 1, paste, collapse = ''), '\\n')")
    proc = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        pytest.skip(f"R survey not available: {proc.stderr.strip()[-200:]}")
    lines = proc.stdout.splitlines()
    assert len(lines) == len(COUNTS)
    for line in lines:
        n, *rows = line.split()
        ours = ["".join(map(str, r)) for r in hadamard(int(n))]
        assert ours == rows, f"hadamard({n})"


def _strata_frame() -> pd.DataFrame:
    """3 strata with 2, 3 and 5 PSUs of 2 rows each; ids are text, PSU ids repeat across strata (nested)."""
    sizes = {"a": 2, "b": 3, "c": 5}
    rows = [(h, f"p{j}") for h, k in sizes.items() for j in range(k) for _ in range(2)]
    return pd.DataFrame(rows, columns=["st", "psu"])


def test_bootstrap_factors_are_rao_wu_draws() -> None:
    d = _strata_frame()
    r = make_replicates(d, method="bootstrap", strata="st", psu="psu", n_reps=50, seed=3, fay_rho=None,
                        fpc_fraction=None)
    assert r.n_replicates == 50 and r.scale == pytest.approx(1 / 49)
    f = r.factors  # rows x replicates
    for h, n_h in (("a", 2), ("b", 3), ("c", 5)):
        per_psu = f[(d["st"] == h).to_numpy()][::2]  # one row per PSU
        np.testing.assert_allclose(per_psu.sum(axis=0), n_h)  # n_h - 1 draws x n_h/(n_h - 1)
        draws = per_psu * (n_h - 1) / n_h
        np.testing.assert_allclose(draws, np.round(draws))
    np.testing.assert_array_equal(f[0::2], f[1::2])  # constant within a PSU
    again = make_replicates(d, method="bootstrap", strata="st", psu="psu", n_reps=50, seed=3, fay_rho=None,
                            fpc_fraction=None)
    np.testing.assert_array_equal(again.factors, f)


def test_brr_odd_stratum_is_refused() -> None:
    with pytest.raises(ReplicateError, match="stratum b, c of 'st' has an odd number of PSUs"):
        make_replicates(_strata_frame(), method="brr", strata="st", psu="psu", n_reps=None, seed=None,
                        fay_rho=None, fpc_fraction=None)


def test_linear_calibration_hand_worked() -> None:
    # two groups, weights 1; totals: 10 in group 1, 30 overall. Hand-worked GREG: g = 1 + x'lambda with
    # X'WX = [[4, 2], [2, 2]], residual (30 - 4, 10 - 2) = (26, 8): lambda = (9, -5), so group 1 rows get
    # 1 + 9 - 5 = 5 and group 0 rows 1 + 9 = 10: 2 x 5 = 10 in group 1, 10 + 10 + 10 = 30 overall.
    x = np.array([[1, 1], [1, 1], [1, 0], [1, 0]], dtype=float)
    w = calibrate_linear(x, np.array([30.0, 10.0]), np.ones((4, 1)))
    np.testing.assert_allclose(w[:, 0], [5, 5, 10, 10])


def test_singular_linear_calibration_is_an_error() -> None:
    x = np.array([[1, 1], [1, 1], [1, 1]], dtype=float)  # the two columns are the same
    with pytest.raises(CalibrationError, match="singular"):
        calibrate_linear(x, np.array([3.0, 3.0]), np.ones((3, 1)))
