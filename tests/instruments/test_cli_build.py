"""`surveymod build`: files written for each target, located errors with exit 1, usage errors exit 2."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from surveymod.atomic import MANIFEST
from surveymod.cli.main import _register, cli

from .conftest import FIXTURES

HH = str(FIXTURES / "household.yaml")


def _run(*args: str) -> tuple[int, str]:
    _register()
    r = CliRunner().invoke(cli, list(args))
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    return r.exit_code, r.output


def _has_pdf_renderer() -> bool:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


def test_build_all(tmp_path: Path) -> None:
    code, out = _run("build", HH, "--to", "all", "-o", str(tmp_path))
    assert code == 0, out
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != MANIFEST) == sorted([
        "hh_test.xlsx", "hh_test_paper.html", "hh_test_paper_mk.html", "hh_test.sps", "hh_test_mk.sps",
        "hh_test.do", "hh_test_codebook.md", "hh_test_codebook.html", "hh_test_codebook_mk.md",
        "hh_test_codebook_mk.html", "hh_test_ddi.xml", "hh_test_translations.xlsx",
        *(["hh_test_paper.pdf", "hh_test_paper_mk.pdf"] if _has_pdf_renderer() else [])])
    if not _has_pdf_renderer():
        assert "PDF not built" in out
    assert "label shortened to Stata's limit: imbgeco" in out
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".") and p.name != MANIFEST]  # no temporary files left


def test_build_one_language(tmp_path: Path) -> None:
    code, out = _run("build", HH, "--to", "paper", "--to", "spss", "--lang", "mk", "-o", str(tmp_path))
    assert code == 0, out
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != MANIFEST) == ["hh_test_mk.sps", "hh_test_paper_mk.html"]


def test_errors(tmp_path: Path) -> None:
    code, out = _run("build", HH, "--to", "paper", "--lang", "fr", "-o", str(tmp_path))
    assert code == 1 and "language 'fr' is not declared" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text((FIXTURES / "household.yaml").read_text(encoding="utf-8").replace(
        'relevant: "work = 1"', 'relevant: "wrok = 1"'), encoding="utf-8")
    code, out = _run("build", str(bad), "--to", "xlsform", "-o", str(tmp_path / "o"))
    assert code == 1 and "bad.yaml:" in out and "unknown variable 'wrok'" in out and "Traceback" not in out
    assert not (tmp_path / "o").exists()
    code, out = _run("build", HH, "--to", "docx", "-o", str(tmp_path))
    assert code == 2
    code, out = _run("build", HH, "-o", str(tmp_path))
    assert code == 2
