"""The `surveymod estimate` / `change` CLI contract and the wrong-input cases of issue #7 (clear message, exit 1)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from est_helpers import DATA, digits

from surveymod.cli.main import _register, cli
from surveymod.estimation import COLUMNS

_register()
API = DATA / "api"


def run(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(cli, list(args))
    return res.exit_code, res.output + (res.stderr if hasattr(res, "stderr") else "")


def test_estimate_csv_contract(tmp_path: Path) -> None:
    out = tmp_path / "est.csv"
    code, msg = run("estimate", str(API / "apistrat.csv"), "--strata", "stype", "--weight", "pw", "--fpc", "fpc",
                    "--mean", "api00", "--prop", "sch.wide", "--total", "enroll", "--ratio", "api00/api99",
                    "--by", "stype", "-o", str(out))
    assert code == 0, msg
    res = pd.read_csv(out, keep_default_na=False)
    assert list(res.columns) == COLUMNS
    e = res[(res.variable == "api00") & (res.domain == "stype=E")].iloc[0]
    assert digits(float(e.estimate), "674.43") and digits(float(e.se), "12.38248") and e.df == 99


@pytest.mark.parametrize("fmt", ["xlsx", "sav", "dta", "parquet"])
def test_estimate_reads_other_formats_and_writes_xlsx(tmp_path: Path, fmt: str) -> None:
    df = pd.read_csv(API / "apiclus1.csv")[["dnum", "pw", "fpc", "api00", "stype"]]
    src = tmp_path / f"data.{fmt}"
    if fmt == "xlsx":
        df.to_excel(src, index=False)
    elif fmt == "parquet":
        df.to_parquet(src)
    else:
        import pyreadstat
        (pyreadstat.write_sav if fmt == "sav" else pyreadstat.write_dta)(df, str(src))
    out = tmp_path / "est.xlsx"
    code, msg = run("estimate", str(src), "--psu", "dnum", "--weight", "pw", "--fpc", "fpc", "--mean", "api00",
                    "-o", str(out))
    assert code == 0, msg
    res = pd.read_excel(out)
    assert digits(res.estimate[0], "644.1694") and digits(res.se[0], "23.5422")


def test_design_yaml_and_replicates(tmp_path: Path) -> None:
    spec = tmp_path / "design.yaml"
    spec.write_text("design:\n  weight: pw\n  repweights: 'repw\\d+'\n  reptype: jk1\n  scale: 0.914839277851\n"
                    "  mse: false\n")
    out = tmp_path / "est.csv"
    code, msg = run("estimate", str(DATA / "estimation" / "apiclus1_jk1.csv"), "--design", str(spec),
                    "--mean", "api00", "-o", str(out))
    assert code == 0, msg
    assert digits(pd.read_csv(out).se[0], "26.32936")


def test_change_command(tmp_path: Path) -> None:
    df = pd.read_csv(API / "apistrat.csv").assign(hi=lambda d: (d.api00 > 700).astype(int))
    base, end = tmp_path / "b.csv", tmp_path / "e.csv"
    df[df["yr.rnd"] == "No"].to_csv(base, index=False)
    df[df["yr.rnd"] == "Yes"].to_csv(end, index=False)
    out = tmp_path / "chg.csv"
    code, msg = run("change", str(base), str(end), "--strata", "stype", "--weight", "pw", "--fpc", "fpc",
                    "--prop", "hi", "--category", "1", "--panel-id", "snum", "-o", str(out))
    assert code == 0, msg
    r = pd.read_csv(out).iloc[0]
    assert digits(r["pct_change"], "-64.920346") and digits(r.pct_change_se, "18.7019")


@pytest.mark.parametrize(("extra", "data", "message"), [
    (["--strata", "region", "--weight", "pw"], "apistrat.csv", "the strata column 'region' named in the design"),
    (["--weight", "name"], "apistrat.csv", "the weight column 'name' must be numeric, but row 1 holds"),
    (["--strata", "dnum", "--weight", "pw"], "apiclus1.csv", "stratum 413 of 'dnum' has only one PSU"),
    (["--weight", "pw", "--repweights", "rep_.*", "--reptype", "jk1"], "apistrat.csv",
     "the replicate-weight pattern 'rep_.*' matches no column"),
    (["--weight", "pw", "--repweights", "rep[", "--reptype", "jk1"], "apistrat.csv",
     "the replicate-weight pattern 'rep[' is not a valid regular expression"),
])
def test_wrong_input_exit_1(tmp_path: Path, extra: list[str], data: str, message: str) -> None:
    code, msg = run("estimate", str(API / data), *extra, "--mean", "api00", "-o", str(tmp_path / "o.csv"))
    assert code == 1 and message in msg, msg
    assert "Traceback" not in msg and not (tmp_path / "o.csv").exists()


def test_negative_weight_exit_1(tmp_path: Path) -> None:
    df = pd.read_csv(API / "apistrat.csv")
    df.loc[4, "pw"] = -1.0
    src = tmp_path / "neg.csv"
    df.to_csv(src, index=False)
    code, msg = run("estimate", str(src), "--weight", "pw", "--mean", "api00", "-o", str(tmp_path / "o.csv"))
    assert code == 1 and "negative value (-1) in row 5" in msg, msg


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    code, _ = run("estimate", str(API / "apistrat.csv"), "--weight", "pw", "-o", str(tmp_path / "o.csv"))
    assert code == 2
    code, _ = run("estimate", str(API / "apistrat.csv"), "--ratio", "api00", "-o", str(tmp_path / "o.csv"))
    assert code == 2


def test_estimate_with_weighting_spec_credits_the_raking(tmp_path: Path) -> None:
    """--weighting runs the spec first; the raked domain SEs are R's (svyby on rake(dclus1), r_calibrated.csv)."""
    spec = tmp_path / "rake.yaml"
    spec.write_text("design:\n  weight: pw\n  psu: dnum\n  fpc: fpc\nsteps:\n  - step: rake\n    tolerance: 1.0e-12\n"
                    "    max_iter: 200\n    margins:\n      - variables: stype\n        targets: {E: 4421, H: 755, "
                    "M: 1018}\n      - variables: sch.wide\n        targets: {'No': 1072, 'Yes': 5122}\n")
    out = tmp_path / "est.csv"
    code, msg = run("estimate", str(API / "apiclus1.csv"), "--weighting", str(spec), "--mean", "api00",
                    "--by", "comp.imp", "-o", str(out))
    assert code == 0, msg
    res = pd.read_csv(out).set_index("domain")
    # R: svyby(~api00, ~comp.imp, rk, svymean) -> No 630.342010864 (SE 27.965061399), Yes 646.350522717 (23.345215141)
    assert digits(float(res.loc["comp.imp=No", "se"]), "27.96506")
    assert digits(float(res.loc["comp.imp=Yes", "estimate"]), "646.3505")
    assert digits(float(res.loc["comp.imp=Yes", "se"]), "23.34522")
    code, msg = run("estimate", str(API / "apiclus1.csv"), "--weighting", str(spec), "--psu", "dnum",
                    "--mean", "api00", "-o", str(tmp_path / "x.csv"))
    assert code == 2 and "--weighting brings its own design" in msg
