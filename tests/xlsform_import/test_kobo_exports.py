"""Kobo/ODK exports read against the XLSForm itself, checked, and exported to .sav/.dta that PSPP and R read.

tests/data/kobo (see its README): a migration household XLSForm written to the XLSForm spec, 40 submissions
(submissions.json, the JSON Kobo stores), and exports of them made by KoboToolbox's own exporter, formpack
(XLSX with a repeat sheet and '/' prefixes, CSV with '.' prefixes and one select_multiple column, CSV with '-'
prefixes and q-option dummies), plus an ODK Central-style CSV pair linked by PARENT_KEY/KEY. Expected values come
from submissions.json, not from surveymod; the .sav/.dta are judged by PSPP and R haven.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from surveymod.data import check, export, read
from surveymod.questionnaire import load_valid

KOBO = Path(__file__).parents[1] / "data" / "kobo"
FORM = KOBO / "migration_hh.xlsx"
EXPORTS = ["kobo_export.xlsx", "kobo_export_dot_single.csv", "kobo_export_dash_dummies.csv", "odk_central",
           "kobo_export_labels_en.xlsx", "kobo_export_labels_mk.csv"]  # the last two: Kobo's "Labels" option
REASONS = ["work", "family", "study", "safety", "other"]  # the 'reason' list in migration_hh.xlsx, in order


@pytest.fixture(scope="module")
def qn():
    return load_valid(FORM)  # the XLSForm, imported on the fly


@pytest.fixture(scope="module")
def subs() -> list[dict]:
    return json.loads((KOBO / "submissions.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", EXPORTS)
def test_exports_read_with_every_row_and_value(qn, subs, name: str) -> None:
    ds = read(KOBO / name, qn)
    main = ds.main
    assert len(main) == len(subs) == 40
    assert ds.unknown["main"] == []
    codes = {c.name: c.code for c in qn.choice_list(qn.question("reasons"))}
    for i, s in enumerate(subs):
        chosen = set((s.get("migration/reasons") or "").split())
        raw = main["reasons"].iloc[i]
        assert (set() if raw != raw else {int(c) for c in str(raw).split()}) == {codes[c] for c in chosen}
        for k, option in enumerate(REASONS, start=1):
            want = (1.0 if option in chosen else 0.0) if chosen else None
            got = main[f"reasons_{k}"].iloc[i]
            assert (got != got) if want is None else got == want
        plan = s.get("migration/plan_to_leave_in_the_next_twelve_months_for_work")
        got = main["plan_to_leave_in_the_next_twelv"].iloc[i]  # the 48-character XLSForm name, renamed
        assert (got != got) if plan is None else got == float(plan)
        assert main["kobo_index"].iloc[i] == i + 1
    if name != "odk_central":  # Kobo's bookkeeping columns stay as they were
        assert {"_uuid", "_submission_time", "_id"} <= set(main.columns)
        assert list(main["_uuid"]) == [s["_uuid"] for s in subs]


@pytest.mark.parametrize("name", ["kobo_export.xlsx", "odk_central", "kobo_export_labels_en.xlsx"])
def test_repeat_sheet_is_linked_to_its_submission(qn, subs, name: str) -> None:
    ds = read(KOBO / name, qn)
    members = ds.frames["hh_members"]
    expected = [(i + 1, j + 1, m["household/hh_members/m_name"])
                for i, s in enumerate(subs) for j, m in enumerate(s.get("household/hh_members", []))]
    assert len(members) == len(expected) == 91
    got = list(zip(members["kobo_index"].astype(int), members["hh_members_line"].astype(int), members["m_name"],
                   strict=True))
    assert got == expected
    other = {c.name: c.code for c in qn.choice_list(qn.question("m_country"))}["other"]
    countries = [m.get("household/hh_members/m_country") for s in subs for m in s.get("household/hh_members", [])]
    assert (members["m_country"] == other).sum() == countries.count("other")


def test_check_finds_no_error_and_flags_a_row_of_a_refusing_household(qn, tmp_path: Path) -> None:
    for name in EXPORTS:
        assert check(read(KOBO / name, qn)).count("error") == 0, name
    # submission 10 did not consent: no household block, so a member row for it breaks the routing
    bad = tmp_path / "odk"
    shutil.copytree(KOBO / "odk_central", bad)
    with open(bad / "migration_hh-hh_members.csv", "a", encoding="utf-8", newline="") as fh:
        uid = "uuid:00000000-0000-4000-8000-000000000010"
        csv.writer(fh).writerow(["X", "male", "30", "no", "", "", uid, f"{uid}/household/hh_members[1]"])
    problems = check(read(bad, qn)).problems
    flagged = problems[(problems["rule"] == "not-applicable") & (problems["level"] == "hh_members")]
    assert set(flagged["variable"]) >= {"m_name", "m_sex", "m_age", "m_abroad"}
    assert set(flagged["respondent_id"].astype(int)) == {10}


def _mapped(ds, rule: str) -> dict[str, tuple[str, int]]:
    """variable → (severity, how many answers) of the read's problems with *rule*."""
    return {p.location.variable: (p.severity, int(p.message.split()[0])) for p in ds.problems if p.rule == rule}


def test_choice_names_of_an_imported_form_are_info_labels_stay_warnings(qn, subs, tmp_path: Path) -> None:
    # Kobo writes choice names ('tetovo', 'family study'): expected for a form imported from its XLSForm
    ds = read(KOBO / "kobo_export_dot_single.csv", qn)
    assert _mapped(ds, "labels-mapped") == {}
    answered = {k: sum(bool(s.get(key)) for s in subs) for k, key in
                [("consent", "consent"), ("municipality", "household/municipality"),
                 ("any_emigrant", "migration/any_emigrant")]}
    tokens = sum(len((s.get("migration/reasons") or "").split()) for s in subs)
    assert _mapped(ds, "names-mapped") == {**{k: ("info", n) for k, n in answered.items()},
                                           "reasons": ("info", tokens)}
    # a label (the Macedonian texts of 'tetovo' and 'work') is still said as a warning
    text = (KOBO / "kobo_export_dot_single.csv").read_text(encoding="utf-8").splitlines()
    assert '"tetovo";"yes";"family study work"' in text[1]
    text[1] = text[1].replace('"tetovo";"yes";"family study work"', '"Тетово";"yes";"family study Работа"')
    edited = tmp_path / "kobo_export_dot_single.csv"
    edited.write_text("\n".join(text) + "\n", encoding="utf-8")
    ds = read(edited, qn)
    assert _mapped(ds, "labels-mapped") == {"municipality": ("warning", 1), "reasons": ("warning", 1)}
    assert _mapped(ds, "names-mapped")["municipality"] == ("info", answered["municipality"] - 1)
    assert _mapped(ds, "names-mapped")["reasons"] == ("info", tokens - 1)
    assert ds.main["municipality"].iloc[0] == 2 and ds.main["reasons"].iloc[0] == "2 3 1"  # Tetovo; the form's order


@pytest.mark.parametrize(("name", "lang", "headers"), [("kobo_export_labels_en.xlsx", "en", 12),
                                                      ("kobo_export_labels_mk.csv", "mk", 8)])
def test_label_headers_are_matched_by_the_forms_labels_and_said(qn, name: str, lang: str, headers: int) -> None:
    # formpack's "Labels" export: 'Household/How many people live in this household?', 'Migration/Why did they
    # leave?/Work' (en); 'Домаќинство/Општина' (mk); start/end/today and the or_other text keep their names.
    # Counted by hand from the files' main header rows: en 12 label headers (13, less 'Household/Municipality',
    # which is also the question's name), mk 8 (one select_multiple column, no dummies).
    ds = read(KOBO / name, qn)
    main = [p for p in ds.problems if p.rule == "label-headers" and "hh_members" not in str(p.location.file)]
    assert len(main) == 1 and main[0].severity == "info"
    assert main[0].message.startswith(f"{headers} column header(s) are question labels in {lang} ")
    if lang == "mk":  # answers are Macedonian labels: mapped, and said as warnings
        mapped = _mapped(ds, "labels-mapped")
        assert {"consent", "municipality", "any_emigrant", "reasons"} <= set(mapped)
        assert all(sev == "warning" for sev, _ in mapped.values())


def _pspp(tmp_path: Path, syntax: str) -> str:
    if shutil.which("pspp") is None:
        pytest.skip("PSPP (pspp) is not installed")
    sps, out = tmp_path / "judge.sps", tmp_path / "judge.csv"
    sps.write_text(syntax, encoding="utf-8")
    subprocess.run(["pspp", str(sps), "-o", str(out)], capture_output=True, text=True, timeout=120)
    return out.read_text(encoding="utf-8") if out.exists() else ""


def _r(code: str) -> str:
    if shutil.which("Rscript") is None:
        pytest.skip("R (Rscript) is not installed")
    proc = subprocess.run(["Rscript", "-e", "suppressMessages(library(haven)); " + code], capture_output=True,
                          text=True, timeout=120)
    if "there is no package called" in proc.stderr:
        pytest.skip("R package haven is not installed")
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_sav_read_by_pspp_with_rows_value_labels_and_option_labels(qn, tmp_path: Path) -> None:
    result = export(KOBO / "kobo_export.xlsx", qn, out=tmp_path / "mhh.sav")
    sav, roster = tmp_path / "mhh.sav", tmp_path / "mhh_hh_members.sav"
    assert {sav, roster} <= set(result.files)
    text = _pspp(tmp_path, f"SYSFILE INFO FILE='{sav}'.\nSYSFILE INFO FILE='{roster}'.\n"
                           f"GET FILE='{sav}'.\nDISPLAY DICTIONARY.\n")
    rows = list(csv.reader(io.StringIO(text)))
    assert ["Cases", "40"] in rows and ["Cases", "91"] in rows
    labels: dict[str, dict[str, str]] = {}  # value-label table: the variable's label on its first row only
    current = ""
    for r in rows:  # PSPP footnotes a user-missing value: 98[a]
        if len(r) == 3 and r[1].split("[")[0].isdigit():
            current = r[0] or current
            labels.setdefault(current, {})[r[1].split("[")[0]] = r[2]
    variables = {r[0]: r[2] for r in rows if len(r) > 5}
    assert labels["Do you agree to take part?"] == {"1": "Yes", "2": "No"}
    assert labels["Do you plan to leave the country in the next 12 months for work?"] == \
        {"1": "Yes", "2": "No", "98": "Don't know"}
    for k, option in enumerate(["Work", "Family", "Study", "Safety", "Other"], start=1):
        assert variables[f"reasons_{k}"] == f"Why did they leave? :: {option}"
    assert variables["plan_to_leave_in_the_next_twelv"] == \
        "Do you plan to leave the country in the next 12 months for work?"
    # the import marked choice 98 "Don't know" as missing (--missing auto): PSPP lists it as a missing value
    plan = next(r for r in rows if r and r[0] == "plan_to_leave_in_the_next_twelv")
    assert plan[-1] == "98" and any(r[1:] == ["98[a]", "Don't know"] for r in rows if len(r) == 3)
    syntax = (tmp_path / "mhh.sps").read_text(encoding="utf-8")
    assert "* plan_to_leave_in_the_next_twelve_months_for_work -> plan_to_leave_in_the_next_twelv." in syntax
    assert "*   _uuid -> uuid." in syntax and "*   _parent_index -> parent_index." in syntax  # Kobo bookkeeping


@pytest.mark.parametrize("suffix", ["sav", "dta"])
def test_haven_reads_every_row_value_labels_and_dummy_labels(qn, tmp_path: Path, suffix: str) -> None:
    export(KOBO / "kobo_export.xlsx", qn, out=tmp_path / f"mhh.{suffix}")
    reader = "read_sav" if suffix == "sav" else "read_dta"
    out = _r(f"""
        d <- {reader}("{tmp_path / f'mhh.{suffix}'}"); m <- {reader}("{tmp_path / f'mhh_hh_members.{suffix}'}")
        cat(nrow(d), nrow(m), "\\n")
        l <- attr(d$municipality, "labels"); cat(paste(l, names(l), sep = "=", collapse = ";"), "\\n")
        cat(attr(d$reasons_2, "label"), "\\n")
        l <- attr(m$m_country, "labels"); cat(paste(l, names(l), sep = "=", collapse = ";"), "\\n")
        cat(sum(d$reasons_3, na.rm = TRUE), "\\n")
    """)
    lines = [line.strip() for line in out.splitlines()]
    assert lines[0] == "40 91"
    assert lines[1] == "1=Skopje;2=Tetovo;3=Bitola;4=Kumanovo"
    assert lines[2] == "Why did they leave? :: Family"
    assert lines[3] == "1=Germany;2=Austria;3=Switzerland;4=Italy;5=United States;6=Other"
    subs = json.loads((KOBO / "submissions.json").read_text(encoding="utf-8"))
    assert lines[4] == str(sum("study" in (s.get("migration/reasons") or "").split() for s in subs))


def test_a_label_two_questions_share_is_told_apart_by_group_titles_or_not_guessed(tmp_path: Path) -> None:
    form = tmp_path / "parents.yaml"
    form.write_text("""id: parents
title: {en: Parents}
version: '1'
respondent_id: id
sections:
  - name: main
    title: {en: Main}
    items:
      - {name: id, type: integer, label: {en: Number}}
      - name: mother
        type: group
        title: {en: Mother}
        items: [{name: m_age, type: integer, label: {en: Age}}]
      - name: father
        type: group
        title: {en: Father}
        items: [{name: f_age, type: integer, label: {en: Age}}]
""", encoding="utf-8")
    data = tmp_path / "parents.csv"
    data.write_text("Number,Father/Age,Mother / Age,Age\n1,50,48,7\n", encoding="utf-8")
    ds = read(data, load_valid(form))
    assert ds.main.loc[0, "f_age"] == 50 and ds.main.loc[0, "m_age"] == 48
    assert ds.unknown["main"] == ["Age"]  # 'Age' alone could be either: kept as it is, with a warning
