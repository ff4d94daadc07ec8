"""Round 3 (issue 23), silent data change: ids keep every digit in every format, numbers that are no answer are
errors, nothing read is dropped or reinterpreted without a located message. See README.md here."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from test_hostile_inputs import BASE, HEADER, HH, base_with, run, write

IDS = ["1234567890123456", "9007199254740993", "9007199254740992"]  # 2**53 + 1 and 2**53: distinct ids
BIG_IDS = HEADER + "".join(f"{i},2026-11-22,1,A,4,2,,100\n" for i in IDS)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet", "sav", "dta"])
def test_sixteen_digit_ids_keep_every_digit_in_every_format(tmp_path: Path, fmt: str) -> None:
    import openpyxl
    import pandas as pd
    import pyreadstat

    data = write(tmp_path / "d.csv", BIG_IDS)
    out = tmp_path / f"e.{fmt}"
    code, text = run("export", str(data), "-q", str(HH), "--to", fmt, "-o", str(out))
    assert code == 0, text
    if fmt == "csv":  # read back as text: the digits themselves
        got = [line.split(",")[0] for line in out.read_text(encoding="utf-8").splitlines()[1:]]
    elif fmt == "xlsx":
        got = [str(c.value) for c in openpyxl.load_workbook(out)["data"]["A"][1:]]
    elif fmt == "parquet":
        got = [str(v) for v in pd.read_parquet(out)["hhid"]]
    else:
        frame, _ = (pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta)(str(out))
        got = [str(v) for v in frame["hhid"]]
        assert "every digit" in text and "hhid" in text, text  # the type change is said
    assert got == IDS


@pytest.mark.skipif(shutil.which("Rscript") is None, reason="R not installed")
@pytest.mark.parametrize("fmt", ["sav", "dta"])
def test_r_haven_reads_the_sixteen_digit_ids(tmp_path: Path, fmt: str) -> None:
    data = write(tmp_path / "d.csv", BIG_IDS)
    out = tmp_path / f"e.{fmt}"
    code, text = run("export", str(data), "-q", str(HH), "--to", fmt, "-o", str(out))
    assert code == 0, text
    r = subprocess.run(["Rscript", "-e", f"x <- haven::read_{fmt}('{out}'); cat(as.character(x$hhid), sep='\\n')"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == IDS


def test_check_sees_ids_past_two_to_the_53_as_distinct(tmp_path: Path) -> None:
    data = write(tmp_path / "d.csv", BIG_IDS)
    code, text = run("check", str(data), "-q", str(HH))
    assert code == 0 and "duplicate-id" not in text, text
    dup = write(tmp_path / "dup.csv", BIG_IDS + f"{IDS[1]},2026-11-22,1,A,4,2,,100\n")
    code, text = run("check", str(dup), "-q", str(HH))
    assert code == 1 and "duplicate-id" in text and IDS[1] in text and IDS[2] + ")" not in text, text


@pytest.mark.parametrize("value", ["inf", "-inf", "Infinity"])
def test_non_numbers_are_no_decimal_answer(tmp_path: Path, value: str) -> None:
    qn = base_with(tmp_path, "required: true}", "required: true}\n      - {name: income, type: decimal, "
                                                 "label: {en: Income, mk: Приход}}")
    data = write(tmp_path / "d.csv", f"hhid,hhsize,income\n1,2,{value}\n2,3,100.5\n")
    code, text = run("check", str(data), "-q", str(qn))
    assert code == 1 and "row 1" in text and "income" in text, text


@pytest.mark.parametrize(("value", "words"), [("011", "leading zero"), ("1:30", "1:30"), ("0b11", "0b11")])
def test_yaml_1_1_numbers_are_not_silently_converted(tmp_path: Path, value: str, words: str) -> None:
    q = base_with(tmp_path, "{code: 1, label: {en: 'Yes', mk: Да}}", f"{{code: {value}, label: {{en: 'Yes', mk: Да}}}}")
    code, text = run("validate", str(q))
    assert code == 1 and "q.yaml:9" in text and words in text, text


@pytest.mark.parametrize(("name", "words"), [("hhs\u0456ze", "U+0456"), ("hhsize\\n", "U+000A")])
def test_look_alike_names_get_a_located_hint(tmp_path: Path, name: str, words: str) -> None:
    q = base_with(tmp_path, "{name: hhsize, type: integer", f'{{name: "{name}", type: integer')
    code, text = run("validate", str(q))
    assert code == 1 and "q.yaml:24" in text and words in text, text
    assert "'hhsize\n'" not in text  # the line break is shown as an escape, not printed


def test_a_look_alike_data_column_is_named_as_such(tmp_path: Path) -> None:
    data = write(tmp_path / "d.csv", "hhid,hhs\u0456ze\n1,2\n")
    code, text = run("check", str(data), "-q", str(BASE))
    assert "hhs\u0456ze" in text and "looks like 'hhsize'" in text and "U+0456" in text, text


def test_diff_refuses_a_questionnaire_that_does_not_validate(tmp_path: Path) -> None:
    bad = base_with(tmp_path, 'relevant: "15 <= age <= 74"', 'relevant: "15 <= age <="')
    code, text = run("diff", str(BASE), str(bad))
    assert code == 1 and "q.yaml:39" in text and "<unparsable>" not in text, text


@pytest.mark.parametrize("target", ["paper", "ddi", "codebook"])
def test_parentheses_of_a_relevance_survive_in_words(tmp_path: Path, target: str) -> None:
    q = base_with(tmp_path, 'relevant: "15 <= age <= 74"', 'relevant: "(age - 15) * 2 > 10"')
    code, text = run("build", str(q), "--to", target, "-o", str(tmp_path / "o"), "--lang", "en")
    assert code == 0, text
    written = "".join(f.read_text(encoding="utf-8") for f in (tmp_path / "o").iterdir() if f.name[0] != ".")
    assert "15) * 2" in written and "- 15 * 2" not in written


def test_choice_names_with_quotes_keep_them_in_the_xpath(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    survey = wb.active
    survey.title = "survey"
    survey.append(["type", "name", "label", "relevant"])
    survey.append(["select_one saints", "saint", "Saint", ""])
    survey.append(["text", "why", "Why?", "${saint} = \"d'Arc\""])
    choices = wb.create_sheet("choices")
    choices.append(["list_name", "name", "label"])
    choices.append(["saints", "d'Arc", "Jeanne d'Arc"])
    choices.append(["saints", 'say"hi', "Quoted"])
    wb.save(tmp_path / "f.xlsx")
    code, text = run("build", str(tmp_path / "f.xlsx"), "--to", "xlsform", "-o", str(tmp_path / "o"))
    assert code == 0, text
    out = openpyxl.load_workbook(tmp_path / "o" / "f.xlsx")["survey"]
    head = [c.value for c in out[1]]
    relevant = [r[head.index("relevant")] for r in out.iter_rows(min_row=2, values_only=True)]
    assert any(r and "\"d'Arc\"" in r for r in relevant), relevant


def test_a_formula_without_a_saved_result_is_located_not_empty(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()  # openpyxl, like many generators, saves formulas without calculating them
    ws = wb.active
    ws.title = "main"
    ws.append(["hhid", "hhsize"])
    ws.append([1, "=1+1"])
    ws.append([2, 3])
    wb.save(tmp_path / "d.xlsx")
    code, text = run("check", str(tmp_path / "d.xlsx"), "-q", str(BASE))
    assert code == 1 and "d.xlsx#main" in text and "B2" in text and "=1+1" in text, text


@pytest.mark.parametrize("container", ["zip", "folder"])
def test_two_parts_of_one_table_are_not_half_read(tmp_path: Path, container: str) -> None:
    import zipfile

    parts = {"part1.csv": "hhid,w,y\n1,1,2\n2,1,3\n3,1,4\n", "part2.csv": "hhid,w,y\n4,1,20\n5,1,30\n"}
    if container == "zip":
        data = tmp_path / "d.zip"
        with zipfile.ZipFile(data, "w") as zf:
            for name, text in parts.items():
                zf.writestr(name, text)
    else:
        data = tmp_path / "d"
        data.mkdir()
        for name, text in parts.items():
            write(data / name, text)
    if container == "zip":
        code, text = run("estimate", str(data), "--weight", "w", "--mean", "y", "-o", str(tmp_path / "o.csv"))
    else:  # check reads folders (an ODK Central export), with the questionnaire
        code, text = run("check", str(data), "-q", str(BASE), "-o", str(tmp_path / "o.csv"))
    assert code == 1 and "part1.csv" in text and "part2.csv" in text, text
    assert not (tmp_path / "o.csv").exists()


@pytest.mark.parametrize(("weights", "stat", "words"), [
    (["1e308", "1e308", "1", "1"], "--mean", "row 1 column w"),  # the weights sum to inf
    (["1e306", "1e306", "1", "1"], "--total", "row 1 column w"),  # above the weight cap (1e12), refused first
    (["1e11", "1e11", "1", "1"], "--total", "'y' (all) overflows"),  # w * y does (y 1e300)
])
def test_weights_that_overflow_are_refused_not_inf_with_se_0(tmp_path: Path, weights: list[str], stat: str,
                                                              words: str) -> None:
    ys = [1e300, 2e300, 3.5, 4.5] if weights[0] == "1e11" else [1e5, 2e5, 3, 4]  # not whole: read as numbers
    data = write(tmp_path / "d.csv", "w,y\n" + "".join(f"{w},{y}\n" for w, y in zip(weights, ys, strict=True)))
    code, text = run("estimate", str(data), "--weight", "w", stat, "y", "-o", str(tmp_path / "o.csv"))
    assert code == 1 and words in text, text
    assert not (tmp_path / "o.csv").exists()


def test_an_empty_domain_is_flagged_and_has_no_se_of_zero(tmp_path: Path) -> None:
    import pandas as pd

    data = write(tmp_path / "d.csv", "w,y,g\n1,1,a\n1,2,a\n1,,b\n1,,b\n1,5,a\n")
    code, text = run("estimate", str(data), "--weight", "w", "--mean", "y", "--by", "g", "-o", str(tmp_path / "o.csv"))
    assert code == 0, text
    out = pd.read_csv(tmp_path / "o.csv")
    empty = out[out["domain"] == "g=b"].iloc[0]
    assert empty["n"] == 0 and pd.isna(empty["estimate"]) and pd.isna(empty["se"])
    assert "no observations" in empty["flag"]


def test_register_counts_cannot_overflow_the_cumulative(tmp_path: Path) -> None:
    spec = write(tmp_path / "p.yaml", 'programme: P\ntitle: T\nregister: reg.csv\nindicators:\n  - id: "1.2a"\n'
                                      '    level: Output 1.2\n    text: "Number of tools"\n    kind: monitoring\n'
                                      "    value_type: count\n    sources: register\n")
    write(tmp_path / "reg.csv", "indicator,period,value,source\n1.2a,year1,1e308,x\n1.2a,year2,1e308,x\n")
    code, text = run("indicators", "--spec", str(spec), "-o", str(tmp_path / "out"))
    assert code == 1 and "reg.csv row 2 column value" in text and "1e308" in text, text


def test_two_table_ids_with_one_sheet_name_keep_both_tables(tmp_path: Path) -> None:
    import openpyxl

    data = write(tmp_path / "d.csv", "hhid,hhsize,sex\n1,2,1\n2,3,2\n3,2,1\n")
    plan = write(tmp_path / "plan.yaml", "tables:\n  - {id: T/1, title: size, stat: prop, variable: hhsize}\n"
                                         "  - {id: T_1, title: sex, stat: prop, variable: sex}\n")
    code, text = run("tables", str(data), "--plan", str(plan), "-o", str(tmp_path / "t.xlsx"))
    assert code == 0 and "T/1" in text, text
    sheets = openpyxl.load_workbook(tmp_path / "t.xlsx").sheetnames
    assert len(sheets) == 2, sheets


def test_look_alike_choice_list_names_are_told_apart(tmp_path: Path) -> None:
    text = BASE.read_text(encoding="utf-8").replace(
        "  sexes:\n", "  yesn\u043e:\n    - {code: 1, label: {en: 'Y', mk: Д}}\n  sexes:\n", 1)
    q = write(tmp_path / "q.yaml", text.replace("choices: sexes,", 'choices: "sexes ",', 1))
    code, out = run("validate", str(q))
    assert code == 1 and "q.yaml:12" in out and "U+043E" in out, out
    assert "looks like 'sexes'" in out and "q.yaml:34" in out, out


@pytest.mark.parametrize("fmt", ["sav", "dta", "xlsx"])  # CSV and Parquet kept them before
def test_weight_keeps_every_digit_of_the_ids_it_passes_through(tmp_path: Path, fmt: str) -> None:
    import pandas as pd
    import pyreadstat

    data = write(tmp_path / "d.csv", "hhid,w,y\n" + "".join(f"{i},{k + 1},{k}\n" for k, i in enumerate(IDS)))
    spec = write(tmp_path / "s.yaml", "design: {weight: w}\nsteps:\n  - {step: trim, upper: 10}\n")
    out = tmp_path / f"o.{fmt}"
    code, text = run("weight", str(data), "--spec", str(spec), "-o", str(out))
    assert code == 0, text
    if fmt in ("sav", "dta"):
        frame, _ = (pyreadstat.read_sav if fmt == "sav" else pyreadstat.read_dta)(str(out))
        assert "every digit" in text, text
    else:
        frame = pd.read_excel(out, dtype=str)
    assert [str(v) for v in frame["hhid"]] == IDS
