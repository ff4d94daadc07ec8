"""Per-respondent values of the shipped indicator definitions, on hand-worked respondents."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from surveymod.indicators.definitions import respondent_values
from surveymod.indicators.spec import load_indicator_spec

SPEC = Path(__file__).parents[2] / "questionnaires" / "indicators" / "perception.yaml"


@pytest.fixture(scope="module")
def spec():
    return load_indicator_spec(SPEC)


def test_migrant_acceptance_index_gallup_coding(spec) -> None:
    # good = 3, depends (3) or don't know (8) = 1, bad = 0; a refusal (7) leaves the person out
    df = pd.DataFrame({"mai_1": [1, 1, 2, 1], "mai_2": [3, 1, 2, 8], "mai_3": [2, 1, 2, 7]})
    v = respondent_values(spec, "pub_mai", df)
    assert v[:3].tolist() == [4.0, 9.0, 0.0]
    assert math.isnan(v[3])


def test_development_index_rescales_and_reverses(spec) -> None:
    # dev_* 1..5 reversed (1 = agree strongly -> 100), 0-10 items -> x10, devimpact 1..5 reversed
    row = {"dev_econ": 1, "dev_labour": 2, "dev_entrep": 3, "dev_diaspora": 5, "dev_culture": 8,  # 8 = DK: out
           "imbgeco": 10, "imueclt": 5, "imwbcnt": 88, "devimpact": 1}                         # 88 = DK: out
    v = respondent_values(spec, "pub_pos_index", pd.DataFrame([row]))
    # valid: 100, 75, 50, 0, 100, 50, 100 -> mean 475/7 = 67.857142...
    assert v[0] == pytest.approx(475 / 7)
    share = respondent_values(spec, "pub_pos_share", pd.DataFrame([row]))
    assert share[0] == 1.0


def test_too_few_items_gives_missing(spec) -> None:
    row = {"dev_econ": 1, "dev_labour": 8, "dev_entrep": 8, "dev_diaspora": 8, "dev_culture": 8,
           "imbgeco": 10, "imueclt": 88, "imwbcnt": 88, "devimpact": 8}
    assert math.isnan(respondent_values(spec, "pub_pos_index", pd.DataFrame([row]))[0])
