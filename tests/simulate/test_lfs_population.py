"""Simulated LFS household members look like North Macedonia: ages follow Census 2021 (MakStat T1003P21 and the
SSO's published average age, ``shared/reference/census_mk.md`` §1-2) and almost everyone is born in the country."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from surveymod.questionnaire import load_valid
from surveymod.simulate import simulate

QN = Path(__file__).resolve().parents[2] / "questionnaires" / "lfs_migration.yaml"
TOTAL = 1_836_713                       # resident population, Census 2021
AGED_0_14 = 96_521 + 109_318 + 105_508  # T1003P21, 0-4, 5-9, 10-14
AGED_75_PLUS = 55_256 + 35_083 + 21_001  # 75-79, 80-84, 85+
AVERAGE_AGE = 40.08                     # SSO / meta.mk (census_mk.md §1)


@pytest.fixture(scope="module")
def persons() -> pd.DataFrame:
    return simulate(load_valid(QN), 2000, seed=17).frames["person"]


def test_age_distribution_follows_census_2021(persons: pd.DataFrame) -> None:
    age = persons["AGE"]
    n = len(age)
    assert n > 4000
    assert age.mean() == pytest.approx(AVERAGE_AGE, abs=1.5)
    assert (age <= 14).mean() == pytest.approx(AGED_0_14 / TOTAL, abs=0.02)
    assert (age >= 75).mean() == pytest.approx(AGED_75_PLUS / TOTAL, abs=0.015)
    assert age.max() <= 100


def test_countries_of_birth_native_majority_neighbours_first(persons: pd.DataFrame) -> None:
    born = persons["COUNTRYB"].value_counts(normalize=True)
    assert born[807] == pytest.approx(0.94, abs=0.02)          # North Macedonia
    foreign = born.drop(807)
    top = set(foreign.index[:4])
    # the largest groups are neighbouring / former-Yugoslav countries (Serbia 688, Kosovo 412, Albania 8, ...)
    assert top <= {688, 412, 8, 70, 792, 100, 300, 191, 499}
