"""Quantiles on replicate-weight designs as R survey 4.1.1 ``svyquantile.svyrep.design`` (issue 12).

R's default for replicate designs is the Woodruff interval (``interval.type="mean"``): the replicate variance of
the share at or below the estimate (scale, rscales, mse of the design), mapped back through qrule "math", with
df = ``degf`` of the (domain's) design. Reference numbers: tests/data/estimation/make_replicate_reference.R ->
r_replicate.csv, from ``svrepdesign`` on the same replicate columns the tests read (Fay rho 0.3 on apistrat,
JK1 and bootstrap on apiclus1, JKn on apistrat), overall and ``svyby`` domains.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from est_helpers import DATA, rel

from surveymod.cli.main import _register, cli
from surveymod.estimation import Design, estimate

_register()
EST = DATA / "estimation"


@pytest.fixture(scope="module")
def rq() -> dict[str, float]:
    with open(EST / "r_replicate.csv", newline="") as fh:
        return {row["name"]: float(row["value"]) for row in csv.DictReader(fh)}


def _design(tag: str, rref: dict[str, float]) -> tuple[str, Design, str]:
    """The replicate file, its design (as the R script declares it) and the domain variable."""
    reps = r"repw\d+"
    if tag == "fay":
        return "apistrat_fay.csv", Design(weight="pw", repweights=reps, reptype="fay", fay_rho=0.3,
                                          mse=False), "sch.wide"
    if tag in ("jk1", "jk1mse"):
        return "apiclus1_jk1.csv", Design(weight="pw", repweights=reps, reptype="jk1", scale=rref["jk1_scale"],
                                          mse=tag == "jk1mse"), "stype"
    if tag == "jkn":
        rscales = pd.read_csv(EST / "apistrat_jkn_rscales.csv")["rscales"].tolist()
        return "apistrat_jkn.csv", Design(weight="pw", repweights=reps, reptype="jkn", scale=1.0, rscales=rscales,
                                          mse=False), "stype"
    return "apiclus1_boot.csv", Design(weight="pw", repweights=reps, reptype="bootstrap",
                                       scale=rref["boot_scale"], mse=False), "stype"


def same(x: float, ref: float) -> bool:
    """6 significant digits; R's NaN (a Woodruff bound beyond 0..1) must be NaN here too."""
    return math.isnan(x) if math.isnan(ref) else rel(x, ref)


@pytest.mark.parametrize("tag", ["fay", "jk1", "jk1mse", "jkn", "boot"])
def test_quantiles_overall(tag: str, rq, rref) -> None:
    file, des, _ = _design(tag, rref)
    out = estimate(pd.read_csv(EST / file), des, quantile=[("api00", 0.5), ("api00", 0.25)])
    for _, row in out.iterrows():
        key = f"{tag}_q{row.level[1:]}"
        assert same(row.estimate, rq[key]), (key, row.estimate)
        assert same(row.se, rq[key + "_se"]), (key, row.se, rq[key + "_se"])
        assert same(row.ci_low, rq[key + "_lo"]) and same(row.ci_high, rq[key + "_hi"]), key
        assert row.df == rq[f"{tag}_degf"]


@pytest.mark.parametrize("tag", ["fay", "jk1", "jkn", "boot"])
@pytest.mark.parametrize("p", [0.5, 0.25])
def test_quantiles_by_domain(tag: str, p: float, rq, rref) -> None:
    file, des, by = _design(tag, rref)
    out = estimate(pd.read_csv(EST / file), des, quantile=[("api00", p)], by=[by])
    assert len(out) == (2 if by == "sch.wide" else 3)
    for _, row in out.iterrows():
        key = f"{tag}_q{p:g}_by_{by}_{row.domain.split('=')[1]}"
        assert same(row.estimate, rq[key]), (key, row.estimate)
        assert same(row.se, rq[key + "_se"]), (key, row.se, rq[key + "_se"])


def test_fay_median_cli(tmp_path: Path, rq) -> None:
    """The issue's case through the CLI: the median with Fay (rho 0.3) replicates, R's SE and interval."""
    out = tmp_path / "q.csv"
    res = CliRunner().invoke(cli, ["estimate", str(EST / "apistrat_fay.csv"), "--weight", "pw", "--repweights",
                                   r"repw\d+", "--reptype", "fay", "--fay-rho", "0.3", "--no-mse", "--quantile",
                                   "api00:0.5", "-o", str(out)])
    assert res.exit_code == 0, res.output
    row = pd.read_csv(out).iloc[0]
    assert rel(row.estimate, rq["fay_q0.5"]) and rel(row.se, rq["fay_q0.5_se"])
    assert rel(row.ci_low, rq["fay_q0.5_lo"]) and rel(row.ci_high, rq["fay_q0.5_hi"])


def test_missing_values_leave_the_replicate_quantile(rq, rref) -> None:
    """Rows with a missing value are left out (R na.rm=TRUE): adding such rows changes nothing."""
    file, des, _ = _design("jk1", rref)
    df = pd.read_csv(EST / file)
    extra = df.head(3).assign(api00=float("nan"))
    out = estimate(pd.concat([df, extra], ignore_index=True), des, quantile=[("api00", 0.5)])
    assert same(out.estimate[0], rq["jk1_q0.5"]) and same(out.se[0], rq["jk1_q0.5_se"])
    assert out.df[0] == rq["jk1_degf"]
