"""The questionnaire model, its YAML loader, the condition language and validation.

Typical use::

    qn = surveymod.questionnaire.load("questionnaires/lfs_migration.yaml")
    problems = surveymod.questionnaire.lint(qn)
"""

from __future__ import annotations

from pathlib import Path

from ..errors import Problem, SurveyError
from .conditions import compile_condition, universe
from .lint import lint
from .loader import load, loads
from .model import Choice, ChoiceList, Group, Question, Questionnaire, variable_label


def validate(path: str | Path) -> tuple[Questionnaire | None, list[Problem]]:
    """Load and lint one file; returns the questionnaire (None if it could not be loaded) and all problems."""
    from .xlsform_import import FORM_SUFFIXES, load_xlsform

    try:
        if Path(path).suffix.lower() in FORM_SUFFIXES:  # an XLSForm, imported on the fly with its warnings
            qn, warnings = load_xlsform(path)
            return qn, warnings + lint(qn)
        qn = load(path)
    except SurveyError as exc:
        return None, exc.problems
    return qn, lint(qn)


def load_valid(path: str | Path) -> Questionnaire:
    """Load a questionnaire and raise SurveyError if it has any validation error (warnings pass)."""
    qn, problems = validate(path)
    errors = [p for p in problems if p.severity == "error"]
    if qn is None or errors:
        raise SurveyError(errors or problems)
    return qn


__all__ = ["Choice", "ChoiceList", "Group", "Question", "Questionnaire", "compile_condition", "lint", "load",
           "load_valid", "loads", "universe", "validate", "variable_label"]
