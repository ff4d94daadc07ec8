"""Back-check comparison (IPA bcstats rules), Kish selection expectations, duplicates and gaps on small
hand-worked data.

External source: IPA's bcstats help (type 1/2/3 variables; okrange(var [min, max]) treats differences within the
range as agreement; type 3 reported by variable only); Kish (1949): with n eligible persons each line is selected
with probability 1/n.
"""

from __future__ import annotations

import pandas as pd
import pytest

from surveymod.errors import SurveyError
from surveymod.fieldwork import backcheck, duplicates, selection
from surveymod.fieldwork.config import Backcheck

ORIG = pd.DataFrame({"hh": [1, 2, 3, 4], "intv": ["A", "A", "B", "B"], "age": [30, 40, 50, 60],
                     "sex": [1, 2, 1, 2], "name": ["Ana", "Ben", "Cem", "Dan"], "opinion": [3, 4, 5, 1]})
BC = pd.DataFrame({"hh": [1, 2, 3, 4, 9], "age": [31, 43, 50, 57, 20], "sex": [1, 2, 2, 2, 1],
                   "name": [" ana", "Ben", "Cem", "Don", "X"], "opinion": [3, 1, 5, 1, 2]})
SPEC = Backcheck(type1=["age", "sex"], type2=["name"], type3=["opinion"], okrange={"age": (-1, 1)})


def test_bcstats_types_okrange_and_unmatched() -> None:
    r = backcheck.compare(ORIG, BC, SPEC, ["hh"], "intv", "bc.csv")
    assert r.matched == 4
    assert any("1 back-check(s) match no original" in n for n in r.notes)
    by_item = r.by_item.set_index("item")
    # age: +1 ok, +3 no, 0 ok, -3 no -> 2 of 4; sex: hh 3 differs -> 1 of 4; name: ' ana' = 'Ana' after trim and
    # case, 'Don' != 'Dan' -> 1 of 4; opinion (type 3): hh 2 differs -> 1 of 4
    assert by_item["different"].to_dict() == {"age": 2, "sex": 1, "name": 1, "opinion": 1}
    assert by_item.loc["opinion", "type"] == 3
    by_int = r.by_interviewer.set_index("interviewer")
    # A: type 1 compared 4 (age, sex x 2 households), different 1 (age of hh 2); B: 4 compared, 2 different
    assert by_int.loc["A", "type1_error_rate"] == pytest.approx(1 / 4)
    assert by_int.loc["B", "type1_error_rate"] == pytest.approx(2 / 4)
    assert by_int.loc["B", "type2_error_rate"] == pytest.approx(1 / 2)
    assert "type3_compared" not in r.by_interviewer  # type 3: by item only


def test_backcheck_id_missing_is_a_located_error() -> None:
    with pytest.raises(SurveyError, match="hhid"):
        backcheck.compare(ORIG, BC, SPEC, ["hhid"], "intv", "bc.csv")


def test_kish_line1_expectation_is_the_sum_of_one_over_n() -> None:
    # Interviewer A: households of 2, 3 and 4 eligible persons, always line 1: expected 1/2 + 1/3 + 1/4 = 13/12,
    # variance 1/4 + 2/9 + 3/16 = 0.659722..., z = (3 - 13/12) / sqrt(0.659722) = 2.3597
    df = pd.DataFrame({"i": ["A"] * 3 + ["B"] * 2, "n": [2, 3, 4, 2, 1], "line": [1, 1, 1, 2, None]})
    t = selection.kish_check(df, "i", "n", "line", None, None, None).set_index("interviewer")
    assert t.loc["A", "line1_expected"] == pytest.approx(13 / 12, abs=0.005)
    assert t.loc["A", "line1_z"] == pytest.approx((3 - 13 / 12) / (1 / 4 + 2 / 9 + 3 / 16) ** 0.5)
    assert t.loc["B", "kish_selections"] == 1  # the one-person household needs no selection


def test_duplicates_and_empty_psus() -> None:
    df = pd.DataFrame({"psu": [1, 1, 2, 2.0], "hh": [5, 5, 6, 7]})
    d = duplicates.duplicate_keys(df, ["psu", "hh"], "household interviewed twice")
    assert d["data_row"].tolist() == [2, 3] and d["key"].tolist() == ["1 / 5", "1 / 5"]
    targets = pd.DataFrame({"psu": ["1", "2", "3"], "target": [2, 2, 2]})
    g = duplicates.empty_psus(targets, df["psu"], pd.Series([True, True, False, False]))
    assert g.set_index("psu")["issue"].to_dict() == {"2": "no completed interview",
                                                     "3": "no completed interview and no case recorded"}


def test_roster_kish_check_finds_the_wrong_person() -> None:
    """Household 1: eligible 70 (m), 45 (f), 20 (m); line 2 is the woman of 45, and she answered. Household 2: line
    1 is the man of 60 but a woman of 30 answered. Household 3: n_elig says 3, two are listed (the 12-year-old is
    not eligible)."""
    from surveymod.data.reader import Dataset
    from surveymod.fieldwork import MonitorConfig, run_monitor

    main = pd.DataFrame({"hhid": [1, 2, 3], "intv": ["A", "B", "B"], "disposition": ["1.1"] * 3,
                         "n_elig": [3, 2, 3], "kish_line": [2, 1, 1], "sex": [2, 2, 1], "age": [45, 30, 50]})
    members = pd.DataFrame({"hhid": [1, 1, 1, 1, 2, 2, 3, 3, 3], "age": [20, 70, 45, 8, 30, 60, 50, 48, 12],
                            "sex": [1, 1, 2, 1, 2, 1, 1, 2, 2]})
    cfg = MonitorConfig.model_validate({"columns": {"interviewer": "intv"}, "roster": {"link": ["hhid"]}})
    m = run_monitor(Dataset(frames={"main": main, "members": members}), cfg)
    found = m.tables["selection_roster"].set_index("data_row")["problem"].to_dict()
    assert found == {3: "respondent's sex is not the selected person's", 4: "n_elig 3 but 2 eligible listed"}
    sel = m.tables["selection"].set_index("interviewer")
    assert sel.loc["A", "roster_mismatches"] == 0 and sel.loc["B", "roster_mismatch_rate"] == 1.0
    assert "selected person not the roster's Kish choice" in set(m.flags["check"])
