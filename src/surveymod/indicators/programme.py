"""The programme spec behind ``surveymod indicators``: periods, data waves and the indicators of a results framework.

Survey indicators are computed from weighted wave data with the estimation layer; training indicators from matched
pre/post tests; monitoring indicators are values per period with their source (in the spec or in the programme's
monitoring register), so one table holds the whole results framework. Every indicator states the kind of value it
reports (count, number, share, score on a stated scale, yes/no, text), which decides how its value is checked and
how its Cumulative column is filled. Every reference (wave, period, variable, register) is checked before
computing, with the spec line in the message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..design.design import Design
from ..errors import Location, Problem, SurveyError
from ..yamlpos import Positions, load_yaml, locate, validate_model
from .asof import report_periods
from .values import ValueType, check_value

Kind = Literal["share", "mean", "total", "training", "training_tested", "training_improved", "monitoring"]
Scalar = bool | int | float | str


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Wave(_M):
    """One data set: a survey wave or a training test file."""

    data: str = Field(description="Data file (CSV, XLSX, SAV, DTA, Parquet), relative to the spec file.")
    questionnaire: str | None = Field(None, description="Questionnaire YAML the data were collected with "
                                                        "(its value labels name the disaggregation levels).")
    period: str = Field(description="Reporting period: baseline, year1, year2, year3 or year4.")
    design: Design | None = Field(None, description="Design columns (weight, strata, psu ...) of weighted data.")
    weighting: str | None = Field(None, description="A weighting spec to run on the data first.")
    label: str | None = None


class MonitoringValue(_M):
    """A value from monitoring records (events, articles, trainings, protocols) for one period."""

    period: str
    value: Scalar = Field(description="A number, a count, a score, Yes/No or a statement, per the indicator's "
                                      "value_type.")
    source: str = Field(description="Where the value comes from (register, log, report).")
    notes: str | None = Field(None, description="A remark on this value (shown in the row's notes).")


class ProgrammeTarget(_M):
    """The indicator's target: a value, a change in points, or a relative change in % against baseline."""

    value: float | None = None
    change_points: float | None = None
    change_pct: float | None = None
    text: str | None = None

    @model_validator(mode="after")
    def _one(self) -> ProgrammeTarget:
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


class Result(_M):
    """An Outcome or Output statement, shown as a heading row above its indicators."""

    level: str = Field(description="'Outcome 1', 'Output 1.1' ...; indicators name it in their 'level'.")
    text: str = ""


class Indicator(_M):
    """One results-framework indicator."""

    id: str = Field(description="The framework's code, e.g. '1a', '1.2b', '3a'.")
    level: str = Field(description="Outcome or output it belongs to, e.g. 'Outcome 3' or 'Output 3.1'.")
    text: str
    kind: Kind = Field(description="Where the values come from: a survey estimate (share, mean, total), training "
                                   "tests (training = trained and improved), or monitoring records.")
    value_type: ValueType | None = Field(
        None, description="What a value is: count, number, share, scale, yes_no or text. Decides the check and the "
                          "Cumulative rule (counts add up; levels, shares and scales report the latest; text and "
                          "yes/no show the latest statement). Defaults follow the kind.")
    range: tuple[int, int] | None = Field(None, description="Scale indicators: lowest and highest score, e.g. [1, 5].")
    scale_labels: dict[int, str] = Field(default_factory=dict, description="Scale indicators: label of each score.")
    baseline: Scalar | None = Field(
        None, description="Baseline as written in the framework ('2 – Limited extent', 'None', 0, 'No'); survey "
                          "indicators may take it from a baseline wave instead.")
    report: Literal["level", "relative_change"] = Field(
        "level", description="Survey indicators: report the level per period, or the relative change against the "
                             "baseline wave ('% increase', with its CI and p-value; the levels go to the notes).")
    sources: str | None = Field(None, description="Where the values come from, in words (shown in the notes).")
    expression: str | None = Field(
        None, description="Survey kinds: the condition (share) or value (mean/total) per respondent, in the "
                          "questionnaire's condition language, e.g. 'devact_index > 50'.")
    definition: str | None = Field(
        None, description="Instead of 'expression': a definition shipped next to the instruments, as "
                          "'FILE#ID' (e.g. '../questionnaires/indicators/perception.yaml#pub_pos_share').")
    universe: str | None = Field(None, description="Condition selecting who counts in the denominator.")
    waves: list[str] = Field(default_factory=list, description="Waves to compute, the baseline wave first.")
    by: list[str] = Field(default_factory=list, description="Disaggregation variables, e.g. [sex, agegrp].")
    labels: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="Display labels of disaggregation levels; by default they are taken "
                                          "from the wave's questionnaire.")
    scale: float = Field(1.0, description="Multiply estimates by this (100 for a share in %).")
    unit: str = ""
    target: ProgrammeTarget | None = None
    monitoring: list[MonitoringValue] = Field(default_factory=list)
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
        if self.kind != "monitoring" and not self.waves:
            raise ValueError(f"a {self.kind} indicator needs 'waves' (the data it is computed from)")
        if self.report == "relative_change" and (self.kind not in ("share", "mean") or len(self.waves) < 2):
            raise ValueError("'report: relative_change' needs a share or mean indicator with a baseline and a "
                             "later wave")
        if self.value_type == "scale" and self.range is None:
            raise ValueError("a scale indicator needs its 'range', e.g. [1, 5]")
        if self.range is not None and self.range[0] >= self.range[1]:
            raise ValueError(f"range {list(self.range)}: the lowest score must be below the highest")
        return self

    @property
    def vtype(self) -> ValueType:
        """The value type, defaulted from the kind (shares are shares, totals and training are counts ...)."""
        if self.value_type:
            return self.value_type
        return {"share": "share", "mean": "number", "total": "count"}.get(self.kind, "count")  # type: ignore[return-value]


class Programme(_M):
    """The whole spec: title, the data waves, the monitoring register and the indicators."""

    programme: str
    title: str = "Results framework"
    years: dict[Literal["year1", "year2", "year3", "year4"], str] = Field(
        default_factory=dict, description="Calendar year of each reporting period, e.g. {year1: '2020'}; the "
                                          "framework has a column for each (Year 4 only when it is named).")
    results: list[Result] = Field(default_factory=list, description="Outcome and Output statements.")
    register_path: str | None = Field(
        None, alias="register", description="Monitoring register (CSV or XLSX, relative to the spec) with columns "
                                            "indicator, period, value, source (and optionally notes).")
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
    records: dict[str, list[MonitoringValue]] = Field(default_factory=dict)  # from the monitoring register
    register_file: str = ""

    def where(self, path: str) -> Location:
        line, col = locate(self.positions, path)
        return Location(self.file, line, col, path)


def load_programme(path: str | Path) -> LoadedProgramme:
    """Load a programme spec and its register; schema problems, unknown waves/periods and bad values are raised
    with their line (spec) or row (register)."""
    data, pos = load_yaml(path)
    spec = validate_model(Programme, data, pos, str(path))
    loaded = LoadedProgramme(spec=spec, file=str(path), positions=pos, base=Path(path).resolve().parent)
    problems = reference_problems(loaded)
    if problems:
        raise SurveyError(problems)
    if spec.register_path:
        from .register import read_register

        loaded.register_file = str(loaded.base / spec.register_path)
        loaded.records = read_register(loaded.base / spec.register_path, spec,
                                        display=str(Path(path).parent / spec.register_path))
    return loaded


def reference_problems(lp: LoadedProgramme) -> list[Problem]:
    """Waves and periods named by indicators must be defined; values must fit their type. A wave's data file may
    not exist yet (a later wave, or one not delivered): that is a note in the report, not an error."""
    out: list[Problem] = []
    spec = lp.spec
    periods = report_periods(spec.years)
    hint = "; name year4 under 'years' to report a fourth year"
    for name, w in spec.waves.items():
        if w.period not in periods:
            out.append(Problem(f"wave '{name}' has period '{w.period}', which is not defined "
                               f"(periods: {', '.join(periods)}{hint if w.period == 'year4' else ''})",
                               "undefined-period",
                               location=lp.where(f"waves.{name}.period")))
    if spec.register_path and not (lp.base / spec.register_path).exists():
        out.append(Problem(f"monitoring register '{spec.register_path}' does not exist", "missing-file",
                           location=lp.where("register")))
    seen: dict[str, int] = {}
    for i, ind in enumerate(spec.indicators):
        if ind.id in seen:
            out.append(Problem(f"indicator code '{ind.id}' is used twice (first by indicators[{seen[ind.id]}])",
                               "duplicate-indicator", location=lp.where(f"indicators[{i}].id")))
        seen.setdefault(ind.id, i)
        for j, wname in enumerate(ind.waves):
            if wname not in spec.waves:
                out.append(Problem(f"indicator {ind.id} uses wave '{wname}', which is not supplied under 'waves' "
                                   f"(defined: {', '.join(spec.waves) or 'none'})", "unknown-wave",
                                   location=lp.where(f"indicators[{i}].waves[{j}]")))
        if ind.kind == "monitoring" and not ind.monitoring and not spec.register_path:
            out.append(Problem(f"monitoring indicator {ind.id} needs 'monitoring' values with their source, or a "
                               "programme 'register'", "no-values", location=lp.where(f"indicators[{i}]")))
        has_base_wave = any(spec.waves[w].period == "baseline" for w in ind.waves if w in spec.waves)
        if ind.baseline is not None:
            if has_base_wave and ind.kind in ("share", "mean", "total"):
                out.append(Problem(f"indicator {ind.id} has both a written 'baseline' and a baseline wave; keep "
                                   "one", "two-baselines", location=lp.where(f"indicators[{i}].baseline")))
            msg = check_value(ind, ind.baseline)
            if msg:
                out.append(Problem(f"indicator {ind.id}: baseline {ind.baseline!r}: {msg}", "bad-value",
                                   location=lp.where(f"indicators[{i}].baseline")))
        for j, m in enumerate(ind.monitoring):
            if m.period not in periods:
                out.append(Problem(f"indicator {ind.id} reports a value for period '{m.period}', which is not "
                                   f"defined (periods: {', '.join(periods)}{hint if m.period == 'year4' else ''})",
                                   "undefined-period",
                                   location=lp.where(f"indicators[{i}].monitoring[{j}].period")))
            msg = check_value(ind, m.value)
            if msg:
                out.append(Problem(f"indicator {ind.id}: value {m.value!r}: {msg}", "bad-value",
                                   location=lp.where(f"indicators[{i}].monitoring[{j}].value")))
    return out
