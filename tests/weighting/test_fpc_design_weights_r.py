"""Weighting starts from the design weight R derives when the spec names no weight column (issue 12).

Reference: tests/data/estimation/make_replicate_reference.R -> r_fpc_weights.csv and r_replicate.csv (R survey
4.1.1): ``svydesign(fpc=~fpc)`` weights N_h/n_h (x M_i/m_i), ``svydesign(prob=~p)`` 1/p, as ``surveymod
estimate`` derives them; before the fix ``surveymod weight`` started every row at 1.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from r_replicate_common import API, DATA, RAKE, SCHWIDE, STYPE, clus1_spec, r_reference, run, sig

from surveymod.cli.main import _register
from surveymod.estimation import estimate
from surveymod.weighting import run_weighting

_register()


@pytest.fixture(scope="module")
def ref() -> dict[str, float]:
    return r_reference()


@pytest.fixture(scope="module")
def r_weights() -> pd.DataFrame:
    return pd.read_csv(DATA / "estimation" / "r_fpc_weights.csv")


# -- 2. design weights from fpc / prob ----------------------------------------------------------------------------

def _check_rows(weighted: pd.DataFrame, r_weights: pd.DataFrame, data: str, design: str, col: str) -> None:
    r = r_weights[(r_weights.data == data) & (r_weights.design == design)]
    assert len(r) == len(weighted)
    ours = weighted.set_index("snum")[col]
    for snum, w in zip(r.snum, r.weight, strict=True):
        assert sig(float(ours[snum]), float(w), 9), (data, design, snum, ours[snum], w)


def test_fpc_only_stratified_design_weights(write_spec, ref, r_weights) -> None:
    data = pd.read_csv(API / "apistrat.csv").drop(columns="pw")
    spec = "design:\n  strata: stype\n  fpc: fpc\n  mse: false\nsteps:\n  - step: replicates\n    method: jkn\n"
    res = run_weighting(data, write_spec(spec))
    _check_rows(res.data.main, r_weights, "apistrat", "fpc", "final_weight")
    out = estimate(res.data.main, res.design, mean=["api00"])  # as.svrepdesign(svydesign(fpc = ~fpc), "JKn")
    assert sig(out.estimate[0], ref["fpcstrat_api00"]) and sig(out.se[0], ref["fpcstrat_jkn_api00_se"])


def test_prob_design_weights(write_spec, r_weights) -> None:
    data = pd.read_csv(API / "apistrat.csv").assign(p=lambda d: 1 / d.pw).drop(columns="pw")
    spec = "design:\n  strata: stype\n  prob: p\n  fpc: fpc\nsteps:\n  - step: replicates\n    method: jkn\n"
    _check_rows(run_weighting(data, write_spec(spec)).data.main, r_weights, "apistrat", "prob", "final_weight")


def test_fpc_only_cluster_design_raked(apiclus1, write_spec, ref, r_weights) -> None:
    """svydesign(id=~dnum, fpc=~fpc) then rake: R's raked weights row by row, and its Taylor mean and SE."""
    data = apiclus1.drop(columns="pw")
    res = run_weighting(data, write_spec(clus1_spec(steps=RAKE + STYPE + SCHWIDE, design="")))
    _check_rows(res.data.main, r_weights, "apiclus1", "fpc_rake", "final_weight")
    out = estimate(res.data.main, res.design, calibration=res.calibration, mean=["api00"])
    assert sig(out.estimate[0], ref["fpcrake_api00"]) and sig(out.se[0], ref["fpcrake_api00_se"])


def test_weight_cli_fpc_only(tmp_path: Path, r_weights) -> None:
    src = tmp_path / "apistrat.csv"
    pd.read_csv(API / "apistrat.csv").drop(columns="pw").to_csv(src, index=False)
    spec = tmp_path / "w.yaml"
    spec.write_text("design:\n  strata: stype\n  fpc: fpc\nsteps:\n  - step: replicates\n    method: jkn\n",
                    encoding="utf-8")
    out = tmp_path / "weighted.csv"
    code, msg = run("weight", str(src), "--spec", str(spec), "-o", str(out))
    assert code == 0, msg
    _check_rows(pd.read_csv(out), r_weights, "apistrat", "fpc", "final_weight")
    src1 = tmp_path / "apiclus1.csv"
    pd.read_csv(API / "apiclus1.csv").drop(columns="pw").to_csv(src1, index=False)
    spec1 = tmp_path / "w1.yaml"
    spec1.write_text(clus1_spec(steps=RAKE + STYPE + SCHWIDE, design=""), encoding="utf-8")
    out1 = tmp_path / "weighted1.csv"
    code, msg = run("weight", str(src1), "--spec", str(spec1), "-o", str(out1))
    assert code == 0, msg
    _check_rows(pd.read_csv(out1), r_weights, "apiclus1", "fpc_rake", "final_weight")


def test_bad_fpc_names_the_spec_line(write_spec) -> None:
    from surveymod.errors import SurveyError

    data = pd.read_csv(API / "apistrat.csv").drop(columns="pw").assign(fpc=lambda d: d.fpc.where(d.index != 3, 9))
    spec = write_spec("design:\n  strata: stype\n  fpc: fpc\nsteps:\n  - step: replicates\n    method: jkn\n")
    with pytest.raises(SurveyError) as err:
        run_weighting(data, spec)
    p = err.value.problems[0]
    assert "design weights from the FPC" in p.message and p.location.line == 3
