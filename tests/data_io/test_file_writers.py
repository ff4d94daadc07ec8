"""The numpy .sav and .dta writers against ReadStat's (pyreadstat) writing of the same frame, judged by R haven,
PSPP and pandas' own Stata reader: every value, label, missing-value definition, format and name must come out the
same. ReadStat is an independent implementation of both formats, so an agreement is evidence, not a tautology."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from surveymod.data import dta_file, sav_file

from .conftest import run_pspp, run_r

LONG = "a_variable_name_that_is_much_longer_than_eight_bytes"


def _frame() -> pd.DataFrame:
    n = 7
    return pd.DataFrame({
        "id": np.arange(1, n + 1, dtype=np.int64),
        "q1": [1.0, 2.0, 98.0, 99.0, np.nan, 1.0, 2.0],
        LONG: [1.5, -2.25, np.nan, 1e12, 0.0, 3.0, 7.0],
        LONG[:-1] + "x": [1.0] * n,  # same first 8 bytes as LONG
        "текст": ["Скопје", "Tetovë", "", None, "a" * 9, "b" * 255, "x"],
        "short": ["a", "b", None, "c", "", "d", "e"],
        "flag": [True, False, True, True, False, False, True],
        "when": pd.to_datetime(["2021-09-05", "2020-01-01", None, "1999-12-31", "2023-06-30 12:30:00",
                                "1960-01-01", "1582-10-15"], format="ISO8601"),
    })


LABELS = {"id": "Identifier", "q1": "Опција (question 1)", LONG: "A long one", "текст": "Text, Cyrillic"}
VALUE_LABELS = {"q1": {1.0: "Yes", 2.0: "Не", 98.0: "Don't know", 99.0: "Refused"}}
MEASURE = {"id": "scale", "q1": "nominal", LONG: "scale", "текст": "nominal", "short": "nominal"}
FORMATS = {"id": "F8.0", "q1": "F2.0", LONG: "F16.2", "when": "DATETIME20"}


def _both_sav(tmp_path: Path, missing: dict) -> tuple[Path, Path]:
    ours, theirs = tmp_path / "ours.sav", tmp_path / "theirs.sav"
    frame = _frame()
    assert sav_file.write_sav(frame, ours, column_labels=LABELS, value_labels=VALUE_LABELS, missing=missing,
                              measure=MEASURE, formats=FORMATS)
    pyreadstat.write_sav(frame, str(theirs), column_labels=LABELS, variable_value_labels=VALUE_LABELS,
                         missing_ranges=missing, variable_measure=MEASURE, variable_format=FORMATS)
    return ours, theirs


@pytest.mark.client
@pytest.mark.parametrize("missing", [{"q1": [98.0, 99.0]}, {"q1": [{"lo": 98.0, "hi": 99.0}]},
                                     {"q1": [{"lo": 97.0, "hi": 98.0}, 99.0]}])
def test_sav_reads_in_haven_as_readstats_own(tmp_path: Path, missing: dict) -> None:
    ours, theirs = _both_sav(tmp_path, missing)
    out = run_r(f"""
        a <- read_sav("{theirs}", user_na = TRUE); b <- read_sav("{ours}", user_na = TRUE)
        cat(isTRUE(all.equal(a, b)), identical(lapply(a, attributes), lapply(b, attributes)), names(b), sep = "\\n")
    """)
    lines = out.split("\n")
    assert lines[:2] == ["TRUE", "TRUE"], out
    assert lines[2:2 + 8] == list(_frame().columns)


@pytest.mark.client
def test_sav_dictionary_in_pspp_as_readstats_own(tmp_path: Path) -> None:
    ours, theirs = _both_sav(tmp_path, {"q1": [98.0, 99.0]})
    shown = [run_pspp(tmp_path, f"GET FILE='{p}'.\nDISPLAY DICTIONARY.\nLIST.\n") for p in (theirs, ours)]
    assert "error" not in shown[1].lower()
    assert shown[0] == shown[1]


def test_sav_leaves_very_long_text_to_pyreadstat(tmp_path: Path) -> None:
    frame = pd.DataFrame({"t": ["x" * 256]})
    assert not sav_file.write_sav(frame, tmp_path / "x.sav", column_labels={}, value_labels={}, missing={},
                                  measure={}, formats={})
    assert not (tmp_path / "x.sav").exists()


def _both_dta(tmp_path: Path) -> tuple[Path, Path]:
    frame = _frame().drop(columns=["flag"]).rename(columns={LONG: LONG[:32], LONG[:-1] + "x": "other"})
    labels = {k[:32]: v for k, v in LABELS.items()}
    ours, theirs = tmp_path / "ours.dta", tmp_path / "theirs.dta"
    assert dta_file.write_dta(frame, ours, column_labels=labels, value_labels={"q1": {1.0: "Yes", 2.0: "Не",
                              "a": "Don't know", "b": "Refused"}}, formats={"id": "%8.0g"},
                              letters={"q1": {98.0: "a", 99.0: "b"}})
    tagged = frame.astype({"q1": object})
    tagged.loc[frame["q1"] == 98.0, "q1"] = "a"
    tagged.loc[frame["q1"] == 99.0, "q1"] = "b"
    pyreadstat.write_dta(tagged, str(theirs), version=14, column_labels=labels,
                         variable_value_labels={"q1": {1.0: "Yes", 2.0: "Не", "a": "Don't know", "b": "Refused"}},
                         missing_user_values={"q1": ["a", "b"]}, variable_format={"id": "%8.0g"})
    return ours, theirs


@pytest.mark.client
def test_dta_reads_in_haven_as_readstats_own(tmp_path: Path) -> None:
    ours, theirs = _both_dta(tmp_path)
    out = run_r(f"""
        a <- read_dta("{theirs}"); b <- read_dta("{ours}")
        for (v in names(a)) {{ attr(a[[v]], "format.stata") <- NULL; attr(b[[v]], "format.stata") <- NULL }}
        cat(isTRUE(all.equal(a, b)), paste(na_tag(b$q1), collapse = ","), sep = "\\n")
    """)
    assert out.split("\n")[:2] == ["TRUE", "NA,NA,a,b,NA,NA,NA"], out


def test_dta_reads_in_pandas_as_readstats_own(tmp_path: Path) -> None:
    ours, theirs = _both_dta(tmp_path)
    frames, sets, labels = [], [], []
    for p in (theirs, ours):
        with pd.read_stata(p, iterator=True, convert_missing=True, convert_dates=False) as reader:
            sets.append(sorted(map(sorted, (d.items() for d in reader.value_labels().values()))))
            labels.append(reader.variable_labels())
            frames.append(reader.read(convert_categoricals=False))
    assert sets[0] == sets[1] and labels[0] == labels[1]
    a, b = (f.astype(str) for f in frames)
    pd.testing.assert_frame_equal(a, b)


def test_dta_leaves_strl_text_to_pyreadstat(tmp_path: Path) -> None:
    frame = pd.DataFrame({"t": ["x" * 2046]})
    assert not dta_file.write_dta(frame, tmp_path / "x.dta", column_labels={}, value_labels={}, formats={})
    assert not (tmp_path / "x.dta").exists()
