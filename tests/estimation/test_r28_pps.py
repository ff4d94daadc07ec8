"""Issue 28: without-replacement PPS first stages, Brewer's and Overton's approximations (R svydesign(pps =
"brewer" / "overton")), against R survey 4.1.1 on R's election_pps (tests/data/estimation/make_r28_pps_reference.R)."""

from __future__ import annotations

import csv

import pandas as pd
import pytest
from est_helpers import DATA, rel

from surveymod.errors import SurveyError
from surveymod.estimation import Design, estimate

DESIGNS = {"brewer": Design(fpc="p", pps="brewer"), "overton": Design(fpc="p", pps="overton"),
           "brewer_strat": Design(strata="half", fpc="p", pps="brewer"),
           "overton_strat": Design(strata="half", fpc="p", pps="overton"), "wr": Design(prob="p")}


@pytest.fixture(scope="module")
def ref() -> dict[str, float]:
    with open(DATA / "estimation" / "r28_pps.csv", newline="") as fh:
        return {row["name"]: float(row["value"]) for row in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def el() -> pd.DataFrame:
    return pd.read_csv(DATA / "estimation" / "election_pps.csv")


@pytest.mark.parametrize("tag", list(DESIGNS))
def test_pps_variances(el: pd.DataFrame, ref: dict[str, float], tag: str) -> None:
    res = estimate(el, DESIGNS[tag], total=["Bush", "Kerry"], mean=["Nader"], ratio=[("Bush", "votes")])
    est = res.set_index("variable")
    assert rel(est.loc["Bush", "estimate"], ref[f"{tag}_total_Bush"]) and rel(est.loc["Bush", "se"], ref[f"{tag}_total_Bush_se"])
    assert rel(est.loc["Kerry", "se"], ref[f"{tag}_total_Kerry_se"])
    assert rel(est.loc["Nader", "estimate"], ref[f"{tag}_mean_Nader"]) and rel(est.loc["Nader", "se"], ref[f"{tag}_mean_Nader_se"])
    assert rel(est.loc["Bush/votes", "se"], ref[f"{tag}_ratio_se"])
    assert (res.df == ref[f"{tag}_df"]).all()
    by = estimate(el, DESIGNS[tag], total=["Kerry"], by=["big"]).set_index("domain")
    assert rel(by.loc["big=1", "se"], ref[f"{tag}_by_big1_se"]) and rel(by.loc["big=0", "se"], ref[f"{tag}_by_big0_se"])


def test_pps_needs_probabilities(el: pd.DataFrame) -> None:
    with pytest.raises(SurveyError, match="needs fpc"):
        estimate(el, Design(pps="brewer"), total=["Bush"])
    with pytest.raises(SurveyError, match="inclusion probabilities"):
        estimate(el.assign(p=el.p * 10), Design(fpc="p", pps="overton"), total=["Bush"])
