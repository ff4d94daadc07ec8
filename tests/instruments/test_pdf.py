"""`build --to pdf`: the paper questionnaire as PDF, read back with poppler (pdfinfo, pdftotext, pdffonts, pdftoppm),
an independent PDF reader. Cyrillic must come out as the Macedonian text of the questionnaire YAML, on A4 pages
(ISO 216: 210 x 297 mm = 595.28 x 841.89 pt), with an embedded font. Without WeasyPrint the command says what to
install, and `--to all` builds everything else."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from surveymod.atomic import MANIFEST
from surveymod.cli.main import _register, cli
from surveymod.errors import SurveyError
from surveymod.instruments.build import build

from .conftest import FIXTURES

HH = FIXTURES / "household.yaml"


def _weasyprint_reason() -> str | None:
    try:
        import weasyprint  # noqa: F401
    except ImportError:
        return "WeasyPrint is not installed (pip install 'surveymod[pdf]')"
    except OSError as exc:
        return f"WeasyPrint cannot load Pango ({exc}); apt-get install libpango-1.0-0 libpangoft2-1.0-0"
    return None


REASON = _weasyprint_reason()
needs_renderer = pytest.mark.skipif(REASON is not None, reason=REASON or "")
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                   reason="poppler-utils (pdftotext, pdfinfo, pdffonts, pdftoppm) is not installed")


def _run(*args: str) -> tuple[int, str]:
    _register()
    r = CliRunner().invoke(cli, list(args))
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    return r.exit_code, r.output


def _tool(*args: str) -> str:
    return subprocess.run(list(args), check=True, capture_output=True, text=True, encoding="utf-8").stdout


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def mk_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if REASON is not None:
        pytest.skip(REASON)
    out = tmp_path_factory.mktemp("pdf")
    code, output = _run("build", str(HH), "--to", "pdf", "-o", str(out))
    assert code == 0, output
    assert sorted(p.name for p in out.iterdir() if p.name != MANIFEST) == ["hh_test_paper.pdf", "hh_test_paper_mk.pdf"]
    assert f"wrote {out / 'hh_test_paper_mk.pdf'}" in output
    return out / "hh_test_paper_mk.pdf"


@needs_renderer
@needs_poppler
def test_pdf_opens_a4_with_cyrillic_text(mk_pdf: Path) -> None:
    info = _tool("pdfinfo", str(mk_pdf))
    assert re.search(r"Pages:\s+[1-9]", info)
    w, h = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())  # type: ignore[union-attr]
    assert w == pytest.approx(595.28, abs=0.5) and h == pytest.approx(841.89, abs=0.5)
    text = _words(_tool("pdftotext", "-enc", "UTF-8", str(mk_pdf), "-"))
    # Macedonian texts of tests/data/questionnaires/household.yaml (title with ќ, choice labels) and the paper's
    # routing words: each must come back out of the PDF as the same Unicode text
    for mk in ("Тестирање на домаќинства", "Пример со сите типови прашања.", "Машко", "Женско", "Не знам",
               "Одбива", "Верзија"):
        assert mk in text, mk
    fonts = _tool("pdffonts", str(mk_pdf))
    # the font the paper CSS asks for (it covers Cyrillic and ë/ç), embedded: "emb" column yes
    assert re.search(r"DejaVu-?Sans\S*\s+CID TrueType\s+\S+\s+yes", fonts), fonts
    assert re.search(r"\b1 / \d+\b", text)  # page footer "page / pages"


@needs_renderer
@needs_poppler
def test_pdf_first_page_renders_to_png(mk_pdf: Path, tmp_path: Path) -> None:
    """pdftoppm draws page 1; the PNG has ink on it (a person looked at it when the feature was written)."""
    from matplotlib import image

    subprocess.run(["pdftoppm", "-r", "40", "-f", "1", "-l", "1", "-png", str(mk_pdf), str(tmp_path / "p")],
                   check=True)
    png = next(tmp_path.glob("p*.png"))
    pixels = image.imread(str(png))
    dark = (pixels[..., :3].mean(axis=2) < 0.5).mean()
    assert 0.005 < dark < 0.5  # text on a white page, neither blank nor black


def test_missing_renderer_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import weasyprint -> ImportError
    code, out = _run("build", str(HH), "--to", "pdf", "-o", str(tmp_path / "o"))
    assert code == 1 and "Traceback" not in out
    assert "needs WeasyPrint" in out and "pip install 'surveymod[pdf]'" in out and "libpango" in out
    assert not (tmp_path / "o").exists()
    from surveymod.questionnaire import load_valid

    res = build(load_valid(HH), ["all"])  # `all` builds every other target and warns
    assert "hh_test_paper.html" in res.files and not any(n.endswith(".pdf") for n in res.files)
    assert [p.rule for p in res.problems if p.rule == "pdf-renderer-missing"] == ["pdf-renderer-missing"]
    with pytest.raises(SurveyError, match="needs WeasyPrint"):
        build(load_valid(HH), ["paper", "pdf"])
