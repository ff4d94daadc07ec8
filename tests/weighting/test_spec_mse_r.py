"""The replicate design a weighting spec produces honours its ``mse`` as R survey does (issue 12).

Reference: tests/data/estimation/make_replicate_reference.R -> r_replicate.csv (R survey 4.1.1):
``as.svrepdesign(dclus1, "JK1", mse=FALSE|TRUE)`` (and JKn on dstrat), then ``rake``. The spec's ``design: mse:``
and the CLI's ``--mse/--no-mse`` (which overrides it) choose between R's two SEs.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from r_replicate_common import API, RAKE, SCHWIDE, clus1_spec, r_reference, run, sig

from surveymod.cli.main import _register
from surveymod.estimation import estimate
from surveymod.weighting import run_weighting

_register()
AWARDS = "      - variables: awards\n        targets: {'No': 2027, 'Yes': 4167}\n"


@pytest.fixture(scope="module")
def ref() -> dict[str, float]:
    return r_reference()


# -- 1. mse ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("mse_line", "tag"), [("  mse: false\n", "nomse"), ("  mse: true\n", "mse"), ("", "mse")])
def test_raked_jk1_design_honours_the_spec_mse(apiclus1, write_spec, ref, mse_line: str, tag: str) -> None:
    res = run_weighting(apiclus1, write_spec(clus1_spec(mse_line)))
    assert res.design.mse is (tag == "mse") and res.diagnostics.replicates["mse"] is (tag == "mse")
    out = estimate(res.data.main, res.design, mean=["api00"])
    assert sig(out.estimate[0], ref[f"jk1rake_{tag}_api00"]) and sig(out.se[0], ref[f"jk1rake_{tag}_api00_se"])
    by = estimate(res.data.main, res.design, mean=["api00"], by=["comp.imp"])
    for _, row in by.iterrows():
        key = f"jk1rake_{tag}_api00_by_compimp_{row['domain'].split('=')[1]}"
        assert sig(row.estimate, ref[key]) and sig(row.se, ref[key + "_se"]), (key, row.se)


def test_mse_choice_is_visible_at_six_digits(ref) -> None:
    """The two R values differ in the 5th digit, so the tests above tell them apart."""
    assert not sig(ref["jk1rake_mse_api00_se"], ref["jk1rake_nomse_api00_se"])


def test_raked_jkn_apistrat_mse_false(write_spec, ref) -> None:
    data = pd.read_csv(API / "apistrat.csv")
    spec = ("design:\n  weight: pw\n  strata: stype\n  fpc: fpc\n  mse: false\nsteps:\n  - step: replicates\n"
            "    method: jkn\n" + RAKE + SCHWIDE + AWARDS)
    res = run_weighting(data, write_spec(spec))
    out = estimate(res.data.main, res.design, mean=["api00"])
    assert sig(out.estimate[0], ref["jknrake_nomse_api00"]) and sig(out.se[0], ref["jknrake_nomse_api00_se"])


@pytest.mark.parametrize(("mse_line", "flag", "tag"), [
    ("  mse: false\n", None, "nomse"),  # the spec's mse: false
    ("", "--no-mse", "nomse"),  # the option overrides the default
    ("  mse: false\n", "--mse", "mse"),  # ... and the spec
    ("", None, "mse"),
])
def test_estimate_weighting_cli_mse(tmp_path: Path, ref, mse_line: str, flag: str | None, tag: str) -> None:
    spec = tmp_path / "w.yaml"
    spec.write_text(clus1_spec(mse_line), encoding="utf-8")
    out = tmp_path / "est.csv"
    code, msg = run("estimate", str(API / "apiclus1.csv"), "--weighting", str(spec), "--mean", "api00",
                    "--by", "comp.imp", *([flag] if flag else []), "-o", str(out))
    assert code == 0, msg
    res = pd.read_csv(out)
    for _, row in res.iterrows():
        key = f"jk1rake_{tag}_api00_by_compimp_{row['domain'].split('=')[1]}"
        assert sig(row.se, ref[key + "_se"]), (key, row.se, ref[key + "_se"])


