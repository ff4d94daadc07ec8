"""The questions of a level are checked side by side on threads (surveymod.parallel): the report is the one a
single thread makes, row for row and in the same order, on data with every kind of finding."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from surveymod import parallel
from surveymod.data.checker import check
from surveymod.data.reader import read

from .test_check_blocks import QUESTIONNAIRE, _write_csv

DATA = Path(__file__).resolve().parents[1] / "data"


def _both(ds, qn) -> tuple[pd.DataFrame, pd.DataFrame]:  # noqa: ANN001
    old = parallel.THREAD_ROWS
    try:
        parallel.THREAD_ROWS = 10**12
        one = check(ds, qn).problems
        parallel.THREAD_ROWS = 0
        many = check(ds, qn).problems
    finally:
        parallel.THREAD_ROWS = old
    return one, many


def test_threads_give_the_single_thread_report(tmp_path: Path) -> None:
    qpath = tmp_path / "q.yaml"
    qpath.write_text(QUESTIONNAIRE, encoding="utf-8")
    ds = read(_write_csv(tmp_path / "data.csv"), qpath)
    one, many = _both(ds, ds.questionnaire)
    assert len(one) > 1000 and one["rule"].nunique() >= 6  # a report with every kind of finding
    pd.testing.assert_frame_equal(one, many)


HOUSEHOLD = "questionnaires_data/household.yaml"


@pytest.mark.parametrize("data, questionnaire", [
    ("fielddata/orphans", HOUSEHOLD),  # a roster with rows that have no household
    ("fielddata/odk_central", HOUSEHOLD),  # three levels linked by KEY/PARENT_KEY, split dummies
    ("fielddata/range_constraint.csv", HOUSEHOLD),
    ("fielddata/labels.csv", HOUSEHOLD),
    ("kobo/kobo_export.xlsx", "kobo/migration_hh.xlsx"),  # a Kobo export read with its XLSForm
    # REACH's public 2024 MSNA export and its Kobo tool (xlsform_wild/SOURCES.md): five levels, some 1,900
    # findings, derived-variable mismatches among them
    ("xlsform_wild/reach_msna_2024_dummy_raw_data.xlsx", "xlsform_wild/reach_msna_2024_kobo_tool_v11.xlsx"),
])
def test_threads_on_rosters_and_kobo_exports(data: str, questionnaire: str) -> None:
    ds = read(DATA / data, DATA / questionnaire)
    one, many = _both(ds, ds.questionnaire)
    pd.testing.assert_frame_equal(one, many)


def test_columns_of_a_file_with_its_own_index_are_typed_on_threads(tmp_path: Path) -> None:
    """A Parquet file that kept its index (one Index object shared by every column): the columns are typed on
    threads with labels mapped to codes (row lookups by label), and come out as from the CSV, on the file's index."""
    csv = DATA / "fielddata" / "labels.csv"
    frame = pd.read_csv(csv)
    frame.index = pd.Index([100 + 7 * i for i in range(len(frame))])
    frame.to_parquet(tmp_path / "labels.parquet", index=True)
    qn = DATA / HOUSEHOLD
    got = read(tmp_path / "labels.parquet", qn)
    want = read(csv, qn)
    assert list(got.frames["main"].index) == list(frame.index)
    pd.testing.assert_frame_equal(got.frames["main"].reset_index(drop=True), want.frames["main"])
    assert [p.message for p in got.problems] == [p.message for p in want.problems]
