"""Shared fixtures for the data read/check/export tests: the fixture questionnaire, the broken-file corpus, clients."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from surveymod.questionnaire import load_valid

DATA = Path(__file__).resolve().parents[1] / "data"
FIELD = DATA / "fielddata"
QN_PATH = DATA / "questionnaires_data" / "household.yaml"


@pytest.fixture(scope="session")
def qn():
    return load_valid(QN_PATH)


@pytest.fixture(scope="session")
def field() -> Path:
    return FIELD


def run_pspp(tmp_path: Path, syntax: str) -> str:
    """Run PSPP on *syntax*; returns its text output (stdout + listing). Skips when PSPP is absent."""
    if shutil.which("pspp") is None:
        pytest.skip("PSPP (pspp) is not installed")
    sps = tmp_path / "judge.sps"
    sps.write_text(syntax, encoding="utf-8")
    out = tmp_path / "judge.txt"
    proc = subprocess.run(["pspp", str(sps), "-o", str(out)], capture_output=True, text=True, timeout=120)
    listing = out.read_text(encoding="utf-8") if out.exists() else ""
    return proc.stdout + proc.stderr + listing


def run_r(code: str) -> str:
    """Run R code with haven loaded; returns stdout. Skips when R or haven is absent."""
    if shutil.which("Rscript") is None:
        pytest.skip("R (Rscript) is not installed")
    proc = subprocess.run(["Rscript", "-e", "suppressMessages(library(haven)); " + code], capture_output=True,
                          text=True, timeout=120)
    if "there is no package called" in proc.stderr:
        pytest.skip("R package haven is not installed")
    assert proc.returncode == 0, proc.stderr
    return proc.stdout
