"""The one writer (issue 29): ``surveymod.data.write`` exports a dataset labelled and writes one frame labelled from
its metadata, with one rule for names SPSS and Stata refuse.

Files are read back by R haven (not the pyreadstat the writer uses); the renamed names and labels are worked by
hand from the rule (characters other than letters, digits and '_' become '_', 'v' before a leading digit, a name
a valid column has is numbered 2; a renamed column without a label gets its old name as label).
"""

from __future__ import annotations

import pandas as pd

from surveymod.data import read, write
from surveymod.data.meta import Metadata, VarInfo

from .conftest import FIELD, QN_PATH, haven_dump

ODK = FIELD / "odk_central" / "hh_migration_test.csv"


def _frame() -> tuple[pd.DataFrame, Metadata]:
    frame = pd.DataFrame({"sex": [1, 2, 9], "sch.wide": ["Yes", "No", "Yes"], "sch_wide": [10, 20, 30],
                          "2x": [1.5, 2.5, 3.5]})
    meta = Metadata({"sex": VarInfo(label="Sex", values={1: "Male", 2: "Female", 9: "Refused"},
                                    missing=frozenset({9.0}))})
    return frame, meta


def test_a_frame_to_dta_keeps_valid_names_and_labels_the_renamed(tmp_path) -> None:
    frame, meta = _frame()
    res = write(frame, meta, tmp_path / "o.dta", added={"w": "Final weight"})
    assert res.renamed == {"sch.wide": "sch_wide2", "2x": "v2x"}
    assert res.files == [tmp_path / "o.dta"]
    assert [w.rule for w in res.warnings] == ["renamed"] and "sch.wide -> sch_wide2" in res.warnings[0].message
    h = haven_dump(tmp_path / "o.dta")
    assert list(h["var"]) == ["sex", "sch_wide2", "sch_wide", "v2x"]
    assert {v: h["var"][v]["label"] for v in h["var"]} == {"sex": "Sex", "sch_wide2": "sch.wide", "sch_wide": "",
                                                            "v2x": "2x"}
    assert h["labels"]["sex"] == {"1": "Male", "2": "Female", "9": "Refused"}
    assert h["values"]["sch_wide"] == ["10", "20", "30"] and h["values"]["sch_wide2"] == ["Yes", "No", "Yes"]


def test_a_frame_to_sav_keeps_spss_names_and_declares_missing(tmp_path) -> None:
    frame, meta = _frame()
    res = write(frame, meta, tmp_path / "o.sav")
    assert res.renamed == {"2x": "v2x"}  # SPSS allows '.' inside a name
    h = haven_dump(tmp_path / "o.sav")
    assert list(h["var"]) == ["sex", "sch.wide", "sch_wide", "v2x"]
    assert h["var"]["sex"]["label"] == "Sex" and h["var"]["v2x"]["label"] == "2x"
    assert h["na_values"]["sex"] == "9"


def test_a_dataset_with_its_questionnaire_is_the_labelled_export(tmp_path) -> None:
    ds = read(ODK, QN_PATH)
    res = write(ds, None, tmp_path / "hh", to="dta", syntax=True)
    assert [p.name for p in res.files] == ["hh.dta", "hh_person.dta", "hh_emigrant.dta", "hh.do"]
    h = haven_dump(tmp_path / "hh.dta")
    assert h["var"]["hhsize"]["label"]  # labelled from the questionnaire


def test_one_name_rule_for_files_and_design_scripts() -> None:
    """SPSS: letters, digits, '_', '.', '@', '#', '$', not ending in '.', no reserved word (ALL AND BY ...); Stata:
    letters, digits, '_', at most 32, no reserved word (_n, in, ...) - the Command Syntax Reference and [U] 11.3."""
    from pathlib import Path

    from surveymod.data.exporter import safe_names
    from surveymod.questionnaire.names import spss_accepts, stata_accepts

    assert [spss_accepts(n) for n in ("sch.wide", "x.", "BY", "@a", "2x")] == [True, False, False, True, False]
    assert [stata_accepts(n) for n in ("_uuid", "_n", "in", "sch.wide", "a" * 32, "a" * 33)] == \
        [True, False, False, False, True, False]
    assert safe_names(["x.", "x"], "sav", Path("o.sav"), []) == {"x.": "x2", "x": "x"}
