"""Issue 25: a form whose respondents have several rows declares its record key, and `check` honours it.

The training pre/post test has a pre-test and a post-test row per trainee (same trainee_id): with
``key: [trainee_id, test]`` those 2 rows are distinct records; a trainee tested twice before the training is still
a duplicate, and a form without ``key`` keeps the respondent id as its key.
"""

from __future__ import annotations

import pandas as pd

from surveymod.data import check
from surveymod.demo import simulate_training
from surveymod.questionnaire import load
from surveymod.resources import shipped


def _form():
    return load(shipped("questionnaires", "training_prepost.yaml"))


def test_training_form_declares_trainee_and_occasion() -> None:
    assert _form().key == ["trainee_id", "test"]


def test_pre_and_post_rows_of_a_trainee_are_not_duplicates(tmp_path) -> None:
    qn = _form()
    frame, _ = simulate_training(qn, 12, 5)
    assert frame["trainee_id"].duplicated().sum() == (frame["test"] == 2).sum() > 8  # pre and post rows
    path = tmp_path / "tests.csv"
    frame.to_csv(path, index=False)
    problems = check(path, qn).problems
    assert not (problems["rule"] == "duplicate-id").any()


def test_a_second_pre_test_of_one_trainee_is_a_duplicate(tmp_path) -> None:
    qn = _form()
    frame, _ = simulate_training(qn, 12, 5)
    again = frame[(frame["trainee_id"] == frame["trainee_id"].iloc[3]) & (frame["test"] == 1)]
    path = tmp_path / "tests.csv"
    pd.concat([frame, again], ignore_index=True).to_csv(path, index=False)
    dup = check(path, qn).problems.query("rule == 'duplicate-id'")
    assert len(dup) == 2  # both occurrences of the same trainee + pre-test
    assert "trainee_id + test" in dup["message"].iloc[0]


def test_without_a_key_the_respondent_id_is_the_key(tmp_path) -> None:
    qn = _form().model_copy(update={"key": []})
    frame, _ = simulate_training(qn, 12, 5)
    path = tmp_path / "tests.csv"
    frame.to_csv(path, index=False)
    dup = check(path, qn).problems.query("rule == 'duplicate-id'")
    assert len(dup) == 2 * (frame["test"] == 2).sum()


def test_an_unknown_key_variable_is_reported_at_its_line(tmp_path) -> None:
    from surveymod.questionnaire.lint import lint

    text = shipped("questionnaires", "training_prepost.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "form.yaml"
    bad.write_text(text.replace("key: [trainee_id, test]", "key: [trainee_id, occasion]"), encoding="utf-8")
    found = [p for p in lint(load(bad)) if "occasion" in p.message]
    assert found and found[0].location.line == text.splitlines().index(
        next(ln for ln in text.splitlines() if ln.startswith("key:"))) + 1
