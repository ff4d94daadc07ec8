"""Round 3 (issue 23), generated code that means something else: every name and text that goes into R, Stata,
SPSS, XPath, Markdown, HTML or the terminal passes the one rule of that language (see src/surveymod/syntax/).
The R scripts are run by Rscript and give R's own numbers for the same design. See README.md here."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from test_hostile_inputs import API, BASE, HEADER, HH, _programme, base_with, run, write

needs_r = pytest.mark.skipif(shutil.which("Rscript") is None, reason="R not installed")


def _r(script: str, cwd: Path) -> str:
    r = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True, timeout=180, cwd=cwd)
    assert r.returncode == 0, r.stderr
    return r.stdout


R_CHECK = """suppressMessages(source('{script}'))
d0 <- read.csv('{csv}', check.names = FALSE)
ref <- svydesign(ids = ~1, strata = ~{strata}, weights = ~pw, data = d0, nest = TRUE)
a <- svymean(~api00, des); b <- svymean(~api00, ref)
cat(coef(a), SE(a), coef(b), SE(b), '\\n')"""


@needs_r
def test_an_output_weight_named_true_is_the_column_not_rs_constant(tmp_path: Path) -> None:
    shutil.copy(API, tmp_path / "d.csv")
    spec = write(tmp_path / "s.yaml", 'design: {weight: pw, strata: stype}\nsteps:\n  - {step: trim, upper: 1000}\n'
                                      'output: "TRUE"\n')
    code, out = run("weight", str(tmp_path / "d.csv"), "--spec", str(spec), "-o", str(tmp_path / "o.dta"))
    assert code == 0, out
    script = (tmp_path / "o_design.R").read_text(encoding="utf-8")
    assert "weights = ~`TRUE`" in script and "~TRUE" not in script
    est, se, r_est, r_se = map(float, _r(R_CHECK.format(script="o_design.R", csv="d.csv", strata="stype"),
                                          tmp_path).split())
    assert est == pytest.approx(r_est, rel=1e-12) and se == pytest.approx(r_se, rel=1e-9)  # weighted, not ~1


@needs_r
def test_design_files_name_the_columns_the_dta_was_written_with(tmp_path: Path) -> None:
    pd.read_csv(API).rename(columns={"stype": "st.x"}).to_csv(tmp_path / "d.csv", index=False)
    spec = write(tmp_path / "s.yaml", "design: {weight: pw, strata: st.x}\nsteps:\n  - {step: trim, upper: 1000}\n")
    code, out = run("weight", str(tmp_path / "d.csv"), "--spec", str(spec), "-o", str(tmp_path / "o.dta"))
    assert code == 0 and "st.x -> st_x" in out, out
    for suffix in ("R", "do", "sps"):
        text = (tmp_path / f"o_design.{suffix}").read_text(encoding="utf-8")
        assert "st_x" in text and "st.x" not in text, (suffix, text)
    est, se, r_est, r_se = map(float, _r(R_CHECK.format(script="o_design.R", csv="d.csv", strata="st.x"),
                                          tmp_path).split())
    assert est == pytest.approx(r_est, rel=1e-12) and se == pytest.approx(r_se, rel=1e-9)


def test_a_column_name_cannot_open_a_stata_block_comment_or_break_a_line(tmp_path: Path) -> None:
    data = write(tmp_path / "d.csv", HEADER.rstrip("\n") + ',Remarks /* internal,"two\nlines"\n'
                 + "701,2026-11-22,1,A,4,2,,100,x,y\n")
    for fmt, ext in (("dta", "do"), ("sav", "sps")):
        code, out = run("export", str(data), "-q", str(HH), "--to", fmt, "-o", str(tmp_path / f"e.{fmt}"))
        assert code == 0, out
        lines = (tmp_path / f"e.{ext}").read_text(encoding="utf-8").splitlines()
        if ext == "do":
            assert not [x for x in lines if "/*" in x or "*/" in x], ext
        assert not [x for x in lines if x.startswith("lines")], ext  # the name's second line is no command
        assert [x for x in lines if x.startswith("*") and "two" in x and "lines" in x], ext


def test_an_infinite_bound_is_refused_where_it_is_written(tmp_path: Path) -> None:
    q = base_with(tmp_path, "min: 1, max: 30, required: true}", "min: 1, max: .inf, required: true}")
    code, out = run("validate", str(q))
    assert code == 1 and "q.yaml:24" in out and "max" in out and "finite" in out, out
    code, out = run("build", str(q), "--to", "xlsform", "-o", str(tmp_path / "o"))
    assert code == 1 and not (tmp_path / "o" / "mini.xlsx").exists()


# ESC and other control characters never get this far: the YAML loader refuses them where they are written
# (tests/hostile/test_round3_crashes.py); a bidi override is printable text and must reach HTML/Markdown inert
HOSTILE_LABEL = "Yes<img src=x onerror=alert(1)>\\u202Eevil"


@pytest.mark.parametrize("target", ["codebook", "paper"])
def test_labels_reach_html_and_markdown_as_text(tmp_path: Path, target: str) -> None:
    q = base_with(tmp_path, "{code: 1, label: {en: 'Yes', mk: Да}}", f'{{code: 1, label: {{en: "{HOSTILE_LABEL}", '
                                                                     "mk: Да}}")
    code, out = run("build", str(q), "--to", target, "--lang", "en", "-o", str(tmp_path / "o"))
    assert code == 0, out
    written = [f for f in (tmp_path / "o").iterdir() if f.suffix in (".md", ".html")]
    assert written
    for f in written:
        text = f.read_text(encoding="utf-8")
        assert "onerror" in text, f.name  # the label is there, as text
        assert "<img" not in text and "\x1b" not in text and "\u202e" not in text, f.name


def test_indicator_texts_reach_framework_md_as_text(tmp_path: Path) -> None:
    spec = _programme(tmp_path)
    text = spec.read_text(encoding="utf-8").replace("text: share", 'text: "share <img src=x onerror=alert(1)>"')
    write(spec, text)
    code, out = run("indicators", "--spec", str(spec), "-o", str(tmp_path / "out"))
    assert code == 0, out
    for name in ("framework.md", "framework.html", "report.html"):
        body = (tmp_path / "out" / name).read_text(encoding="utf-8")
        assert "onerror" in body and "<img src=x" not in body and "\x1b" not in body, name


def test_bidi_overrides_and_c1_controls_never_reach_the_terminal(tmp_path: Path) -> None:
    data = write(tmp_path / "d.csv", "hhid,hhsize,note\u202e\u009b31m\n1,2,3\n")
    code, out = run("check", str(data), "-q", str(BASE))
    assert "note" in out and "\u202e" not in out and "\u009b" not in out, out
    assert "\\u202e" in out and "\\x9b" in out  # shown, as escapes


def test_a_design_name_stata_cannot_write_declares_nothing_rather_than_wrong(tmp_path: Path) -> None:
    pd.read_csv(API).rename(columns={"stype": "st.x"}).to_csv(tmp_path / "d.csv", index=False)
    spec = write(tmp_path / "s.yaml", "design: {weight: pw, strata: st.x}\nsteps:\n  - {step: trim, upper: 1000}\n")
    code, out = run("weight", str(tmp_path / "d.csv"), "--spec", str(spec), "-o", str(tmp_path / "o.sav"))
    assert code == 0, out  # SPSS keeps st.x; the .do cannot name it
    do = (tmp_path / "o_design.do").read_text(encoding="utf-8").splitlines()
    assert not [x for x in do if x.startswith("svyset")] and "exit 198" in do
    assert any("st.x" in x and x.startswith("*") for x in do)
    assert "strata = ~st.x" in (tmp_path / "o_design.R").read_text(encoding="utf-8")


def test_infinite_replicate_scales_are_refused_not_written_as_r_or_stata_code(tmp_path: Path) -> None:
    data = write(tmp_path / "d.csv", "w,y,r1,r2\n1,2,1,1\n2,3,2,2\n1,4,1,1\n")
    design = write(tmp_path / "d.yaml", 'design: {weight: w, repweights: "r[12]", reptype: jk1, rscales: [.inf, 1]}\n')
    code, out = run("estimate", str(data), "--design", str(design), "--mean", "y", "-o", str(tmp_path / "o.csv"))
    assert code == 1 and "d.yaml:1" in out and "rscales" in out and "finite" in out, out
