"""Where the shipped instruments, weighting specs and examples live.

In a source checkout or an editable install they are the repository's ``questionnaires/``, ``weights/`` and
``examples/`` folders; a wheel carries copies of them inside the package, as ``surveymod/shipped/`` (see
``setup.py``), found through ``importlib.resources``. ``SURVEYMOD_HOME`` overrides both.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from .errors import SurveyError

FOLDERS = ("questionnaires", "weights", "examples")


def home() -> Path:
    """The folder holding ``questionnaires/``, ``weights/`` and ``examples/``."""
    candidates = []
    if os.environ.get("SURVEYMOD_HOME"):
        candidates.append(Path(os.environ["SURVEYMOD_HOME"]))
    candidates.append(Path(__file__).resolve().parents[2])  # src/surveymod/resources.py -> repository root
    candidates.append(Path(str(resources.files("surveymod") / "shipped")))  # an installed wheel
    for c in candidates:
        if (c / "questionnaires").is_dir() and (c / "weights").is_dir():
            return c
    raise SurveyError("the shipped questionnaires were not found; set SURVEYMOD_HOME to the folder that holds "
                      "questionnaires/ and weights/")


def shipped(*parts: str) -> Path:
    """Path of a shipped file, e.g. ``shipped("questionnaires", "perception_baseline.yaml")``."""
    p = home().joinpath(*parts)
    if not p.exists():
        raise SurveyError(f"shipped file {'/'.join(parts)} is missing from {home()}")
    return p
