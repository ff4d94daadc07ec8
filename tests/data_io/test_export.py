"""Exports judged by real clients: PSPP for .sav, R haven and pandas.read_stata for .dta; round trips; safety."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from surveymod.cli.main import _register, cli
from surveymod.data import export, read
from surveymod.errors import SurveyError
from surveymod.questionnaire import load_valid

from .conftest import DATA, FIELD, QN_PATH, haven_dump, pspp_dictionary

ODK = FIELD / "odk_central" / "hh_migration_test.csv"
LONG = DATA / "questionnaires_data" / "long_labels.yaml"


@pytest.fixture(scope="module")
def sav_mk(tmp_path_factory):
    out = tmp_path_factory.mktemp("sav") / "hh.sav"
    return export(ODK, QN_PATH, to="sav", out=out, lang="mk")


@pytest.fixture(scope="module")
def dta_en(tmp_path_factory):
    out = tmp_path_factory.mktemp("dta") / "hh.dta"
    return export(ODK, QN_PATH, to="dta", out=out)


def test_rosters_are_separate_linked_files(sav_mk):
    names = [p.name for p in sav_mk.files if p.suffix == ".sav"]
    assert names == ["hh.sav", "hh_person.sav", "hh_emigrant.sav"]
    sps = [p for p in sav_mk.files if p.suffix == ".sps"]
    assert [p.name for p in sps] == ["hh.sps"]
    text = sps[0].read_text(encoding="utf-8")
    assert "VARIABLE LABELS" in text and "Дали некој поранешен член емигрирал?" in text


def test_pspp_shows_labels_missing_values_levels_and_formats(sav_mk, tmp_path):
    variables, labels, text = pspp_dictionary(tmp_path, sav_mk.files[0])
    assert "warning" not in text.lower()
    v = {r["Name"]: r for r in variables}
    assert v["any_emig"]["Label"] == "Дали некој поранешен член емигрирал?"
    assert v["any_emig"]["Missing Values"] == "98; 99"
    assert v["any_emig"]["Measurement Level"] == "Nominal"
    assert v["any_emig"]["Print Format"] == "F2.0"
    assert v["region"]["Print Format"] == "F1.0"
    assert v["hhsize"]["Print Format"] == "F2.0" and v["hhsize"]["Measurement Level"] == "Scale"
    assert v["interview_date"]["Print Format"] == "SDATE10"
    assert v["income"]["Missing Values"] == "9999998"
    assert not any(r["Print Format"] == "F8.2" for r in variables if r["Name"] != "income")
    assert ["", "98[a]", "Не знам"] in labels and ["", "99[a]", "Одбива"] in labels
    assert ["Регион", "1", "Скопје"] in labels


def test_pspp_reads_roster_file_with_dummies(sav_mk, tmp_path):
    variables, labels, text = pspp_dictionary(tmp_path, sav_mk.files[1])
    assert "warning" not in text.lower()
    v = {r["Name"]: r for r in variables}
    assert list(v)[:2] == ["hhid", "pline"]
    assert v["langs_2"]["Label"] == "Јазици што ги зборува :: Албански"
    assert v["langs_2"]["Print Format"] == "F1.0"
    assert v["age"]["Missing Values"] == "998"
    assert ["Јазици што ги зборува :: Албански", "0", "Не е избрано"] in labels


def test_haven_reads_sav_user_missing_and_dates(sav_mk):
    h = haven_dump(sav_mk.files[0])
    assert h["na_values"]["any_emig"] == "98;99"
    assert h["labels"]["any_emig"] == {"1": "Да", "2": "Не", "98": "Не знам", "99": "Одбива"}
    assert h["var"]["interview_date"]["class"] == "Date"
    assert h["values"]["interview_date"] == ["2026-11-20", "2026-11-20", "2026-11-21"]
    assert h["values"]["resp_name"] == ["Марија Петровска", "Arbën Krasniqi", "Иван Стојанов"]
    assert h["values"]["any_emig"] == ["1", "2", "98"]


def test_dta_is_format_118_and_haven_sees_tagged_missings(dta_en):
    head = dta_en.files[0].read_bytes()[:80]
    assert b"<release>118</release>" in head
    h = haven_dump(dta_en.files[0])
    assert h["var"]["any_emig"]["label"] == "Has any former member emigrated?"
    assert h["labels"]["any_emig"] == {"1": "Yes", "2": "No", ".a": "Don't know", ".b": "Refused"}
    assert h["tags"]["any_emig"] == {3: "a"}  # household 103 answered 98 (don't know)
    assert h["tags"]["income"] == {2: "a"}
    assert h["values"]["resp_name"] == ["Марија Петровска", "Arbën Krasniqi", "Иван Стојанов"]
    assert h["var"]["interview_date"]["class"] == "Date"
    assert h["values"]["interview_date"] == ["2026-11-20", "2026-11-20", "2026-11-21"]  # %td days since 1960
    p = haven_dump(dta_en.files[1])
    assert p["var"]["langs_1"]["label"] == "Languages spoken :: Macedonian"
    assert p["labels"]["langs_1"] == {"0": "Not selected", "1": "Selected"}
    assert p["values"]["langs_3"] == ["0", "0", "1", "<NA>", "0", "1"]
    assert p["tags"]["age"] == {4: "a"}


def test_pandas_read_stata_reads_labels_and_missing_letters(dta_en):
    with pd.io.stata.StataReader(dta_en.files[0]) as rd:
        rd.read(convert_dates=False, convert_categoricals=False)
        var_labels = rd.variable_labels()
        value_labels = rd.value_labels()
    assert var_labels["region"] == "Region"
    assert {"Skopje", "Pelagonia", "Polog"} <= {lab for d in value_labels.values() for lab in d.values()}
    frame = pd.read_stata(dta_en.files[0], convert_missing=True, convert_dates=False, convert_categoricals=False)
    missing = frame["any_emig"].iloc[2]
    assert isinstance(missing, pd.io.stata.StataMissingValue) and missing.string == ".a"


def _known(ds, level):
    qn = ds.questionnaire
    from surveymod.questionnaire.dictionary import data_dictionary

    names = [v.name for v in data_dictionary(qn).variables]
    return [c for c in ds.frames[level].columns if c in names]


@pytest.mark.parametrize("target", ["sav", "dta", "parquet", "csv", "xlsx"])
def test_round_trip_keeps_every_value(target, tmp_path, qn):
    original = read(ODK, qn)
    result = export(original, to=target, out=tmp_path / f"hh.{target}")
    back = read(result.files[0], qn)
    assert list(back.frames) == list(original.frames)
    for level, frame in original.frames.items():
        cols = _known(original, level)
        got = back.frames[level]
        assert len(got) == len(frame)
        for c in cols:
            a, b = frame[c], got[c]
            if pd.api.types.is_datetime64_any_dtype(a):
                assert a.dt.strftime("%Y-%m-%d").fillna("").tolist() == b.dt.strftime("%Y-%m-%d").fillna("").tolist()
            elif pd.api.types.is_numeric_dtype(a):
                np.testing.assert_array_equal(a.to_numpy(dtype=float), b.to_numpy(dtype=float), err_msg=c)
            else:
                assert a.fillna("").tolist() == b.fillna("").tolist(), c


def test_round_trip_keeps_invalid_values(tmp_path, qn):
    original = read(FIELD / "text_in_numeric.csv", qn)
    for target in ("sav", "dta"):
        result = export(original, to=target, out=tmp_path / f"t.{target}")
        assert any(w.rule == "invalid-kept" and w.location.variable == "hhsize" for w in result.warnings)
        h = haven_dump(result.files[0])
        assert h["values"]["hhsize_txt"][0] == "three" and h["values"]["hhsize"][0] == "<NA>"
        back = read(result.files[0], qn).main
        assert back["hhsize"].tolist()[0] == "three"
        assert back["income"].tolist()[1] == "n/a"
        assert back["interview_date"].tolist()[2] == "yesterday"


def test_long_labels_are_shortened_with_a_warning(tmp_path):
    qn = load_valid(LONG)
    data = tmp_path / "long.csv"
    data.write_text("id,q1,q2\n1,1,97\n2,2,1\n", encoding="utf-8")
    dta = export(data, qn, to="dta", out=tmp_path / "long.dta")
    short = [w for w in dta.warnings if w.rule == "label-shortened"]
    assert [w.location.variable for w in short] == ["q1"]
    h = haven_dump(dta.files[0])
    label = h["var"]["q1"]["label"]
    assert len(label) == 80 and label.endswith("…")
    sav = export(data, qn, to="sav", out=tmp_path / "long.sav")
    short = [w for w in sav.warnings if w.rule == "label-shortened"]
    assert len(short) == 1 and "value label 2" in short[0].message
    _, labels, text = pspp_dictionary(tmp_path, sav.files[0])
    assert "warning" not in text.lower()
    two = next(r[2] for r in labels if r[1] == "2" and r[2].startswith("No, and"))
    assert len(two.encode("utf-8")) <= 120 and two.endswith("…")
    variables, _, _ = pspp_dictionary(tmp_path, sav.files[0])
    assert {r["Name"]: r["Missing Values"] for r in variables}["q2"] == "96 THRU 99"


def test_unknown_columns_pass_through_and_are_listed(tmp_path, qn):
    result = export(FIELD / "unknown_columns.csv", qn, to="dta", out=tmp_path / "u.dta")
    assert {w.location.variable for w in result.warnings if w.rule == "unknown-column"} == {"gps_lat",
                                                                                             "interviewer_note"}
    h = haven_dump(result.files[0])
    assert h["values"]["gps_lat"] == ["41.99"] and h["values"]["interviewer_note"] == ["ok"]


def test_names_spss_rejects_are_renamed_with_a_warning(sav_mk, tmp_path):
    renamed = {w.location.variable for w in sav_mk.warnings if w.rule == "renamed"}
    assert "meta-instanceID" in renamed
    variables, _, _ = pspp_dictionary(tmp_path, sav_mk.files[0])
    assert "meta_instanceID" in {r["Name"] for r in variables}


def test_failed_write_leaves_no_file(tmp_path, qn, monkeypatch):
    from surveymod.data import sav_file

    def broken(df, path, **kw):
        Path(path).write_bytes(b"partial")
        raise RuntimeError("disk full")

    monkeypatch.setattr(sav_file, "write_sav", broken)
    with pytest.raises(SurveyError) as exc:
        export(ODK, qn, to="sav", out=tmp_path / "x.sav")
    assert exc.value.problems[0].rule == "write-failed"
    assert list(tmp_path.iterdir()) == []


def test_an_input_is_never_overwritten(tmp_path, qn):
    src = tmp_path / "in.csv"
    shutil.copy(FIELD / "routing.csv", src)
    before = src.read_bytes()
    with pytest.raises(SurveyError, match="refusing to overwrite"):
        export(src, qn, to="csv", out=src)
    assert src.read_bytes() == before


def test_xlsx_has_data_variables_and_codes_sheets(tmp_path, qn):
    result = export(ODK, qn, to="xlsx", out=tmp_path / "hh.xlsx", lang="mk")
    book = pd.read_excel(result.files[0], sheet_name=None)
    assert set(book) == {"data", "variables", "codes"}
    assert book["data"]["resp_name"].tolist()[0] == "Марија Петровска"
    codes = book["codes"]
    assert codes[(codes["variable"] == "any_emig") & (codes["code"] == 98)]["missing"].tolist() == ["dont_know"]


def test_cli_export(tmp_path):
    _register()
    res = CliRunner().invoke(cli, ["export", str(ODK), "-q", str(QN_PATH), "--to", "dta", "-o",
                                   str(tmp_path / "cli.dta"), "--lang", "mk"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "cli_person.dta").exists()
    bad = CliRunner().invoke(cli, ["export", str(ODK), "-q", str(QN_PATH), "--to", "dta", "-o",
                                   str(tmp_path / "cli.dta"), "--lang", "xx"])
    assert bad.exit_code == 1 and "language 'xx'" in bad.output


def test_every_label_and_missing_definition_matches_the_questionnaire(sav_mk, dta_en, qn):
    """haven's view of every labelled variable equals the questionnaire's codes, labels and missing codes."""
    from surveymod.questionnaire.dictionary import data_dictionary

    for result, lang, kind in ((sav_mk, "mk", "sav"), (dta_en, "en", "dta")):
        dd = {v.name: v for v in data_dictionary(qn, lang).variables}
        seen = 0
        for path in (f for f in result.files if f.suffix == f".{kind}"):
            h = haven_dump(path)
            for name, labels in h["labels"].items():
                v = dd[name]
                want = {}
                for code, text in v.value_labels.items():
                    key = "." + v.stata_missing[code].lstrip(".") if kind == "dta" and code in v.stata_missing \
                        else str(code)
                    want[key] = text
                assert labels == want, name
                assert h["var"][name]["label"] == v.label, name
                if kind == "sav" and v.missing:
                    assert h["na_values"][name] == ";".join(str(c) for c in sorted(v.missing)), name
                seen += 1
        assert seen >= 10


def test_dates_are_stored_as_spss_seconds_and_stata_days():
    """SPSS counts seconds from 1582-10-14, Stata's %td days from 1960-01-01 (both manuals); dates before the
    epochs are negative, missing dates missing."""
    import importlib

    exporter = importlib.import_module("surveymod.data.exporter")
    s = pd.Series(pd.to_datetime(["1582-10-14", "1960-01-01", "1959-12-31", None, "2026-11-20"]))
    sav = exporter._stat_dates(s, "sav")
    dta = exporter._stat_dates(s, "dta")
    assert sav[0] == 0 and sav[1] == 11_903_760_000 and np.isnan(sav[3])
    assert dta[1] == 0 and dta[2] == -1 and np.isnan(dta[3]) and dta[4] == 24_430


def test_progress_is_told_each_file(tmp_path):
    said: list[str] = []
    export(ODK, QN_PATH, to="dta", out=tmp_path / "hh.dta", syntax=False, progress=said.append)
    assert [s.split(" (")[0] for s in said] == ["writing hh.dta", "writing hh_person.dta", "writing hh_emigrant.dta"]
    assert said[0].startswith("writing hh.dta (3 rows, ")
