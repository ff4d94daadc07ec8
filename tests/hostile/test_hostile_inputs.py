"""The corpus of hostile and broken inputs (issue 13): each gets a located error or a safe result, never a
traceback, hang, memory blow-up, silent change or write outside the output folder. See README.md here."""

from __future__ import annotations

import codecs
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from surveymod.cli.main import _register, cli

DATA = Path(__file__).resolve().parents[1] / "data"
HH = DATA / "questionnaires_data" / "household.yaml"
BASE = Path(__file__).resolve().parents[1] / "questionnaire" / "base.yaml"
API = DATA / "api" / "apistrat.csv"
HEADER = "hhid,interview_date,region,resp_name,hhsize,any_emig,n_emig,income\n"

BOMB = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(9))


def run(*args: str, timeout: float = 60) -> tuple[int, str]:
    """Invoke the CLI in-process; no traceback may reach the user and nothing may hang."""
    _register()
    start = time.monotonic()
    r = CliRunner().invoke(cli, list(args))
    assert time.monotonic() - start < timeout, f"took {time.monotonic() - start:.0f} s"
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    assert "Traceback" not in r.output
    return r.exit_code, r.output


def write(path: Path, text: str | bytes) -> Path:
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def base_with(tmp: Path, old: str, new: str, name: str = "q.yaml") -> Path:
    text = BASE.read_text(encoding="utf-8")
    assert old in text
    return write(tmp / name, text.replace(old, new, 1))


# ------------------------------------------------------------------------------------------------- security


def test_title_with_line_breaks_injects_no_command(tmp_path: Path) -> None:
    q = base_with(tmp_path, "title: {en: Mini survey,",
                  'title: {en: "Mini\\nHOST COMMAND=[\'touch pwned\'].\\nshell touch pwned\\n* x",')
    code, out = run("build", str(q), "--to", "spss", "--to", "stata", "-o", str(tmp_path / "out"))
    assert code == 0, out
    for f in (tmp_path / "out").iterdir():
        if f.suffix in (".sps", ".do"):
            lines = f.read_text(encoding="utf-8").splitlines()
            assert not [x for x in lines if x.lstrip().upper().startswith(("HOST", "SHELL", "!"))], f.name


@pytest.mark.parametrize("bad_id", ["../../escaped", "/tmp/surveymod_escaped_abs", "a/b"])
def test_form_id_cannot_write_outside_the_output(tmp_path: Path, bad_id: str) -> None:
    q = base_with(tmp_path, "id: mini", f"id: '{bad_id}'")
    out = tmp_path / "sub" / "out"
    code, text = run("build", str(q), "--to", "all", "-o", str(out))
    assert code == 1 and "q.yaml:2" in text, text
    assert not (tmp_path / "escaped.xlsx").exists() and not Path("/tmp/surveymod_escaped_abs.xlsx").exists()
    assert not out.exists()


def _no_formulas(path: Path) -> None:
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{path.name}!{cell.coordinate} is a formula: {cell.value}"


def test_labels_starting_with_formula_characters_stay_text(tmp_path: Path) -> None:
    q = base_with(tmp_path, "{code: 1, label: {en: 'Yes', mk: Да}}",
                  "{code: 1, label: {en: '=HYPERLINK(\"http://x\",\"y\")', mk: '+1+1'}}")
    code, out = run("build", str(q), "--to", "xlsform", "--to", "translations", "-o", str(tmp_path / "o"))
    assert code == 0, out
    books = list((tmp_path / "o").glob("*.xlsx"))
    assert len(books) == 2
    for b in books:
        _no_formulas(b)
    texts = [c.value for b in books for ws in openpyxl.load_workbook(b).worksheets for r in ws.iter_rows()
             for c in r]
    assert '=HYPERLINK("http://x","y")' in texts  # kept as written, not prefixed


def test_data_values_starting_with_formula_characters_stay_text(tmp_path: Path) -> None:
    data = write(tmp_path / "d.csv", HEADER + '701,2026-11-22,1,=HYPERLINK("http://x"),4,2,,100\n'
                                               "702,2026-11-22,1,@SUM(A1),4,2,,100\n")
    code, out = run("export", str(data), "-q", str(HH), "--to", "xlsx", "-o", str(tmp_path / "e.xlsx"))
    assert code == 0, out
    _no_formulas(tmp_path / "e.xlsx")
    code, out = run("check", str(data), "-q", str(HH), "-o", str(tmp_path / "c.xlsx"))
    _no_formulas(tmp_path / "c.xlsx")
    est = write(tmp_path / "x.csv", "g,w\n=1+1,1\n-2+3,2\n@A1,1\n")
    code, out = run("estimate", str(est), "--weight", "w", "--prop", "g", "-o", str(tmp_path / "est.xlsx"))
    assert code == 0, out
    _no_formulas(tmp_path / "est.xlsx")
    values = [c.value for r in openpyxl.load_workbook(tmp_path / "est.xlsx").active.iter_rows() for c in r]
    assert "=1+1" in values and "@A1" in values


def _design_bomb(tmp: Path) -> list[str]:
    write(tmp / "d.csv", "w,y\n1,2\n")
    return ["estimate", str(tmp / "d.csv"), "--design", str(write(tmp / "design.yaml", "design: {weight: w}\n" + BOMB)),
            "--mean", "y", "-o", str(tmp / "o.csv")]


def _spec_bomb(tmp: Path) -> list[str]:
    write(tmp / "d.csv", "w,y\n1,2\n")
    return ["weight", str(tmp / "d.csv"), "--spec", str(write(tmp / "spec.yaml", BOMB)), "-o", str(tmp / "o.csv")]


def _simulate_bomb(tmp: Path) -> list[str]:
    return ["simulate", str(BASE), "-n", "5", "--design", str(write(tmp / "sd.yaml", BOMB)), "-o", str(tmp / "s.csv")]


BOMBS: dict[str, Callable[[Path], list[str]]] = {
    "questionnaire": lambda t: ["validate", str(write(t / "q.yaml", BOMB))],
    "weighting spec": _spec_bomb,
    "design": _design_bomb,
    "simulate design": _simulate_bomb,
}


@pytest.mark.parametrize("where", list(BOMBS))
def test_yaml_alias_bombs_are_refused(tmp_path: Path, where: str) -> None:
    code, out = run(*BOMBS[where](tmp_path), timeout=30)
    assert code == 1 and "yaml-too-large" in out and ".yaml:" in out, out


def test_a_billion_replicates_are_refused(tmp_path: Path) -> None:
    write(tmp_path / "d.csv", "w,y\n1,2\n3,4\n")
    spec = write(tmp_path / "spec.yaml", "design: {weight: w}\nsteps:\n  - {step: replicates, method: bootstrap, "
                                         "n: 1000000000}\n")
    code, out = run("weight", str(tmp_path / "d.csv"), "--spec", str(spec), "-o", str(tmp_path / "o.csv"))
    assert code == 1 and "spec.yaml:3" in out and "10000" in out.replace(",", ""), out


# -------------------------------------------------------------------------------------------------- crashes


@pytest.mark.parametrize(("text", "line", "words"), [
    ("id: !foo mini\n", 1, "not allowed"),
    ("id: !!python/name:os.system mini\n", 1, "not allowed"),
    ("a: !!python/object/apply:os.system ['touch pwned']\n", 1, "not allowed"),
    ("id: mi\x00ni\n", 1, "character YAML does not allow"),
    ("[" * 20000 + "]" * 20000, 1, "nested"),
])
def test_yaml_tags_nul_and_depth(tmp_path: Path, text: str, line: int, words: str) -> None:
    code, out = run("validate", str(write(tmp_path / "q.yaml", text)))
    assert code == 1 and f"q.yaml:{line}" in out and words in out, out
    assert not (tmp_path / "pwned").exists()


DEEP = {"parentheses": "(" * 150 + "hhsize" + ")" * 150 + " > 1", "not": "not " * 3000 + "hhsize > 1",
        "terms": " + ".join(["hhsize"] * 1000) + " > 1", "minus": "-" * 3000 + "hhsize > 1"}


@pytest.mark.parametrize("kind", list(DEEP))
def test_deep_expressions_in_validate_and_diff(tmp_path: Path, kind: str) -> None:
    text = BASE.read_text(encoding="utf-8")
    marker = "relevant: "
    assert marker in text
    i = text.index(marker) + len(marker)
    j = text.index("\n", i)
    bad = write(tmp_path / "q.yaml", text[:i] + f'"{DEEP[kind]}"' + text[j:].replace("}", "}", 1))
    line = text[:i].count("\n") + 1
    code, out = run("validate", str(bad))
    assert code == 1 and f"q.yaml:{line}" in out and "expression" in out, out
    code, out = run("diff", str(BASE), str(bad))
    assert code == 1 and f"q.yaml:{line}" in out and "<unparsable>" not in out, out  # refused, located (issue 23)


def _programme(tmp: Path, expression: str = "api00 > 700", data: str = "apistrat.csv") -> Path:
    shutil.copy(API, tmp / "apistrat.csv")
    return write(tmp / "programme.yaml", f"""programme: P
title: T
waves:
  base:
    data: {data}
    period: baseline
    design: {{weight: pw, strata: stype, fpc: fpc}}
indicators:
  - id: OC1
    level: Outcome 1
    text: share
    kind: share
    expression: "{expression}"
    waves: [base]
""")


@pytest.mark.parametrize("expression", [DEEP["parentheses"].replace("hhsize", "api00"),
                                        " + ".join(["api00"] * 1000) + " > 1", "nosuchfn(api00) > 1"])
def test_indicator_expressions_are_located(tmp_path: Path, expression: str) -> None:
    spec = _programme(tmp_path, expression)
    code, out = run("indicators", "--spec", str(spec), "-o", str(tmp_path / "out"))
    assert code == 1 and "programme.yaml:" in out, out


@pytest.mark.parametrize("opts", [["--min-n", "-5"], ["--cv-warn", "-1"], ["--level", "1.5"]])
def test_negative_flag_options_are_usage_errors(tmp_path: Path, opts: list[str]) -> None:
    code, out = run("estimate", str(API), "--weight", "pw", "--mean", "api00", *opts, "-o", str(tmp_path / "o.csv"))
    assert code == 2 and opts[0] in out, out


def test_unexpected_errors_say_internal_error_with_exit_3(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import surveymod.estimation as est
    from surveymod.cli import commands_estimate

    def boom(*_a: object, **_k: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(commands_estimate, "estimate", boom)
    assert est is not None
    code, out = run("estimate", str(API), "--weight", "pw", "--mean", "api00", "-o", str(tmp_path / "o.csv"))
    assert code == 3 and "internal error" in out and "report" in out and "RuntimeError: boom" in out, out


# ------------------------------------------------------------------------------------- silent changes


def _check(tmp: Path, body: str | bytes, name: str = "d.csv") -> tuple[int, str]:
    data = write(tmp / name, body)
    return run("check", str(data), "-q", str(HH), "-o", str(tmp / "report.csv"))


def test_short_row_is_an_error_not_padded(tmp_path: Path) -> None:
    code, out = _check(tmp_path, HEADER + "701,2026-11-22,1,A,4,2,,100\n702,2026-11-22,1\n")
    assert code == 1 and "row 2" in out and "3 field(s)" in out and "8" in out, out
    code, out = run("export", str(tmp_path / "d.csv"), "-q", str(HH), "--to", "csv", "-o", str(tmp_path / "e.csv"))
    assert code == 1 and not (tmp_path / "e.csv").exists()


def test_duplicate_column_names_are_an_error(tmp_path: Path) -> None:
    code, out = _check(tmp_path, "hhid,hhsize,hhsize\n701,4,5\n")
    assert code == 1 and "columns 2 and 3" in out and "hhsize" in out and "d.csv:1" in out, out


def test_text_yes_in_select_one_is_reported_and_inf_is_no_number(tmp_path: Path) -> None:
    _check(tmp_path, HEADER + "701,2026-11-22,1,A,4,yes,,inf\n")
    report = (tmp_path / "report.csv").read_text(encoding="utf-8")
    assert "labels-mapped" in report and "any_emig" in report
    assert "income" in report  # 'inf' is flagged, never a valid decimal answer


def test_mixed_encodings_are_refused(tmp_path: Path) -> None:
    body = (HEADER + "701,2026-11-22,1,Jos\xe9,4,2,,100\n").encode("latin-1") + \
        "702,2026-11-22,1,Марија,4,2,,100\n".encode()
    code, out = _check(tmp_path, body)
    assert code == 1 and "mixes text encodings" in out and "line 3" in out and "line 2" in out, out


def test_utf16_csv_is_read_whole_by_check(tmp_path: Path) -> None:
    rows = HEADER + "".join(f"{700 + i},2026-11-22,1,Марија,4,2,,100\n" for i in range(60))
    code, out = _check(tmp_path, codecs.BOM_UTF16_LE + rows.encode("utf-16-le"))
    assert code == 0 and "truncated" not in out and "60 rows" in out, out


def test_nul_file_fails_fast_without_printing_nuls(tmp_path: Path) -> None:
    code, out = _check(tmp_path, b"\x00" * (8 << 20), "nul.csv")
    assert code == 1 and "NUL" in out and "\x00" not in out, out


DESIGN_BREAKS: dict[str, tuple[str, Callable[[Any], Any], str]] = {
    "fpc varies in a stratum": ("fpc", lambda d: d.assign(fpc=d["fpc"] + (d.index % 2)), "constant"),
    "fpc below the sample": ("fpc", lambda d: d.assign(fpc=2.0), "sampled"),
    "probability above 1": ("prob", lambda d: d.assign(prob=1.5), "at most 1"),
}


@pytest.mark.parametrize("case", list(DESIGN_BREAKS))
def test_design_options_are_checked_against_the_data(tmp_path: Path, case: str) -> None:
    import pandas as pd

    column, change, words = DESIGN_BREAKS[case]
    change(pd.read_csv(API)).to_csv(tmp_path / "d.csv", index=False)
    opts = ["--strata", "stype", f"--{column}", column] + ([] if column == "prob" else ["--weight", "pw"])
    code, out = run("estimate", str(tmp_path / "d.csv"), *opts, "--mean", "api00", "-o", str(tmp_path / "o.csv"))
    assert code == 1 and words in out and "row" in out, out


def test_change_of_a_category_that_does_not_exist(tmp_path: Path) -> None:
    code, out = run("change", str(API), str(API), "--weight", "pw", "--prop", "stype", "--category", "77",
                    "-o", str(tmp_path / "o.csv"))
    assert code == 1 and "77" in out and "does not occur" in out, out


def test_panel_ids_must_be_unique(tmp_path: Path) -> None:
    code, out = run("change", str(API), str(API), "--weight", "pw", "--mean", "api00", "--panel-id", "dnum",
                    "-o", str(tmp_path / "o.csv"))
    assert code == 1 and "not unique" in out and "row" in out, out


def test_integer_keys_in_inline_targets_are_accepted(tmp_path: Path) -> None:
    write(tmp_path / "d.csv", "w,sex\n" + "".join(f"1,{1 + i % 2}\n" for i in range(10)))
    spec = write(tmp_path / "s.yaml", "design: {weight: w}\nsteps:\n  - step: poststratify\n    margin: "
                                      "{variables: sex, targets: {1: 100, 2: 120}, kind: count}\n")
    code, out = run("weight", str(tmp_path / "d.csv"), "--spec", str(spec), "-o", str(tmp_path / "o.csv"))
    assert code == 0, out


def test_outputs_follow_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        code, out = run("estimate", str(API), "--weight", "pw", "--mean", "api00", "-o", str(tmp_path / "o.csv"))
    finally:
        os.umask(old)
    assert code == 0, out
    assert (tmp_path / "o.csv").stat().st_mode & 0o777 == 0o644


def test_number_stata_cannot_store_names_row_and_column(tmp_path: Path) -> None:
    data = write(tmp_path / "d.csv", HEADER + "701,2026-11-22,1,A,4,2,,5\n702,2026-11-22,1,B,4,2,,1e308\n")
    code, out = run("export", str(data), "-q", str(HH), "--to", "dta", "-o", str(tmp_path / "e.dta"))
    assert code == 1 and "row 2" in out and "income" in out, out
    assert not (tmp_path / "e.dta").exists()


@pytest.mark.parametrize("data", [".", "programme.yaml"])
def test_programme_wave_data_must_be_a_data_file(tmp_path: Path, data: str) -> None:
    spec = _programme(tmp_path, data=data)
    code, out = run("indicators", "--spec", str(spec), "-o", str(tmp_path / "out"))
    assert code == 1 and "programme.yaml:5" in out, out


def test_replicates_that_cannot_fit_in_memory_are_refused_before_starting(tmp_path: Path) -> None:
    import numpy as np
    import pandas as pd

    n = 2_000_000
    pd.DataFrame({"w": np.ones(n), "psu": np.arange(n)}).to_parquet(tmp_path / "d.parquet")
    spec = write(tmp_path / "s.yaml", "design: {weight: w, psu: psu}\nsteps:\n  - {step: replicates, method: "
                                      "bootstrap, n: 10000}\n")
    code, out = run("weight", str(tmp_path / "d.parquet"), "--spec", str(spec), "-o", str(tmp_path / "o.parquet"))
    assert code == 1 and "s.yaml:3" in out and "GiB" in out, out


# -------------------------------------------------------------------------------- from the code review (issue 13)


@pytest.mark.parametrize("text", ["id: x\na: &a [*a]\n", "id: x\na: &a {b: *a}\n"])
def test_a_cyclic_alias_is_a_located_error(tmp_path: Path, text: str) -> None:
    code, out = run("validate", str(write(tmp_path / "q.yaml", text)))
    assert code == 1 and "q.yaml:2" in out and "cycle" in out, out


def test_control_character_in_a_column_name_is_located_not_internal(tmp_path: Path) -> None:
    write(tmp_path / "d.csv", "w,x\x01y\n1,2\n3,4\n")
    spec = write(tmp_path / "s.yaml", "design: {weight: w}\nsteps:\n  - {step: trim, upper: 10}\n")
    code, out = run("weight", str(tmp_path / "d.csv"), "--spec", str(spec), "-o", str(tmp_path / "o.xlsx"))
    assert code == 1 and "column 2" in out and "\x01" not in out, out


def test_stata_compound_quotes_cannot_be_closed_by_a_label() -> None:
    from surveymod.syntax.stata import stata_string

    quoted = stata_string('he said "no\'s" and "yes"')
    assert quoted.startswith('`"') and quoted.endswith('"\'')
    assert "\"'" not in quoted[2:-2]


def test_weight_refuses_probabilities_above_one(tmp_path: Path) -> None:
    write(tmp_path / "d.csv", "p,y\n0.5,1\n1.5,2\n")
    spec = write(tmp_path / "s.yaml", "design: {prob: p}\nsteps:\n  - {step: trim, upper: 10}\n")
    code, out = run("weight", str(tmp_path / "d.csv"), "--spec", str(spec), "-o", str(tmp_path / "o.csv"))
    assert code == 1 and "s.yaml:1" in out and "above 1" in out and "row" in out, out


def test_weight_never_converts_missing_values_between_sav_and_dta_silently(tmp_path: Path) -> None:
    import pandas as pd
    import pyreadstat

    frame = pd.DataFrame({"w": [1.0, 2.0, 3.0], "q": [1.0, 2.0, 99.0]})
    pyreadstat.write_sav(frame, str(tmp_path / "in.sav"), missing_ranges={"q": [99]})
    spec = write(tmp_path / "s.yaml", "design: {weight: w}\nsteps:\n  - {step: trim, upper: 10}\n")
    code, out = run("weight", str(tmp_path / "in.sav"), "--spec", str(spec), "-o", str(tmp_path / "o.dta"))
    assert code == 1 and "user-missing" in out and "q" in out and "-q" in out, out
    assert not (tmp_path / "o.dta").exists()
    code, out = run("weight", str(tmp_path / "in.sav"), "--spec", str(spec), "-o", str(tmp_path / "o.sav"))
    assert code == 0, out
    _, meta = pyreadstat.read_sav(str(tmp_path / "o.sav"), metadataonly=True, user_missing=True)
    assert meta.missing_ranges["q"] == [{"lo": 99.0, "hi": 99.0}]
    do = (tmp_path / "o_design.do").read_text(encoding="utf-8")
    assert 'import spss using "o.sav"' in do
