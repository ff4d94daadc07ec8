"""Value types of results-framework indicators: their checks (located errors), the Cumulative rule of the annual-report
template, the monitoring register, target judgments, p-values, and safe HTML/XLSX output.

Expected values are worked by hand from the template's rule (issue 14): counts add up (Y1; Y1+Y2; Y1+Y2+Y3);
levels, shares and scales report the latest; text and yes/no the latest statement; no value is never 0.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from surveymod.errors import SurveyError
from surveymod.indicators import framework
from surveymod.indicators.compute import compute
from surveymod.indicators.programme import load_programme
from surveymod.indicators.report import report_html
from surveymod.indicators.results import Cell, IndicatorRow, p_text

SPEC = """\
programme: Test
years: {year1: "2020", year2: "2021", year3: "2022"}
register: register.csv
results:
  - {level: Outcome 1, text: "Data are used"}
indicators:
  - id: "1a"
    level: Outcome 1
    text: Extent of use
    kind: monitoring
    value_type: scale
    range: [1, 5]
    scale_labels: {2: Limited extent, 4: Large extent}
    baseline: "2 – Limited extent"
  - id: "1b"
    level: Outcome 1
    text: Alignment
    kind: monitoring
    value_type: text
    baseline: Partially aligned
  - id: "1.2a"
    level: Output 1.2
    text: Tools applied
    kind: monitoring
    value_type: count
    baseline: 0
    target: {value: 6}
  - id: "1.3b"
    level: Output 1.3
    text: Sessions
    kind: monitoring
    value_type: count
    baseline: None
  - id: "3.1b"
    level: Output 3.1
    text: Campaign disseminated
    kind: monitoring
    value_type: yes_no
    baseline: No
  - id: "2.2a"
    level: Output 2.2
    text: Share of institutions exchanging data
    kind: monitoring
    value_type: share
    unit: "%"
"""
REGISTER = """\
indicator,period,value,source
1a,year1,2,Assessment 2020
1a,year2,4,Assessment 2021
1b,year3,Largely aligned,Review 2022
1.2a,year1,3,Tools register
1.2a,year2,2,Tools register
1.2a,year3,4,Tools register
3.1b,year1,No,Campaign log
3.1b,year2,Yes,Campaign log
2.2a,year1,40,Exchange survey
2.2a,year2,55.5,Exchange survey
"""


def _write(tmp_path: Path, spec: str = SPEC, register: str = REGISTER) -> Path:
    (tmp_path / "register.csv").write_text(register, encoding="utf-8")
    p = tmp_path / "programme.yaml"
    p.write_text(spec, encoding="utf-8")
    return p


def _line(text: str, needle: str) -> int:
    return next(i for i, ln in enumerate(text.splitlines(), start=1) if needle in ln)


@pytest.fixture()
def rows(tmp_path: Path) -> dict[str, IndicatorRow]:
    return {r.id: r for r in compute(load_programme(_write(tmp_path)))[0]}


def test_cumulative_rule_per_value_type(rows) -> None:
    assert rows["1.2a"].cumulative.text() == "9"  # count: 3 + 2 + 4
    assert rows["1a"].cumulative.text() == "4 – Large extent"  # scale: the latest score, labelled
    assert rows["1b"].cumulative.text() == "Largely aligned"  # text: the latest statement
    assert rows["3.1b"].cumulative.text() == "Yes"  # yes/no: the latest statement
    assert rows["2.2a"].cumulative.text() == "55.5%"  # share: the latest, not a sum (95.5)
    assert rows["1.3b"].cumulative is None  # nothing reported: empty, never a made-up 0
    assert "year1" not in rows["1b"].cells


def test_baselines_as_written(rows) -> None:
    got = {k: r.cells["baseline"].text() for k, r in rows.items() if "baseline" in r.cells}
    assert got == {"1a": "2 – Limited extent", "1b": "Partially aligned", "1.2a": "0", "1.3b": "None", "3.1b": "No"}


def test_targets_on_counts(rows) -> None:
    assert rows["1.2a"].target_status == "met"  # 9 >= 6


def test_tables_have_no_made_up_zero(rows) -> None:
    table = list(framework.table_rows(list(rows.values())))
    sessions = next(c for k, c in table if c[0].startswith("1.3b "))
    assert sessions[1:6] == ["None", "–", "–", "–", "–"]


@pytest.mark.parametrize(("old", "new", "needle"), [
    ("baseline: No\n", "baseline: Maybe\n", "baseline: Maybe"),                  # yes/no
    ('baseline: "2 – Limited extent"', 'baseline: "7 – Beyond"', "7 – Beyond"),  # scale out of range
    ('baseline: "2 – Limited extent"', "baseline: high", "baseline: high"),      # scale not a score
    ("baseline: 0\n", "baseline: -1\n", "baseline: -1"),                         # count below 0
    ("baseline: 0\n", "baseline: 2.5\n", "baseline: 2.5"),                       # count not whole
])
def test_bad_spec_value_names_file_and_line(tmp_path: Path, old: str, new: str, needle: str) -> None:
    spec = SPEC.replace(old, new, 1)
    with pytest.raises(SurveyError) as info:
        load_programme(_write(tmp_path, spec))
    prob = info.value.problems[0]
    assert prob.location.file.endswith("programme.yaml") and prob.location.line == _line(spec, needle)


def test_qualitative_values_accepted(tmp_path: Path) -> None:
    spec = SPEC + ("  - id: '9z'\n    level: Output 9\n    text: Policy adopted\n    kind: monitoring\n"
                   "    value_type: yes_no\n    baseline: no\n    monitoring:\n"
                   "      - {period: year1, value: true, source: Gazette}\n")
    row = next(r for r in compute(load_programme(_write(tmp_path, spec)))[0] if r.id == "9z")
    assert (row.cells["baseline"].text(), row.cells["year1"].text()) == ("No", "Yes")


@pytest.mark.parametrize(("line", "column", "words"), [
    ("9.9z,year1,3,Tools register\n", "indicator", "unknown indicator code '9.9z'"),
    ("1.2a,year4,3,Tools register\n", "period", "unknown period 'year4'"),
    ("3.1b,year3,Perhaps,Campaign log\n", "value", "yes/no"),
    ("1a,year3,6,Assessment\n", "value", "outside the scale 1–5"),
    ("1.2a,year3,5,\n", "source", "source"),
])
def test_bad_register_row_names_file_and_row(tmp_path: Path, line: str, column: str, words: str) -> None:
    register = REGISTER.replace("1.2a,year3,4,Tools register\n", "") + line
    row = len(register.splitlines())  # the header is row 1, the added line is the last
    with pytest.raises(SurveyError) as info:
        load_programme(_write(tmp_path, register=register))
    prob = info.value.problems[0]
    assert words in prob.message
    assert prob.location.file.endswith("register.csv")
    assert (prob.location.row, prob.location.variable) == (row, column)


def test_bad_xlsx_register_row(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    for r in [["indicator", "period", "value", "source"], ["1.2a", "year1", 3, "Tools"], ["1.2a", "Y2", 2, "Tools"]]:
        ws.append(r)
    wb.save(tmp_path / "register.xlsx")
    with pytest.raises(SurveyError) as info:
        load_programme(_write(tmp_path, SPEC.replace("register.csv", "register.xlsx")))
    prob = info.value.problems[0]
    assert prob.location.file.endswith("register.xlsx") and prob.location.row == 3 and "'Y2'" in prob.message


def test_p_values_never_zero() -> None:
    assert p_text(0.0) == "p < 0.001" and p_text(0.0004) == "p < 0.001"
    assert p_text(0.0123) == "p = 0.012" and p_text(0.001) == "p = 0.001"


def test_target_judgments_from_the_ci() -> None:
    from surveymod.indicators.compute import _judge

    assert _judge(12.0, 10.5, 10) == "met"  # whole CI above the target
    assert _judge(12.0, 4.0, 10) == "met on the point estimate but not statistically"
    assert _judge(8.0, 1.0, 10) == "not met"


def test_text_from_data_is_not_a_formula_nor_markup() -> None:
    row = IndicatorRow(id="1b", level="Outcome 1", text="=HYPERLINK(\"http://x\",\"y\")", kind="monitoring",
                       value_type="text")
    row.cells["year1"] = Cell(text_value="<script>alert(1)</script>", source="@SUM(A1)")
    row.cells["year2"] = Cell(text_value="+1 protocol")
    row.breakdown.append(IndicatorRow(id="1b", level="", text="", label="=SUM(1,2)",
                                      cells={"year1": Cell(text_value="-5")}))
    data = framework.to_xlsx([row])
    with zipfile.ZipFile(io.BytesIO(data)) as z:  # the sheet XML has no formula element at all
        assert "<f>" not in z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    ws = load_workbook(io.BytesIO(data)).active
    values = {c.value: c.data_type for r in ws.iter_rows() for c in r if c.value is not None}
    for text in ("=SUM(1,2)", "+1 protocol", "-5", "<script>alert(1)</script>"):
        assert values[text] == "s", text
    page = report_html([row], "t", {}, [], [])
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_cli_reports_a_bad_register_row_in_one_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from surveymod.cli.main import cli

    spec = _write(tmp_path, register=REGISTER + "1.2a,year5,1,Tools register\n")
    r = CliRunner().invoke(cli, ["indicators", "--spec", str(spec), "-o", str(tmp_path / "out")])
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert "register.csv row 12 column period: unknown period 'year5'" in r.output
