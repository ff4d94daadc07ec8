"""Issue 26: the .sps written next to an export runs in PSPP on our own (simulated) LFS data.

The data files are ``<stem>_person.csv`` (as simulate and export name levels) and the household file carries the
design columns (stratum, psu, prob_sel, dweight) after the questionnaire's: PSPP used to halt after 100 warnings
("Record ends in data not part of any field") while exiting 0.  So the test reads PSPP's output, not its exit code,
and compares the .sav PSPP writes with the one the export wrote.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pyreadstat
import pytest
from click.testing import CliRunner

from surveymod.cli.main import _register, cli

ROOT = Path(__file__).resolve().parents[2]
QN = ROOT / "questionnaires" / "lfs_migration.yaml"
DESIGN = ROOT / "examples" / "designs" / "lfs_design.yaml"

pytestmark = pytest.mark.skipif(shutil.which("pspp") is None, reason="PSPP is not installed")


def _run(args: list[str]) -> None:
    _register()
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output


def test_export_sps_runs_in_pspp_on_simulated_lfs(tmp_path: Path) -> None:
    sim, exp, run = tmp_path / "sim", tmp_path / "exp", tmp_path / "run"
    _run(["simulate", str(QN), "-n", "150", "--design", str(DESIGN), "--seed", "4", "-o", str(sim)])
    assert (sim / "lfs_migration_person.csv").exists()
    _run(["export", str(sim), "-q", str(QN), "-o", str(exp / "lfs.sav")])
    run.mkdir()
    proc = subprocess.run(["pspp", str(exp / "lfs.sps"), "-o", str(run / "out.txt")], cwd=run,
                          capture_output=True, text=True, timeout=300)
    output = (run / "out.txt").read_text(encoding="utf-8", errors="replace") + proc.stdout + proc.stderr
    assert "warning" not in output.lower() and "error" not in output.lower(), output[:2000]
    for ours, theirs in (("lfs.sav", "lfs_migration.sav"), ("lfs_person.sav", "lfs_migration_person.sav"),
                         ("lfs_emigrant.sav", "lfs_migration_emigrant.sav")):
        a, _ = pyreadstat.read_sav(str(exp / ours))
        b, meta = pyreadstat.read_sav(str(run / theirs))
        assert len(a) == len(b) > 0
        for col in ("HHID", "AGE", "YEARESID", "EMAGE", "dweight", "REFWEEK"):
            if col in a.columns:
                assert col in b.columns
                assert (a[col].fillna(-1).astype(float) == b[col].fillna(-1).astype(float)).all(), (ours, col)
    _, meta = pyreadstat.read_sav(str(run / "lfs_migration_person.sav"), metadataonly=True, user_missing=True)
    assert meta.missing_ranges.get("YEARESID") == [{"lo": 999.0, "hi": 999.0}]   # 999 is user-missing


def test_build_sps_names_roster_files_after_their_level(tmp_path: Path) -> None:
    _run(["build", str(QN), "--to", "spss", "-o", str(tmp_path)])
    text = (tmp_path / "lfs_migration.sps").read_text(encoding="utf-8")
    assert "/FILE='lfs_migration_person.csv'" in text and "_persons.csv" not in text
