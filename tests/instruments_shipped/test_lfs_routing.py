"""Synthetic respondents walked through the LFS migration module: which questions each one is asked.

The walk follows the questionnaire in document order; a question is asked when its own condition and those of
its enclosing groups hold (``conditions.universe``, evaluated with ``expr.evaluate_row``); calculated variables are
computed as the walk reaches them. Expected sets are written out by hand from the regulation's filters.
"""

from __future__ import annotations

from typing import Any

import pytest

from surveymod.questionnaire.conditions import compile_condition, universe
from surveymod.questionnaire.expr import evaluate_row
from surveymod.questionnaire.model import Question, Questionnaire

HOUSEHOLD = {"HHID": "0001", "INTYEAR": 2026, "INTMONTH": 6, "REFWEEK": 23, "REGION": 8, "URBRUR": 1, "HHSIZE": 1,
             "EMIGANY": 2, "REMREC": 2}
ROSTER = {"LINENO", "SEX", "AGE", "HHLINK", "HHFATH", "HHMOTH"}
MODULE = {"HATCNTR", "ESTQUAL", "HATPAR", "JOBSATISF", "SKILLEQ", "DISCRIMI", "JOBOBSTA", "DURFIJOB",
          "PRKNLANG", "LANGHOST", "LANGCOUR"}


def walk(qn: Questionnaire, answers: dict[str, Any], only: str | None = None) -> tuple[set[str], dict[str, Any]]:
    """Asked questions (within group/roster *only* if given) and the final values, for one respondent."""
    env: dict[str, Any] = {}
    asked: set[str] = set()
    for it, parents in qn.walk():
        if not isinstance(it, Question) or it.type == "note":
            continue
        cond = universe(qn, it.name)
        on = cond is None or evaluate_row(cond, env) is True
        if not on:
            env[it.name] = None
            continue
        if only is None or any(p.name == only for p in parents):
            asked.add(it.name)
        if it.type == "calculate":
            env[it.name] = evaluate_row(compile_condition(qn, it.calculation or ""), env)
            continue
        if it.name not in answers:
            raise AssertionError(f"{it.name} is asked but the synthetic respondent has no answer for it")
        value = answers[it.name]
        if isinstance(value, str) and it.type == "select_one":  # a country given by its Eurostat code
            value = next(c.code for c in qn.choice_list(it) if c.name == value)
        env[it.name] = value
    return asked, env


def person(**kw: Any) -> dict[str, Any]:
    base = {"LINENO": 1, "SEX": 1, "HHLINK": 1, "HHFATH": 0, "HHMOTH": 0, "EMPSTAT": 2, "CITIZENSHIP": "MK",
            "COUNTRYB": "MK", "COBFATH": "MK", "COBMOTH": "MK", "ALWAYSLIVED": 1, "HATCNTR": "MK", "HATPAR": 2,
            "RETWORK": 3, "LOOKWORK": 2}
    return HOUSEHOLD | base | kw


NATIVE_30 = person(AGE=30, EMPSTAT=1, JOBSATISF=2, DISCRIMI=1)
FOREIGN_40 = person(AGE=40, EMPSTAT=1, CITIZENSHIP="AL", COUNTRYB="AL", COBFATH="AL", COBMOTH="AL",
                    YEARARRIV=2023, MONTHARRIV=3, COUNTRPR="AL", MIGREAS=1, HATCNTR="AL", ESTQUAL=1,
                    JOBSATISF=2, SKILLEQ=3, DISCRIMI=1, JOBOBSTA=1, DURFIJOB=2, PRKNLANG=4, LANGHOST=3,
                    LANGCOUR=1)
STUDENT_16 = person(AGE=16, EMPSTAT=2, LOOKWORK=2)
OLD_78 = person(AGE=78, EMPSTAT=2)


def test_native_born_employed_30_year_old(lfs: Questionnaire) -> None:
    asked, env = walk(lfs, NATIVE_30, only="persons")
    assert asked == ROSTER | {"EMPSTAT", "CITIZENSHIP", "COUNTRYB", "COBFATH", "COBMOTH", "MIGSTAT",
                              "ALWAYSLIVED", "YEARESID", "HATCNTR", "HATPAR", "JOBSATISF", "DISCRIMI", "RETWORK",
                              "ILOSTAT"}
    assert env["ILOSTAT"] == 1  # employed
    assert env["MIGSTAT"] == 1  # native background
    assert env["YEARESID"] == 999  # born here, never lived abroad


def test_foreign_born_employed_40_year_old_arrived_3_years_ago(lfs: Questionnaire) -> None:
    asked, env = walk(lfs, FOREIGN_40, only="persons")
    assert asked == ROSTER | MODULE | {"EMPSTAT", "CITIZENSHIP", "COUNTRYB", "COBFATH", "COBMOTH", "MIGSTAT",
                                       "YEARARRIV", "MONTHARRIV", "YEARESID", "COUNTRPR", "MIGREAS", "RETWORK",
                                       "ILOSTAT"}
    assert "ALWAYSLIVED" not in asked
    assert env["YEARESID"] == 3  # arrived March 2023, interviewed June 2026
    assert env["MIGSTAT"] == 3  # first generation
    assert env["COUNTRYB"] == 8  # Albania, ISO 3166-1 numeric


def test_16_year_old_student(lfs: Questionnaire) -> None:
    asked, env = walk(lfs, STUDENT_16, only="persons")
    assert asked == ROSTER | {"EMPSTAT", "CITIZENSHIP", "COUNTRYB", "COBFATH", "COBMOTH", "MIGSTAT",
                              "ALWAYSLIVED", "YEARESID", "HATCNTR", "HATPAR", "RETWORK", "LOOKWORK", "ILOSTAT"}
    assert not asked & {"JOBSATISF", "DISCRIMI", "SKILLEQ", "MIGREAS", "COUNTRPR", "AVAILWORK"}
    assert env["ILOSTAT"] == 3  # not employed, not looking: outside the labour force


def test_unemployed_30_year_old_is_ilo_unemployed(lfs: Questionnaire) -> None:
    asked, env = walk(lfs, person(AGE=30, EMPSTAT=2, LOOKWORK=1, AVAILWORK=1), only="persons")
    assert {"LOOKWORK", "AVAILWORK", "ILOSTAT"} <= asked
    assert env["ILOSTAT"] == 2  # looked for work and available: unemployed (ILO)


def test_78_year_old_is_outside_the_module_and_the_parents_questions(lfs: Questionnaire) -> None:
    asked, env = walk(lfs, OLD_78, only="persons")
    assert asked == ROSTER | {"EMPSTAT", "CITIZENSHIP", "COUNTRYB", "MIGSTAT", "ALWAYSLIVED", "YEARESID",
                              "RETWORK", "ILOSTAT"}
    assert env["ILOSTAT"] == 3  # above 74: job search not asked, outside the labour force
    assert env["MIGSTAT"] == 9  # parents' countries of birth not collected above 74: status undetermined


def test_child_gets_only_the_core_variables(lfs: Questionnaire) -> None:
    asked, env = walk(lfs, person(AGE=10), only="persons")
    assert asked == ROSTER | {"CITIZENSHIP", "COUNTRYB", "COBFATH", "COBMOTH", "MIGSTAT", "ALWAYSLIVED",
                              "YEARESID"}


@pytest.mark.parametrize(("father", "mother", "status"), [("AL", "MK", 2), ("MK", "FOR", 2), ("MK", "MK", 1)])
def test_second_generation_from_either_parent(lfs: Questionnaire, father: str, mother: str, status: int) -> None:
    _, env = walk(lfs, person(AGE=30, COBFATH=father, COBMOTH=mother))
    assert env["MIGSTAT"] == status


def test_native_returnee_who_worked_abroad(lfs: Questionnaire) -> None:
    answers = person(AGE=35, ALWAYSLIVED=2, YEARARRIV=2023, MONTHARRIV=9, COUNTRPR="DE", RETWORK=1,
                     RETCNTRY="DE", RETYEAR=2023, RETREAS=3)
    asked, env = walk(lfs, answers, only="persons")
    assert {"YEARARRIV", "MONTHARRIV", "COUNTRPR", "RETCNTRY", "RETYEAR", "RETREAS"} <= asked
    assert "MIGREAS" not in asked and not asked & (MODULE - {"HATCNTR", "HATPAR"})
    assert env["YEARESID"] == 2  # September 2023 to June 2026: two completed years
    assert env["MIGSTAT"] == 1


def test_yearesid_zero_for_arrival_this_year(lfs: Questionnaire) -> None:
    answers = FOREIGN_40 | {"YEARARRIV": 2026, "MONTHARRIV": 2}
    _, env = walk(lfs, answers)
    assert env["YEARESID"] == 0


def test_household_emigration_and_remittance_routing(lfs: Questionnaire) -> None:
    emig = {"EMLINE", "EMSEX", "EMAGE", "EMYEAR", "EMCNTRY", "EMREAS", "EMEDUC", "EMSENDS"}
    rem = {"REMFREQ", "REMAMT", "REMCHAN"}
    asked, _ = walk(lfs, NATIVE_30)
    assert not asked & (emig | rem | {"EMIGNUM"})
    answers = NATIVE_30 | {"EMIGANY": 1, "EMIGNUM": 1, "EMLINE": 1, "EMSEX": 2, "EMAGE": 27, "EMYEAR": 2019,
                           "EMCNTRY": "DE", "EMREAS": 1, "EMEDUC": 3, "EMSENDS": 1, "REMREC": 1, "REMFREQ": 2,
                           "REMAMT": 3, "REMCHAN": "1 4"}
    asked, env = walk(lfs, answers)
    assert emig | rem | {"EMIGNUM"} <= asked
    assert env["EMCNTRY"] == 276  # Germany
