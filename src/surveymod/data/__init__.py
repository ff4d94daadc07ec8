"""Field data: read exports into one frame per level, check them against the questionnaire, export labelled files.

Typical use::

    ds = surveymod.data.read("hh.csv", "questionnaires/hh.yaml")
    report = surveymod.data.check(ds)
    surveymod.data.export(ds, to="sav", out="out/hh.sav", lang="mk")

The checker and the exporter are loaded on first use (PEP 562), so an analysis command that only reads does not
import them or the questionnaire machinery behind them; the reader (``data/reader/``) is imported at once.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .reader import Dataset, read

if TYPE_CHECKING:
    from .checker import CheckReport, check
    from .exporter import ExportResult, export

_WHERE = {"CheckReport": ".checker", "check": ".checker", "ExportResult": ".exporter", "export": ".exporter"}
__all__ = ["CheckReport", "Dataset", "ExportResult", "check", "export", "read"]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_WHERE[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
