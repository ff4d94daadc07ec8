"""Taylor variances a block of domains (or of a proportion's levels) at a time give the numbers of one pass.

At 10M rows a table by sex x age group of a 10-level variable has some 400,000 PSUs x 24 domains x 10 levels of
cells (800 MB, and the influence and centred copies of the same size), a country of birth 250 levels;
``statistics.taylor`` then works a block of domains or levels at a time. Shrinking the block to one domain must leave every number (estimate, SE, CI, df, deff) as it
was (the estimates exactly, the rest to rounding), for one- and two-stage designs, with and without an FPC, and under every lonely-PSU rule.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from surveymod.design import Design
from surveymod.estimation import statistics
from surveymod.estimation.estimate import estimate

API = Path(__file__).resolve().parents[1] / "data" / "api"

CASES = {
    "strat": ("apistrat.csv", Design(strata="stype", weight="pw", fpc="fpc")),
    "clus2": ("apiclus2.csv", Design(psu="dnum", ssu="snum", weight="pw", fpc="fpc1", fpc2="fpc2")),
    "clus1-average": ("apiclus1.csv", Design(strata="stype", psu="dnum", weight="pw", lonely_psu="average")),
    "clus1-adjust": ("apiclus1.csv", Design(strata="stype", psu="dnum", weight="pw", lonely_psu="adjust")),
}


@pytest.mark.parametrize("cells", [1, 600])
@pytest.mark.parametrize("case", list(CASES))
def test_blocks_of_domains_equal_one_pass(case: str, cells: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """1 cell: one domain and one level (with the other levels as one) a block; 600: a few of each."""
    name, design = CASES[case]
    df = pd.read_csv(API / name)
    df["band"] = pd.cut(df["api00"], [0, 500, 600, 700, 800, 1000], labels=False)

    def run() -> pd.DataFrame:
        return pd.DataFrame(estimate(df, design, mean=["api00"], prop=["band", "sch.wide"],
                                     total=["enroll"], ratio=[("api00", "api99")], by=["cname" if case ==
                                                                                         "clus2" else "cnum"]))

    whole = run()
    monkeypatch.setattr(statistics, "CELL_ELEMENTS", cells)
    blocks = run()
    assert len(whole) > 50
    # estimates exactly; variances to rounding (numpy adds a one-column block's squares pairwise)
    pd.testing.assert_series_equal(blocks["estimate"], whole["estimate"], check_exact=True)
    pd.testing.assert_frame_equal(blocks, whole, check_exact=False, rtol=1e-12, atol=0)


@pytest.mark.parametrize("case", list(CASES))
def test_design_effects_summed_by_blocks_of_rows(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The SRS variances behind the deff are summed a block of rows at a time: 7 rows a block gives the deff of
    one block, to rounding."""
    from surveymod.estimation import deff

    name, design = CASES[case]
    df = pd.read_csv(API / name)

    def run() -> pd.DataFrame:
        return pd.DataFrame(estimate(df, design, mean=["api00"], prop=["sch.wide"], total=["enroll"],
                                     ratio=[("api00", "api99")], by=["stype"]))

    whole = run()
    monkeypatch.setattr(deff, "ROWS", 7)
    pd.testing.assert_frame_equal(run(), whole, check_exact=False, rtol=1e-10, atol=0)
