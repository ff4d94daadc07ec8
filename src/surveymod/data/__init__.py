"""Field data: read exports into one frame per level, check them against the questionnaire, export labelled files.

Typical use::

    ds = surveymod.data.read("hh.csv", "questionnaires/hh.yaml")
    report = surveymod.data.check(ds)
    surveymod.data.export(ds, to="sav", out="out/hh.sav", lang="mk")
"""

from __future__ import annotations

from .check import CheckReport, check
from .export import ExportResult, export
from .read import Dataset, read

__all__ = ["CheckReport", "Dataset", "ExportResult", "check", "export", "read"]
