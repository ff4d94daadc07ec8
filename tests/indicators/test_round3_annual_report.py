"""Issue 25: the annual MPTF report as the programme writes it - any year (before the endline too), the spec's words
as written, a Word table in the template layout with the sex split inside the cell, numbers as numbers in the XLSX,
training totals that add up, and one p-value for a change.

External sources: the statements and indicator texts are read from examples/programme/programme.yaml with PyYAML
(not through surveymod), the monitoring register's figures are summed here by hand, the Word file is read back with
python-docx, the workbook with openpyxl; the simulated trainees (truth.json) give the training counts.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from openpyxl import load_workbook

from surveymod.cli.main import cli
from surveymod.demo import run_demo
from surveymod.errors import SurveyError
from surveymod.indicators.asof import resolve_as_of
from surveymod.resources import shipped

docx = pytest.importorskip("docx")  # python-docx, a dependency since issue 25

SPEC = yaml.safe_load(shipped("examples", "programme", "programme.yaml").read_text(encoding="utf-8"))
YEARS = SPEC["years"]
TRAINING = ("1.3a", "2.1b", "3.2a", "3.2c")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("annual")
    res = run_demo(out, n=600, n_pm=300, seed=11, replicates=20, exports=False, echo=lambda s: None)
    return res, out


def _register() -> dict[tuple[str, str], str]:
    with open(shipped("examples", "programme", "monitoring_register.csv"), encoding="utf-8") as f:
        return {(r["indicator"], r["period"]): r["value"] for r in csv.DictReader(f)}


def _json_rows(folder: Path) -> dict[str, dict]:
    return {r["id"]: r for r in json.loads((folder / "indicators.json").read_text(encoding="utf-8"))}


# ------------------------------------------------------------------------------------------------ as of a year

def test_year_reports_are_made_before_the_endline_exists(demo) -> None:
    res, out = demo
    endline = (out / "data" / "pm_endline.csv").stat().st_mtime_ns
    for period in ("year1", "year2"):
        folder = out / "reports" / period
        for name in ("framework.docx", "framework.xlsx", "framework.md", "report.html"):
            assert (folder / name).stat().st_mtime_ns < endline, (period, name)
        row = _json_rows(folder)["3a"]
        assert set(row["cells"]) == {"baseline"}  # the baseline study's level, nothing invented after it
        assert row["cells"]["baseline"]["ci_low"] is not None
        assert row["cumulative"]["text_value"] == f"endline due {YEARS['year3']}"
        assert any(f"due {YEARS['year3']}" in n for n in row["notes"])


def test_year2_report_adds_up_year1_and_year2_only(demo) -> None:
    _, out = demo
    reg = _register()
    rows = _json_rows(out / "reports" / "year2")
    for code in ("1.2a", "1.3b", "2.1a", "2.1c", "3.2b", "3.2d"):
        want = sum(int(reg[(code, p)]) for p in ("year1", "year2") if (code, p) in reg)
        assert rows[code]["cumulative"]["value"] == want, code
        assert "year3" not in rows[code]["cells"]
    y1 = _json_rows(out / "reports" / "year1")["1.2a"]
    assert (y1["cumulative"]["value"], y1["target_status"]) == (int(reg[("1.2a", "year1")]), "not met yet")  # 1 < 3
    md = (out / "reports" / "year2" / "framework.md").read_text(encoding="utf-8")
    assert "as of Year 2 (2021)" in md.splitlines()[0]
    line = next(ln for ln in md.splitlines() if ln.startswith("| 1.2a "))
    cells = [c.strip() for c in line.split("|")[1:-1]]
    assert cells[4:6] == ["", ""]  # Y3 and Y4 blank in the Year 2 report
    assert cells[6] == str(sum(int(reg[("1.2a", p)]) for p in ("year1", "year2") if ("1.2a", p) in reg))


def test_final_report_has_the_fourth_year_column(demo) -> None:
    _, out = demo
    head = (out / "framework.md").read_text(encoding="utf-8").splitlines()[2]
    assert [c.strip() for c in head.split("|")[1:-1]] == [
        "INDICATORS", "Baseline", "Y1 (2020)", "Y2 (2021)", "Y3 (2022)", "Y4 (2023)", "Cumulative", "Notes"]


@pytest.mark.parametrize(("text", "period"), [
    ("year1", "year1"), ("2020", "year1"), ("2021-12-31", "year2"), ("2022-06", "year3"), ("2023", "year4"),
    ("2030", "year4"), (None, "year4")])
def test_as_of_a_period_year_or_date(text, period) -> None:
    assert resolve_as_of(text, YEARS) == period


@pytest.mark.parametrize("text", ["2019-12-31", "year5x", "2021-02-30"])
def test_as_of_outside_the_programme_is_an_error(text) -> None:
    with pytest.raises(SurveyError, match="as-of"):
        resolve_as_of(text, YEARS)


def test_cli_as_of(demo, tmp_path) -> None:
    _, out = demo
    runner = CliRunner()
    ok = runner.invoke(cli, ["indicators", "--spec", str(out / "programme.yaml"), "-o", str(tmp_path / "y1"),
                             "--as-of", "2020-12-31"])
    assert ok.exit_code == 0, ok.output
    assert "wrote" in ok.output and (tmp_path / "y1" / "framework.docx").exists()
    bad = runner.invoke(cli, ["indicators", "--spec", str(out / "programme.yaml"), "-o", str(tmp_path / "x"),
                              "--as-of", "next year"])
    assert bad.exit_code == 2 and "--as-of" in bad.output
    early = runner.invoke(cli, ["indicators", "--spec", str(out / "programme.yaml"), "-o", str(tmp_path / "x"),
                                "--as-of", "2019"])
    assert early.exit_code == 1 and "before the first reporting year" in early.output
    assert not (tmp_path / "x").exists()


def test_a_missing_wave_is_a_note_not_a_failure(demo, tmp_path) -> None:
    from surveymod.indicators.compute import compute
    from surveymod.indicators.programme import load_programme

    _, out = demo
    moved = tmp_path / "moved"
    shutil.copytree(out, moved, ignore=shutil.ignore_patterns("reports", "charts", "export"))
    (moved / "data" / "pm_endline.csv").unlink()
    rows = {r.id: r for r in compute(load_programme(moved / "programme.yaml"), "year3")[0]}
    assert set(rows["3a"].cells) == {"baseline"}
    assert any("data not available (data/pm_endline.csv not found)" in n for n in rows["3a"].notes)
    assert "year3" in rows["3-context"].cells  # every other indicator reports what it has


# ------------------------------------------------------------------------------------------------ the words

def _spec_texts() -> tuple[dict[str, str], dict[str, str]]:
    return ({r["level"]: r["text"] for r in SPEC["results"]}, {i["id"]: i["text"] for i in SPEC["indicators"]})


def _docx_table(path: Path):
    return docx.Document(str(path)).tables[0]


def _unique_cells(row) -> list[str]:
    out, seen = [], set()
    for c in row.cells:  # a merged heading row repeats its one cell
        if id(c._tc) not in seen:
            seen.add(id(c._tc))
            out.append(c.text)
    return out


@pytest.mark.parametrize("where", ["framework.docx", "reports/year1/framework.docx"])
def test_word_table_has_the_template_layout_and_the_words_as_written(demo, where) -> None:
    _, out = demo
    table = _docx_table(out / where)
    assert _unique_cells(table.rows[0]) == [
        "INDICATORS", "Baseline", "Y1 (2020)", "Y2 (2021)", "Y3 (2022)", "Y4 (2023)", "Cumulative", "Notes"]
    results, texts = _spec_texts()
    headings = [_unique_cells(r)[0] for r in table.rows[1:] if len(_unique_cells(r)) == 1]
    assert headings == [f"{lvl}: {txt}" for lvl, txt in results.items()]  # every statement, verbatim, in order
    firsts = {c.split(" ", 1)[0]: c for r in table.rows[1:] if len(cs := _unique_cells(r)) > 1
              for c in cs[:1] if c.split(" ", 1)[0] in texts}
    assert firsts == {k: f"{k} {v}" for k, v in texts.items()}  # every indicator text, verbatim


def test_word_cells_carry_the_sex_split_that_adds_up(demo) -> None:
    res, out = demo
    rows = {r.id: r for r in res["rows"]}
    table = _docx_table(out / "framework.docx")
    pattern = re.compile(r"^([\d,]+) \(([\d,]+) M / ([\d,]+) F\) trained / ([\d,]+) \(([\d,]+) M / ([\d,]+) F\) "
                         r"improved$")
    for code in TRAINING:
        line = next(_unique_cells(r) for r in table.rows if _unique_cells(r)[0].startswith(f"{code} "))
        m = pattern.match(line[-2])  # Cumulative
        assert m, (code, line[-2])
        trained, tm, tf, improved, im, if_ = (int(g.replace(",", "")) for g in m.groups())
        assert (trained, improved) == (tm + tf, im + if_), code
        assert (trained, improved) == (rows[code].cumulative.value, rows[code].cumulative.extra), code
    reach = next(_unique_cells(r) for r in table.rows if _unique_cells(r)[0].startswith("3.1a "))
    m = re.match(r"^([\d,]+) \(.*\); ([\d,]+) M / ([\d,]+) F$", reach[4])  # Y3 (2022): reached, with CI, by sex
    assert m, reach[4]
    total, men, women = (int(g.replace(",", "")) for g in m.groups())
    assert abs(total - men - women) <= 1  # each rounded to a person


# ------------------------------------------------------------------------------------------------ XLSX numbers

def _sheet(path: Path) -> dict[str, list]:
    ws = load_workbook(path).active
    return {str(r[0].value): r for r in ws.iter_rows(min_row=3) if r[0].value}


def test_xlsx_numbers_are_numeric_cells_with_formats(demo) -> None:
    res, out = demo
    sheet = _sheet(out / "framework.xlsx")
    rows = {r.id: r for r in res["rows"]}
    reg = _register()
    tools = next(v for k, v in sheet.items() if k.startswith("1.2a "))
    assert [c.value for c in tools[1:5]] == [0, int(reg[("1.2a", "year1")]), int(reg[("1.2a", "year2")]),
                                             int(reg[("1.2a", "year3")])]
    assert tools[6].value == sum(int(reg[("1.2a", p)]) for p in ("year1", "year2", "year3"))
    assert tools[6].number_format == "#,##0"
    a3 = next(v for k, v in sheet.items() if k.startswith("3a "))
    assert isinstance(a3[1].value, float) and a3[1].number_format == "0.0%"
    assert a3[1].value == pytest.approx(rows["3a"].cells["baseline"].value / 100)
    assert a3[4].value == pytest.approx(rows["3a"].change.pct / 100) and "+0.0%" in a3[4].number_format
    lines = [r for r in load_workbook(out / "framework.xlsx").active.iter_rows(min_row=3) if r[0].value]
    at = next(i for i, r in enumerate(lines) if str(r[0].value).startswith("3a "))
    women = next(r for r in lines[at:] if r[0].value == "Sex: Female")  # 3a's own breakdown
    female = next(s for s in rows["3a"].breakdown if s.label == "Sex: Female")
    assert women[4].value == pytest.approx(female.change.pct / 100) and "+0.0%" in women[4].number_format
    at = next(i for i, r in enumerate(lines) if str(r[0].value).startswith("1.3a "))
    trained, improved = lines[at], lines[at + 1]
    assert str(trained[0].value).endswith("— trained") and improved[0].value == "improved"
    assert (trained[6].value, improved[6].value) == (rows["1.3a"].cumulative.value, rows["1.3a"].cumulative.extra)
    text = next(v for k, v in sheet.items() if k.startswith("1b "))
    assert isinstance(text[3].value, str) and text[3].value == reg[("1b", "year2")]  # a statement stays text
    for key, cells in sheet.items():  # no number hides in a text cell
        for c in cells[1:-1]:
            assert not (isinstance(c.value, str) and re.fullmatch(r"[\d,.]+%?", c.value)), (key, c.value)


# ------------------------------------------------------------------------------------------------ training, p

def test_training_totals_equal_the_sum_of_their_breakdowns(demo) -> None:
    res, _ = demo
    truth = res["truth"]["training"]
    assert any(t["matched"] < t["tested"] for t in truth.values())  # some trainees missed the post-test
    for row in (r for r in res["rows"] if r.id in TRAINING):
        for var in {s.by for s in row.breakdown}:
            parts = [s for s in row.breakdown if s.by == var]
            for p, cell in row.cells.items():
                if p == "baseline":
                    continue
                assert sum(s.cells[p].value for s in parts if p in s.cells) == cell.value, (row.id, var, p)
                assert sum(s.cells[p].extra for s in parts if p in s.cells) == cell.extra, (row.id, var, p)
        assert row.notes[0].startswith("Trained = attended; improved = ")


def test_one_p_value_for_a_change(demo) -> None:
    res, out = demo
    row = next(r for r in res["rows"] if r.id == "3-context")
    p_points = re.search(r"p [=<] [\d.]+", row.change.text()).group()
    p_pct = re.search(r"p [=<] [\d.]+", row.change.increase_text()).group()
    assert p_points == p_pct
    page = (out / "report.html").read_text(encoding="utf-8")
    summary = page[page.index("<h2>Summary</h2>"):page.index("<h2>Results framework</h2>")]
    table = page[page.index("<h2>Results framework</h2>"):]
    ctx = [re.search(r"3-context.*?(p [=&lt;]+ [\d.]+)", part, re.S).group(1) for part in (summary, table)]
    assert ctx[0] == ctx[1]
