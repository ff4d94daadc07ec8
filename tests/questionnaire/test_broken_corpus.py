"""Each broken questionnaire yields the expected rule at the expected line, exit 1 and no traceback."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from surveymod.questionnaire import validate

BROKEN = sorted((Path(__file__).parent / "broken").glob("*.yaml"))


def _expected(path: Path) -> tuple[str, int]:
    m = re.match(r"# expect: (\S+) line (\d+)", path.read_text(encoding="utf-8").splitlines()[0])
    assert m, f"{path.name} lacks an '# expect:' header"
    return m.group(1), int(m.group(2))


def test_corpus_is_large_enough() -> None:
    assert len(BROKEN) >= 15


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_broken_file_reports_rule_and_line(path: Path) -> None:
    rule, line = _expected(path)
    _, problems = validate(path)
    errors = [p for p in problems if p.severity == "error"]
    assert errors, f"no error reported for {path.name}"
    hits = [p for p in errors if p.rule == rule]
    assert hits, f"expected rule {rule}, got {[str(p) for p in errors]}"
    assert any(p.location.line == line for p in hits), [str(p) for p in hits]
    assert all(p.location.file == str(path) for p in hits)


@pytest.mark.parametrize("path", BROKEN[:3] + BROKEN[-3:], ids=lambda p: p.stem)
def test_cli_exit_code_and_no_traceback(path: Path) -> None:
    rule, line = _expected(path)
    r = subprocess.run([sys.executable, "-m", "surveymod", "validate", str(path)], capture_output=True, text=True)
    assert r.returncode == 1
    assert "Traceback" not in r.stderr + r.stdout
    assert f"{path}:{line}:" in r.stderr
    assert f"[{rule}]" in r.stderr


def test_cli_usage_error_exit_2() -> None:
    r = subprocess.run([sys.executable, "-m", "surveymod", "validate"], capture_output=True, text=True)
    assert r.returncode == 2


def test_valid_base_passes_cli() -> None:
    base = Path(__file__).parent / "base.yaml"
    r = subprocess.run([sys.executable, "-m", "surveymod", "validate", str(base)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "0 error(s)" in r.stdout
