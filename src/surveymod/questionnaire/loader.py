"""Load a questionnaire YAML file into the model, keeping YAML positions for located messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import SurveyError
from ..yamlpos import Positions, load_yaml, load_yaml_text, validate_model
from .model import Group, Questionnaire


def _assign_paths(qn: Questionnaire) -> None:
    """Record each element's YAML path (``sections[0].items[3]``) so lint and builders can locate it."""
    for i, sec in enumerate(qn.sections):
        sec._path = f"sections[{i}]"
        _assign_group(sec)
    for name, cl in qn.choices.items():
        cl._path = f"choices.{name}"


def _assign_group(g: Group) -> None:
    for j, it in enumerate(g.items):
        it._path = f"{g._path}.items[{j}]"
        if isinstance(it, Group):
            _assign_group(it)


def from_data(data: Any, positions: Positions, file: str) -> Questionnaire:
    """Build a Questionnaire from parsed YAML, raising SurveyError with every schema problem located."""
    if not isinstance(data, dict):
        raise SurveyError(f"{file}: a questionnaire must be a YAML mapping (id, title, version, sections ...)")
    qn = validate_model(Questionnaire, data, positions, file)
    qn._file = file
    qn._positions = positions
    _assign_paths(qn)
    return qn


def load(path: str | Path) -> Questionnaire:
    """Load and structurally validate a questionnaire file (cross-references are checked by ``lint``).

    An XLSForm (.xlsx, .xls, .csv, .md) is imported on the fly (see ``xlsform_import``)."""
    from .xlsform_import import FORM_SUFFIXES, load_xlsform

    if Path(path).suffix.lower() in FORM_SUFFIXES:
        return load_xlsform(path)[0]
    data, pos = load_yaml(path)
    return from_data(data, pos, str(path))


def loads(text: str, file: str = "<string>") -> Questionnaire:
    """Load a questionnaire from YAML text."""
    data, pos = load_yaml_text(text, file)
    return from_data(data, pos, file)
