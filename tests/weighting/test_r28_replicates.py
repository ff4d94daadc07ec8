"""Issue 28: replicate columns in R's order (as.svrepdesign JK1/JKn: PSUs in order of first appearance, not sorted
as text) and R's scale for R's bootstrap weights; the expected weights are R's own
(tests/data/estimation/make_r28_reference.R, make_reference.R)."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
from r_replicate_common import DATA

from surveymod.estimation import Design, estimate
from surveymod.weighting import run_weighting


def test_jk1_columns_in_r_order(apiclus1: pd.DataFrame, write_spec) -> None:
    spec = "design:\n  weight: pw\n  psu: dnum\n  fpc: fpc\nsteps:\n  - step: replicates\n    method: jk1\n"
    res = run_weighting(apiclus1, write_spec(spec))
    ours = res.replicate_weights.matrix()
    r = pd.read_csv(DATA / "estimation" / "apiclus1_jk1_r28.csv").filter(regex=r"^repw\d+$").to_numpy()
    assert ours.shape == r.shape
    np.testing.assert_allclose(ours, r, rtol=1e-6)  # column by column: replicate j deletes R's j-th PSU


def test_jkn_columns_in_r_order(write_spec) -> None:
    data = pd.read_csv(DATA / "api" / "apistrat.csv")
    spec = ("design:\n  weight: pw\n  strata: stype\n  fpc: fpc\nsteps:\n  - step: replicates\n"
            "    method: jkn\n")
    ours = run_weighting(data, write_spec(spec)).replicate_weights.matrix()
    r = pd.read_csv(DATA / "estimation" / "apistrat_jkn_r28.csv").filter(regex=r"^repw\d+$").to_numpy()
    np.testing.assert_allclose(ours, r, rtol=1e-6)


def test_r_bootstrap_weights_get_r_scale() -> None:
    with open(DATA / "estimation" / "r_reference.csv", newline="") as fh:
        ref = {row["name"]: float(row["value"]) for row in csv.DictReader(fh)}
    df = pd.read_csv(DATA / "estimation" / "apiclus1_boot.csv")
    # the design names the PSUs: the weights are recognised as R's (n_h draws), so R's scale n/((n-1)(R-1))
    res = estimate(df, Design(weight="pw", psu="dnum", repweights=r"repw\d+", reptype="bootstrap", mse=False),
                   mean=["api00"])
    assert abs(res.se[0] / ref["boot_mean_api00_se"] - 1) < 1e-6
    # without the PSUs nothing is known about the draws: svrepdesign's default 1/(R-1)
    res0 = estimate(df, Design(weight="pw", repweights=r"repw\d+", reptype="bootstrap", mse=False), mean=["api00"])
    assert abs(res0.se[0] ** 2 / res.se[0] ** 2 - (1 / 49) / ref["boot_scale"]) < 1e-9
