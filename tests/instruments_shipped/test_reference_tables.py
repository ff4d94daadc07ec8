"""The shipped YAML against tables typed from the sources: EU-LFS Reg. 2019/2240, ESS and Gallup.

Filters are compared by meaning, not by text: the regulation's filter (with COUNTRY = MK and alpha-2 country
values) and the YAML universe (own condition and enclosing groups', names resolved to codes) must select exactly
the same synthetic persons over a grid of ages, countries, employment statuses and durations of stay.
"""

from __future__ import annotations

import csv
import itertools

import numpy as np
import pytest
from shipped_paths import IDIR, PERCEPTION, REFDIR

from surveymod.indicators.spec import ScoreIndicator, load_indicator_spec
from surveymod.questionnaire import expr as E
from surveymod.questionnaire.conditions import universe
from surveymod.questionnaire.model import Questionnaire


def _rows(name: str) -> list[dict[str, str]]:
    return list(csv.DictReader((REFDIR / name).open(encoding="utf-8")))


LFS = _rows("eulfs_2019_2240.csv")
ESS = _rows("ess_gallup_items.csv")
MAI = _rows("gallup_mai.csv")


def _codes(text: str) -> set[int]:
    out: set[int] = set()
    for part in filter(None, text.split(";")):
        if "-" in part:
            lo, hi = part.split("-")
            out |= set(range(int(lo), int(hi) + 1))
        else:
            out.add(int(part))
    return out


# ------------------------------------------------------------------------------------------------ EU-LFS codes


def test_reference_table_covers_the_issue_list() -> None:
    core = ["CITIZENSHIP", "COUNTRYB", "COBFATH", "COBMOTH", "YEARESID", "COUNTRPR", "MIGREAS"]
    module = ["HATCNTR", "ESTQUAL", "HATPAR", "JOBSATISF", "SKILLEQ", "DISCRIMI", "JOBOBSTA", "DURFIJOB",
              "PRKNLANG", "LANGHOST", "LANGCOUR"]
    assert [r["variable"] for r in LFS] == core + module


@pytest.mark.parametrize("row", LFS, ids=lambda r: r["variable"])
def test_lfs_variable_codes_match_the_regulation(lfs: Questionnaire, row: dict[str, str]) -> None:
    q = lfs.question(row["variable"])
    assert q.name == row["variable"]  # exact regulation spelling
    assert q.source is not None and q.source.standard and q.source.variable == row["variable"]
    assert "2019/2240" in (q.source.ref or "")
    choices = lfs.choice_list(q)
    # "not applicable" follows from the filter and is never an answer (the EU-LFS export writes the regulation's
    # 9/99/999, tests/data_io/test_eulfs_export.py); no don't-know/refusal codes either (blank = not stated)
    # ... except YEARESID 999 (born here, never abroad): a regulation code, but no duration, so missing for analysis
    # (issue 26: estimate --mean YEARESID gave 486 years)
    assert {c.code: c.missing for c in choices if c.missing} == \
        ({999: "not_applicable"} if row["variable"] == "YEARESID" else {})
    assert not any(c.name == row["not_applicable"] for c in choices if row["not_applicable"] and c.code > 894)
    if row["kind"] == "coded":
        assert q.type == "select_one"
        assert {c.code for c in choices if not c.missing} == _codes(row["codes"])
    elif row["kind"] == "country":
        assert q.type == "select_one"
        names = {c.name: c for c in choices}
        # the ISO list with Eurostat names (EL, UK, MK = 807) ...
        assert names["MK"].code == 807 and "EL" in names and "UK" in names and "GR" not in names
        assert len([c for c in choices if c.code <= 894]) >= 240
        # ... plus exactly the regulation's special codes, kept by name
        specials = {c.name for c in choices if c.code > 894 and not c.missing}
        assert specials == set(filter(None, row["specials"].split(";")))
    else:  # YEARESID: derived completed years, 999 = born here and never lived abroad
        assert q.type == "calculate"
        assert {(c.code, c.name) for c in choices} == {(999, "999")}


# ---------------------------------------------------------------------------------------------- EU-LFS filters

GRID_COUNTRIES = ["MK", "AL", "DE", "FOR"]
GRID = list(itertools.product(
    [10, 14, 15, 16, 40, 74, 75, 80],          # AGE
    GRID_COUNTRIES,                             # COUNTRYB
    [1.0, 2.0, np.nan],                         # EMPSTAT
    ["MK", "DE", "FOR", "998"],                 # HATCNTR
    [999.0, 0.0, 3.0, 10.0, 11.0, 40.0],        # YEARESID
))


def _code_of(lfs: Questionnaire, var: str, name: str) -> float:
    return float(next(c.code for c in lfs.choice_list(lfs.question(var)) if c.name == name))


@pytest.mark.parametrize("row", LFS, ids=lambda r: r["variable"])
def test_lfs_filters_select_the_regulations_universe(lfs: Questionnaire, row: dict[str, str]) -> None:
    n = len(GRID)
    cols = list(zip(*GRID, strict=True))
    ref_env = {"AGE": np.array(cols[0], float), "COUNTRYB": np.array(cols[1], object),
               "EMPSTAT": np.array(cols[2], float), "HATCNTR": np.array(cols[3], object),
               "YEARESID": np.array(cols[4], float), "COUNTRY": np.array(["MK"] * n, object)}
    yaml_env = dict(ref_env)
    yaml_env["COUNTRYB"] = np.array([_code_of(lfs, "COUNTRYB", c) for c in cols[1]])
    yaml_env["HATCNTR"] = np.array([_code_of(lfs, "HATCNTR", c) for c in cols[3]])
    # the instrument asks the year (and month) of arrival, not YEARESID (issue 26): arrival YEARESID years before an
    # interview in June 2026, month not stated, gives exactly YEARESID completed years; 999 = never arrived
    yres = np.array(cols[4], float)
    yaml_env |= {"INTYEAR": np.full(n, 2026.0), "INTMONTH": np.full(n, 6.0), "MONTHARRIV": np.full(n, np.nan),
                 "YEARARRIV": np.where(yres == 999, np.nan, 2026.0 - yres)}
    expected = (E.truth(E.evaluate(E.parse(row["filter"]), ref_env, n)) if row["filter"]
                else np.ones(n, dtype=bool))
    node = universe(lfs, row["variable"])
    got = np.ones(n, dtype=bool) if node is None else E.truth(E.evaluate(node, yaml_env, n))
    diff = [GRID[i] for i in np.flatnonzero(expected != got)[:5]]
    assert diff == [], f"{row['variable']}: YAML universe differs from the regulation filter for {diff}"
    assert expected.any()


# ------------------------------------------------------------------------------------------------ ESS & Gallup


@pytest.mark.parametrize("form", PERCEPTION)
@pytest.mark.parametrize("row", ESS, ids=lambda r: r["variable"])
def test_ess_items_scales_and_missing_codes(forms: dict[str, Questionnaire], form: str,
                                            row: dict[str, str]) -> None:
    qn = forms[form]
    q = qn.question(row["variable"])
    assert q.name == row["variable"]
    assert q.source is not None and q.source.standard and q.source.variable == row["variable"]
    choices = qn.choice_list(q)
    valid = {c.code for c in choices if not c.missing}
    missing = {c.code: c.missing for c in choices if c.missing}
    assert valid == _codes(row["codes"])
    assert missing == {int(k): v for k, v in (p.split("=") for p in row["missing"].split(";"))}
    labels = {c.code: qn.text(c.label).lower() for c in choices}
    if q.type == "scale":
        labels.update({k: qn.text(v).lower() for k, v in (q.anchors or {}).items()})
    for part in row["code_meaning"].split(";"):
        code, word = part.split("=")
        assert word in labels[int(code)], (code, labels[int(code)])


@pytest.mark.parametrize("form", PERCEPTION)
def test_gallup_items_have_the_four_responses(forms: dict[str, Questionnaire], form: str) -> None:
    qn = forms[form]
    for var in sorted({r["variable"] for r in MAI}):
        names = {c.name for c in qn.choice_list(qn.question(var)) if c.name}
        assert {r["response"] for r in MAI if r["variable"] == var} <= names


def test_migrant_acceptance_index_uses_gallup_coding(forms: dict[str, Questionnaire]) -> None:
    spec = load_indicator_spec(IDIR / "perception.yaml")
    qn = forms["perception_baseline"]
    mai = [i for i in spec.indicators if isinstance(i, ScoreIndicator)]
    assert {i.id for i in mai} == {"pub_mai", "pm_mai"}
    for ind in mai:
        assert tuple(ind.range) == (0, 9)
        for item in ind.items:
            code_of = {c.name: c.code for c in qn.choice_list(qn.question(item.var)) if c.name}
            expected = {code_of[r["response"]]: float(r["index_points"]) for r in MAI if r["variable"] == item.var}
            assert item.points == expected  # refusal is not scored: the person is left out
