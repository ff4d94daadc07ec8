"""The sample-design spec for ``surveymod simulate --design``: population cells, strata, PSUs, nonresponse.

A design describes how a synthetic sample is drawn from a known population (e.g. census counts by region, sex
and age), so that design weights and nonresponse adjustment have something real to correct. Loaded from YAML with
line numbers (``surveymod.yamlpos``), so every mistake is reported at its place in the file.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

from ..atomic import note_input
from ..errors import Location, Problem, SurveyError
from ..yamlpos import Positions, load_model, locate, validate_model


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Population(_Spec):
    """The target population as cells with counts; cell values are codes or ranges such as ``'15-19'``/``'85+'``."""

    cells: str | list[dict[str, Any]] = Field(
        description="A CSV file (relative to the design file) or an inline list of cells; every column except "
                    "the count column is a variable: a code, or a range 'lo-hi' / 'lo+' for a numeric question.")
    count: str = Field("count", description="Name of the count column.")
    split: dict[str, dict[int, float]] = Field(
        default_factory=dict,
        description="Extra variables crossed with every cell, with population shares, e.g. urban: {1: 0.58, 2: 0.42}.")

    @field_validator("split")
    @classmethod
    def _shares(cls, v: dict[str, dict[int, float]]) -> dict[str, dict[int, float]]:
        for name, shares in v.items():
            if not shares or any(s < 0 for s in shares.values()) or abs(sum(shares.values()) - 1) > 1e-6:
                raise ValueError(f"the shares of '{name}' must be non-negative and add up to 1")
        return v


class Clusters(_Spec):
    """Primary sampling units: how many interviews are issued per PSU and how alike people in a PSU are."""

    take: int = Field(10, ge=1, description="Units issued per PSU (cluster take).")
    icc: float = Field(0.05, ge=0, lt=1, description="Intra-cluster correlation of the answers' latent scale.")


class Nonresponse(_Spec):
    """Unit nonresponse: a base response probability and odds ratios by respondent characteristics."""

    response: float = Field(0.7, gt=0, le=1, description="Response probability of the reference group.")
    odds: dict[str, dict[int, float]] = Field(
        default_factory=dict,
        description="Odds ratios of responding by variable and code, e.g. sex: {1: 0.8}; agegrp: {1: 0.6}.")

    @field_validator("odds")
    @classmethod
    def _positive(cls, v: dict[str, dict[int, float]]) -> dict[str, dict[int, float]]:
        for name, ors in v.items():
            if any(o <= 0 for o in ors.values()):
                raise ValueError(f"odds ratios of '{name}' must be positive")
        return v


class Columns(_Spec):
    """Names of the design columns added to the top-level frame."""

    stratum: str = "stratum"
    psu: str = "psu"
    prob: str = "prob_sel"
    weight: str = "dweight"


class SampleDesign(_Spec):
    """A stratified two-stage design: strata from population variables, PSUs with a fixed take, nonresponse."""

    population: Population
    strata: list[str] = Field(default_factory=list, description="Variables whose combinations form the strata.")
    allocation: Literal["proportional", "equal", "sqrt"] = Field(
        "proportional", description="How the issued sample is spread over strata (sqrt = power allocation 0.5).")
    clusters: Clusters = Field(default_factory=Clusters)
    nonresponse: Nonresponse | None = None
    columns: Columns = Field(default_factory=Columns)
    _file: str = PrivateAttr(default="<design>")
    _positions: Positions = PrivateAttr(default_factory=dict)
    _rows: list[dict[str, Any]] = PrivateAttr(default_factory=list)

    def where(self, path: str) -> Location:
        """Location of a YAML path of this spec (for error messages)."""
        line, col = locate(self._positions, path)
        return Location(self._file, line, col, path or None)

    @property
    def rows(self) -> list[dict[str, Any]]:
        """Population cells as dicts (variables + count), read from the CSV file or the inline list."""
        return self._rows


def _read_cells(design: SampleDesign, base: Path) -> list[dict[str, Any]]:
    pop = design.population
    if isinstance(pop.cells, list):
        rows = [dict(r) for r in pop.cells]
        where = design.where("population.cells")
    else:
        path = (base / pop.cells) if not Path(pop.cells).is_absolute() else Path(pop.cells)
        where = design.where("population.cells")
        if not path.exists():
            raise SurveyError(f"population cells file {pop.cells} not found (looked in {path})", location=where)
        note_input(path)
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
        where = Location(str(path))
    if not rows:
        raise SurveyError("the population has no cells", location=where)
    problems: list[Problem] = []
    for i, r in enumerate(rows):
        if pop.count not in r:
            problems.append(Problem(f"cell {i + 1} has no '{pop.count}' column", "design-cells", location=where))
            continue
        try:
            r[pop.count] = float(r[pop.count])
            if r[pop.count] < 0:
                raise ValueError
        except (TypeError, ValueError):
            problems.append(Problem(f"cell {i + 1}: count '{r[pop.count]}' is not a non-negative number",
                                    "design-cells", location=Location(where.file, where.line, where.column,
                                                                      where.path, row=i + 1)))
    if problems:
        raise SurveyError(problems)
    return rows


def load_sample_design(path: str | Path) -> SampleDesign:
    """Read a design YAML file (and its population CSV); raises SurveyError with file and line on mistakes."""
    design, pos = load_model(SampleDesign, path)
    design._file = str(path)
    design._positions = pos
    design._rows = _read_cells(design, Path(path).parent)
    return design


def design_from_dict(data: dict[str, Any], file: str = "<design>") -> SampleDesign:
    """Build a design from a mapping (for tests and the Python API); CSV paths are relative to the cwd."""
    design = validate_model(SampleDesign, data, {}, file)
    design._file = file
    design._rows = _read_cells(design, Path.cwd())
    return design
