"""AAPOR outcome rates against hand-computed examples from the Standard Definitions' formulas.

External source: AAPOR, Standard Definitions: Final Dispositions of Case Codes and Outcome Rates for Surveys
(10th ed., 2023), "Calculating rates from response distributions" (RR1-RR6, COOP1-4, REF1-3, CON1-3), and AAPOR's
note on its Response Rate Calculator 4.1, which restates COOP1 = I/((I+P)+R+O), COOP2 = (I+P)/((I+P)+R+O),
COOP3 = I/((I+P)+R), COOP4 = (I+P)/((I+P)+R), REF2 = R/((I+P)+(R+NC+O)+e(UH+UO)). Every expected value below was
worked out by hand from those formulas (the fractions are written out), not taken from the code.
"""

from __future__ import annotations

import pandas as pd
import pytest

from surveymod.fieldwork import aapor

# I=400 complete, P=50 partial, R=120 refusals/break-offs, NC=80 non-contacts, O=30 other, UH=60, UO=40, NE=20.
# (I+P) = 450, (R+NC+O) = 230, (UH+UO) = 100; known eligible 680, known eligibility 700.
# e = 680/700 = 34/35;  e(UH+UO) = 3400/35 = 97.142857...;  450 + 230 + 97.142857 = 5440/7.
COUNTS = aapor.Counts(I=400, P=50, R=120, NC=80, O=30, UH=60, UO=40, NE=20)
HAND = {
    "RR1": 400 / 780,              # I / ((I+P)+(R+NC+O)+(UH+UO)) = 400/780
    "RR2": 450 / 780,
    "RR3": 400 * 7 / 5440,         # 400 / (680 + 34/35*100) = 2800/5440 = 0.514706
    "RR4": 450 * 7 / 5440,
    "RR5": 400 / 680,
    "RR6": 450 / 680,
    "COOP1": 400 / 600,            # I / ((I+P)+R+O) = 400/(450+120+30)
    "COOP2": 450 / 600,
    "COOP3": 400 / 570,            # I / ((I+P)+R)
    "COOP4": 450 / 570,
    "REF1": 120 / 780,
    "REF2": 120 * 7 / 5440,
    "REF3": 120 / 680,
    "CON1": 600 / 780,             # ((I+P)+R+O) / ((I+P)+R+O+NC+(UH+UO)) = 600/(600+80+100)
    "CON2": 600 * 7 / 5440,        # 600 / (680 + 97.142857)
    "CON3": 600 / 680,
}


def test_estimated_e_is_the_eligible_share_among_known_eligibility() -> None:
    assert COUNTS.estimated_e() == pytest.approx(680 / 700)


@pytest.mark.parametrize("rate", list(HAND))
def test_every_rate_matches_the_hand_computation(rate: str) -> None:
    assert aapor.rates(COUNTS)[rate] == pytest.approx(HAND[rate], rel=1e-12)


def test_a_given_e_replaces_the_estimate() -> None:
    # e = 0.5: RR3 = 400 / (680 + 50) = 400/730; REF2 = 120/730; CON2 = 600/730; RR1, RR5 do not use e.
    r = aapor.rates(COUNTS, e=0.5)
    assert r["RR3"] == pytest.approx(400 / 730) and r["REF2"] == pytest.approx(120 / 730)
    assert r["CON2"] == pytest.approx(600 / 730) and r["RR1"] == pytest.approx(400 / 780)


def test_no_unknown_eligibility_makes_rr3_equal_rr5_and_rr1() -> None:
    # I=9, R=3, NC=2, O=1, NE=5: RR1 = RR3 = RR5 = 9/15; COOP1 = 9/13; CON1 = 13/15.
    r = aapor.rates(aapor.Counts(I=9, R=3, NC=2, O=1, NE=5))
    assert r["RR1"] == r["RR3"] == r["RR5"] == pytest.approx(9 / 15)
    assert r["COOP1"] == pytest.approx(9 / 13) and r["CON1"] == pytest.approx(13 / 15)


@pytest.mark.parametrize(("code", "group"), [("1.1", "I"), ("1.2", "P"), ("1.21", "P"), ("2.10", "R"), ("2.111", "R"),
                                             ("2.20", "NC"), ("2.25", "NC"), ("2.30", "O"), ("2.90", "O"),
                                             ("3.10", "UH"), ("3.17", "UH"), ("3.20", "UO"), ("3.90", "UO"),
                                             ("4.0", "NE"), ("4.10", "NE")])
def test_disposition_codes_fall_into_the_standard_definitions_groups(code: str, group: str) -> None:
    # Table 2 (in-person household surveys) of the Standard Definitions: 1.1 complete, 1.2 partial, 2.10
    # refusal and break-off, 2.20 non-contact, 2.30-2.90 other, 3.10 unknown if household occupied, 3.20-3.90
    # unknown other, 4.x not eligible.
    assert aapor.category(code) == group


def test_rate_table_counts_cases_from_data_codes_by_group() -> None:
    # Two interviewers; data codes 1..6 mapped as the shipped perception forms' labels say.
    mapping = {"1": "1.1", "2": "1.2", "3": "2.10", "4": "2.20", "5": "2.30", "6": "4.0"}
    codes = pd.Series([1, 1, 1, 3, 4, 6, 1, 2, 3, 3, 5])
    who = pd.Series(["a"] * 6 + ["b"] * 5)
    t = aapor.rate_table(aapor.categorize(codes, mapping), who).set_index("group")
    # a: I=3, R=1, NC=1, NE=1 -> RR1 = 3/5; b: I=1, P=1, R=2, O=1 -> RR1 = 1/5, RR2 = 2/5, COOP1 = 1/(2+2+1)
    assert t.loc["a", "RR1"] == pytest.approx(3 / 5) and t.loc["b", "RR2"] == pytest.approx(2 / 5)
    assert t.loc["b", "COOP1"] == pytest.approx(1 / 5)
    # e is the overall estimate: 10 eligible among 11 of known eligibility
    assert t.loc["a", "e"] == pytest.approx(10 / 11)
