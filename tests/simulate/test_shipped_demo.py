"""The shipped perception baseline/endline with the example design and effects: the demo recovers +8 points
overall (devimpact 'very/quite good'), unweighted and design-weighted, over a fixed set of seed pairs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from surveymod.questionnaire import load_valid
from surveymod.simulate import load_effects, load_sample_design, simulate

from .helpers import ROOT

BASE = ROOT / "questionnaires" / "perception_baseline.yaml"
END = ROOT / "questionnaires" / "perception_endline.yaml"
EX = ROOT / "examples" / "designs"


@pytest.mark.skipif(not (BASE.exists() and END.exists()), reason="shipped perception questionnaires not present")
@pytest.mark.parametrize("weight", [None, "dweight"], ids=["unweighted", "design-weighted"])
def test_demo_recovers_the_change(weight: str | None) -> None:
    design, effects = load_sample_design(EX / "perception_design.yaml"), load_effects(EX / "perception_effects.yaml")
    qb, qe = load_valid(BASE), load_valid(END)
    diffs, variances = [], []
    for seed in (11, 22, 33):
        b = simulate(qb, 3000, seed, design, effects).main
        e = simulate(qe, 3000, seed + 1000, design, effects).main
        est = []
        for df in (b, e):
            sub = df[df["devimpact"].isin([1, 2, 3, 4, 5])]
            w = sub[weight].to_numpy() if weight else np.ones(len(sub))
            y = sub["devimpact"].isin([1, 2]).to_numpy(float)
            p = (w * y).sum() / w.sum()
            kish = len(w) * (w ** 2).sum() / w.sum() ** 2
            est.append((p, p * (1 - p) / len(w) * kish * 1.45))  # deff of 10 per PSU with icc 0.05
        diffs.append((est[1][0] - est[0][0]) * 100)
        variances.append((est[0][1] + est[1][1]) * 1e4)
    se = math.sqrt(sum(variances)) / len(diffs)
    assert abs(np.mean(diffs) - 8) < 3 * se, (diffs, se)
