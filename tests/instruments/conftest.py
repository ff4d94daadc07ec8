"""Fixtures for the instrument-builder tests: our own questionnaires plus every shipped one in questionnaires/."""

from __future__ import annotations

from pathlib import Path

import pytest

from surveymod.questionnaire import load_valid
from surveymod.questionnaire.model import Questionnaire

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "data" / "questionnaires"
SHIPPED = ROOT / "questionnaires"
XSD = ROOT / "tests" / "data" / "ddi-codebook-2.5" / "codebook.xsd"

ALL_FILES = sorted(FIXTURES.glob("*.yaml")) + sorted(SHIPPED.glob("*.yaml"))
"""Every questionnaire every build is tested on (fixtures first, then the shipped ones)."""


def file_id(p: Path) -> str:
    return f"{p.parent.name}/{p.stem}"


@pytest.fixture(scope="session")
def household() -> Questionnaire:
    """The hand-written fixture covering every question type (tests/data/questionnaires/household.yaml)."""
    return load_valid(FIXTURES / "household.yaml")


_cache: dict[Path, Questionnaire] = {}


def loaded(path: Path) -> Questionnaire:
    """Load (once per session) and validate a questionnaire."""
    if path not in _cache:
        _cache[path] = load_valid(path)
    return _cache[path]
