"""surveymod: migration surveys from YAML questionnaires to labelled data, weights and indicators.

The flat API (see docs/api.md)::

    import surveymod as sm
    s = sm.read("baseline.csv", "questionnaires/perception_baseline.yaml")
    w = sm.weight(s, "weights/perception_general_public.yaml")
    sm.estimate(w, prop=["devimpact"], by=["region"])

Every name is loaded on first use (PEP 562), so ``import surveymod`` (and ``surveymod --help``) loads no numerical
library; the subpackages (``surveymod.data``, ``.estimation``, ``.weighting`` ...) are the same modules as before.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .errors import Location, Problem, SurveyError

if TYPE_CHECKING:
    from .data import Dataset
    from .design import Design
    from .questionnaire import load_valid as load_questionnaire
    from .resources import shipped
    from .survey import Survey, change, compute_indicators, estimate, read, tabulate, weight

__version__ = "0.1.0"

_WHERE = {
    "Survey": (".survey", "Survey"), "read": (".survey", "read"), "weight": (".survey", "weight"),
    "estimate": (".survey", "estimate"), "change": (".survey", "change"), "tabulate": (".survey", "tabulate"),
    "compute_indicators": (".survey", "compute_indicators"), "Design": (".design", "Design"), "Dataset": (".data", "Dataset"),
    "load_questionnaire": (".questionnaire", "load_valid"), "shipped": (".resources", "shipped"),
}
"""Public name -> (module, name in it). No name is also a subpackage's (``tables``, ``indicators``): importing the
subpackage would replace the function in this namespace."""

__all__ = ["Dataset", "Design", "Location", "Problem", "Survey", "SurveyError", "__version__", "change",
           "compute_indicators", "estimate", "load_questionnaire", "read", "shipped", "tabulate", "weight"]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attr = _WHERE[name]
    value = getattr(import_module(module, __name__), attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
