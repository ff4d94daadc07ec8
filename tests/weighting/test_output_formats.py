"""`surveymod weight` output formats: every row and column kept, weights equal to the API's, labels carried.

The outputs are read back with readers independent of the writer (pyreadstat): R haven for .sav/.dta, PSPP for .sav,
pandas.read_stata for .dta, polars for .parquet. Expected weights come from ``run_weighting`` (the API); the raked
total 6194 = 4421 + 755 + 1018 (the stype targets) is worked by hand; labels are the constants written below.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from surveymod.cli.main import _register, cli
from surveymod.data.exporter import safe_names
from surveymod.data.reader import read
from surveymod.weighting import run_weighting

API = Path(__file__).resolve().parents[1] / "data" / "api" / "apiclus1.csv"
SPEC = """design:
  weight: pw
  psu: dnum
  fpc: fpc
steps:
  - step: replicates
    method: jk1
  - step: rake
    tolerance: 1.0e-10
    margins:
      - variables: stype
        targets: {E: 4421, H: 755, M: 1018}
      - variables: sch.wide
        targets: {'No': 1072, 'Yes': 5122}
"""
N_ROWS, N_PSU, TOTAL = 183, 15, 6194.0  # apiclus1: 183 schools in 15 districts; 4421 + 755 + 1018
FORMATS = (".csv", ".xlsx", ".parquet", ".sav", ".dta")
VAR_LABELS = {"stype": "School type", "api00": "API in 2000", "cnum": "County number"}
VALUE_LABELS = {"stype": {"E": "Elementary", "H": "High school", "M": "Middle school"},
                "cnum": {1: "Alameda", 36: "San Diego"}}
R_DUMP = r"""
args <- commandArgs(TRUE)
suppressMessages(library(haven))
d <- if (grepl("\\.sav$", args[1])) read_sav(args[1]) else read_dta(args[1])
lab <- data.frame(var = names(d), label = vapply(names(d), function(n) {
  l <- attr(d[[n]], "label"); if (is.null(l)) NA_character_ else l }, ""))
vl <- do.call(rbind, c(list(data.frame(var = character(), value = character(), label = character())),
  lapply(names(d), function(n) { v <- attr(d[[n]], "labels")
    if (is.null(v)) NULL else data.frame(var = n, value = as.character(unname(v)), label = names(v)) })))
d <- zap_labels(d)
for (n in names(d)) if (is.numeric(d[[n]])) d[[n]] <- ifelse(is.na(d[[n]]), NA, sprintf("%.17g", d[[n]]))
write.csv(d, args[2], row.names = FALSE, na = "")
write.csv(lab, args[3], row.names = FALSE, na = "")
write.csv(vl, args[4], row.names = FALSE, na = "")
"""

needs_r = pytest.mark.skipif(shutil.which("Rscript") is None, reason="Rscript (R with haven) is not installed")
needs_pspp = pytest.mark.skipif(shutil.which("pspp") is None, reason="PSPP (pspp) is not installed")


def _weigh(data: Path, spec: Path, out: Path) -> None:
    _register()
    res = CliRunner().invoke(cli, ["weight", str(data), "--spec", str(spec), "-o", str(out)])
    assert res.exit_code == 0, res.output


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the spec, apiclus1 as CSV and as a labelled .sav, and the CLI's output in every format."""
    import pyreadstat  # writes the labelled input only; outputs are never read back with it

    d = tmp_path_factory.mktemp("formats")
    (d / "spec.yaml").write_text(SPEC, encoding="utf-8")
    shutil.copy(API, d / "apiclus1.csv")
    pyreadstat.write_sav(read(API).main, str(d / "labelled.sav"), column_labels=VAR_LABELS,
                         variable_value_labels=VALUE_LABELS, variable_measure={"stype": "nominal", "api00": "scale"})
    for ext in FORMATS:
        _weigh(d / "apiclus1.csv", d / "spec.yaml", d / f"out{ext}")
    for ext in (".sav", ".dta"):
        _weigh(d / "labelled.sav", d / "spec.yaml", d / f"lab{ext}")
    return d


@pytest.fixture(scope="module")
def expected(work: Path) -> pd.DataFrame:
    """The API's result on the same data and spec."""
    return run_weighting(read(API).main, work / "spec.yaml").data.main


def weight_columns(expected: pd.DataFrame) -> list[str]:
    """The final weight and the 15 jk1 replicate weights (one per district)."""
    return ["final_weight"] + [f"repw{k}" for k in range(1, N_PSU + 1)]


def _check(got: pd.DataFrame, expected: pd.DataFrame, names: dict[str, str] | None = None,
           trims: bool = False) -> None:
    """Same rows; every original column with the same values; weights equal to the API's to 1e-9.

    ``trims``: the reader drops trailing blanks of text (SPSS pads strings; haven and PSPP trim them on reading).
    """
    names = names or {}
    original = list(pd.read_csv(API, nrows=0).columns)
    assert list(got.columns) == [names.get(c, c) for c in original + weight_columns(expected)]
    assert len(got) == N_ROWS
    for c in original:
        g, e = got[names.get(c, c)], expected[c]
        if pd.api.types.is_numeric_dtype(e):
            np.testing.assert_allclose(pd.to_numeric(g).to_numpy(float), e.to_numpy(float), rtol=1e-12,
                                       equal_nan=True, err_msg=c)
        else:
            want = e.astype(str).str.rstrip() if trims else e.astype(str)
            assert g.astype(str).tolist() == want.tolist(), c
    for c in weight_columns(expected):
        np.testing.assert_allclose(pd.to_numeric(got[c]).to_numpy(float), expected[c].to_numpy(float),
                                   rtol=0, atol=1e-9, err_msg=c)
    assert abs(pd.to_numeric(got["final_weight"]).sum() - TOTAL) < 1e-6


def test_api_result_has_the_weight_columns(expected: pd.DataFrame) -> None:
    assert expected["final_weight"].sum() == pytest.approx(TOTAL, abs=1e-6)
    assert all(c in expected.columns for c in weight_columns(expected))
    assert f"repw{N_PSU + 1}" not in expected.columns


def test_csv(work: Path, expected: pd.DataFrame) -> None:
    _check(pd.read_csv(work / "out.csv", dtype={"cds": str}), expected)


def test_xlsx(work: Path, expected: pd.DataFrame) -> None:
    _check(pd.read_excel(work / "out.xlsx", dtype={"cds": str}), expected)


def test_parquet_read_with_polars(work: Path, expected: pd.DataFrame) -> None:
    pl = pytest.importorskip("polars", reason="polars (in the test extra) is the independent Parquet reader")
    frame = pl.read_parquet(work / "out.parquet")
    _check(pd.DataFrame({c: frame[c].to_list() for c in frame.columns}), expected)


def test_dta_read_with_pandas(work: Path, expected: pd.DataFrame) -> None:
    got = pd.read_stata(work / "out.dta", convert_categoricals=False)
    _check(got, expected, stata_names(list(expected.columns)))


def stata_names(columns: list[str]) -> dict[str, str]:
    """The columns the .dta output renames, by the one rule of every .sav/.dta writer."""
    return {c: n for c, n in safe_names(columns, "dta", Path("out.dta"), []).items() if c != n}


def test_stata_names_by_hand() -> None:
    """Worked by hand from the rule: '.' -> '_', a name taken by a valid column numbered 2, 'v' before a leading
    digit, cut to 28 characters; a valid name is never renamed to make room."""
    assert stata_names(["sch.wide", "sch_wide", "2x", "ok_name", "a" * 40]) == {
        "sch.wide": "sch_wide2", "2x": "v2x", "a" * 40: "a" * 28}


def _r_dump(path: Path) -> tuple[pd.DataFrame, dict[str, str], dict[str, dict[str, str]]]:
    """Data, variable labels and value labels of a .sav/.dta as R haven reads them."""
    script = path.parent / "dump.R"
    script.write_text(R_DUMP, encoding="utf-8")
    outs = [path.with_name(f"{path.stem}_{path.suffix[1:]}_r_{k}.csv") for k in ("data", "labels", "values")]
    subprocess.run(["Rscript", str(script), str(path), *map(str, outs)], check=True, capture_output=True,
                   timeout=120)
    data = pd.read_csv(outs[0], dtype={"cds": str})
    lab = pd.read_csv(outs[1], keep_default_na=False)
    vals = pd.read_csv(outs[2], dtype=str, keep_default_na=False)
    labels = {r.var: r.label for r in lab.itertuples() if r.label}
    values: dict[str, dict[str, str]] = {}
    for r in vals.itertuples():
        values.setdefault(r.var, {})[r.value] = r.label
    return data, labels, values


@needs_r
@pytest.mark.parametrize("ext", [".sav", ".dta"])
def test_haven_reads_output(work: Path, expected: pd.DataFrame, ext: str) -> None:
    data, labels, _ = _r_dump(work / f"out{ext}")
    names = stata_names(list(expected.columns)) if ext == ".dta" else {}
    _check(data, expected, names, trims=True)
    assert labels["final_weight"] == "Final weight (surveymod weight, spec.yaml)"
    assert labels["repw15"] == "Replicate weight repw15 (surveymod weight, spec.yaml)"
    if ext == ".dta":  # a renamed column keeps its original name as its label
        assert labels["sch_wide"] == "sch.wide"


@needs_r
def test_haven_sees_input_labels_on_sav_output(work: Path, expected: pd.DataFrame) -> None:
    data, labels, values = _r_dump(work / "lab.sav")
    _check(data, expected, trims=True)
    assert {k: labels[k] for k in VAR_LABELS} == VAR_LABELS
    assert values["stype"] == VALUE_LABELS["stype"]
    assert values["cnum"] == {"1": "Alameda", "36": "San Diego"}


@needs_r
def test_haven_sees_input_labels_on_dta_output(work: Path, expected: pd.DataFrame) -> None:
    """Stata holds value labels on whole-number columns only: cnum's survive, stype's (text) cannot."""
    data, labels, values = _r_dump(work / "lab.dta")
    _check(data, expected, stata_names(list(expected.columns)), trims=True)
    assert {k: labels[k] for k in VAR_LABELS} == VAR_LABELS
    assert values["cnum"] == {"1": "Alameda", "36": "San Diego"}
    assert "stype" not in values


def _pspp(work: Path, sav: str, name: str) -> tuple[str, pd.DataFrame]:
    """Run PSPP on ``sav``: dictionary and DESCRIPTIVES as CSV text, and the data saved as CSV by PSPP."""
    data_csv = work / f"{name}_pspp_data.csv"
    syntax = work / f"{name}.sps"
    syntax.write_text(f"GET FILE='{work / sav}'.\n"
                      "DISPLAY DICTIONARY.\n"
                      "DESCRIPTIVES /VARIABLES=final_weight /STATISTICS=MEAN SUM MIN MAX.\n"
                      f"SAVE TRANSLATE /OUTFILE='{data_csv}' /TYPE=CSV /FIELDNAMES /REPLACE.\n", encoding="utf-8")
    listing = work / f"{name}_pspp.csv"
    subprocess.run(["pspp", "-O", "format=csv", "-o", str(listing), str(syntax)], check=True,
                   capture_output=True, timeout=120)
    data = pd.read_csv(data_csv, dtype={"cds": str}, na_values=[" ", "."], skipinitialspace=True)
    return listing.read_text(encoding="utf-8"), data


def _descriptives(text: str) -> list[str]:
    """The final weight's row of PSPP's DESCRIPTIVES table: label, N, mean, min, max, sum."""
    rows = [r for r in text.splitlines() if r.startswith('"Final weight')]
    assert rows, text
    return re.findall(r'"[^"]*"|[^,]+', rows[-1])


@needs_pspp
def test_pspp_reads_sav_output(work: Path, expected: pd.DataFrame) -> None:
    text, data = _pspp(work, "out.sav", "out")
    _check(data, expected, trims=True)
    row = _descriptives(text)
    assert int(row[1]) == N_ROWS
    assert float(row[5]) == pytest.approx(TOTAL, abs=0.005)  # printed with 2 decimals


@needs_pspp
def test_pspp_sees_input_labels(work: Path, expected: pd.DataFrame) -> None:
    text, data = _pspp(work, "lab.sav", "lab")
    _check(data, expected, trims=True)
    assert "stype,2,School type,Nominal," in text
    assert "api00,12,API in 2000,Scale," in text
    assert "cnum,9,County number," in text
    assert 'final_weight,40,"Final weight (surveymod weight, spec.yaml)",Scale,' in text
    for line in ("School type,E,Elementary", ",H,High school", ",M,Middle school",
                 "County number,1.00,Alameda", ",36.00,San Diego"):
        assert line in text, text


@pytest.mark.parametrize("ext", [".csv", ".sav"])
def test_refuses_to_overwrite_input(work: Path, tmp_path: Path, ext: str) -> None:
    data = tmp_path / f"data{ext}"
    shutil.copy(work / ("apiclus1.csv" if ext == ".csv" else "labelled.sav"), data)
    before = data.read_bytes()
    _register()
    res = CliRunner().invoke(cli, ["weight", str(data), "--spec", str(work / "spec.yaml"), "-o", str(data)])
    assert res.exit_code == 1, res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
    assert "Traceback" not in res.output
    assert str(data) in res.output or data.name in res.output
    assert data.read_bytes() == before
    assert not (tmp_path / "data_weighting_report.json").exists()
