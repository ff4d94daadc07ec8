"""rho_int (one-way ANOVA estimator) against a hand-worked example and against R.

External sources: a two-interviewer example worked by hand from the ANOVA formulas; R's own anova(lm()) mean
squares for unbalanced data, with the estimator (MSB - MSW) / (MSB + (n0 - 1) MSW), n0 = (N - sum n_i^2 / N)/(k - 1),
written out in R (Kish 1962; Searle, Casella & McCulloch, Variance Components, sec. 3.6).
"""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from surveymod.fieldwork.quality import rho_int


def test_hand_worked_two_interviewers() -> None:
    # a: 1, 2, 3 (mean 2); b: 4, 5, 6 (mean 5); grand mean 3.5. SSB = 2 * 3 * 1.5^2 = 13.5, MSB = 13.5/1;
    # SSW = 2 + 2 = 4, MSW = 4/4 = 1; n0 = (6 - 18/6)/1 = 3; rho = (13.5 - 1)/(13.5 + 2 * 1) = 12.5/15.5.
    rho, k, n = rho_int(pd.Series([1, 2, 3, 4, 5, 6.0]), pd.Series(list("aaabbb")))
    assert rho == pytest.approx(12.5 / 15.5) and (k, n) == (2, 6)


def test_interviewers_with_one_interview_or_missing_answers_are_left_out() -> None:
    rho, k, n = rho_int(pd.Series([1, 2, 3, 4, 5, 6.0, 9, np.nan]), pd.Series(list("aaabbbcd")))
    assert rho == pytest.approx(12.5 / 15.5) and (k, n) == (2, 6)


@pytest.mark.skipif(shutil.which("Rscript") is None, reason="Rscript (R) is not installed")
def test_unbalanced_interviewers_match_r_anova(tmp_path) -> None:
    rng = np.random.default_rng(12)
    sizes = [3, 7, 12, 5, 9, 15, 4, 8]
    g = np.repeat([f"i{k}" for k in range(len(sizes))], sizes)
    effect = dict(zip(np.unique(g), rng.normal(0, 0.6, len(sizes)), strict=True))
    y = np.array([effect[x] for x in g]) + rng.normal(0, 1.5, len(g))
    pd.DataFrame({"g": g, "y": y}).to_csv(tmp_path / "d.csv", index=False)
    code = (f"d <- read.csv('{tmp_path / 'd.csv'}'); a <- anova(lm(y ~ factor(g), d)); msb <- a[1, 3]; "
            "msw <- a[2, 3]; k <- length(unique(d$g)); N <- nrow(d); ni <- as.numeric(table(d$g)); "
            "n0 <- (N - sum(ni^2) / N) / (k - 1); cat(sprintf('%.12f', (msb - msw) / (msb + (n0 - 1) * msw)))")
    out = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True, timeout=120, check=True)
    rho, k, n = rho_int(pd.Series(y), pd.Series(g))
    assert (k, n) == (8, 63)
    assert rho == pytest.approx(float(out.stdout.strip()), abs=1e-9)
