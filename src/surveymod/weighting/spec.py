"""The weighting spec: a YAML file with a ``design:`` section and an ordered list of ``steps:``.

The YAML is loaded with ``surveymod.yamlpos`` (safe, YAML 1.2 booleans, a duplicate key is an error naming its
line, limits on size, depth and aliases), which keeps the line of every value, so that a bad spec (a pydantic
validation error or a later data check) is reported with the spec file's line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..design.design import Design
from ..errors import Location, Problem, SurveyError
from ..yamlpos import Positions, join_path, load_yaml_text, locate, read_yaml_text

_STRICT = ConfigDict(extra="forbid")


class Margin(BaseModel):
    """One margin: the variables crossed (one or more) and their population targets (a file or inline map)."""

    model_config = _STRICT
    variables: list[str] = Field(min_length=1, description="Data columns whose cross-classification is the margin.")
    targets: str | dict[str | int, float] = Field(
        description="CSV file (relative to the spec) with the variables and a count or share column, "
                    "or an inline map level -> value for a single variable.")
    kind: Literal["count", "share"] | None = Field(None, description="Inline targets are counts or shares.")
    labels: dict[str, dict[str | int, str]] = Field(
        default_factory=dict,
        description="Per variable, data code -> target level, e.g. {sex: {1: male, 2: female}}, so data coded "
                    "as in the questionnaire meet census tables labelled in words. Unlisted codes stay as they are.")

    @field_validator("variables", mode="before")
    @classmethod
    def _one_name(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v


class NonresponseStep(BaseModel):
    """Weighting-class nonresponse adjustment: respondents' weights carry the nonrespondents' weight per class."""

    model_config = _STRICT
    step: Literal["nonresponse"]
    status: str = Field(description="Column with the response status.")
    respondent: list[str | int | float] = Field(description="Values of `status` meaning 'responded'.")
    ineligible: list[str | int | float] = Field(default_factory=list,
                                                description="Values meaning 'out of scope' (weight set to 0).")
    classes: list[str] = Field(default_factory=list, description="Adjustment-class columns (none = one class).")
    max_factor: float | None = Field(None, gt=1, description="Refuse a class whose adjustment factor exceeds this.")

    @field_validator("respondent", "ineligible", "classes", mode="before")
    @classmethod
    def _listify(cls, v: Any) -> Any:
        return [v] if not isinstance(v, list) else v


class PoststratifyStep(BaseModel):
    """Post-stratification to the cells of one (possibly crossed) margin."""

    model_config = _STRICT
    step: Literal["poststratify"]
    margin: Margin


class RakeStep(BaseModel):
    """Raking (iterative proportional fitting) to several margins."""

    model_config = _STRICT
    step: Literal["rake"]
    margins: list[Margin] = Field(min_length=1)
    tolerance: float = Field(1e-6, gt=0, description="Largest relative misfit accepted on any margin cell.")
    max_iter: int = Field(100, ge=1, description="Maximum IPF sweeps; not converging is an error.")


class CalibrateStep(BaseModel):
    """Linear (GREG) or bounded logit calibration to categorical margins and continuous totals."""

    model_config = _STRICT
    step: Literal["calibrate"]
    method: Literal["linear", "logit"] = "linear"
    margins: list[Margin] = Field(default_factory=list)
    totals: dict[str, float] = Field(default_factory=dict, description="Continuous variable -> population total.")
    bounds: tuple[float, float] | None = Field(
        None, description="Bounds (L, U) on g = new/old weight: required for logit, optional for linear (R "
                          "calibrate(calfun=, bounds=))")
    tolerance: float = Field(1e-6, gt=0)
    max_iter: int = Field(50, ge=1)

    @model_validator(mode="after")
    def _check(self) -> CalibrateStep:
        if not self.margins and not self.totals:
            raise ValueError("calibrate needs at least one margin or total")
        if self.method == "logit" and self.bounds is None:
            raise ValueError("logit calibration needs bounds: [L, U] with L < 1 < U")
        if self.bounds is not None:
            lo, hi = self.bounds
            if not (lo < 1 < hi) or (self.method == "logit" and lo < 0):
                raise ValueError(f"{self.method} bounds must satisfy {'0 <= ' if self.method == 'logit' else ''}"
                                 "L < 1 < U")
        return self


Bound = float | str


class TrimStep(BaseModel):
    """Trimming of the weights to bounds given as values or as multiples of the median ("3.5 median")."""

    model_config = _STRICT
    step: Literal["trim"]
    upper: Bound | None = None
    lower: Bound | None = None
    redistribute: Literal["proportional", "additive", "none"] = Field(
        "proportional", description="Spread the trimmed weight over untrimmed units: proportionally to their "
                                    "weight, equally (R trimWeights), or not at all.")
    strict: bool = Field(True, description="Repeat until no weight is outside the bounds (R strict=TRUE).")
    max_iter: int = Field(50, ge=1)

    @field_validator("upper", "lower")
    @classmethod
    def _bound(cls, v: Bound | None) -> Bound | None:
        if isinstance(v, str):
            parts = v.split()
            ok = len(parts) == 2 and parts[1] == "median"
            try:
                ok = ok and float(parts[0]) > 0
            except ValueError:
                ok = False
            if not ok:
                raise ValueError(f"bound {v!r} must be a number or '<k> median', e.g. '3.5 median'")
        elif v is not None and v < 0:
            raise ValueError("a trimming bound must not be negative")
        return v

    @model_validator(mode="after")
    def _one(self) -> TrimStep:
        if self.upper is None and self.lower is None:
            raise ValueError("trim needs an upper or a lower bound")
        return self


class ReplicatesStep(BaseModel):
    """Replicate weights created from the design; every later step is repeated on every replicate."""

    model_config = _STRICT
    step: Literal["replicates"]
    method: Literal["jk1", "jkn", "bootstrap", "brr", "fay"]
    n: int | None = Field(None, ge=2, le=10_000, description="Number of replicates (bootstrap, BRR; at most 10,000).")
    seed: int | None = Field(None, ge=0, lt=2**32, description="Seed for the bootstrap draws (reproducible weights).")
    fay_rho: float | None = Field(None, gt=0, lt=1)
    prefix: str = Field("repw", description="Replicate weight columns are named <prefix>1..R.")


Step = Annotated[NonresponseStep | PoststratifyStep | RakeStep | CalibrateStep | TrimStep | ReplicatesStep,
                 Field(discriminator="step")]


class WeightingSpec(BaseModel):
    """A whole spec: design, ordered steps and the output weight's name."""

    model_config = _STRICT
    design: Design
    steps: list[Step] = Field(min_length=1)
    output: str = Field("final_weight", description="Name of the final weight column added to the data.")

    @model_validator(mode="after")
    def _replicates_first(self) -> WeightingSpec:
        for i, s in enumerate(self.steps):
            if isinstance(s, ReplicatesStep) and i != 0:
                raise ValueError("the replicates step must come first, so that every adjustment step is "
                                 "repeated on every replicate")
        return self


class LoadedSpec(BaseModel):
    """A validated spec with where it came from and the line of every node (for located errors later)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    spec: WeightingSpec
    path: Path | None
    positions: Positions

    def loc(self, *path: Any) -> Location:
        """Location of the deepest known node on ``path`` (e.g. ``("steps", 2, "margins", 0)``)."""
        key = ""
        for part in path:
            key = join_path(key, part)
        line, _col = locate(self.positions, key)
        return Location(file=str(self.path) if self.path else None, line=line or 1,
                        path=".".join(str(x) for x in path) or None)

    def base_dir(self) -> Path:
        """Directory that relative target files are read from."""
        return self.path.parent if self.path else Path.cwd()


def parse_spec(text: str, path: Path | None = None) -> LoadedSpec:
    """Parse spec text; raise SurveyError with the spec line for YAML errors, duplicate keys or schema errors."""
    fname = str(path) if path else "<spec>"
    data, positions = load_yaml_text(text, fname)
    if not isinstance(data, dict):
        raise SurveyError("a weighting spec is a mapping with 'design:' and 'steps:'", rule="spec-schema",
                          location=Location(file=fname, line=1))
    try:
        spec = WeightingSpec.model_validate(data)
    except ValidationError as exc:
        loaded = LoadedSpec.model_construct(spec=None, path=path, positions=positions)
        problems = []
        for err in exc.errors():
            loc = tuple(x for x in err["loc"] if not (isinstance(x, str) and x in _STEP_TAGS))
            msg = err["msg"].removeprefix("Value error, ")
            problems.append(Problem(msg, rule="spec-schema",
                                    location=LoadedSpec.loc(loaded, *loc)))
        raise SurveyError(problems) from None
    return LoadedSpec(spec=spec, path=path, positions=positions)


_STEP_TAGS = {"nonresponse", "poststratify", "rake", "calibrate", "trim", "replicates"}


def load_weighting_spec(path: str | Path) -> LoadedSpec:
    """Read and validate a weighting spec file (YAML); errors name the spec line."""
    p = Path(path)
    if not p.is_file():
        raise SurveyError(f"weighting spec not found: {p}", rule="spec-missing", location=Location(file=str(p)))
    return parse_spec(read_yaml_text(p), p)
