"""`surveymod weight` writes <stem>_design.R/.do/.sps; R, running the .R script on the exported file, gets the
same estimates and SEs as surveymod on the weighted data (R survey is the independent side)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from surveymod.cli.main import _register, cli
from surveymod.data.reader import read
from surveymod.estimation import estimate
from surveymod.syntax.r import r_name, r_string
from surveymod.weighting import run_weighting

API = Path(__file__).resolve().parents[1] / "data" / "api" / "apiclus1.csv"
REPLICATE = """design: {weight: pw, psu: dnum, fpc: fpc}
steps:
  - {step: replicates, method: jk1}
  - step: rake
    tolerance: 1.0e-10
    margins:
      - {variables: stype, targets: {E: 4421, H: 755, M: 1018}}
"""
TAYLOR = """design: {weight: pw, psu: dnum, fpc: fpc}
steps:
  - {step: trim, upper: 40}
"""
needs_r = pytest.mark.skipif(shutil.which("Rscript") is None, reason="Rscript (R with survey and haven) is not installed")


def _weigh(tmp: Path, spec: str, out: str) -> Path:
    shutil.copy(API, tmp / "apiclus1.csv")
    (tmp / "spec.yaml").write_text(spec, encoding="utf-8")
    _register()
    res = CliRunner().invoke(cli, ["weight", str(tmp / "apiclus1.csv"), "--spec", str(tmp / "spec.yaml"),
                                   "-o", str(tmp / out)])
    assert res.exit_code == 0, res.output
    return tmp / out


def _r(script: Path, extra: str) -> list[float]:
    script.write_text(script.read_text(encoding="utf-8") + extra, encoding="utf-8")
    out = subprocess.run(["Rscript", script.name], cwd=script.parent, capture_output=True, text=True, check=True)
    return [float(x) for x in out.stdout.split()]


R_MEAN = 'm <- svymean(~api00, des); cat(sprintf("%.12g", c(coef(m), SE(m))), "\\n")\n' \
         'b <- svyby(~api00, ~stype, des, svymean); cat(sprintf("%.12g", c(coef(b), SE(b))), "\\n")\n'


@needs_r
@pytest.mark.parametrize("ext", [".dta", ".sav"])
def test_r_reproduces_replicate_estimates(tmp_path: Path, ext: str) -> None:
    out = _weigh(tmp_path, REPLICATE, f"w{ext}")
    for suffix in ("R", "do", "sps"):
        assert (tmp_path / f"w_design.{suffix}").exists()
    r = _r(tmp_path / "w_design.R", R_MEAN)
    res = run_weighting(read(tmp_path / "apiclus1.csv"), tmp_path / "spec.yaml")
    ours = estimate(res.data.main, res.design, mean=["api00"])
    by = estimate(res.data.main, res.design, mean=["api00"], by=["stype"])
    assert r[0] == pytest.approx(ours["estimate"].iloc[0], rel=1e-9)
    assert r[1] == pytest.approx(ours["se"].iloc[0], rel=1e-6)
    assert r[2:5] == pytest.approx(by["estimate"].tolist(), rel=1e-9)
    assert r[5:8] == pytest.approx(by["se"].tolist(), rel=1e-6)
    assert out.exists()


@needs_r
def test_r_reproduces_taylor_estimates(tmp_path: Path) -> None:
    _weigh(tmp_path, TAYLOR, "t.dta")
    script = (tmp_path / "t_design.R").read_text(encoding="utf-8")
    assert "svydesign(ids = ~dnum, weights = ~final_weight, fpc = ~fpc" in script
    r = _r(tmp_path / "t_design.R", R_MEAN)
    res = run_weighting(read(tmp_path / "apiclus1.csv"), tmp_path / "spec.yaml")
    ours = estimate(res.data.main, res.design, mean=["api00"])
    assert r[0] == pytest.approx(ours["estimate"].iloc[0], rel=1e-9)
    assert r[1] == pytest.approx(ours["se"].iloc[0], rel=1e-6)
    stata = (tmp_path / "t_design.do").read_text(encoding="utf-8")
    assert "svyset dnum [pweight=final_weight], fpc(fpc)" in stata
    spss = (tmp_path / "t_design.sps").read_text(encoding="utf-8")
    assert "CSPLAN ANALYSIS" in spss and "CLUSTER=dnum" in spss


def test_escaping_of_names_and_paths() -> None:
    assert r_string('a"b\\c\nd') == '"a\\"b\\\\c\\x0ad"'
    assert r_name("sch.wide") == "sch.wide" and r_name("a b`c") == "`a b\\`c`"


def test_declarations_keep_hostile_file_names_inert(tmp_path: Path) -> None:
    from surveymod.estimation import Design
    from surveymod.weighting.declare import declarations

    files = declarations(Design(weight="w", psu="p"), 'x".sav\nHOST COMMAND=["rm"]', ["w", "p"])
    for text in files.values():
        assert not any(line.startswith("HOST") for line in text.splitlines())
    assert pd.notna(files["R"])
