"""Replicate weights given as columns (R-generated, see tests/data/estimation/README.md) against R survey."""

from __future__ import annotations

import pandas as pd
import pytest
from est_helpers import DATA, digits, rel

from surveymod.design.prepare import _jkn_rscales
from surveymod.estimation import Design, estimate


def load(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / "estimation" / name)


def test_jk1_apiclus1(rref: dict[str, float]) -> None:
    df = load("apiclus1_jk1.csv")
    des = Design(weight="pw", repweights=r"repw\d+", reptype="jk1", scale=rref["jk1_scale"], mse=False)
    res = estimate(df, des, mean=["api00"])
    assert digits(res.se[0], "26.32936") and rel(res.se[0], rref["jk1_mean_api00_se"])
    assert res.df[0] == 14  # replicates - 1
    # mse=True (our default): variance around the full-sample estimate, R mse=TRUE: 26.335
    res = estimate(df, des.model_copy(update={"mse": True}), mean=["api00"])
    assert digits(res.se[0], "26.335")


def test_jk1_domains(rref: dict[str, float]) -> None:
    df = load("apiclus1_jk1.csv")
    des = Design(weight="pw", repweights=r"repw\d+", reptype="jk1", scale=rref["jk1_scale"], mse=False)
    res = estimate(df, des, mean=["api00"], by=["stype"])
    for s in "EHM":
        assert rel(res.set_index("domain").loc[f"stype={s}", "se"], rref[f"jk1_by_stype_{s}_se"])


def test_jkn_apistrat_rscales_given_or_derived(rref: dict[str, float]) -> None:
    df = load("apistrat_jkn.csv")
    rscales = pd.read_csv(DATA / "estimation" / "apistrat_jkn_rscales.csv").rscales.tolist()
    des = Design(weight="pw", repweights=r"repw\d+", reptype="jkn", scale=1.0, rscales=rscales, mse=False)
    res = estimate(df, des, mean=["api00"])
    assert digits(res.se[0], "9.40894") and rel(res.se[0], rref["jkn_mean_api00_se"])
    # Without rscales, (n_h-1)/n_h is found from the stratum each replicate deletes. R's rscales also hold the
    # FPC (1 - n_h/N_h), which replicate weights alone cannot reveal: derived x (1 - f_h) must equal R's.
    derived = _jkn_rscales(df.filter(regex=r"repw\d+").to_numpy(), df.stype.astype(str), df.snum.astype(str))
    zeroed = [df.stype[df[f"repw{r + 1}"] == 0].iloc[0] for r in range(len(rscales))]
    f = {"E": 100 / 4421, "H": 50 / 755, "M": 50 / 1018}
    assert [d * (1 - f[s]) for d, s in zip(derived, zeroed, strict=True)] == pytest.approx(rscales, rel=1e-9)
    des2 = Design(weight="pw", repweights=r"repw\d+", reptype="jkn", strata="stype", psu="snum", mse=False)
    assert estimate(df, des2, mean=["api00"]).se[0] > res.se[0]  # no FPC -> larger


def test_bootstrap(rref: dict[str, float]) -> None:
    df = load("apiclus1_boot.csv")
    des = Design(weight="pw", repweights=r"repw\d+", reptype="bootstrap", scale=rref["boot_scale"], mse=False)
    res = estimate(df, des, mean=["api00"], total=["enroll"])
    assert rel(res.se[0], rref["boot_mean_api00_se"]) and rel(res.se[1], rref["boot_total_enroll_se"])


def test_brr_and_fay_scd(rref: dict[str, float]) -> None:
    df = load("scd_brr.csv")
    des = Design(repweights=r"repw\d+", reptype="brr", mse=False)  # standard scale 1/R
    res = estimate(df, des, mean=["arrests"], ratio=[("alive", "arrests")])
    assert rel(res.estimate[0], rref["brr_mean_arrests"]) and rel(res.se[0], rref["brr_mean_arrests_se"])
    assert rel(res.estimate[1], rref["brr_ratio"]) and rel(res.se[1], rref["brr_ratio_se"])
    df = load("scd_fay.csv")
    des = Design(repweights=r"repw\d+", reptype="fay", fay_rho=0.3, mse=False)  # standard 1/(R(1-rho)^2)
    res = estimate(df, des, mean=["arrests"], ratio=[("alive", "arrests")])
    assert rel(res.se[0], rref["fay_mean_arrests_se"]) and rel(res.se[1], rref["fay_ratio_se"])


def test_brr_hand_worked() -> None:
    # Two strata x two PSUs, one row each; replicate r keeps one PSU per stratum with weight 2 (Hadamard order).
    # Mean y: full 2.5; replicate means (1+3)/2=2, (2+3)/2=2.5... computed by hand below.
    df = pd.DataFrame({"y": [1.0, 2.0, 3.0, 6.0], "w": [1.0] * 4,
                       "r1": [2, 0, 2, 0], "r2": [0, 2, 2, 0], "r3": [2, 0, 0, 2], "r4": [0, 2, 0, 2]})
    reps = [(1 + 3) / 2, (2 + 3) / 2, (1 + 6) / 2, (2 + 6) / 2]
    full = 3.0
    var = sum((r - full) ** 2 for r in reps) / 4
    res = estimate(df, Design(weight="w", repweights=r"r\d", reptype="brr", mse=True), mean=["y"])
    assert res.estimate[0] == pytest.approx(full) and res.se[0] == pytest.approx(var**0.5, rel=1e-12)
