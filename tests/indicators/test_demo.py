"""The demo runs the programme's whole results framework: every code of the annual-report template, with the
baselines as written, 3a from the policy/opinion-maker surveys recovering the simulated change, training counts
equal to the simulated tests, and the Cumulative column by the template's rule.

External source: the framework as listed in issue 14 (the programme's annual-report template), copied below; the
simulated truth (known change, trainee counts) written by the simulator; the demo register's own figures.
"""

from __future__ import annotations

import csv
import html as html_lib
import re
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from surveymod.demo import run_demo
from surveymod.resources import shipped

# Issue 14, "The programme's framework (from its annual report template)": code, result, baseline as written.
# 3a's baseline comes from the baseline study (computed), so it is None here.
FRAMEWORK = [
    ("1a", "Outcome 1", "2 – Limited extent"),
    ("1b", "Outcome 1", "Partially aligned"),
    ("1.1a", "Output 1.1", "Migration Policy 2016–2020"),
    ("1.2a", "Output 1.2", "0"),
    ("1.2b", "Output 1.2", "None"),
    ("1.3a", "Output 1.3", "0"),
    ("1.3b", "Output 1.3", "None"),
    ("2a", "Outcome 2", "Low frequency of data exchange"),
    ("2.1a", "Output 2.1", "0"),
    ("2.1b", "Output 2.1", "0"),
    ("2.1c", "Output 2.1", "0"),
    ("2.1d", "Output 2.1", "0"),
    ("3a", "Outcome 3", None),
    ("3.1a", "Output 3.1", "0"),
    ("3.1b", "Output 3.1", "No"),
    ("3.2a", "Output 3.2", "20"),
    ("3.2b", "Output 3.2", "10"),
    ("3.2c", "Output 3.2", "None"),
    ("3.2d", "Output 3.2", "2"),
]
TRAINING = {"1.3a": ["training_data_management_y1", "training_data_management_y2"],
            "2.1b": ["training_data_exchange_y2"],
            "3.2a": ["training_journalists_y1", "training_journalists_y2"],
            "3.2c": ["training_communication_strategy_y3"]}
TEMPLATE_COLUMNS = ["INDICATORS", "Baseline", "Y1", "Y2", "Y3", "Y4", "Cumulative", "Notes"]  # 2020-2023


@pytest.fixture(scope="module", params=[2026, 7])
def demo(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"demo{request.param}")
    res = run_demo(out, n=1500, n_pm=500, seed=request.param, replicates=60, exports=False, echo=lambda s: None)
    return res, out


def _md_table(out: Path) -> list[list[str]]:
    lines = [ln for ln in (out / "framework.md").read_text(encoding="utf-8").splitlines() if ln.startswith("|")]
    rows = [[c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", ln)[1:-1]] for ln in lines]
    return [r for r in rows if not set("".join(r)) <= {"-"}]


def _html_table(out: Path) -> list[list[str]]:
    text = (out / "framework.html").read_text(encoding="utf-8")
    head = [html_lib.unescape(h) for h in re.findall(r"<th>(.*?)</th>", text)]
    body = [[html_lib.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr)]
            for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", text.split("<tbody>")[1])]
    return [head, *body]


def _xlsx_table(out: Path) -> list[list[str]]:
    ws = load_workbook(out / "framework.xlsx").active
    return [["" if v is None else str(v) for v in row] for row in ws.iter_rows(min_row=2, values_only=True)]


@pytest.mark.parametrize("reader", [_md_table, _html_table, _xlsx_table], ids=["md", "html", "xlsx"])
def test_every_code_of_the_framework_with_its_baseline(demo, reader) -> None:
    _, out = demo
    table = reader(out)
    header = [h.replace("*", "") for h in table[0]]
    assert [h.split(" (")[0] for h in header] == TEMPLATE_COLUMNS
    assert header[2:6] == ["Y1 (2020)", "Y2 (2021)", "Y3 (2022)", "Y4 (2023)"]
    level = None
    found: dict[str, tuple[str | None, list[str]]] = {}
    for cells in table[1:]:
        first = cells[0].replace("*", "").replace("&nbsp;", "").strip()
        if re.match(r"^(Outcome|Output) \d", first) and all(not c for c in cells[1:]) or len(cells) == 1:
            level = first.split(":")[0]
            continue
        code = first.split(" ")[0]
        if code in dict((c, 0) for c, _, _ in FRAMEWORK) and code not in found:
            found[code] = (level, cells)
    assert list(found) == [c for c, _, _ in FRAMEWORK]  # every code, in the template's order
    for code, result, baseline in FRAMEWORK:
        got_level, cells = found[code]
        assert got_level == result, code
        if baseline is not None:
            assert cells[1] == baseline, code


def test_3a_is_the_relative_change_among_policy_and_opinion_makers(demo) -> None:
    res, _ = demo
    row = next(r for r in res["rows"] if r.id == "3a")
    assert {c.source for c in row.cells.values()} == {"survey wave 'pm_baseline'", "survey wave 'pm_endline'"}
    assert "% increase" in row.cells["year3"].text() and "95% CI" in row.cells["year3"].text()
    assert row.cells["baseline"].ci_low is not None  # the baseline study's level, with its CI
    assert any(n.startswith("Levels") for n in row.notes)
    assert row.target_status in ("met", "met on the point estimate but not statistically", "not met")


def test_demo_recovers_the_simulated_change_of_3a(demo) -> None:
    res, _ = demo
    truth = res["truth"]["3a"]
    row = next(r for r in res["rows"] if r.id == "3a")
    assert truth["relative_change_pct"] > 10  # the scenario has a real change to find
    lo, hi = row.change.pct_ci
    assert lo <= truth["relative_change_pct"] <= hi
    assert row.change.points_ci[0] <= truth["change_points"] <= row.change.points_ci[1]
    base, end = row.levels["baseline"], row.levels["year3"]
    assert base.ci_low <= truth["baseline"] <= base.ci_high
    assert end.ci_low <= truth["endline"] <= end.ci_high


def test_public_survey_feeds_campaign_reach_and_context(demo) -> None:
    res, _ = demo
    rows = {r.id: r for r in res["rows"]}
    reach = rows["3.1a"]
    assert set(reach.cells) == {"baseline", "year3"} and reach.cells["baseline"].text() == "0"
    assert reach.cells["year3"].source == "survey wave 'public_endline'"
    assert 0 < reach.cells["year3"].value < 1_525_366  # persons 15+ (Census 2021 population 15+)
    ctx = rows["3-context"]
    assert ctx.change is not None and "survey wave 'public_baseline'" in {c.source for c in ctx.cells.values()}
    eff = res["truth"]["public_endline"]["effects"][0]  # the devimpact change: a check the public data moved
    assert eff["change"] == pytest.approx(8)


def test_training_counts_equal_the_simulated_tests(demo) -> None:
    res, _ = demo
    rows = {r.id: r for r in res["rows"]}
    truth = res["truth"]["training"]
    for code, stems in TRAINING.items():
        row = rows[code]
        tested = sum(truth[s]["tested"] for s in stems)
        improved = sum(truth[s]["improved"] for s in stems)
        assert (row.cumulative.value, row.cumulative.extra) == (tested, improved), code
        women = sum(truth[s]["tested_by_sex"].get("2", 0) for s in stems)
        # labels from the questionnaire (short text of the item, label of the code), not retyped in the spec
        female = next(s for s in row.breakdown if s.label == "Sex: Female")
        assert female.cumulative.value == women, code
        assert not any(" = " in s.label for s in row.breakdown), code  # never "sex = 1"
    inst = {s.label for s in rows["2.1b"].breakdown if s.label.startswith("Institution: ")}
    assert "Institution: State Statistical Office" in inst  # issue 14: SSO is one of the coded institutions
    assert any(s.label == "Age group: 25-34" for s in rows["3.2a"].breakdown)


def _register() -> dict[tuple[str, str], str]:
    with open(shipped("examples", "programme", "monitoring_register.csv"), encoding="utf-8") as f:
        return {(r["indicator"], r["period"]): r["value"] for r in csv.DictReader(f)}


def test_cumulative_column_follows_the_template(demo) -> None:
    res, _ = demo
    rows = {r.id: r for r in res["rows"]}
    reg = _register()
    for code in ("1.2a", "1.3b", "2.1a", "2.1c", "2.1d", "3.2b", "3.2d"):  # counts: Y1 + Y2 + Y3
        total = sum(int(reg[(code, p)]) for p in ("year1", "year2", "year3") if (code, p) in reg)
        assert rows[code].cumulative.text() == f"{total:,}", code
    assert rows["3.1b"].cumulative.text() == reg[("3.1b", "year3")]  # yes/no: the latest statement
    assert rows["1b"].cumulative.text() == reg[("1b", "year3")]  # text: the latest statement
    assert rows["1a"].cumulative.text() == "4 – Large extent"  # scale: the latest score (4), with its label
    assert "year1" not in rows["1.2b"].cells  # no value reported: the cell stays empty, not 0
    md = (res["paths"]["framework.md"]).read_text(encoding="utf-8")
    assert "p = 0.000" not in md


def test_outputs_and_summary(demo) -> None:
    res, out = demo
    for name in ("report.html", "framework.xlsx", "framework.html", "indicators.json", "charts/3a.png",
                 "data/truth.json", "questionnaires/perception_policymakers_baseline.yaml", "monitoring_register.csv"):
        assert (out / name).stat().st_size > 0, name
    page = (out / "report.html").read_text(encoding="utf-8")
    summary, full = page.index("<h2>Summary</h2>"), page.index("<h2>Results framework</h2>")
    assert summary < page.index("data:image/png;base64") < full  # summary with a chart before the full table
    assert "3a</b>" in page[summary:full] and "% increase" in page[summary:full]


def test_programme_spec_is_relative_to_itself(demo, tmp_path: Path) -> None:
    """Issue 18: the demo's programme.yaml works after the folder is moved."""
    import shutil

    from surveymod.indicators.programme import load_programme

    _, out = demo
    moved = tmp_path / "moved"
    shutil.copytree(out, moved, ignore=shutil.ignore_patterns("export", "charts"))
    assert str(out) not in (moved / "programme.yaml").read_text(encoding="utf-8")
    lp = load_programme(moved / "programme.yaml")
    for w in lp.spec.waves.values():
        assert not Path(w.data).is_absolute() and not Path(w.questionnaire or "").is_absolute()
        assert (lp.base / (w.questionnaire or "")).exists() and (lp.base / w.data).exists()


def test_cli_demo_small(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "surveymod", "demo", "-o", str(tmp_path / "d"), "-n", "400",
                        "--policymakers", "200", "--trainees", "12", "--replicates", "20"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "report:" in r.stdout and (tmp_path / "d" / "report.html").exists()
    assert "% increase" in r.stdout
