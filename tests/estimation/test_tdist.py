"""Student t quantiles and tails (surveymod.estimation.tdist) against R's qt/pt (tests/data/estimation/
make_t_distribution.R, R 4.2.2)."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

from surveymod.estimation.tdist import t_quantile, t_tail

ROWS = list(csv.DictReader((Path(__file__).parents[1] / "data" / "estimation" / "r_t_distribution.csv").open()))


@pytest.mark.parametrize("row", ROWS, ids=[f"{r['what']}-{float(r['df']):g}-{float(r['x']):g}" for r in ROWS])
def test_matches_r(row: dict[str, str]) -> None:
    df, x, want = float(row["df"]), float(row["x"]), float(row["value"])
    got = t_quantile(df, x) if row["what"] == "quantile" else t_tail(df, x)
    assert got == pytest.approx(want, rel=1e-11, abs=1e-300)


@pytest.mark.parametrize("df", [1.5, 3, 10, 100, 5e4, 1e6])
@pytest.mark.parametrize("p", [1e-300, 1e-100, 1e-20])
def test_far_tails_invert(df: float, p: float) -> None:
    """Where R's own qt is inexact, the quantile's tail gives back p."""
    t = t_quantile(df, p)
    assert t < 0 and t_tail(df, -t) == pytest.approx(p, rel=1e-10)


def test_edges() -> None:
    assert t_quantile(10, 0.5) == 0.0 and t_tail(10, 0.0) == 0.5
    assert t_quantile(math.inf, 0.975) == pytest.approx(1.959963984540054, rel=1e-15)
    assert t_tail(math.inf, 1.959963984540054) == pytest.approx(0.025, rel=1e-14)
    assert math.isnan(t_quantile(0, 0.9)) and math.isnan(t_quantile(5, math.nan)) and math.isnan(t_tail(-1, 2.0))
    assert t_quantile(5, 0.0) == -math.inf and t_quantile(5, 1.0) == math.inf
    assert t_tail(5, math.inf) == 0.0 and t_tail(5, -math.inf) == 1.0
    assert t_quantile(1, 0.975) == pytest.approx(12.706204736174707, rel=1e-14)  # closed forms for df 1 and 2
    assert t_quantile(2, 0.975) == pytest.approx(4.302652729749464, rel=1e-14)


@pytest.mark.parametrize(("df", "p"), [(0.1, 0.25), (0.1, 0.4), (0.5, 0.01), (0.05, 0.3), (0.1, 1e-10)])
def test_fractional_df_below_one(df: float, p: float) -> None:
    """Heavy tails (df < 1) neither overflow nor lose p."""
    t = t_quantile(df, p)
    assert t < 0 and math.isfinite(t) and t_tail(df, -t) == pytest.approx(p, rel=1e-10)
