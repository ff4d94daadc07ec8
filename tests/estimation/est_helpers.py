"""Shared fixtures for the estimation golden tests: the api data and R survey's reference values."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="session")
def apistrat() -> pd.DataFrame:
    return pd.read_csv(DATA / "api" / "apistrat.csv")


@pytest.fixture(scope="session")
def apiclus1() -> pd.DataFrame:
    return pd.read_csv(DATA / "api" / "apiclus1.csv")


@pytest.fixture(scope="session")
def apiclus2() -> pd.DataFrame:
    return pd.read_csv(DATA / "api" / "apiclus2.csv")


@pytest.fixture(scope="session")
def rref() -> dict[str, float]:
    """Values computed by tests/data/estimation/make_reference.R (R survey 4.1.1), 12 significant digits."""
    with open(DATA / "estimation" / "r_reference.csv", newline="") as fh:
        return {row["name"]: float(row["value"]) for row in csv.DictReader(fh)}


def rel(x: float, ref: float, tol: float = 1e-6) -> bool:
    """Relative agreement to ``tol`` (6 significant digits by default)."""
    return abs(x - ref) <= tol * abs(ref)


def digits(x: float, ref: str) -> bool:
    """``x`` rounds to the reference as printed (e.g. '9.4089' -> within 0.00005)."""
    d = Decimal(ref)
    half = Decimal(5) * Decimal(10) ** (d.as_tuple().exponent - 1)
    return abs(Decimal(repr(float(x))) - d) <= half
