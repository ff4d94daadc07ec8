"""The shipped instruments build: XLSForm through pyxform + ODK Validate (Java), SPSS syntax through PSPP."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from shipped_paths import SHIPPED

from surveymod.instruments.build import build
from surveymod.questionnaire.model import Questionnaire


@pytest.mark.client
@pytest.mark.skipif(shutil.which("java") is None, reason="ODK Validate needs Java (not found on PATH)")
@pytest.mark.parametrize("name", SHIPPED)
def test_xlsform_passes_odk_validate(forms: dict[str, Questionnaire], name: str, tmp_path: Path) -> None:
    from pyxform.xls2xform import convert

    xlsx = build(forms[name], ["xlsform"]).files[f"{name}.xlsx"]
    path = tmp_path / f"{name}.xlsx"
    path.write_bytes(xlsx)  # type: ignore[arg-type]
    warnings: list[str] = []
    result = convert(str(path), warnings=warnings, validate=True)  # raises on an ODK Validate error
    assert "<h:html" in result.xform


@pytest.mark.client
@pytest.mark.skipif(shutil.which("pspp") is None, reason="PSPP not installed")
@pytest.mark.parametrize("name", SHIPPED)
def test_spss_syntax_runs_in_pspp_without_warnings(forms: dict[str, Questionnaire], name: str,
                                                   tmp_path: Path) -> None:
    sps = build(forms[name], ["spss"], ["en"]).files[f"{name}.sps"]
    text = sps if isinstance(sps, str) else sps.decode("utf-8")
    (tmp_path / f"{name}.sps").write_text(text, encoding="utf-8")
    # header-only CSV files so that GET DATA finds every data level the syntax reads
    for m in re.finditer(r"/FILE='([^']+\.csv)'.*?/VARIABLES=(.*?)\.\n", text, re.S):
        names = [line.split()[0] for line in m.group(2).strip().splitlines()]
        (tmp_path / m.group(1)).write_text(",".join(names) + "\n", encoding="utf-8")
    run = subprocess.run(["pspp", "-O", "format=txt", "-o", "out.txt", f"{name}.sps"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    log = run.stdout + run.stderr + (tmp_path / "out.txt").read_text(encoding="utf-8", errors="replace")
    assert run.returncode == 0, log
    assert "warning:" not in log.lower() and "error:" not in log.lower(), log
