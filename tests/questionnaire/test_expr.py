"""The condition language: parsing, errors with columns, XPath semantics for missing values, rendering."""

from __future__ import annotations

import math

import numpy as np
import pytest

from surveymod.questionnaire import expr as E


@pytest.mark.parametrize(
    ("text", "row", "expected"),
    [
        ("15 <= age <= 74", {"age": 30}, True),
        ("15 <= age <= 74", {"age": 75}, False),
        ("15 <= age <= 74", {"age": 15}, True),
        ("age >= 15 and not (emp = 1)", {"age": 20, "emp": 2}, True),
        ("age >= 15 and not emp = 1", {"age": 20, "emp": 1}, False),
        ("q in [1, 3, 5]", {"q": 3}, True),
        ("q not in [1, 3, 5]", {"q": 3}, False),
        ("a + b * 2 = 7", {"a": 1, "b": 3}, True),
        ("(a + b) * 2 = 8", {"a": 1, "b": 3}, True),
        ("10 mod 3 = 1", {}, True),
        ("7 / 2 = 3.5", {}, True),
        ("selected(crops, 3)", {"crops": "1 3"}, True),
        ("selected(crops, 2)", {"crops": "1 3 12"}, False),
        ("count_selected(crops) = 3", {"crops": "1 3 12"}, True),
        ("if(age < 18, 1, 2) = 2", {"age": 40}, True),
        ("max(a, b) = 9", {"a": 9, "b": 2}, True),
        ("name = 'Ana'", {"name": "Ana"}, True),
        ("${age} > 3", {"age": 4}, True),
        ("-a < 0", {"a": 4}, True),
    ],
)
def test_evaluate_row(text: str, row: dict, expected: object) -> None:
    assert E.evaluate_row(E.parse(text), row) == expected


def test_missing_value_semantics_follow_xpath() -> None:
    # In XPath 1.0 a comparison with NaN is false, except != which is true.
    nan = float("nan")
    assert E.evaluate_row(E.parse("age >= 15"), {"age": nan}) is False
    assert E.evaluate_row(E.parse("age = 15"), {"age": nan}) is False
    assert E.evaluate_row(E.parse("age != 15"), {"age": nan}) is True
    assert E.evaluate_row(E.parse("answered(age)"), {"age": nan}) is False
    assert math.isnan(E.evaluate_row(E.parse("age + 1"), {"age": nan}))
    assert E.evaluate_row(E.parse("coalesce(age, 0) = 0"), {"age": nan}) is True


def test_vectorised_evaluation_matches_rows() -> None:
    ages = np.array([10.0, 15.0, 74.0, 75.0, np.nan])
    out = E.evaluate(E.parse("15 <= age <= 74"), {"age": ages}, 5)
    assert out.tolist() == [False, True, True, False, False]


@pytest.mark.parametrize(
    ("text", "col"),
    [("a > > 1", 5), ("a and", 6), ("(a + 1", 7), ("a # 1", 3), ("", 1), ("f(a,", 5), ("a in 1", 6)],
)
def test_syntax_errors_have_columns(text: str, col: int) -> None:
    with pytest.raises(E.ExprSyntaxError) as info:
        E.parse(text)
    assert info.value.pos + 1 == col


def test_no_eval_of_python() -> None:
    with pytest.raises(E.ExprSyntaxError):
        E.parse("__import__('os').system('true')")


def test_xpath_rendering() -> None:
    assert E.to_xpath(E.parse("15 <= age <= 74 and emp = 1")) == "(${age} >= 15 and ${age} <= 74) and ${emp} = 1" \
        or E.to_xpath(E.parse("15 <= age <= 74 and emp = 1")) == "(15 <= ${age} and ${age} <= 74) and ${emp} = 1"
    assert E.to_xpath(E.parse("q not in [1, 2]")) == "(${q} != 1 and ${q} != 2)"
    assert E.to_xpath(E.parse("selected(c, 3) or not (a = 1)")) == "selected(${c}, '3') or not(${a} = 1)"
    assert E.to_xpath(E.parse("a / 2 > 1")) == "${a} div 2 > 1"
    assert E.to_xpath(E.parse(". <= 120")) == ". <= 120"


def test_words_rendering() -> None:
    text = E.to_words(E.parse("15 <= age <= 74 and emp = 1"), name_of=lambda n: n.upper(),
                      value_of=lambda v, c: "'Employed'" if v == "emp" else str(c))
    assert text == "AGE is between 15 and 74 and EMP is 'Employed'"
