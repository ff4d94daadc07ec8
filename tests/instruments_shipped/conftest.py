"""Shared fixtures for the shipped-instrument tests: paths and loaded questionnaires."""

from __future__ import annotations

import pytest
from shipped_paths import QDIR, SHIPPED

from surveymod.questionnaire.loader import load
from surveymod.questionnaire.model import Questionnaire


@pytest.fixture(scope="session")
def forms() -> dict[str, Questionnaire]:
    """Every shipped questionnaire, loaded once."""
    return {name: load(QDIR / f"{name}.yaml") for name in SHIPPED}


@pytest.fixture(scope="session")
def lfs(forms: dict[str, Questionnaire]) -> Questionnaire:
    return forms["lfs_migration"]
