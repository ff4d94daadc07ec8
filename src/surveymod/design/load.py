"""The one loader of a survey design from a YAML file's ``design:`` mapping (a weighting spec or a design file),
from a mapping of field values (command options), and the columns a design reads from a wide file."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import Location, SurveyError
from .design import Design
from .prepare import replicate_pattern


def load_design(path: str | Path) -> Design:
    """Read the ``design:`` mapping of a YAML spec into a Design; mistakes name the file, line and field."""
    from ..yamlpos import load_yaml, validate_model  # YAML only when a spec is given

    doc, pos = load_yaml(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("design"), dict):
        raise SurveyError("the spec needs a 'design:' mapping (weight, strata, psu, fpc, repweights, ...)",
                          location=Location(file=str(path), line=1), rule="design-spec")
    return validate_model(Design, doc["design"], {k.removeprefix("design."): v for k, v in pos.items()},
                          str(path))


def design_from_fields(fields: Mapping[str, Any]) -> Design:
    """A Design from field values given one by one (e.g. ``--strata``); a bad value names its option."""
    try:
        return Design(**fields)
    except ValidationError as exc:
        raise SurveyError("; ".join(f"--{e['loc'][0]}: {e['msg']}" for e in exc.errors()),
                          rule="design-spec") from exc


def design_of(spec: str | Path | None = None, fields: Mapping[str, Any] | None = None,
              mse: bool | None = None) -> Design:
    """The design of an analysis: the ``design:`` mapping of the YAML file *spec*, or the field values *fields*
    (a command's design options), with *mse* (replicate variance around the full-sample estimate) if given."""
    if spec:
        design = load_design(spec)
        return design if mse is None else design.model_copy(update={"mse": mse})
    return design_from_fields({**(fields or {}), **({} if mse is None else {"mse": mse})})


def used_columns(designs: Sequence[Design], names: Sequence[str]) -> Callable[[str], bool]:
    """A predicate for the columns an analysis reads: the designs' columns (replicate weights by their pattern,
    a bad pattern an error) and the named variables; other columns of a wide file need not be loaded."""
    wanted = set(names).union(*(d.data_columns() for d in designs))
    patterns = [replicate_pattern(d.repweights) for d in designs if d.repweights]
    return lambda c: c in wanted or any(p.fullmatch(c) for p in patterns)
