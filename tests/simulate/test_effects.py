"""A known change between waves is recovered by naive and design-weighted estimates, over a fixed set of seeds.

The estimates, their standard errors (ultimate-cluster linearisation, stratified, with-replacement PSUs) and the
population share of 15-24 year olds (from the Census 2021 cells in examples/designs) are computed here
independently of the simulator; only the configured numbers (+8 overall, +12 among agegrp 1) are inputs.
"""

from __future__ import annotations

import csv
import math

import numpy as np
import pandas as pd
import pytest

from surveymod.questionnaire import load_valid
from surveymod.simulate import design_from_dict, effects_from_dict, simulate

from .helpers import FIXTURES, ROOT

CENSUS = ROOT / "examples" / "designs" / "census_mk_15plus.csv"
SEEDS = [101, 202, 303, 404, 505]
N = 4000

DESIGN = {
    "population": {"cells": str(CENSUS), "split": {"urbrur": {1: 0.58, 2: 0.42}}},
    "strata": ["region", "urbrur"],
    "allocation": "sqrt",
    "clusters": {"take": 10, "icc": 0.05},
    "nonresponse": {"response": 0.65, "odds": {"sex": {1: 0.75}, "agegrp": {1: 0.6, 2: 0.8, 6: 1.3}}},
}
EFFECTS = {
    "nonsubstantive": 0.03,
    "batteries": [{"name": "attitude", "items": ["att1", "att2", "att3", "att4", "att5"], "loading": 0.7,
                   "low_positive": ["att1", "att2", "att3", "att4"]}],
    "effects": [{"item": "att1", "positive": [1, 2], "baseline": 40, "change": 8,
                 "domains": [{"where": "agegrp = 1", "change": 12}]}],
}


def census_share_15_24() -> float:
    with open(CENSUS, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    total = sum(float(r["count"]) for r in rows)
    young = sum(float(r["count"]) for r in rows if r["age"] in ("15-19", "20-24"))
    return young / total


def share_and_se(df: pd.DataFrame, weighted: bool, where: pd.Series | None = None) -> tuple[float, float]:
    """Share of att1 in {1,2} among substantive answers, with a stratified ultimate-cluster SE."""
    sub = df[df["att1"].isin([1, 2, 3, 4, 5])]
    if where is not None:
        sub = sub[where.loc[sub.index]]
    w = sub["dweight"].to_numpy() if weighted else np.ones(len(sub))
    y = sub["att1"].isin([1, 2]).to_numpy(float)
    p = float((w * y).sum() / w.sum())
    z = w * (y - p) / w.sum()
    t = pd.DataFrame({"h": sub["stratum"].to_numpy(), "psu": sub["psu"].to_numpy(), "z": z})
    tot = t.groupby(["h", "psu"])["z"].sum().reset_index()
    var = 0.0
    for _, g in tot.groupby("h"):
        k = len(g)
        if k > 1:
            var += k / (k - 1) * float(((g["z"] - g["z"].mean()) ** 2).sum())
    return p, math.sqrt(var)


@pytest.fixture(scope="module")
def waves() -> list[tuple[pd.DataFrame, pd.DataFrame, dict]]:
    qn = load_valid(FIXTURES / "perception_sim.yaml")
    design = design_from_dict(DESIGN)
    effects = effects_from_dict(EFFECTS)
    out = []
    for seed in SEEDS:
        base = simulate(qn, N, seed, design, effects, wave="baseline")
        end = simulate(qn, N, seed + 1, design, effects, wave="endline")
        out.append((base.main, end.main, end.truth))
    return out


def test_truth_file_has_the_configured_change(waves: list) -> None:
    truth = waves[0][2]["effects"][0]
    assert truth["change"] == pytest.approx(8.0, abs=1e-9)
    assert truth["baseline"] == pytest.approx(40.0)
    dom = truth["domains"][0]
    assert dom["change"] == 12 and dom["endline"] == 52
    # the domain's population share comes from the census cells (reference simulation, Monte Carlo error ~0.001)
    assert dom["population_share"] == pytest.approx(census_share_15_24(), abs=0.005)
    s = dom["population_share"]
    assert s * 12 + (1 - s) * truth["elsewhere"]["change"] == pytest.approx(8.0)


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "design-weighted"])
def test_overall_change_recovered(waves: list, weighted: bool) -> None:
    changes, ses = [], []
    for base, end, _ in waves:
        p0, s0 = share_and_se(base, weighted)
        p1, s1 = share_and_se(end, weighted)
        d, se = (p1 - p0) * 100, math.hypot(s0, s1) * 100
        assert abs(p0 * 100 - 40) < 3.5 * s0 * 100 + 0.5
        assert abs(d - 8) < 3.5 * se, (d, se)
        changes.append(d)
        ses.append(se)
    mean_se = math.sqrt(sum(s * s for s in ses)) / len(ses)
    assert abs(np.mean(changes) - 8) < 3 * mean_se, (changes, mean_se)
    # not trivially true: a no-change scenario would sit many standard errors away
    assert 8 / mean_se > 8


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "design-weighted"])
def test_domain_change_recovered(waves: list, weighted: bool) -> None:
    changes, ses = [], []
    for base, end, _ in waves:
        p0, s0 = share_and_se(base, weighted, base["agegrp"] == 1)
        p1, s1 = share_and_se(end, weighted, end["agegrp"] == 1)
        changes.append((p1 - p0) * 100)
        ses.append(math.hypot(s0, s1) * 100)
    mean_se = math.sqrt(sum(s * s for s in ses)) / len(ses)
    assert abs(np.mean(changes) - 12) < 3 * mean_se, (changes, mean_se)


def test_nonsubstantive_rate(waves: list) -> None:
    base = pd.concat([w[0] for w in waves])
    rate = float(base["att1"].isin([8, 9]).mean())
    assert rate == pytest.approx(0.03, abs=0.005)


def test_same_seed_same_design_sample() -> None:
    qn = load_valid(FIXTURES / "perception_sim.yaml")
    design, effects = design_from_dict(DESIGN), effects_from_dict(EFFECTS)
    a = simulate(qn, 500, 9, design, effects, wave="endline")
    b = simulate(qn, 500, 9, design, effects, wave="endline")
    pd.testing.assert_frame_equal(a.main, b.main)
    assert a.truth == b.truth
