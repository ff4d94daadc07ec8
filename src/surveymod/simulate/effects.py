"""The scenario spec for ``surveymod simulate --effects``: answer distributions, batteries and a known change.

It says what the population answers look like (per-item distributions, the rate of don't know/refusal, batteries
sharing a latent attitude) and which change between waves the endline must show, so that estimates can be checked
against a known truth. Loaded from YAML with line numbers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from ..errors import Location
from ..yamlpos import Positions, load_model, locate, validate_model


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Answer(_Spec):
    """Distribution of one item: code probabilities, or a numeric shape (normal, Poisson, uniform range)."""

    probs: dict[int, float] | None = Field(
        None, description="Probability of each substantive code (select_one, scale, integer); for select_multiple "
                          "the probability that each code is chosen.")
    mean: float | None = Field(None, description="Mean of a normal distribution (numeric questions).")
    sd: float | None = Field(None, gt=0, description="Standard deviation of the normal distribution.")
    poisson: float | None = Field(None, ge=0, description="Poisson mean added to the question's minimum.")
    min: float | None = Field(None, description="Narrower lower bound than the question's own.")
    max: float | None = Field(None, description="Narrower upper bound than the question's own.")
    nonsubstantive: float | None = Field(None, ge=0, le=1, description="Rate of don't know/refusal codes here.")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        """``att1: {1: 0.2, 2: 0.5, 3: 0.3}`` means code probabilities."""
        if isinstance(data, dict) and data and all(isinstance(k, int) for k in data):
            return {"probs": data}
        return data

    @model_validator(mode="after")
    def _one_shape(self) -> Answer:
        shapes = [self.probs is not None, self.mean is not None, self.poisson is not None]
        if sum(shapes) > 1:
            raise ValueError("give only one of 'probs', 'mean'/'sd' or 'poisson'")
        if self.mean is not None and self.sd is None:
            raise ValueError("'mean' needs 'sd'")
        if self.probs is not None and (not self.probs or any(p < 0 for p in self.probs.values())):
            raise ValueError("'probs' must be non-negative")
        return self


class Battery(_Spec):
    """Items that share one latent attitude (so an index built from them has a realistic reliability)."""

    name: str
    items: list[str] = Field(min_length=2)
    loading: float = Field(0.7, gt=0, lt=1, description="Correlation of each item's latent answer with the attitude.")
    low_positive: list[str] = Field(
        default_factory=list, description="Items whose LOW codes mean a positive attitude (e.g. 1 = agree strongly).")


class Domain(_Spec):
    """A part of the population with its own change (first matching domain wins)."""

    where: str = Field(description="Condition defining the domain, e.g. 'agegrp = 1'.")
    change: float = Field(description="Endline minus baseline share positive, in percentage points.")
    baseline: float | None = Field(None, ge=0, le=100, description="Baseline % positive in the domain.")


class Effect(_Spec):
    """A known change in the share of positive answers to one item between the baseline and the endline wave."""

    item: str
    positive: list[int] = Field(min_length=1, description="Codes counted as positive (top or bottom of the scale).")
    baseline: float = Field(ge=0, le=100, description="Baseline % positive among substantive answers.")
    change: float | None = Field(
        None, description="Overall endline minus baseline, in percentage points; the change outside the domains "
                          "is solved so that the overall change is exactly this.")
    domains: list[Domain] = Field(default_factory=list)
    change_elsewhere: float = Field(
        0.0, description="Change outside the domains when no overall change is given (percentage points).")


class Effects(_Spec):
    """A simulation scenario: distributions, batteries, non-substantive rate and known effects between waves."""

    nonsubstantive: float = Field(0.02, ge=0, le=1, description="Rate of don't know/refusal where such codes exist.")
    answers: dict[str, Answer] = Field(default_factory=dict)
    batteries: list[Battery] = Field(default_factory=list)
    effects: list[Effect] = Field(default_factory=list)
    endline: list[str] = Field(
        default_factory=lambda: ["endline"], description="Wave names that receive the change (others are baseline).")
    _file: str = PrivateAttr(default="<effects>")
    _positions: Positions = PrivateAttr(default_factory=dict)

    @field_validator("batteries")
    @classmethod
    def _disjoint(cls, v: list[Battery]) -> list[Battery]:
        seen: dict[str, str] = {}
        for b in v:
            for it in b.items:
                if it in seen:
                    raise ValueError(f"item '{it}' is in two batteries ('{seen[it]}' and '{b.name}')")
                seen[it] = b.name
        return v

    def where(self, path: str) -> Location:
        """Location of a YAML path of this spec (for error messages)."""
        line, col = locate(self._positions, path)
        return Location(self._file, line, col, path or None)


def load_effects(path: str | Path) -> Effects:
    """Read an effects YAML file; raises SurveyError with file and line on mistakes."""
    eff, pos = load_model(Effects, path)
    eff._file = str(path)
    eff._positions = pos
    return eff


def effects_from_dict(data: dict[str, Any], file: str = "<effects>") -> Effects:
    """Build an effects spec from a mapping (tests and the Python API)."""
    eff = validate_model(Effects, data, {}, file)
    eff._file = file
    return eff
