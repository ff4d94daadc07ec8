"""Shared helpers for the weighting tests: the apiclus1 data and a spec writer."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="session")
def apiclus1() -> pd.DataFrame:
    """R survey's apiclus1 (tests/data/api, exported from R's data(api))."""
    return pd.read_csv(DATA / "api" / "apiclus1.csv")


@pytest.fixture
def write_spec(tmp_path: Path):
    """Write spec text to a file in tmp_path and return its path."""
    def _write(text: str, name: str = "spec.yaml") -> Path:
        p = tmp_path / name
        p.write_text(text, encoding="utf-8")
        return p
    return _write
