"""Where R (with survey) is installed, rerun issue 28's reference scripts into a temporary folder and check that R
still gives the numbers the tests pin (tests/data/estimation/make_r28_*.R), so the stored CSVs are R's own."""

from __future__ import annotations

import csv
import math
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "tests" / "data" / "estimation"
SCRIPTS = {"make_r28_reference.R": "r28_reference.csv", "make_r28_compare_reference.R": "r28_compare.csv",
           "make_r28_glm_reference.R": "r28_glm.csv", "make_r28_quantile_reference.R": "r28_quantile.csv",
           "make_r28_pps_reference.R": "r28_pps.csv", "make_r28_weighting_reference.R": "r28_weighting.csv"}

pytestmark = [pytest.mark.client,
              pytest.mark.skipif(shutil.which("Rscript") is None, reason="Rscript (R with survey) is not installed")]


def _values(path: Path) -> dict[str, float]:
    with open(path, newline="") as fh:
        return {row["name"]: float(row["value"]) for row in csv.DictReader(fh)}


@pytest.mark.parametrize("script", list(SCRIPTS))
def test_r_gives_the_pinned_numbers(script: str, tmp_path: Path) -> None:
    if script == "make_r28_weighting_reference.R":  # R's bounded calibration (grake) needs MASS
        if subprocess.run(["Rscript", "-e", "library(MASS)"], capture_output=True).returncode != 0:
            pytest.skip("R package MASS is not installed")
    proc = subprocess.run(["Rscript", str(FOLDER / script), str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    fresh, pinned = _values(tmp_path / SCRIPTS[script]), _values(FOLDER / SCRIPTS[script])
    assert fresh.keys() == pinned.keys()
    for name, value in pinned.items():
        assert math.isclose(fresh[name], value, rel_tol=1e-10, abs_tol=1e-300) or (
            math.isinf(value) and fresh[name] == value), name
