"""A question's own ``shares`` are the simulator's default distribution (a scenario's ``answers:`` override them),
so a plain ``surveymod simulate`` of the shipped perception forms gives a realistic response rate.

External facts: the binomial standard error sqrt(p(1-p)/n) bounds the sampling error of a simulated share; the
AAPOR Standard Definitions (2023) define the response rates from the final dispositions: RR1 = I / (I + P + R + NC
+ O) and RR2 = (I + P) / (I + P + R + NC + O), ineligible units (4.0) excluded. Hand-worked expectation for the
shipped shares: contact 0.88 of sampled units, ineligible 0.04, consent 0.80 of contacts, complete 0.97 of consents:
interviews (I + P) = 0.88 x 0.80 = 0.704 of sampled units; RR2 = 0.704 / 0.96 = 0.7333; RR1 = 0.704 x 0.97 / 0.96
= 0.7113.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from surveymod.cli.main import _register, cli
from surveymod.errors import SurveyError
from surveymod.questionnaire import lint, loads
from surveymod.simulate import effects_from_dict, simulate

from .helpers import ROOT

FORM = """
id: shares
title: T
version: '1'
choices:
  abc:
    - {code: 1, label: A}
    - {code: 2, label: B}
    - {code: 3, label: C}
    - {code: 8, label: Don't know, missing: dont_know}
sections:
  - name: s
    items:
      - {name: q1, type: select_one, choices: abc, label: Q1, shares: %s}
      - {name: n, type: integer, label: N, min: 1, max: 20, shares: %s}
"""


def form(q1: str = "{1: 0.7, 2: 0.2, 3: 0.1}", n: str = "{1: 0.5, 2: 0.3, 3: 0.2}"):
    return loads(FORM % (q1, n), "shares.yaml")


def within(observed: float, p: float, n: int, k: float = 4.0) -> bool:
    return abs(observed - p) <= k * np.sqrt(p * (1 - p) / n)


def test_shares_are_the_default_distribution() -> None:
    n = 20000
    m = simulate(form(), n, 1, effects=effects_from_dict({"nonsubstantive": 0})).main
    for code, p in {1: 0.7, 2: 0.2, 3: 0.1}.items():
        assert within(float((m["q1"] == code).mean()), p, n)
    assert set(m["n"]) == {1, 2, 3}
    for value, p in {1: 0.5, 2: 0.3, 3: 0.2}.items():
        assert within(float((m["n"] == value).mean()), p, n)


def test_the_scenario_overrides_the_shares() -> None:
    m = simulate(form(), 5000, 2, effects=effects_from_dict({"nonsubstantive": 0, "answers": {"q1": {3: 1.0}}})).main
    assert set(m["q1"]) == {3}


@pytest.mark.parametrize("bad", ["{1: 0.7, 2: 0.2}", "{1: 1.2, 2: -0.2}", "{}"])
def test_shares_must_sum_to_one(bad: str) -> None:
    with pytest.raises(SurveyError) as info:
        form(q1=bad)
    assert "'shares' must be non-negative and sum to 1" in str(info.value)


def test_shares_must_name_substantive_codes_or_values_in_range() -> None:
    problems = [p for p in lint(form(q1="{1: 0.5, 4: 0.25, 8: 0.25}", n="{0: 0.5, 21: 0.5}")) if p.rule == "bad-code"]
    assert [(p.location.path or "").rsplit(".", 1)[-1] for p in problems] == ["shares", "shares"]
    assert "shares for 4, 8" in problems[0].message and "shares for 0, 21" in problems[1].message


def test_shares_only_on_select_one_scale_or_integer() -> None:
    with pytest.raises(SurveyError, match="'shares' is for select_one, scale and integer questions, not text"):
        loads("id: a\ntitle: T\nversion: '1'\nsections:\n  - name: s\n    items:\n"
              "      - {name: t, type: text, label: T, shares: {1: 1.0}}\n", "t.yaml")


@pytest.mark.parametrize("name", ["perception_baseline", "perception_policymakers_endline"])
def test_plain_simulate_of_a_shipped_form_has_a_realistic_response_rate(name: str, tmp_path: Path) -> None:
    n = 1500
    _register()
    out = tmp_path / "sim.csv"
    res = CliRunner().invoke(cli, ["simulate", str(ROOT / "questionnaires" / f"{name}.yaml"), "-n", str(n),
                                   "--seed", "1", "-o", str(out)])
    assert res.exit_code == 0, res.output
    disp = pd.read_csv(out)["disposition"].to_numpy()
    interviews = float(np.isin(disp, [1, 2]).mean())
    assert 0.60 <= interviews <= 0.75 and within(interviews, 0.704, n)
    eligible = disp != 6
    rr1 = float((disp == 1).sum() / eligible.sum())
    rr2 = float(np.isin(disp, [1, 2]).sum() / eligible.sum())
    assert within(rr1, 0.7113, int(eligible.sum())) and within(rr2, 0.7333, int(eligible.sum()))
