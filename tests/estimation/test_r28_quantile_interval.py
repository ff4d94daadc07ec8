"""Issue 28: R svyquantile(interval.type = "quantile") on replicate designs (JK1 and R's bootstrap weights), overall
and by domain, against R survey 4.1.1 (tests/data/estimation/make_r28_quantile_reference.R)."""

from __future__ import annotations

import csv

import pandas as pd
import pytest
from est_helpers import DATA, rel

from surveymod.errors import SurveyError
from surveymod.estimation import Design, estimate

DESIGNS = {"jk1": ("apiclus1_jk1_r28.csv", Design(weight="pw", repweights=r"repw\d+", reptype="jk1", scale=14 / 15,
                                                  mse=False)),
           "boot": ("apiclus1_boot.csv", Design(weight="pw", repweights=r"repw\d+", reptype="bootstrap", mse=True))}


@pytest.fixture(scope="module")
def ref() -> dict[str, float]:
    with open(DATA / "estimation" / "r28_quantile.csv", newline="") as fh:
        return {row["name"]: float(row["value"]) for row in csv.DictReader(fh)}


@pytest.mark.parametrize("tag", ["jk1", "boot"])
def test_replicate_quantile_interval(ref: dict[str, float], tag: str) -> None:
    file, design = DESIGNS[tag]
    df = pd.read_csv(DATA / "estimation" / file)
    res = estimate(df, design, quantile=[("api00", 0.25), ("api00", 0.5)], quantile_interval="quantile")
    for row, p in zip(res.itertuples(), ("0.25", "0.5"), strict=True):
        key = f"{tag}_q{p}"
        assert row.estimate == ref[key] and rel(row.se, ref[f"{key}_se"])
        assert rel(row.ci_low, ref[f"{key}_lo"]) and rel(row.ci_high, ref[f"{key}_hi"])
    res = estimate(df, design, quantile=[("api00", 0.5)], by=["stype"], quantile_interval="quantile")
    for s in "EHM":
        row = res[res.domain == f"stype={s}"].iloc[0]
        assert row.estimate == ref[f"{tag}_by_{s}"] and rel(row.se, ref[f"{tag}_by_{s}_se"])


def test_quantile_interval_needs_replicates(apiclus1: pd.DataFrame) -> None:
    with pytest.raises(SurveyError, match="needs a replicate design"):
        estimate(apiclus1, Design(weight="pw", psu="dnum"), quantile=[("api00", 0.5)], quantile_interval="quantile")
