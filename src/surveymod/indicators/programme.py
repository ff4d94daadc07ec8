"""The programme spec behind ``surveymod indicators``: periods, data waves and the indicators of a results framework.

Survey indicators are computed from weighted wave data with the estimation layer; training indicators from matched
pre/post tests; monitoring indicators are values per period with their source, so one table holds the whole results
framework. Every reference (wave, period, variable) is checked before computing, with the spec line in the message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..errors import Location, Problem, SurveyError
from ..estimation.design import Design
from ..yamlpos import Positions, load_yaml, locate, validate_model
from .results import PERIODS

Kind = Literal["share", "mean", "total", "training_tested", "training_improved", "monitoring"]


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Wave(_M):
    """One data set: a survey wave or a training test file."""

    data: str = Field(description="Data file (CSV, XLSX, SAV, DTA, Parquet), relative to the spec file.")
    questionnaire: str | None = Field(None, description="Questionnaire YAML the data were collected with.")
    period: str = Field(description="Reporting period: baseline, year1, year2 or year3.")
    design: Design | None = Field(None, description="Design columns (weight, strata, psu ...) of weighted data.")
    weighting: str | None = Field(None, description="A weighting spec to run on the data first.")
    label: str | None = None


class Monitoring(_M):
    """A value from monitoring records (events, articles, trainings, protocols) for one period."""

    period: str
    value: float
    source: str = Field(description="Where the number comes from (register, log, report).")


class Target(_M):
    """The indicator's target: a value, a change in points, or a relative change in % against baseline."""

    value: float | None = None
    change_points: float | None = None
    change_pct: float | None = None
    text: str | None = None

    @model_validator(mode="after")
    def _one(self) -> Target:
        if sum(v is not None for v in (self.value, self.change_points, self.change_pct)) > 1:
            raise ValueError("give only one of value, change_points or change_pct")
        return self

    def describe(self, unit: str) -> str:
        if self.text:
            return self.text
        if self.change_pct is not None:
            return f"{self.change_pct:+g}% relative to baseline"
        if self.change_points is not None:
            return f"{self.change_points:+g} points over baseline"
        if self.value is not None:
            return f"{self.value:g}{unit}"
        return ""


class Indicator(_M):
    """One results-framework indicator."""

    id: str
    level: str = Field(description="Outcome or output it belongs to, e.g. 'Outcome 3'.")
    text: str
    kind: Kind
    expression: str | None = Field(
        None, description="Survey kinds: the condition (share) or value (mean/total) per respondent, in the "
                          "questionnaire's condition language, e.g. 'devact_index > 50'.")
    definition: str | None = Field(
        None, description="Instead of 'expression': a definition shipped next to the instruments, as "
                          "'FILE#ID' (e.g. '../questionnaires/indicators/perception.yaml#pub_pos_share').")
    universe: str | None = Field(None, description="Condition selecting who counts in the denominator.")
    waves: list[str] = Field(default_factory=list, description="Waves to compute, the baseline wave first.")
    by: list[str] = Field(default_factory=list, description="Disaggregation variables, e.g. [sex, agegrp].")
    labels: dict[str, dict[str, str]] = Field(default_factory=dict,
                                              description="Display labels of disaggregation levels.")
    scale: float = Field(1.0, description="Multiply estimates by this (100 for a share in %).")
    unit: str = ""
    target: Target | None = None
    monitoring: list[Monitoring] = Field(default_factory=list)
    gain_threshold: float = Field(10.0, description="Training: gain in % points of the maximum score.")
    pass_mark: float | None = None
    max_score: float = 100.0
    score: str = "pct_score"
    notes: str | None = None

    @model_validator(mode="after")
    def _kind_fields(self) -> Indicator:
        if self.kind in ("share", "mean", "total") and not (self.expression or self.definition):
            raise ValueError(f"a {self.kind} indicator needs an 'expression' or a 'definition'")
        if self.expression and self.definition:
            raise ValueError("give either 'expression' or 'definition', not both")
        if self.kind in ("share", "mean", "total", "training_tested", "training_improved") and not self.waves:
            raise ValueError(f"a {self.kind} indicator needs 'waves' (the data it is computed from)")
        if self.kind == "monitoring" and not self.monitoring:
            raise ValueError("a monitoring indicator needs 'monitoring' values with their source")
        return self


class Programme(_M):
    """The whole spec: title, the data waves and the indicators."""

    programme: str
    title: str = "Results framework"
    waves: dict[str, Wave] = Field(default_factory=dict)
    indicators: list[Indicator]
    ci_method: Literal["logit", "beta", "wilson"] = "logit"
    level: float = Field(0.95, gt=0, lt=1)


class LoadedProgramme(BaseModel):
    """A validated spec with its file, positions and base folder (data paths are relative to it)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    spec: Programme
    file: str
    positions: Positions
    base: Path

    def where(self, path: str) -> Location:
        line, col = locate(self.positions, path)
        return Location(self.file, line, col, path)


def load_programme(path: str | Path) -> LoadedProgramme:
    """Load a programme spec; schema problems and unknown waves/periods are raised with their line."""
    data, pos = load_yaml(path)
    spec = validate_model(Programme, data, pos, str(path))
    loaded = LoadedProgramme(spec=spec, file=str(path), positions=pos, base=Path(path).resolve().parent)
    problems = reference_problems(loaded)
    if problems:
        raise SurveyError(problems)
    return loaded


def reference_problems(lp: LoadedProgramme) -> list[Problem]:
    """Waves and periods named by indicators must be defined; data files must exist."""
    out: list[Problem] = []
    spec = lp.spec
    for name, w in spec.waves.items():
        if w.period not in PERIODS:
            out.append(Problem(f"wave '{name}' has period '{w.period}', which is not defined "
                               f"(periods: {', '.join(PERIODS)})", "undefined-period",
                               location=lp.where(f"waves.{name}.period")))
        if not (lp.base / w.data).exists():
            out.append(Problem(f"data file '{w.data}' of wave '{name}' does not exist", "missing-file",
                               location=lp.where(f"waves.{name}.data")))
    for i, ind in enumerate(spec.indicators):
        for j, wname in enumerate(ind.waves):
            if wname not in spec.waves:
                out.append(Problem(f"indicator {ind.id} uses wave '{wname}', which is not supplied under 'waves' "
                                   f"(defined: {', '.join(spec.waves) or 'none'})", "unknown-wave",
                                   location=lp.where(f"indicators[{i}].waves[{j}]")))
        for j, m in enumerate(ind.monitoring):
            if m.period not in PERIODS:
                out.append(Problem(f"indicator {ind.id} reports a value for period '{m.period}', which is not "
                                   f"defined (periods: {', '.join(PERIODS)})", "undefined-period",
                                   location=lp.where(f"indicators[{i}].monitoring[{j}].period")))
    return out
