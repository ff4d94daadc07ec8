"""Issue 28: replicate logit CIs, df of the subset with a value, deff Inf and totals of categorical variables,
against R survey 4.1.1 (numbers from tests/data/estimation/make_r28_reference.R on R's data(api))."""

from __future__ import annotations

import csv
import math

import numpy as np
import pandas as pd
import pytest
from est_helpers import DATA, rel

from surveymod.estimation import Design, estimate


@pytest.fixture(scope="module")
def r28() -> dict[str, float]:
    with open(DATA / "estimation" / "r28_reference.csv", newline="") as fh:
        return {row["name"]: float(row["value"]) for row in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def jk1() -> pd.DataFrame:
    return pd.read_csv(DATA / "estimation" / "apiclus1_jk1_r28.csv")


@pytest.fixture(scope="module")
def jkn() -> pd.DataFrame:
    return pd.read_csv(DATA / "estimation" / "apistrat_jkn_r28.csv")


def _row(res: pd.DataFrame, level: str, domain: str = "all") -> pd.Series:
    return res[(res.level == level) & (res.domain == domain)].iloc[0]


@pytest.mark.parametrize("mse", [False, True])
def test_replicate_logit_ci_is_r_svyciprop(jk1: pd.DataFrame, r28: dict[str, float], mse: bool) -> None:
    tag = "jk1mse" if mse else "jk1"
    des = Design(weight="pw", repweights=r"repw\d+", reptype="jk1", scale=r28["jk1_scale"], mse=mse)
    res = estimate(jk1, des, prop=["awards"])
    for level, key in (("Yes", "awards_yes"), ("No", "awards_no")):
        row = _row(res, level)
        assert rel(row.estimate, r28[f"{tag}_{key}_p"])
        assert rel(row.ci_low, r28[f"{tag}_{key}_lo"]) and rel(row.ci_high, r28[f"{tag}_{key}_hi"])
        assert row.df == r28[f"{tag}_{key}_df"]
    res = estimate(jk1, des, prop=["sch.wide"], by=["stype"])
    for s in "EHM":
        row = _row(res, "Yes", f"stype={s}")
        assert rel(row.ci_low, r28[f"{tag}_schwide_yes_{s}_lo"]) and rel(row.ci_high, r28[f"{tag}_schwide_yes_{s}_hi"])
        assert row.df == r28[f"{tag}_schwide_yes_{s}_df"]


def test_jkn_logit_ci(jkn: pd.DataFrame, r28: dict[str, float]) -> None:
    rscales = pd.read_csv(DATA / "estimation" / "apistrat_jkn_r28_rscales.csv").rscales.tolist()
    des = Design(weight="pw", repweights=r"repw\d+", reptype="jkn", scale=1.0, rscales=rscales, mse=False)
    row = _row(estimate(jkn, des, prop=["awards"]), "Yes")
    assert rel(row.ci_low, r28["jkn_awards_yes_lo"]) and rel(row.ci_high, r28["jkn_awards_yes_hi"])
    row = _row(estimate(jkn, des, prop=["sch.wide"], by=["stype"]), "Yes", "stype=H")
    assert rel(row.ci_low, r28["jkn_schwide_yes_H_lo"]) and rel(row.ci_high, r28["jkn_schwide_yes_H_hi"])
    assert row.df == r28["jkn_schwide_yes_H_df"]
    assert estimate(jkn, des, mean=["acs.k3"]).df[0] == r28["jkn_acsk3_df"]  # rows with a value only


def test_df_counts_rows_with_a_value(apistrat: pd.DataFrame, apiclus1: pd.DataFrame, jk1: pd.DataFrame,
                                     r28: dict[str, float]) -> None:
    strat = Design(weight="pw", strata="stype", fpc="fpc")
    res = estimate(apistrat, strat, mean=["acs.k3", "api00"])
    assert res.df.tolist() == [r28["strat_acsk3_df"], 197]  # api00 has no missing value: 200 - 3
    assert rel(res.estimate[0], r28["strat_acsk3"]) and rel(res.se[0], r28["strat_acsk3_se"])
    clus = Design(weight="pw", psu="dnum", fpc="fpc")
    res = estimate(apiclus1, clus, mean=["acs.k3"], by=["stype"]).set_index("domain")
    assert res.loc["stype=E", "df"] == r28["clus1_acsk3_E_df"] and res.loc["stype=M", "df"] == r28["clus1_acsk3_M_df"]
    # a median's interval uses the df (R svyquantile on the subset with a value)
    q = estimate(apiclus1, clus, quantile=[("acs.k3", 0.5)]).iloc[0]
    assert q.df == r28["clus1_acsk3_df"] and rel(q.estimate, r28["clus1_acsk3_median"])
    assert rel(q.se, r28["clus1_acsk3_median_se"])
    assert rel(q.ci_low, r28["clus1_acsk3_median_lo"]) and rel(q.ci_high, r28["clus1_acsk3_median_hi"])
    des = Design(weight="pw", repweights=r"repw\d+", reptype="jk1", scale=r28["jk1_scale"], mse=False)
    assert estimate(jk1, des, mean=["acs.k3"]).df[0] == r28["jk1_acsk3_df"]


def test_share_of_a_numeric_with_missing_values(apiclus1: pd.DataFrame, r28: dict[str, float]) -> None:
    df = apiclus1.assign(gt20=np.where(apiclus1["acs.k3"].isna(), np.nan, (apiclus1["acs.k3"] > 20).astype(float)))
    row = _row(estimate(df, Design(weight="pw", psu="dnum", fpc="fpc"), prop=["gt20"]), "1")
    assert rel(row.estimate, r28["clus1_acsk3_gt20_p"]) and row.df == r28["clus1_acsk3_gt20_df"]
    assert rel(row.ci_low, r28["clus1_acsk3_gt20_lo"]) and rel(row.ci_high, r28["clus1_acsk3_gt20_hi"])


def test_deff_inf_as_r(apiclus1: pd.DataFrame, r28: dict[str, float]) -> None:
    assert math.isinf(r28["clus1_total_one_deff"])
    res = estimate(apiclus1.assign(one=1.0), Design(weight="pw", psu="dnum", fpc="fpc"), total=["one"])
    assert rel(res.se[0], r28["clus1_total_one_se"]) and math.isinf(res.deff[0])


def test_total_of_a_categorical_variable(apiclus1: pd.DataFrame, apistrat: pd.DataFrame, jk1: pd.DataFrame,
                                         r28: dict[str, float]) -> None:
    res = estimate(apiclus1, Design(weight="pw", psu="dnum", fpc="fpc"), total=["stype"])
    assert res.level.tolist() == ["E", "H", "M"]
    for s in "EHM":
        row = _row(res, s)
        assert rel(row.estimate, r28[f"clus1_total_stype_{s}"]) and rel(row.se, r28[f"clus1_total_stype_{s}_se"])
        assert rel(row.deff, r28[f"clus1_total_stype_{s}_deff"])
    res = estimate(apistrat, Design(weight="pw", strata="stype", fpc="fpc"), total=["awards"], by=["stype"])
    for s in "EHM":
        for a in ("No", "Yes"):
            row = _row(res, a, f"stype={s}")
            assert rel(row.estimate, r28[f"strat_total_awards_{a}_{s}"])
            assert rel(row.se, r28[f"strat_total_awards_{a}_{s}_se"])
    des = Design(weight="pw", repweights=r"repw\d+", reptype="jk1", scale=r28["jk1_scale"], mse=False)
    res = estimate(jk1, des, total=["stype"])
    for s in "EHM":
        assert rel(_row(res, s).se, r28[f"jk1_total_stype_{s}_se"])
