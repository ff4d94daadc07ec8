"""Margins may map questionnaire codes to the census table's levels (``labels:``); hand-worked weights."""

from __future__ import annotations

import pandas as pd
import pytest

from surveymod.errors import SurveyError
from surveymod.weighting import parse_spec, run_weighting

SPEC = """
design: {weight: w}
steps:
  - step: rake
    margins:
      - variables: sex
        targets: {male: 60, female: 40}
        kind: count
        labels: {sex: {1: male, 2: female}}
"""


def test_codes_mapped_to_target_levels() -> None:
    df = pd.DataFrame({"sex": [1, 1, 2, 2, 2], "w": [1.0] * 5})
    res = run_weighting(df, parse_spec(SPEC))
    out = res.data.main
    # 2 men share 60 -> 30 each; 3 women share 40 -> 13.333 each
    assert out["final_weight"].tolist() == pytest.approx([30, 30, 40 / 3, 40 / 3, 40 / 3])
    assert out["sex"].tolist() == [1, 1, 2, 2, 2]  # the data keep their codes


def test_unmapped_code_is_reported() -> None:
    df = pd.DataFrame({"sex": [1, 1, 2, 3], "w": [1.0] * 4})
    with pytest.raises(SurveyError, match="sex=3"):
        run_weighting(df, parse_spec(SPEC))


def test_yaml_1_1_boolean_words_stay_levels() -> None:
    # 'yes'/'no' are text levels (YAML 1.2), as in the questionnaire loader; PyYAML's default would make booleans
    spec = SPEC.replace("{male: 60, female: 40}", "{yes: 60, no: 40}").replace(
        "labels: {sex: {1: male, 2: female}}", "labels: {sex: {1: 'yes', 2: 'no'}}")
    df = pd.DataFrame({"sex": [1, 1, 2, 2, 2], "w": [1.0] * 5})
    res = run_weighting(df, parse_spec(spec))
    out = res.data.main
    assert out["final_weight"].tolist() == pytest.approx([30, 30, 40 / 3, 40 / 3, 40 / 3])
