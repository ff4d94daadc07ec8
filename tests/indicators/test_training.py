"""Training indicators on a hand-worked example (numbers computed by hand in the comments)."""

from __future__ import annotations

import pandas as pd
import pytest

from surveymod.errors import SurveyError
from surveymod.indicators.training import TrainingRule, training_indicators


def _frame() -> pd.DataFrame:
    rows = [  # id, test (1 pre, 2 post), score, sex, agegrp
        ("A", 1, 40, 2, 1), ("A", 2, 60, 2, 1),   # +20 -> improved
        ("B", 1, 50, 1, 2), ("B", 2, 55, 1, 2),   # +5  -> not (threshold 10)
        ("C", 1, 30, 2, 2), ("C", 2, 45, 2, 2),   # +15 -> improved
        ("D", 1, 70, 1, 1), ("D", 2, 65, 1, 1),   # -5  -> not
        ("E", 1, 50, 1, 1),                      # pre only -> unmatched
        ("F", 2, 80, 2, 1),                      # post only -> unmatched
    ]
    return pd.DataFrame(rows, columns=["trainee_id", "test", "score_total", "sex", "agegrp"])


def test_counts_and_paired_t() -> None:
    r = training_indicators(_frame(), TrainingRule(min_gain_points=10))
    assert (r.tested, r.matched, r.improved) == (6, 4, 2)
    assert r.unmatched_ids == ["E", "F"]
    # differences 20, 5, 15, -5: mean 8.75, sd 11.0868 -> t = 8.75 / (11.0868 / 2) = 1.5785
    assert r.t_stat == pytest.approx(1.5785, abs=1e-4)
    assert r.mean_pre == pytest.approx(47.5) and r.mean_post == pytest.approx(56.25)
    # issue 25: breakdowns use the totals' definitions: trained = attended (A-F), improved = matched and +10
    assert r.by[("sex", "2")] == (3, 2)  # A, C, F trained; A, C improved
    assert r.by[("sex", "1")] == (3, 0)  # B, D, E
    assert r.by[("agegrp", "1")] == (4, 1)  # A, D, E, F; A improved
    for var in ("sex", "agegrp"):
        parts = [v for k, v in r.by.items() if k[0] == var]
        assert (sum(t for t, _ in parts), sum(i for _, i in parts)) == (r.tested, r.improved)


def test_pass_mark_narrows_improved() -> None:
    r = training_indicators(_frame(), TrainingRule(min_gain_points=10, pass_mark=50))
    assert r.improved == 1  # C improved by 15 but scored 45 < 50


def test_bad_test_code_names_row() -> None:
    df = _frame()
    df.loc[3, "test"] = 3
    with pytest.raises(SurveyError, match="row 4: column 'test'"):
        training_indicators(df, TrainingRule())


def test_duplicate_pretest_is_an_error() -> None:
    df = pd.concat([_frame(), _frame().iloc[[0]]], ignore_index=True)
    with pytest.raises(SurveyError, match="trainee 'A' has more than one pre-test"):
        training_indicators(df, TrainingRule())
