"""Issue 28: comparisons within one survey against R survey 4.1.1 (tests/data/estimation/
make_r28_compare_reference.R): domain contrasts (svycontrast of svyby with covmat), svyttest and svychisq."""

from __future__ import annotations

import csv

import pandas as pd
import pytest
from est_helpers import DATA, rel

from surveymod.errors import SurveyError
from surveymod.estimation import Design
from surveymod.estimation.compare import chisq, contrasts, ttest

CLUS = Design(weight="pw", psu="dnum", fpc="fpc")
STRAT = Design(weight="pw", strata="stype", fpc="fpc")
JK1 = Design(weight="pw", repweights=r"repw\d+", reptype="jk1", scale=14 / 15, mse=False)
NH = Design(weight="WTMEC2YR", strata="SDMVSTRA", psu="SDMVPSU")


@pytest.fixture(scope="module")
def ref() -> dict[str, float]:
    with open(DATA / "estimation" / "r28_compare.csv", newline="") as fh:
        return {row["name"]: float(row["value"]) for row in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def jk1() -> pd.DataFrame:
    return pd.read_csv(DATA / "estimation" / "apiclus1_jk1_r28.csv")


@pytest.fixture(scope="module")
def nhanes() -> pd.DataFrame:
    return pd.read_csv(DATA / "estimation" / "nhanes.csv")


def test_domain_contrasts(apiclus1: pd.DataFrame, apistrat: pd.DataFrame, jk1: pd.DataFrame,
                          ref: dict[str, float]) -> None:
    res = contrasts(apiclus1, CLUS, "api00", ["stype"]).set_index(["domain_a", "domain_b"])
    for a, b in (("E", "H"), ("E", "M"), ("H", "M")):
        row = res.loc[(f"stype={a}", f"stype={b}")]
        assert rel(row["diff"], ref[f"clus1_api00_{a}_{b}_diff"]) and rel(row.se, ref[f"clus1_api00_{a}_{b}_se"])
        assert row.df == ref["clus1_df"]
    one = contrasts(apistrat, STRAT, "sch.wide", ["stype"], category=["Yes"], pairs=[("stype=E", "stype=M")])
    assert len(one) == 1 and one.level[0] == "Yes"
    assert rel(one["diff"][0], ref["strat_schwide_E_M_diff"]) and rel(one.se[0], ref["strat_schwide_E_M_se"])
    res = contrasts(jk1, JK1, "api00", ["stype"], pairs=[("stype=E", "stype=H")])
    assert rel(res["diff"][0], ref["jk1_api00_E_H_diff"]) and rel(res.se[0], ref["jk1_api00_E_H_se"])
    with pytest.raises(SurveyError, match="not among the domains"):
        contrasts(apiclus1, CLUS, "api00", ["stype"], pairs=[("stype=E", "stype=X")])


@pytest.mark.parametrize(("tag", "data", "design", "var", "group"), [
    ("clus1", "apiclus1", CLUS, "api00", "comp.imp"),
    ("strat", "apistrat", STRAT, "enroll", "awards"),
    ("jk1", "jk1", JK1, "api00", "sch.wide"),
    ("nh", "nhanes", NH, "HI_CHOL", "RIAGENDR"),  # missing values: df of the rows with a value
])
def test_ttest(request, ref: dict[str, float], tag: str, data: str, design: Design, var: str, group: str) -> None:
    row = ttest(request.getfixturevalue(data), design, var, group).iloc[0]
    assert rel(row["diff"], ref[f"tt_{tag}_diff"]) and rel(row.t, ref[f"tt_{tag}_t"])
    assert row.df == ref[f"tt_{tag}_df"] and rel(row.p, ref[f"tt_{tag}_p"])
    if tag == "clus1":
        assert rel(row.ci_low, ref["tt_clus1_lo"]) and rel(row.ci_high, ref["tt_clus1_hi"])


def test_ttest_needs_two_groups(apiclus1: pd.DataFrame) -> None:
    with pytest.raises(SurveyError, match="two values"):
        ttest(apiclus1, CLUS, "api00", "stype")


@pytest.mark.parametrize(("tag", "data", "design", "row", "col"), [
    ("clus1", "apiclus1", CLUS, "sch.wide", "stype"),
    ("strat", "apistrat", STRAT, "awards", "stype"),
    ("jk1", "jk1", JK1, "sch.wide", "stype"),
    ("nh", "nhanes", NH, "race", "agecat"),
    ("nh_hi", "nhanes", NH, "HI_CHOL", "race"),  # missing values
])
def test_chisq_rao_scott(request, ref: dict[str, float], tag: str, data: str, design: Design, row: str,
                         col: str) -> None:
    frame = request.getfixturevalue(data)
    f = chisq(frame, design, row, col).iloc[0]
    assert f.statistic == "F"  # R's default: the second-order Rao-Scott F
    assert rel(f.value, ref[f"chi_{tag}_F"]) and rel(f.ndf, ref[f"chi_{tag}_ndf"])
    assert rel(f.ddf, ref[f"chi_{tag}_ddf"]) and rel(f.p, ref[f"chi_{tag}_p"])
    c = chisq(frame, design, row, col, statistic="Chisq").iloc[0]
    assert rel(c.value, ref[f"chi_{tag}_X2"]) and rel(c.p, ref[f"chi_{tag}_chisq_p"])


def test_cli_test_command(tmp_path, ref: dict[str, float]) -> None:
    from click.testing import CliRunner

    from surveymod.cli.main import cli

    api = str(DATA / "api" / "apiclus1.csv")
    design = ["--weight", "pw", "--psu", "dnum", "--fpc", "fpc"]
    out = tmp_path / "c.csv"
    res = CliRunner().invoke(cli, ["test", api, *design, "--contrast", "api00", "--by", "stype", "--pair",
                                   "stype=E:stype=H", "-o", str(out)])
    assert res.exit_code == 0, res.output
    row = pd.read_csv(out).iloc[0]
    assert rel(row["diff"], ref["clus1_api00_E_H_diff"]) and rel(row.se, ref["clus1_api00_E_H_se"])
    res = CliRunner().invoke(cli, ["test", api, *design, "--chisq", "sch.wide,stype", "-o", str(out)])
    assert res.exit_code == 0 and rel(pd.read_csv(out).value[0], ref["chi_clus1_F"])
    res = CliRunner().invoke(cli, ["test", api, *design, "--ttest", "api00", "--group", "comp.imp", "-o", str(out)])
    assert res.exit_code == 0 and rel(pd.read_csv(out).p[0], ref["tt_clus1_p"])
    res = CliRunner().invoke(cli, ["test", api, *design, "--ttest", "api00", "--group", "stype", "-o", str(out)])
    assert res.exit_code == 1 and "two values" in res.output
    res = CliRunner().invoke(cli, ["test", api, *design, "--ttest", "api00", "--chisq", "a,b", "-o", str(out)])
    assert res.exit_code == 2


def test_missing_variables_are_located_errors(apiclus1: pd.DataFrame) -> None:
    for call in (lambda: chisq(apiclus1, CLUS, "nope", "stype"), lambda: ttest(apiclus1, CLUS, "api00", "nope"),
                 lambda: contrasts(apiclus1, CLUS, "nope", ["stype"], category=["Yes"])):
        with pytest.raises(SurveyError, match="'nope' is not in the data"):
            call()
