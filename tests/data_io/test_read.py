"""Reading field exports: shapes from ODK Central, Kobo, plain CSV with labels, encodings, broken files."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from surveymod.data import read
from surveymod.errors import SurveyError

from .conftest import FIELD

# Hand-written expectations for the household in odk_central/ and kobo.xlsx (same interviews, two export shapes).
EXPECTED_PERSON = pd.DataFrame({
    "hhid": [101, 101, 101, 102, 102, 103], "pline": [1, 2, 3, 1, 2, 1], "sex": [1, 2, 2, 1, 2, 1],
    "age": [45, 40, 10, 998, 33, 30], "works": [1, 2, np.nan, 1, 99, 1],
    "langs": ["1 2", "1", "1 3", np.nan, "2", "3 4"],
    "langs_1": [1, 1, 1, np.nan, 0, 0], "langs_2": [1, 0, 0, np.nan, 1, 0], "langs_3": [0, 0, 1, np.nan, 0, 1],
    "langs_4": [0, 0, 0, np.nan, 0, 1]})


@pytest.mark.parametrize("source", ["odk_central/hh_migration_test.csv", "kobo.xlsx"])
def test_odk_and_kobo_exports_give_the_same_linked_levels(source, qn):
    ds = read(FIELD / source, qn)
    assert list(ds.frames) == ["main", "person", "emigrant"]
    main, person, emig = ds.frames["main"], ds.frames["person"], ds.frames["emigrant"]
    assert main["hhid"].tolist() == [101, 102, 103]
    assert main["resp_name"].tolist() == ["Марија Петровска", "Arbën Krasniqi", "Иван Стојанов"]
    assert main["interview_date"].dt.strftime("%Y-%m-%d").tolist() == ["2026-11-20", "2026-11-20", "2026-11-21"]
    for col in EXPECTED_PERSON:
        got, want = person[col], EXPECTED_PERSON[col]
        if pd.api.types.is_string_dtype(want):
            assert got.fillna("<NA>").tolist() == want.fillna("<NA>").tolist(), col
        else:
            np.testing.assert_array_equal(got.to_numpy(dtype=float), want.to_numpy(dtype=float), err_msg=col)
    assert person["birth_date"].iloc[2] == pd.Timestamp("2016-02-29")
    assert emig["hhid"].tolist() == [101, 101]
    assert emig["reasons"].tolist() == ["1", "2 4"]
    assert emig["reasons_4"].tolist() == [0, 1]
    assert emig["ename"].tolist() == ["Петар", "Ана"]
    # group prefixes are gone and bookkeeping columns pass through untouched
    assert not any("/" in c or c.startswith("hh-") for c in main.columns if c not in ds.system["main"])
    assert ds.unknown == {"main": [], "person": [], "emigrant": []}


def test_bom_and_windows_1251_are_decoded(qn):
    assert read(FIELD / "bom.csv", qn).main["resp_name"].tolist() == ["Љубица Ѓорѓиевска"]
    ds = read(FIELD / "cp1251.csv", qn)
    assert ds.main["resp_name"].tolist() == ["Марија Петровска", "Ѓорѓи Јовановски"]
    assert any(p.rule == "encoding" and "Windows-1251" in p.message for p in ds.problems)
    forced = read(FIELD / "cp1251.csv", qn, encoding="cp1251")
    assert forced.main["resp_name"].tolist() == ["Марија Петровска", "Ѓорѓи Јовановски"]


def test_labels_and_choice_names_map_back_to_codes(qn):
    main = read(FIELD / "labels.csv", qn).main
    assert main["region"].tolist() == [1, 3, 2]
    assert main["any_emig"].tolist() == [1, 2, 98]
    assert main["interview_date"].iloc[0] == pd.Timestamp("2026-11-22")


def test_truncated_file_keeps_every_row_and_says_so(qn):
    ds = read(FIELD / "truncated.csv", qn)
    assert len(ds.main) == 3
    assert [p.rule for p in ds.problems if p.severity == "error"] == ["truncated-file"]
    quoted = read(FIELD / "truncated_quote.csv", qn)
    assert len(quoted.main) == 1 and quoted.main["hhid"].tolist() == [1101]
    assert any(p.rule == "truncated-file" for p in quoted.problems)


def test_empty_file_is_a_located_error(qn):
    with pytest.raises(SurveyError) as exc:
        read(FIELD / "empty.csv", qn)
    assert exc.value.problems[0].rule == "empty-file"
    assert "empty.csv" in str(exc.value)


def test_unknown_columns_pass_through_with_a_warning(qn):
    ds = read(FIELD / "unknown_columns.csv", qn)
    assert ds.main["gps_lat"].tolist() == [41.99]
    assert ds.main["interviewer_note"].tolist() == ["ok"]
    assert sorted(p.location.variable for p in ds.problems if p.rule == "unknown-column") == [
        "gps_lat", "interviewer_note"]


def test_invalid_values_are_kept_not_blanked(qn):
    main = read(FIELD / "text_in_numeric.csv", qn).main
    assert main["hhsize"].tolist()[0] == "three"
    assert main["income"].tolist()[1] == "n/a"
    assert main["interview_date"].tolist()[2] == "yesterday"


def test_sibling_files_with_roster_names_and_zip(qn, tmp_path):
    folder = read(FIELD / "orphans", qn)
    assert list(folder.frames) == ["main", "person"]
    assert folder.frames["person"]["hhid"].tolist() == [901, 909]
    zipped = shutil.make_archive(str(tmp_path / "export"), "zip", FIELD / "odk_central")
    ds = read(zipped, qn)
    assert [len(f) for f in ds.frames.values()] == [3, 6, 2]


def test_large_csv_is_read_in_chunks_with_the_same_result(qn, tmp_path):
    rows = ["hhid,interview_date,region,resp_name,hhsize,any_emig,n_emig,income"]
    rows += [f"{i},2026-11-22,{i % 3 + 1},Име {i},{i % 5 + 1},2,," for i in range(1, 5001)]
    path = tmp_path / "big.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    whole = read(path, qn).main
    chunked = read(path, qn, chunk_bytes=1000, progress=lambda *a: None).main
    assert len(chunked) == 5000
    pd.testing.assert_frame_equal(whole, chunked)


def test_without_questionnaire_tables_are_returned_as_found():
    ds = read(FIELD / "kobo.xlsx")
    assert list(ds.frames) == ["main", "persons", "emigrants"]
    assert "hh/hhid" in ds.main.columns


def test_kobo_semicolon_csv_with_parent_index(qn, tmp_path):
    (tmp_path / "kobo.csv").write_text(
        "hh/hhid;hh/interview_date;hh/region;hh/resp_name;hh/hhsize;hh/any_emig;hh/n_emig;hh/income;_id;_index\n"
        "7;2026-11-22;1;Besa Hoxha;1;1;1;;55;1\n", encoding="utf-8")
    (tmp_path / "kobo-emigrants.csv").write_text(
        "emigrants/eline;emigrants/ename;emigrants/dest;emigrants/reasons/xyz;emigrants/reasons/2;"
        "emigrants/reasons/3;emigrants/reasons/4;_index;_parent_index\n"
        "1;Dritë;IT;0;1;0;0;1;1\n", encoding="utf-8")
    ds = read(tmp_path / "kobo.csv", qn)
    emig = ds.frames["emigrant"]
    assert emig["hhid"].tolist() == [7]
    assert emig["dest"].tolist() == [380]          # choice name IT → code 380
    assert emig["reasons"].tolist() == ["2"]       # rebuilt from the split columns (reasons/xyz is not a choice)
    assert "emigrants/reasons/xyz" in ds.unknown["emigrant"]
    assert emig["ename"].tolist() == ["Dritë"]


def test_text_answers_that_look_like_numbers_stay_as_written(qn, tmp_path):
    (tmp_path / "t.csv").write_text(
        "hhid,interview_date,region,resp_name,hhsize,any_emig,n_emig,income\n"
        "1,2026-11-22,1,12,1,2,,\n2,2026-11-22,1,,1,2,,\n3,2026-11-22,1,0701,1,2,,\n", encoding="utf-8")
    assert read(tmp_path / "t.csv", qn).main["resp_name"].fillna("<NA>").tolist() == ["12", "<NA>", "0701"]


def test_streamed_blocks_give_the_frame_the_whole_file_reader_gives(tmp_path, monkeypatch):
    """A large CSV is streamed block by block; types that change between blocks (whole numbers then decimals, a
    column empty in the first blocks, "NA", quoted text with line breaks) come out as from one read."""
    import importlib

    reader = importlib.import_module("surveymod.data.reader.text_files")

    rows = ["id,late,routed,amount,note"]
    for i in range(1, 6001):
        late = f"{i}" if i < 4000 else f"{i}.5"  # int64 in the first blocks, then decimals: the stream gives up
        routed = "" if i < 3000 else str(i % 7)  # no value at all in the first blocks
        amount = "NA" if i % 11 == 0 else f"{i * 1.25}"
        note = f'"line {i}\nsecond, part ""q"""' if i % 13 == 0 else f"note {i}"
        rows.append(f"{i},{late},{routed},{amount},{note}")
    path = tmp_path / "blocks.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    pd_whole = read(path).main
    monkeypatch.setattr(reader, "ARROW_BLOCK", 16 * 1024)
    monkeypatch.setattr(reader, "STREAM_BYTES", 0)
    streamed = read(path, chunk_bytes=1000).main  # a Path, not bytes: the streaming reader
    pd.testing.assert_frame_equal(pd_whole, streamed)
    assert streamed["late"].dtype == "float64" and streamed["routed"].isna().sum() == 2999
    assert streamed.loc[12, "note"] == 'line 13\nsecond, part "q"'

    no_break = path.with_name("steady.csv")  # the same without the decimals: the stream keeps it
    no_break.write_text("\n".join(r.replace(".5,", ",") for r in rows) + "\n", encoding="utf-8")
    calls: list[int] = []
    stream = reader._arrow_stream
    monkeypatch.setattr(reader, "_arrow_stream", lambda *a: calls.append(1) or stream(*a))
    kept = read(no_break, chunk_bytes=1000).main
    monkeypatch.setattr(reader, "ARROW_BLOCK", 1 << 22)
    pd.testing.assert_frame_equal(read(no_break).main, kept)
    assert calls and kept["late"].dtype == "int64"


def test_growing_column_grows_and_turns_float_at_the_first_gap():
    import importlib

    reader = importlib.import_module("surveymod.data.reader.text_files")
    g = reader._Growing(2, np.dtype("int64"))
    g.add(np.array([1, 2, 3], dtype="int64"))  # past the estimate
    assert g.values.dtype == "int64" and g.values[:g.n].tolist() == [1, 2, 3]
    g.add(np.array([4.0, np.nan]))  # a block with a gap
    g.add(np.array([6], dtype="int64"))
    assert g.values.dtype == "float64" and np.array_equal(g.values[:g.n], [1, 2, 3, 4, np.nan, 6], equal_nan=True)


def test_keep_with_a_questionnaire_leaves_out_only_unwanted_variables(qn, tmp_path):
    """An analysis of a few variables reads only those, the keys that link the levels, and any column the
    questionnaire does not name under its exact name (a Kobo 'group-q' header is kept); the values it keeps are
    those of a full read."""
    from surveymod.data import export

    odk = FIELD / "odk_central" / "hh_migration_test.csv"
    export(odk, qn, to="parquet", out=tmp_path / "hh.parquet")  # the questionnaire's names, one file per level
    full = read(tmp_path / "hh.parquet", qn)
    part = read(tmp_path / "hh.parquet", qn, keep={"region", "sex", "age"}.__contains__)
    assert list(part.frames) == list(full.frames) == ["main", "person", "emigrant"]
    assert {"hhid", "region"} <= set(part.main.columns) and "resp_name" not in part.main.columns
    assert {"hhid", "pline", "sex", "age"} <= set(part.frames["person"].columns)
    assert "works" not in part.frames["person"].columns
    for level, frame in part.frames.items():
        pd.testing.assert_frame_equal(frame, full.frames[level][list(frame.columns)])
    prefixed = read(odk, qn, keep={"region"}.__contains__)
    assert "resp_name" in prefixed.main.columns  # 'hh-resp_name' is not the exact name: kept


def test_keep_with_a_questionnaire_keeps_the_select_multiple_behind_a_wanted_dummy(qn, tmp_path):
    """A plan that names the dummy langs_2 needs the raw langs column the dummies are made from."""
    from surveymod.data import export

    export(FIELD / "odk_central" / "hh_migration_test.csv", qn, to="csv", out=tmp_path / "hh.csv")
    person = pd.read_csv(tmp_path / "hh_person.csv")
    person.drop(columns=[c for c in person.columns if c.startswith("langs_")]).to_csv(tmp_path / "hh_person.csv",
                                                                                      index=False)
    part = read(tmp_path / "hh.csv", qn, keep={"langs_2"}.__contains__)
    assert part.frames["person"]["langs_2"].tolist()[:3] == [1, 0, 0]
    assert "works" not in part.frames["person"].columns


@pytest.mark.filterwarnings("ignore:The .future.infer_string. option is deprecated")
def test_dates_with_gaps_stay_dates_when_text_is_object():
    """pandas 2 keeps text as object and turns missing values into the text "nan" when cast to str; the missing
    dates must stay missing dates, not make the column object."""
    import importlib

    reader = importlib.import_module("surveymod.data.reader.columns")
    with pd.option_context("future.infer_string", False):
        col = pd.Series(["2024-01-05", None, np.nan, "2024-01-05"], dtype=object)
        got = reader._date(col)
    assert str(got.dtype) == "datetime64[s]"
    assert got.isna().tolist() == [False, True, True, False]


def test_read_ahead_keeps_order_raises_in_order_and_stops_its_thread() -> None:
    """The streamed CSV's blocks are parsed a few ahead on a second thread: the caller gets them in order, the
    parser's error after the blocks before it, and a caller that stops early leaves no thread behind."""
    import threading

    from surveymod.data.reader.text_files import _read_ahead

    assert list(_read_ahead(iter(range(50)), depth=3)) == list(range(50))

    def failing():
        yield from range(5)
        raise ValueError("block 6 breaks a type")

    got = []
    with pytest.raises(ValueError, match="block 6"):
        for x in _read_ahead(failing()):
            got.append(x)
    assert got == [0, 1, 2, 3, 4]
    early = _read_ahead(iter(range(10_000)), depth=2)
    assert [next(early), next(early)] == [0, 1]
    early.close()
    assert not any(t.name == "surveymod-csv-read-ahead" and t.is_alive() for t in threading.enumerate())
