"""The end-to-end main job recovers the simulated truth (fixed seeds) and writes every promised output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from surveymod.indicators.demo import run_demo
from surveymod.indicators.programme import load_programme


@pytest.fixture(scope="module", params=[2026, 7])
def demo(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"demo{request.param}")
    return run_demo(out, n=1500, trainees=60, seed=request.param, replicates=60, echo=lambda s: None), out


def test_change_recovers_simulated_truth(demo) -> None:
    res, _ = demo
    eff = res["truth"]["endline"]["effects"][0]
    oc = res["rows"][0]
    assert oc.id == "OC3.1"
    base, end = oc.cells["baseline"], oc.cells["year2"]
    assert base.ci_low <= eff["baseline"] <= base.ci_high
    assert end.ci_low <= eff["endline"] <= end.ci_high
    assert oc.change.points_ci[0] <= eff["change"] <= oc.change.points_ci[1]
    young = next(s for s in oc.breakdown if s.label == "15-24")
    dom = eff["domains"][0]
    assert young.change.points_ci[0] <= dom["change"] <= young.change.points_ci[1]


def test_trainee_counts_equal_truth(demo) -> None:
    res, _ = demo
    truth = res["truth"]["training"]
    improved = next(r for r in res["rows"] if r.id == "OP3.1")
    tested = next(r for r in res["rows"] if r.id == "OP3.2")
    assert improved.cells["year1"].value == truth["improved"]
    assert tested.cells["year1"].value == truth["tested"]
    by_sex = {s.label: s.cells["year1"].value for s in improved.breakdown if s.label in ("Men", "Women")}
    assert by_sex == {"Men": truth["improved_by_sex"]["1"], "Women": truth["improved_by_sex"]["2"]}


def test_framework_has_every_indicator_with_values(demo) -> None:
    res, out = demo
    spec = load_programme(out / "programme.yaml").spec
    rows = {r.id: r for r in res["rows"]}
    assert list(rows) == [i.id for i in spec.indicators]
    for ind in spec.indicators:
        r = rows[ind.id]
        if ind.kind in ("share", "mean"):
            assert {"baseline", "year2"} <= set(r.cells) and r.change is not None
            assert r.cells["baseline"].ci_low < r.cells["baseline"].value < r.cells["baseline"].ci_high
        if ind.kind == "monitoring":
            assert all(r.cells[m.period].source == m.source for m in ind.monitoring)
    md = (out / "framework.md").read_text(encoding="utf-8")
    for ind in spec.indicators:
        assert ind.id in md
    assert "Change vs baseline" in md and "Media monitoring log" in md


def test_outputs_written(demo) -> None:
    res, out = demo
    for name in ("report.html", "framework.xlsx", "framework.html", "indicators.json", "charts/OC3.1.png",
                 "charts/OC3.1.svg", "export/baseline.sav", "export/endline.dta", "data/truth.json"):
        assert (out / name).stat().st_size > 0, name
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Methods" in html and "data:image/png;base64" in html


def test_cli_demo_small(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "surveymod", "demo", "-o", str(tmp_path / "d"), "-n", "400",
                        "--trainees", "20", "--replicates", "20"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "report:" in r.stdout and (tmp_path / "d" / "report.html").exists()
