"""The demo's exported .dta files carry the final and replicate weights and each respondent's indicator values,
with <stem>_design.R declaring the design: R (haven + survey), reading only those files, gets the framework's
Outcome 3 numbers (3a: the relative change between the policy/opinion-maker waves; 3.1a: campaign reach)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from surveymod.demo import run_demo

pytestmark = pytest.mark.skipif(shutil.which("Rscript") is None,
                                reason="Rscript (R with survey and haven) is not installed")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return run_demo(tmp_path_factory.mktemp("demo"), echo=lambda *_: None)


def _r(export: Path, stem: str, expr: str) -> list[float]:
    script = export / f"check_{stem}.R"
    script.write_text((export / f"{stem}_design.R").read_text(encoding="utf-8")
                      + f'x <- {expr}\ncat(sprintf("%.15g", c(coef(x), SE(x))), "\\n")\n', encoding="utf-8")
    out = subprocess.run(["Rscript", script.name], cwd=export, capture_output=True, text=True, check=True)
    return [float(v) for v in out.stdout.split()]


def _row(demo: dict, ind_id: str):
    return next(r for r in demo["rows"] if r.id == ind_id)


def test_3a_relative_change_from_the_exported_files(demo: dict) -> None:
    export = Path(demo["paths"]["programme.yaml"]).parent / "export"
    b, se_b = _r(export, "pm_baseline", "svymean(~ind_3a, des, na.rm = TRUE)")
    e, se_e = _r(export, "pm_endline", "svymean(~ind_3a, des, na.rm = TRUE)")
    row = _row(demo, "3a")
    assert row.change is not None
    assert row.change.pct == pytest.approx(100 * (e / b - 1), rel=1e-9)
    # delta method for independent waves, written out here: gradient (-100 e / b^2, 100 / b)
    pct_se = ((100 * e / b**2) ** 2 * se_b**2 + (100 / b) ** 2 * se_e**2) ** 0.5
    assert row.change.pct_se == pytest.approx(pct_se, rel=1e-6)
    assert row.change.points == pytest.approx(100 * (e - b), rel=1e-9)


def test_3_1a_campaign_reach_from_the_exported_files(demo: dict) -> None:
    export = Path(demo["paths"]["programme.yaml"]).parent / "export"
    total, se = _r(export, "public_endline", "svytotal(~ind_3_1a, des, na.rm = TRUE)")
    cells = [c for c in _row(demo, "3.1a").cells.values() if c.se is not None]  # the baseline is as written
    assert len(cells) == 1
    assert cells[0].value == pytest.approx(total, rel=1e-9)
    assert cells[0].se == pytest.approx(se, rel=1e-6)


def test_exports_carry_labelled_weights_and_design_files(demo: dict) -> None:
    export = Path(demo["paths"]["programme.yaml"]).parent / "export"
    for stem in ("public_baseline", "public_endline", "pm_baseline", "pm_endline"):
        for suffix in ("R", "do", "sps"):
            assert (export / f"{stem}_design.{suffix}").exists()
    script = (export / "public_endline_design.R").read_text(encoding="utf-8")
    assert "svrepdesign(" in script and 'type = "bootstrap"' in script and "weights = ~final_weight" in script
    assert "jkrweight(" in (export / "public_endline_design.do").read_text(encoding="utf-8")
