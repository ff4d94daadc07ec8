"""Round 3 (issue 23), inputs destroyed: no command writes over a file it read (the questionnaire, incl. an XLSForm,
a spec, a targets file a spec names, the data), however the output path reaches it (same path, symlink, hard
link), and no command replaces a user's file in an existing output folder without --force. See README.md here."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from test_hostile_inputs import API, BASE, run, write


def _xlsform(tmp: Path) -> Path:
    code, out = run("build", str(BASE), "--to", "xlsform", "-o", str(tmp / "form"))
    assert code == 0, out
    return tmp / "form" / "mini.xlsx"


@pytest.mark.parametrize("command", ["estimate", "tables", "weight"])
def test_an_xlsform_questionnaire_is_never_the_output(tmp_path: Path, command: str) -> None:
    form = _xlsform(tmp_path)
    before = form.read_bytes()
    data = write(tmp_path / "d.csv", "hhid,hhsize,w\n1,2,1\n2,3,2\n")
    args = {
        "estimate": ["estimate", str(data), "--weight", "w", "--mean", "hhsize"],
        "tables": ["tables", str(data), "--plan", str(write(tmp_path / "plan.yaml", (
            "tables:\n  - {id: T1, title: size, stat: prop, variable: hhsize}\n")))],
        "weight": ["weight", str(data), "--spec", str(write(tmp_path / "s.yaml", "design: {weight: w}\nsteps:\n"
                                                                              "  - {step: trim, upper: 10}\n"))],
    }[command]
    code, out = run(*args, "-q", str(form), "-o", str(form))
    assert code == 1 and "refusing to overwrite the input file" in out and "mini.xlsx" in out, out
    assert form.read_bytes() == before


def test_weight_never_writes_over_the_targets_file_its_spec_reads(tmp_path: Path) -> None:
    write(tmp_path / "d.csv", "w,sex\n" + "".join(f"1,{1 + i % 2}\n" for i in range(10)))
    targets = write(tmp_path / "targets.csv", "sex,count\n1,100\n2,120\n")
    spec = write(tmp_path / "s.yaml", "design: {weight: w}\nsteps:\n  - step: poststratify\n    margin: "
                                      "{variables: sex, targets: targets.csv, kind: count}\n")
    code, out = run("weight", str(tmp_path / "d.csv"), "--spec", str(spec), "-o", str(targets))
    assert code == 1 and "refusing to overwrite the input file" in out and "targets.csv" in out, out
    assert targets.read_text(encoding="utf-8") == "sex,count\n1,100\n2,120\n"


@pytest.mark.parametrize("link", ["symlink", "hardlink"])
def test_a_link_to_the_data_is_the_data(tmp_path: Path, link: str) -> None:
    data = tmp_path / "a.csv"
    shutil.copy(API, data)
    before = data.read_bytes()
    out = tmp_path / "out.csv"
    (os.symlink if link == "symlink" else os.link)(data, out)
    code, text = run("estimate", str(data), "--weight", "pw", "--mean", "api00", "-o", str(out))
    assert code == 1 and "refusing to overwrite the input file" in text and "same file" in text, text
    assert data.read_bytes() == before


def test_export_never_writes_a_roster_file_over_the_data(tmp_path: Path) -> None:
    from test_hostile_inputs import HEADER, HH

    data = write(tmp_path / "d.csv", HEADER + "701,2026-11-22,1,A,4,2,,100\n")
    code, out = run("export", str(data), "-q", str(HH), "--to", "csv", "-o", str(tmp_path / "e.csv"))
    assert code == 0, out
    link = tmp_path / "x.csv"
    os.link(data, link)
    code, out = run("export", str(data), "-q", str(HH), "--to", "csv", "-o", str(link))
    assert code == 1 and "refusing to overwrite" in out, out
    assert data.read_text(encoding="utf-8").endswith("100\n")


def test_build_into_a_folder_keeps_the_users_files_without_force(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    mine = write(out / "mini.xlsx", b"my own workbook")
    code, text = run("build", str(BASE), "--to", "xlsform", "-o", str(out))
    assert code == 1 and "--force" in text and "mini.xlsx" in text, text
    assert mine.read_bytes() == b"my own workbook"
    code, text = run("build", str(BASE), "--to", "xlsform", "-o", str(out), "--force")
    assert code == 0, text
    assert mine.read_bytes() != b"my own workbook"
    code, text = run("build", str(BASE), "--to", "xlsform", "-o", str(out))  # our own file: replaced quietly
    assert code == 0, text
    write(out / "mini.xlsx", b"edited since")  # changed by the user after the build: theirs now
    code, text = run("build", str(BASE), "--to", "xlsform", "-o", str(out))
    assert code == 1 and "--force" in text, text


def test_indicators_into_a_folder_keep_the_users_report(tmp_path: Path) -> None:
    from test_hostile_inputs import _programme

    spec = _programme(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    mine = write(out / "report.html", "<p>my notes</p>")
    code, text = run("indicators", "--spec", str(spec), "-o", str(out))
    assert code == 1 and "report.html" in text and "--force" in text, text
    assert mine.read_text(encoding="utf-8") == "<p>my notes</p>"


def test_indicators_never_write_over_their_own_spec(tmp_path: Path) -> None:
    from test_hostile_inputs import _programme

    spec = _programme(tmp_path)
    before = spec.read_bytes()
    os.link(spec, tmp_path / "report.html")
    code, text = run("indicators", "--spec", str(spec), "-o", str(tmp_path), "--force")
    assert code == 1 and "refusing to overwrite the input file" in text, text
    assert spec.read_bytes() == before


def test_demo_keeps_a_users_programme_yaml(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    out.mkdir()
    mine = write(out / "programme.yaml", "# my programme\n")
    code, text = run("demo", "-o", str(out), "-n", "200", "--policymakers", "50", "--trainees", "5",
                     "--replicates", "10", timeout=600)
    assert code == 1 and "programme.yaml" in text and "--force" in text, text
    assert mine.read_text(encoding="utf-8") == "# my programme\n"


def test_simulate_into_a_folder_keeps_the_users_csv(tmp_path: Path) -> None:
    out = tmp_path / "sim"
    out.mkdir()
    mine = write(out / "mini.csv", "my,data\n")
    code, text = run("simulate", str(BASE), "-n", "5", "-o", str(out))
    assert code == 1 and "--force" in text, text
    assert mine.read_text(encoding="utf-8") == "my,data\n"
