"""Indicator definitions declared in YAML next to the instruments (``questionnaires/indicators/*.yaml``).

A spec names the instruments it reads (a questionnaire file and the reporting period its data belong to) and a
list of indicators of a few kinds: an ``index`` (items rescaled to 0-100 and averaged per person), a ``score``
(items scored code by code and summed, e.g. the Gallup Migrant Acceptance Index 0-9), a ``share`` (persons meeting
a condition, or whose index passes a threshold), a ``pre_post`` training indicator (matched pre/post tests, gain
threshold, paired test) and a ``record`` (values per period taken from monitoring records).  This module only
describes and checks them; computing them belongs to the estimation/indicator layer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from ..errors import Location, Problem, SurveyError
from ..questionnaire import expr as E
from ..questionnaire.loader import load as load_questionnaire
from ..questionnaire.model import Questionnaire
from ..yamlpos import Positions, load_model, locate

PERIODS = ("baseline", "year1", "year2", "year3")
"""Reporting periods of the results framework (Baseline | Year 1 | Year 2 | Year 3)."""

_ID = r"^[A-Za-z][A-Za-z0-9_]{0,63}$"


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Instrument(_Base):
    """A data source: the questionnaire its data follow and the reporting period the data belong to."""

    questionnaire: str = Field(description="Questionnaire YAML, relative to the spec file.")
    period: Literal["baseline", "year1", "year2", "year3"] = Field(description="Reporting period of these data.")
    population: str | None = Field(None, description="Who was surveyed, e.g. 'general public 15+'.")


class Target(_Base):
    """The programme's target for an indicator."""

    value: float
    type: Literal["level", "change_points", "change_percent"] = Field(
        "level", description="A level to reach, or a change against baseline in points or in percent.")
    period: Literal["baseline", "year1", "year2", "year3"] | None = None


class IndexItem(_Base):
    """An item of an index: its valid range is rescaled to 0-100, reversed when its low end is the positive one."""

    var: str
    min: float
    max: float
    reverse: bool = Field(False, description="True when a LOW code is the positive answer (e.g. 1 = agree strongly).")

    @model_validator(mode="after")
    def _range(self) -> IndexItem:
        if self.min >= self.max:
            raise ValueError(f"min ({self.min:g}) must be smaller than max ({self.max:g})")
        return self


class ScoredItem(_Base):
    """An item scored code by code; codes not listed (e.g. refusals) make the person's score missing."""

    var: str
    points: dict[int, float] = Field(description="Raw code -> points, e.g. {1: 3, 3: 1, 8: 1, 2: 0}.")


class _Indicator(_Base):
    id: str = Field(pattern=_ID)
    title: str
    result: str | None = Field(None, description="Results-framework line, e.g. 'Outcome 3' or 'Output 3.2'.")
    unit: str | None = Field(None, description="'%', 'points', 'persons' ...")
    instruments: list[str] = Field(default_factory=list, description="Instrument keys, in period order.")
    universe: str | None = Field(None, description="Condition selecting the persons the indicator is about.")
    disaggregate: list[str] = Field(default_factory=list, description="Variables to break the indicator down by.")
    target: Target | None = None
    notes: str | None = None


class IndexIndicator(_Indicator):
    """Mean per person of items rescaled to 0-100; codes flagged missing in the questionnaire are left out."""

    kind: Literal["index"]
    items: list[IndexItem] = Field(min_length=1)
    min_items: int = Field(1, ge=1, description="Fewest valid items a person needs to get an index value.")
    statistic: Literal["mean"] = "mean"

    @model_validator(mode="after")
    def _enough(self) -> IndexIndicator:
        if self.min_items > len(self.items):
            raise ValueError(f"min_items ({self.min_items}) is more than the {len(self.items)} items")
        return self


class ScoreIndicator(_Indicator):
    """Sum per person of points given code by code (raw codes, including codes flagged as don't know)."""

    kind: Literal["score"]
    items: list[ScoredItem] = Field(min_length=1)
    range: tuple[float, float] = Field(description="Smallest and largest possible score, e.g. [0, 9].")
    statistic: Literal["mean"] = "mean"


class ShareIndicator(_Indicator):
    """Persons meeting a condition, or whose index is above a threshold: as a share and/or a weighted total."""

    kind: Literal["share"]
    condition: str | None = Field(None, description="Condition in the questionnaire condition language.")
    index: str | None = Field(None, description="Id of an index indicator of this spec ...")
    above: float | None = Field(None, description="... and the threshold its value must exceed.")
    statistics: list[Literal["share", "total"]] = Field(default_factory=lambda: ["share"])

    @model_validator(mode="after")
    def _one_rule(self) -> ShareIndicator:
        if (self.condition is None) == (self.index is None):
            raise ValueError("give either 'condition' or 'index' (with 'above'), not both")
        if self.index is not None and self.above is None:
            raise ValueError("'index' needs 'above' (the threshold)")
        return self


class PrePostIndicator(_Indicator):
    """Training: trainees tested (matched pre and post) and improved (gain >= threshold), with a paired test."""

    kind: Literal["pre_post"]
    key: str = Field(description="Variable matching a trainee's pre-test and post-test.")
    test: str = Field(description="Variable saying which test a record is.")
    pre: int = Field(description="Code of the pre-test in `test`.")
    post: int = Field(description="Code of the post-test in `test`.")
    score: str = Field(description="Total score variable.")
    max_score: float = Field(gt=0)
    min_gain_points: float = Field(
        gt=0, description="Improved = post - pre >= this many percentage points of the maximum score.")
    pass_mark: float | None = Field(None, description="Optional: the post-test score must also reach this.")
    paired_test: list[Literal["wilcoxon", "t"]] = Field(default_factory=lambda: ["wilcoxon", "t"])
    report: list[Literal["tested", "improved", "share_improved", "mean_pre", "mean_post"]] = Field(
        default_factory=lambda: ["tested", "improved", "share_improved", "mean_pre", "mean_post"])


class RecordIndicator(_Indicator):
    """An indicator from monitoring records: a value per period with its source."""

    kind: Literal["record"]
    values: dict[Literal["baseline", "year1", "year2", "year3"], float]
    source: str


Indicator = Annotated[
    IndexIndicator | ScoreIndicator | ShareIndicator | PrePostIndicator | RecordIndicator,
    Field(discriminator="kind"),
]


class IndicatorSpec(_Base):
    """A set of indicator definitions over named instruments."""

    id: str = Field(pattern=_ID)
    title: str
    instruments: dict[str, Instrument] = Field(default_factory=dict)
    indicators: list[Indicator] = Field(min_length=1)
    _file: str = PrivateAttr(default="")
    _positions: Positions = PrivateAttr(default_factory=dict)

    @property
    def file(self) -> str:
        return self._file

    def questionnaire_path(self, key: str) -> Path:
        """Path of instrument *key*'s questionnaire, resolved against the spec file's folder."""
        return (Path(self._file).parent / self.instruments[key].questionnaire).resolve()

    def location(self, path: str) -> Location:
        """File/line/column of a path inside the spec, e.g. ``indicators[2].items[0].var``."""
        line, col = locate(self._positions, path)
        return Location(self._file, line, col, path)


# --------------------------------------------------------------------------------------------------- queries


def variables(ind: IndexIndicator | ScoreIndicator | ShareIndicator | PrePostIndicator | RecordIndicator
              ) -> list[tuple[str, str]]:
    """(variable, spec path relative to the indicator) for every questionnaire variable the indicator reads."""
    out: list[tuple[str, str]] = []
    if isinstance(ind, IndexIndicator | ScoreIndicator):
        out += [(it.var, f"items[{i}].var") for i, it in enumerate(ind.items)]
    if isinstance(ind, ShareIndicator) and ind.condition:
        out += [(r.name, "condition") for r in _refs(ind.condition)]
    if isinstance(ind, PrePostIndicator):
        out += [(ind.key, "key"), (ind.test, "test"), (ind.score, "score")]
    if ind.universe:
        out += [(r.name, "universe") for r in _refs(ind.universe)]
    out += [(v, f"disaggregate[{i}]") for i, v in enumerate(ind.disaggregate)]
    return out


def _refs(text: str) -> list[E.Ref]:
    try:
        return E.references(E.parse(text))
    except E.ExprSyntaxError:
        return []


def indicator_variables(spec: IndicatorSpec, questionnaire_id: str | None = None) -> set[str]:
    """Lower-cased names of the variables the spec's indicators read (optionally only from one questionnaire id)."""
    names: set[str] = set()
    for ind in spec.indicators:
        if questionnaire_id is not None:
            ids = {_questionnaire_id(spec, k) for k in ind.instruments}
            if questionnaire_id not in ids:
                continue
        names |= {v.lower() for v, _ in variables(ind)}
    return names


def _questionnaire_id(spec: IndicatorSpec, key: str) -> str | None:
    try:
        return _load_cached(spec.questionnaire_path(key)).id
    except (KeyError, SurveyError, OSError):
        return None


_CACHE: dict[Path, tuple[float, Questionnaire]] = {}


def _load_cached(path: Path) -> Questionnaire:
    mtime = path.stat().st_mtime
    hit = _CACHE.get(path)
    if hit is None or hit[0] != mtime:
        _CACHE[path] = (mtime, load_questionnaire(path))
    return _CACHE[path][1]


# ----------------------------------------------------------------------------------------------------- checks


def check_spec(spec: IndicatorSpec) -> list[Problem]:
    """Cross-reference problems: unknown instruments, unknown variables or codes, bad conditions, duplicate ids."""
    problems: list[Problem] = []

    def add(msg: str, path: str, rule: str) -> None:
        problems.append(Problem(msg, rule, location=spec.location(path)))

    forms: dict[str, Questionnaire] = {}
    for key, inst in spec.instruments.items():
        try:
            forms[key] = _load_cached(spec.questionnaire_path(key))
        except FileNotFoundError:
            add(f"questionnaire file '{inst.questionnaire}' not found (relative to the spec file)",
                f"instruments.{key}.questionnaire", "indicator-instrument")
        except SurveyError as exc:
            add(f"questionnaire '{inst.questionnaire}' does not load: {exc.problems[0]}",
                f"instruments.{key}.questionnaire", "indicator-instrument")

    seen: dict[str, int] = {}
    index_ids = {ind.id for ind in spec.indicators if isinstance(ind, IndexIndicator)}
    for i, ind in enumerate(spec.indicators):
        base = f"indicators[{i}]"
        if ind.id.lower() in seen:
            add(f"duplicate indicator id '{ind.id}' (first used by indicators[{seen[ind.id.lower()]}])",
                f"{base}.id", "indicator-duplicate")
        seen.setdefault(ind.id.lower(), i)
        if not isinstance(ind, RecordIndicator) and not ind.instruments:
            add(f"indicator '{ind.id}' names no instruments", base, "indicator-instrument")
        for j, key in enumerate(ind.instruments):
            if key not in spec.instruments:
                known = ", ".join(sorted(spec.instruments)) or "none"
                add(f"unknown instrument '{key}' (declared: {known})", f"{base}.instruments[{j}]",
                    "indicator-instrument")
        for field in ("condition", "universe"):
            text = getattr(ind, field, None)
            if text:
                try:
                    E.parse(text)
                except E.ExprSyntaxError as exc:
                    add(f"bad condition: {exc}", f"{base}.{field}", "indicator-condition")
        if isinstance(ind, ShareIndicator) and ind.index is not None and ind.index not in index_ids:
            add(f"'{ind.index}' is not an index indicator of this spec", f"{base}.index", "indicator-reference")
        for key in ind.instruments:
            qn = forms.get(key)
            if qn is not None:
                problems += _check_against(spec, ind, base, key, qn)
    return problems


def _check_against(spec: IndicatorSpec, ind: IndexIndicator | ScoreIndicator | ShareIndicator | PrePostIndicator
                   | RecordIndicator, base: str, key: str, qn: Questionnaire) -> list[Problem]:
    """Variables and codes of one indicator against one of its questionnaires."""
    problems: list[Problem] = []
    names = {q.name.lower(): q for q in qn.questions()}
    where = f"questionnaire '{qn.id}' (instrument '{key}')"
    for var, sub in variables(ind):
        if var.lower() not in names:
            problems.append(Problem(f"variable '{var}' does not exist in {where}", "indicator-variable",
                                    location=spec.location(f"{base}.{sub}")))
    if isinstance(ind, ScoreIndicator):
        for j, it in enumerate(ind.items):
            q = names.get(it.var.lower())
            if q is None:
                continue
            codes = {c.code for c in qn.choice_list(q)}
            for code in it.points:
                if code not in codes:
                    problems.append(Problem(f"code {code} is not a code of '{it.var}' in {where}",
                                            "indicator-code", location=spec.location(f"{base}.items[{j}].points")))
    if isinstance(ind, PrePostIndicator):
        q = names.get(ind.test.lower())
        if q is not None:
            codes = {c.code for c in qn.choice_list(q)}
            for f in ("pre", "post"):
                if getattr(ind, f) not in codes:
                    problems.append(Problem(f"{f} code {getattr(ind, f)} is not a code of '{ind.test}' in {where}",
                                            "indicator-code", location=spec.location(f"{base}.{f}")))
    return problems


# ----------------------------------------------------------------------------------------------------- loading


def load_indicator_spec(path: str | Path) -> IndicatorSpec:
    """Load an indicator spec (structure only); schema problems are raised together, each with its line."""
    spec, pos = load_model(IndicatorSpec, path)
    spec._file = str(path)
    spec._positions = pos
    return spec


def load_checked(path: str | Path) -> IndicatorSpec:
    """Load a spec and raise SurveyError listing every cross-reference problem (missing variable, code ...)."""
    spec = load_indicator_spec(path)
    problems = check_spec(spec)
    if problems:
        raise SurveyError(problems)
    return spec
