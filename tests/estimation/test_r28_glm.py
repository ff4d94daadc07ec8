"""Issue 28: svyglm (linear and logistic, Taylor and replicate, calibrated) against R survey 4.1.1 (numbers from
tests/data/estimation/make_r28_glm_reference.R on R's data(api) and data(nhanes))."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest
from est_helpers import DATA, rel

from surveymod.errors import SurveyError
from surveymod.estimation import Design
from surveymod.estimation.glm import parse_formula, svyglm

CLUS = Design(weight="pw", psu="dnum", fpc="fpc")
STRAT = Design(weight="pw", strata="stype", fpc="fpc")
CLUS2 = Design(psu="dnum", ssu="snum", fpc="fpc1", fpc2="fpc2")
JK1 = Design(weight="pw", repweights=r"repw\d+", reptype="jk1", scale=14 / 15, mse=False)
NH = Design(weight="WTMEC2YR", strata="SDMVSTRA", psu="SDMVPSU")


@pytest.fixture(scope="module")
def ref() -> dict[str, float]:
    with open(DATA / "estimation" / "r28_glm.csv", newline="") as fh:
        return {row["name"]: float(row["value"]) for row in csv.DictReader(fh)}


def _frames() -> dict[str, pd.DataFrame]:
    api = DATA / "api"
    clus1 = pd.read_csv(api / "apiclus1.csv")
    strat = pd.read_csv(api / "apistrat.csv")
    jk = pd.read_csv(DATA / "estimation" / "apiclus1_jk1_r28.csv")
    return {"clus1": clus1.assign(yes=(clus1["sch.wide"] == "Yes").astype(float)),
            "strat": strat.assign(yes=(strat["awards"] == "Yes").astype(float)),
            "clus2": pd.read_csv(api / "apiclus2.csv"),
            "jk1": jk.assign(yes=(jk["awards"] == "Yes").astype(float)),
            "nh": pd.read_csv(DATA / "estimation" / "nhanes.csv")}


FRAMES = _frames()


def _check(res: pd.DataFrame, ref: dict[str, float], tag: str) -> None:
    assert res.df[0] == ref[f"{tag}|df"]
    for row in res.itertuples():
        assert rel(row.estimate, ref[f"{tag}|{row.term}|est"]), row.term
        assert rel(row.se, ref[f"{tag}|{row.term}|se"]), row.term
        assert rel(row.p, ref[f"{tag}|{row.term}|p"], 1e-5), row.term
    assert len(res) == sum(1 for k in ref if k.startswith(f"{tag}|") and k.endswith("|est"))


@pytest.mark.parametrize(("tag", "data", "design", "formula", "family"), [
    ("strat_lin", "strat", STRAT, "api00 ~ ell + meals + mobility", "gaussian"),
    ("clus1_lin", "clus1", CLUS, "api00 ~ ell + meals + stype", "gaussian"),  # a categorical predictor
    ("clus2_lin", "clus2", CLUS2, "api00 ~ ell + meals", "gaussian"),  # two stages
    ("strat_logit", "strat", STRAT, "yes ~ api99 + stype", "binomial"),
    ("clus1_logit", "clus1", CLUS, "yes ~ ell + meals", "binomial"),
    ("jk1_lin", "jk1", JK1, "api00 ~ enroll + stype", "gaussian"),
    ("jk1_logit", "jk1", JK1, "yes ~ api00", "binomial"),
    ("nh_logit", "nh", NH, "HI_CHOL ~ agecat + RIAGENDR", "binomial"),  # missing values in the response
])
def test_svyglm_is_r(ref: dict[str, float], tag: str, data: str, design: Design, formula: str, family: str) -> None:
    y, xs = parse_formula(formula)
    _check(svyglm(FRAMES[data], design, y, xs, family=family), ref, tag)  # type: ignore[arg-type]


def test_svyglm_on_a_raked_design(ref: dict[str, float], tmp_path) -> None:
    from surveymod.weighting import run_weighting

    spec = tmp_path / "w.yaml"
    spec.write_text("design:\n  weight: pw\n  psu: dnum\n  fpc: fpc\nsteps:\n  - step: rake\n    tolerance: 1.0e-12\n"
                    "    max_iter: 200\n    margins:\n      - variables: stype\n        targets: {E: 4421, H: 755, "
                    "M: 1018}\n      - variables: sch.wide\n        targets: {'No': 1072, 'Yes': 5122}\noutput: w\n")
    res = run_weighting(FRAMES["clus1"], spec)
    _check(svyglm(res.data.main, res.design, "api00", ["ell", "meals"], calibration=res.calibration), ref, "rake_lin")


def test_bad_models_are_errors() -> None:
    with pytest.raises(SurveyError, match="not 'y ~ x1"):
        parse_formula("api00 ~ ell * meals")
    with pytest.raises(SurveyError, match="must be 0 or 1"):
        svyglm(FRAMES["clus1"], CLUS, "api00", ["ell"], family="binomial")
    with pytest.raises(SurveyError, match="not in the data"):
        svyglm(FRAMES["clus1"], CLUS, "api00", ["nope"])
    assert np.isfinite(svyglm(FRAMES["clus1"], CLUS, "api00", ["ell"]).se).all()


def test_cli_model(ref: dict[str, float], tmp_path) -> None:
    from click.testing import CliRunner

    from surveymod.cli.main import cli

    out = tmp_path / "m.csv"
    res = CliRunner().invoke(cli, ["model", str(DATA / "api" / "apistrat.csv"), "--weight", "pw", "--strata", "stype",
                                   "--fpc", "fpc", "--formula", "api00 ~ ell + meals + mobility", "-o", str(out)])
    assert res.exit_code == 0, res.output
    got = pd.read_csv(out).set_index("term")
    assert rel(got.loc["meals", "se"], ref["strat_lin|meals|se"])
    res = CliRunner().invoke(cli, ["model", str(DATA / "api" / "apistrat.csv"), "--weight", "pw", "--formula",
                                   "api00 ~ ell:meals", "-o", str(out)])
    assert res.exit_code == 1 and "y ~ x1" in res.output
