"""LFS migration tables from a YAML tabulation plan: universe, statistic, rows, SE and reliability flag per cell.

A plan names, per table, the data level (``main`` household frame or a roster frame such as ``person`` or
``emigrant``), a universe condition (``15 <= AGE <= 74``), the statistic (prop / mean / total / ratio) and the row
variables. Derived variables (age groups, 0/1 indicators) are declared once. Every name the plan uses is checked
against the data before anything is estimated; an unknown name is a SurveyError naming the plan line.

Weights: every table says whether it is weighted (the ``weight`` column and the HTML heading). A population total
(``stat: total``) needs the design's weight: without one it would be a count of sampled persons, not of the
population. Design columns held only by the household (``main``) frame, as the household design weight, are carried
to the roster levels through the plan's ``key`` (the household id), so a person's weight is the household's.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..data.meta import Metadata, from_questionnaire
from ..data.reader import release_unused_memory
from ..data.reader.narrow import widened
from ..design.prepare import Prepared, prepare, replicate_pattern
from ..errors import Location, Problem, SurveyError
from ..estimation import Design, FlagRules, estimate
from ..questionnaire import expr as E
from ..yamlpos import Positions, load_model, locate

if TYPE_CHECKING:
    from ..data.reader import Dataset

Stat = Literal["prop", "mean", "total", "ratio"]


class Derived(BaseModel):
    """A derived variable: ``cut`` of a numeric column into groups, or ``expr`` (a condition giving 1/0)."""

    model_config = ConfigDict(extra="forbid")

    source: str | None = Field(None, alias="from", description="Numeric column cut into groups (with bins).")
    bins: list[float] | None = Field(None, description="Group edges [a, b, c]: groups a<=x<b, b<=x<c.")
    labels: list[str] | None = Field(None, description="One label per group (default 'a-b').")
    expr: str | None = Field(None, description="Condition; the variable is 1 where true and 0 where false.")
    level: str | None = Field(None, description="Only derive on this level (default: every level with the inputs).")

    @model_validator(mode="after")
    def _one_kind(self) -> Derived:
        """Exactly one of from+bins or expr; as many labels as groups."""
        if (self.expr is None) == (self.source is None):
            raise ValueError("give either 'from' with 'bins' or 'expr'")
        if self.source is not None:
            if not self.bins or len(self.bins) < 2:
                raise ValueError("'bins' needs at least two edges")
            if self.labels is not None and len(self.labels) != len(self.bins) - 1:
                raise ValueError(f"{len(self.bins) - 1} groups need {len(self.bins) - 1} labels")
        return self


class Table(BaseModel):
    """One table of the plan."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="Short id, also the sheet name.")
    title: str
    level: str = Field("main", description="Data level: main (household), person, emigrant ...")
    universe: str | None = Field(None, description="Rows counted, e.g. '15 <= AGE <= 74 and COUNTRYB != 807'.")
    stat: Stat = "prop"
    variable: str | None = Field(None, description="Variable of prop / mean / total.")
    ratio: tuple[str, str] | None = Field(None, description="[numerator, denominator] of a ratio.")
    by: list[str] = Field(default_factory=list, description="Row variables (domains).")
    exclude: list[int] = Field(default_factory=list, description="Codes of `variable` left out (as missing).")
    flags: FlagRules | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _stat_args(self) -> Table:
        """A ratio needs `ratio`, every other statistic a `variable`."""
        if self.stat == "ratio" and self.ratio is None:
            raise ValueError("stat 'ratio' needs ratio: [numerator, denominator]")
        if self.stat != "ratio" and self.variable is None:
            raise ValueError(f"stat '{self.stat}' needs a variable")
        return self


class Plan(BaseModel):
    """A tabulation plan: design, reliability rules, derived variables and tables."""

    model_config = ConfigDict(extra="forbid")

    title: str = "Tables"
    questionnaire: str | None = Field(None, description="Questionnaire (relative to the plan) for code labels.")
    design: Design = Field(default_factory=Design)
    flags: FlagRules = Field(default_factory=FlagRules)
    ci: Literal["logit", "beta", "wilson"] = "logit"
    missing_codes: bool = Field(True, description="Drop codes the questionnaire marks as missing.")
    key: str | None = Field(None, description="Household id linking roster rows to the main level; design columns "
                                              "found only in the main data (weight, strata, PSU) are carried "
                                              "to the rosters through it.")
    derive: dict[str, Derived] = Field(default_factory=dict)
    tables: list[Table]


TABLE_COLUMNS = ["table", "title", "universe", "weight", "domain", "variable", "level", "label", "estimate", "se",
                 "ci_low", "ci_high", "cv", "n", "flag"]
DESIGN_COLUMNS = Design.COLUMN_FIELDS
UNWEIGHTED = "unweighted (sample counts and shares, not population estimates)"


def weight_text(design: Design) -> str:
    """What a table says about its weighting: the weight column, or that it is unweighted."""
    if design.weight:
        return f"weighted ({design.weight})"
    if design.prob:
        return f"weighted (1/{design.prob})"
    return UNWEIGHTED


def carry_design(frames: dict[str, pd.DataFrame], plan: Plan) -> dict[str, pd.DataFrame]:
    """Roster frames with the design columns they lack taken from their household in ``main`` (through
    ``plan.key``); a roster row whose household is not in ``main`` gets a missing value, reported by check_plan."""
    main = frames.get("main")
    names = plan.design.data_columns()
    if main is None or plan.key is None or plan.key not in main.columns or not names:
        return frames
    out = dict(frames)
    for lev, f in frames.items():
        take = [c for c in names if lev != "main" and c not in f.columns and c in main.columns]
        if not take or plan.key not in f.columns:
            continue
        at = _household_rows(f[plan.key], main[plan.key])
        carried = f.copy(deep=False)  # the roster's own columns are not copied
        for c in take:  # a Series is set without the copy pandas makes of an array
            carried[c] = pd.Series(pd.api.extensions.take(main[c].array, at, allow_fill=True), index=carried.index,
                                   copy=False)
        out[lev] = carried
    return out


def _household_rows(keys: pd.Series, households: pd.Series) -> np.ndarray:
    """Each roster row's household: the first row of ``households`` with its key, -1 for none. Hashed by Arrow
    (pandas would turn ten million text keys into Python strings first)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    values, value_set = pa.array(keys, from_pandas=True), pa.array(households, from_pandas=True)
    if values.type != value_set.type:
        try:
            value_set = value_set.cast(values.type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            values, value_set = values.cast(pa.large_string()), value_set.cast(pa.large_string())
    found = pc.index_in(values, value_set=value_set)
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.intp)


def _analysed(t: Table) -> list[str]:
    """The columns a table estimates on: its variable and its ratio's numerator and denominator."""
    return [*([t.variable] if t.variable else []), *(t.ratio or ())]


def _table_columns(t: Table) -> list[str]:
    """Every column a table names: analysed, domains and its universe's variables (ValueError if unreadable)."""
    return [*_analysed(t), *t.by, *(condition_names(t.universe) if t.universe else [])]


def _is_replicate(plan: Plan) -> Callable[[str], bool]:
    """Whether a column is a replicate weight of the plan's design (a bad pattern is an error)."""
    if not plan.design.repweights:
        return lambda _c: False
    rx = replicate_pattern(plan.design.repweights)
    return lambda c: rx.fullmatch(str(c)) is not None


def plan_columns(plan: Plan) -> Callable[[str], bool]:
    """Whether the plan uses a data column: tables' variables, ratios, domains and universes, the inputs of derived
    variables, the design's columns (replicate weights by their pattern) and the key. A condition the plan cannot
    parse keeps every column (check_plan then reports it)."""
    names: set[str] = {*plan.design.data_columns(), *([plan.key] if plan.key else [])}
    try:
        for d in plan.derive.values():
            names |= {d.source} if d.source else set(condition_names(d.expr or ""))
        for t in plan.tables:
            names |= set(_table_columns(t))
    except ValueError:
        return lambda _c: True
    replicate = _is_replicate(plan)
    return lambda c: c in names or replicate(c)


def load_plan(path: str | Path) -> tuple[Plan, Positions]:
    """Read a tabulation plan; schema mistakes are raised with their file:line."""
    return load_model(Plan, path)


def condition_names(expr: str) -> list[str]:
    """The variable names a condition uses; a syntax error is a ValueError naming the column where it is."""
    try:
        return [r.name for r in E.references(E.parse(expr))]
    except E.ExprSyntaxError as exc:
        raise ValueError(f"cannot read the condition: {exc}") from None


def condition_mask(df: pd.DataFrame, expr: str) -> pd.Series:
    """Boolean mask of a condition in the questionnaire condition language (missing compares as false)."""
    node = E.parse(expr)
    env = {n: _as_read(df[n]) for n in {r.name for r in E.references(node)}}
    return pd.Series(E.truth(E.evaluate(node, env, len(df))), index=df.index)


def _as_read(col: pd.Series) -> pd.Series:
    """A column as a condition sees it: narrowed numbers in float64, derived groups (categorical) as text with
    None for missing."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        col = col.astype(object)
        return col.where(col.notna(), None)
    return widened(col)


def _where(file: str, pos: Positions, path: str) -> Location:
    line, col = locate(pos, path)
    return Location(file=file, line=line, column=col, path=path)


def _applies(d: Derived, level: str, columns: set[str]) -> bool:
    """Whether a derived variable is made on a level with these columns: its level (if it names one), and all its
    inputs there."""
    if d.level is not None and d.level != level:
        return False
    if d.source is not None and d.bins is not None:
        return d.source in columns
    return d.expr is not None and set(condition_names(d.expr)) <= columns


def derive(frames: dict[str, pd.DataFrame], plan: Plan, only: set[str] | None = None) -> dict[str, pd.DataFrame]:
    """The frames with the plan's derived variables (those in *only*, if given) added where their inputs exist
    (shallow copies: the data's own columns are shared, not copied, and the inputs are never changed)."""
    out = {k: f.copy(deep=False) for k, f in frames.items()}
    for name, d in plan.derive.items():
        if only is not None and name not in only:
            continue
        for lev, f in out.items():
            if not _applies(d, lev, set(map(str, f.columns))):
                continue
            if d.source is not None and d.bins is not None:
                labels = d.labels or [f"{d.bins[i]:g}-{d.bins[i + 1]:g}" for i in range(len(d.bins) - 1)]
                x = widened(pd.to_numeric(f[d.source], errors="coerce"))
                f[name] = pd.cut(x, bins=d.bins, right=False, labels=labels)  # categorical: codes, not objects
            else:
                assert d.expr is not None
                f[name] = condition_mask(f, d.expr).astype(np.float32)  # 0/1: exact, as a narrowed column
    return out


def derived_columns(plan: Plan, frames: dict[str, pd.DataFrame]) -> dict[str, set[str]]:
    """Every level's columns once the plan's derived variables are added, by the rule of :func:`derive`, from
    the names alone (nothing is computed)."""
    out = {lev: set(map(str, f.columns)) for lev, f in frames.items()}
    for name, d in plan.derive.items():
        for lev, cols in out.items():
            if _applies(d, lev, cols):
                cols.add(name)
    return out


def _derived_needs(plan: Plan, t: Table) -> set[str]:
    """The derived variables a table uses, with those they are derived from."""
    need = set(_table_columns(t))
    for name, d in reversed(plan.derive.items()):
        if name in need:
            need |= {d.source} if d.source else set(condition_names(d.expr or ""))
    return need


def check_plan(plan: Plan, frames: dict[str, pd.DataFrame], file: str, pos: Positions) -> None:
    """Every level and variable the plan names exists (after deriving); all problems at once, each with its line."""
    problems: list[Problem] = []
    for name, d in plan.derive.items():
        names = [d.source] if d.source else []
        try:
            names = names or condition_names(d.expr or "")
        except ValueError as exc:
            problems.append(Problem(f"derived '{name}': {exc}", "tables-condition",
                                    location=_where(file, pos, f"derive.{name}.expr")))
            continue
        levels = [d.level] if d.level else list(frames)
        if not any(lv in frames and set(names) <= set(frames[lv].columns) for lv in levels):
            problems.append(Problem(f"derived '{name}' uses {', '.join(repr(n) for n in names)}, not all found in "
                                    f"any data level", "tables-unknown-variable",
                                    location=_where(file, pos, f"derive.{name}")))
    derived = derived_columns(plan, frames) if not problems else {k: set(map(str, f.columns))
                                                                     for k, f in frames.items()}
    design_fields = [(f, c) for f in DESIGN_COLUMNS if (c := getattr(plan.design, f))]
    reported: set[tuple[str, str]] = set()
    absent: dict[tuple[str, str], list[str]] = {}
    if plan.key and "main" in frames and plan.key not in frames["main"].columns:
        problems.append(Problem(f"key '{plan.key}' is not in the main data", "tables-unknown-variable",
                                location=_where(file, pos, "key")))
    for i, t in enumerate(plan.tables):
        base = f"tables[{i}]"
        if t.level not in derived:
            problems.append(Problem(f"table '{t.id}': level '{t.level}' is not in the data (levels: "
                                    f"{', '.join(derived)})", "tables-unknown-level",
                                    location=_where(file, pos, f"{base}.level")))
            continue
        cols = derived[t.level]
        if t.stat == "total" and not (plan.design.weight or plan.design.prob):
            problems.append(Problem(f"table '{t.id}' is a population total and needs a weight: name the weight "
                                    "column in design.weight (without it the table would count sampled rows, "
                                    "not the population)", "tables-total-unweighted",
                                    location=_where(file, pos, f"{base}.stat")))
        for field_, col in design_fields:
            if col not in cols:
                levels = absent.setdefault((field_, col), [])
                if t.level not in levels:
                    levels.append(t.level)
            elif col in frames[t.level] and frames[t.level][col].isna().any() and (t.level, col) not in reported:
                reported.add((t.level, col))
                k = int(frames[t.level][col].isna().sum())
                problems.append(Problem(f"design {field_} '{col}' is missing for {k} row(s) of the {t.level} data "
                                        f"(their household is not in the main data?)", "tables-design-column",
                                        location=_where(file, pos, f"design.{field_}")))
        refs: list[tuple[str, str]] = []
        if t.variable:
            refs.append((t.variable, f"{base}.variable"))
        if t.ratio:
            refs += [(t.ratio[0], f"{base}.ratio[0]"), (t.ratio[1], f"{base}.ratio[1]")]
        refs += [(b, f"{base}.by[{j}]") for j, b in enumerate(t.by)]
        if t.universe:
            try:
                refs += [(n, f"{base}.universe") for n in condition_names(t.universe)]
            except ValueError as exc:
                problems.append(Problem(f"table '{t.id}': universe: {exc}", "tables-condition",
                                        location=_where(file, pos, f"{base}.universe")))
        for name, path in refs:
            if name not in cols:
                problems.append(Problem(f"table '{t.id}': variable '{name}' is not in the {t.level} data",
                                        "tables-unknown-variable", location=_where(file, pos, path)))
    for (field_, col), levels in absent.items():
        via = (f"; the main data's column is carried to the rosters through key '{plan.key}'" if plan.key
               else "; set 'key' (the household id) to carry it from the main data")
        problems.append(Problem(f"design {field_} '{col}' is not in the {', '.join(levels)} data{via}. Name the "
                                f"data's own column, or simulate with --design (e.g. examples/designs/"
                                f"lfs_design.yaml)", "tables-design-column",
                                location=_where(file, pos, f"design.{field_}")))
    if problems:
        raise SurveyError(problems)


def _questionnaire_meta(qn_path: Path | None) -> Metadata:
    """The metadata of the plan's questionnaire (none without one)."""
    if qn_path is None:
        return Metadata()
    from ..questionnaire import load_valid

    return from_questionnaire(load_valid(qn_path))


def code_labels(meta: Metadata) -> dict[str, dict[str, str]]:
    """Code -> label of every labelled variable."""
    return {v: {_code_text(c): lab for c, lab in info.values.items()} for v, info in meta.variables.items()
            if info.values}


def _code_text(code: object) -> str:
    """1, 1.0 and '1' as the text '1'."""
    try:
        f = float(code)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(code)
    return str(int(f)) if f.is_integer() else str(f)


def _cells(t: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """The analysed and domain columns of a table, its analysed variables missing outside its universe and in its
    excluded codes (a new frame: once it is made, the level's frame with this table's derived variables can go)."""
    inside = condition_mask(frame, t.universe).to_numpy() if t.universe else np.ones(len(frame), dtype=bool)
    if not inside.any():
        raise SurveyError(f"table '{t.id}': no rows in the universe '{t.universe}'", rule="tables-empty")
    used = [*_analysed(t), *t.by]
    df = frame[[c for c in dict.fromkeys(used) if c in frame.columns]].reset_index(drop=True)
    for v in dict.fromkeys(_analysed(t)):  # outside the universe: zero-weighted, PSUs kept (domain estimation)
        df[v] = df[v].where(inside, np.nan)  # a narrowed column stays narrow: the estimator widens it
    if t.variable and t.exclude:
        x = pd.to_numeric(df[t.variable], errors="coerce")
        df[t.variable] = df[t.variable].where(~x.isin(set(map(float, t.exclude))), np.nan)
    return df


def _table(t: Table, df: pd.DataFrame, plan: Plan, labels: dict[str, dict[str, str]], design: Prepared
           ) -> pd.DataFrame:
    """Estimates of one table, one row per cell, from its :func:`_cells`, with its level's prepared design."""
    kw: dict[str, object] = {t.stat: [t.ratio] if t.stat == "ratio" else [t.variable]}
    res = estimate(df, plan.design, by=t.by or None, ci=plan.ci, flags=t.flags or plan.flags, prepared=design,
                   **kw)  # type: ignore[arg-type]
    res.insert(0, "weight", weight_text(plan.design))
    res.insert(0, "universe", t.universe or "all")
    res.insert(0, "title", t.title)
    res.insert(0, "table", t.id)
    lab = labels.get(t.variable or "", {})
    res["label"] = [lab.get(str(lv), str(lv)) if t.stat == "prop" else str(lv) for lv in res["level"]]
    res["domain"] = [_domain_text(str(d), labels) for d in res["domain"]]
    return res[TABLE_COLUMNS]


def _only(frame: pd.DataFrame, keep: Callable[[str], bool]) -> pd.DataFrame:
    """*frame* without the columns *keep* rejects (the others shared, not copied)."""
    return frame.drop(columns=[c for c in frame.columns if not keep(c)])


def _domain_text(domain: str, labels: dict[str, dict[str, str]]) -> str:
    """'SEX=1; AGEGRP=15-24' -> 'SEX=Male; AGEGRP=15-24' using the questionnaire labels."""
    if domain == "all":
        return domain
    parts = []
    for piece in domain.split("; "):
        var, _, code = piece.partition("=")
        parts.append(f"{var}={labels.get(var, {}).get(code, code)}")
    return "; ".join(parts)


def run_plan(plan: Plan, data: dict[str, pd.DataFrame] | Dataset | Callable[[], Dataset], *, file: str = "<plan>",
             positions: Positions | None = None, questionnaire: Path | None = None) -> dict[str, pd.DataFrame]:
    """Every table of the plan (id -> cells with estimate, se, CI, cv, n and flag), after checking every name.

    *data* is a :class:`~surveymod.data.Dataset` (its levels, labels and missing codes are used), frames
    by level with the *questionnaire* file giving the labels and missing codes, or a function that reads the
    Dataset: run_plan then holds the only reference to it and lets go of every column the plan no longer needs
    once the design is carried to the rosters (ten million persons' household keys: 0.3 GB).
    """
    pos = positions or {}
    if callable(data):
        data = data()
    if isinstance(data, dict):
        frames, meta = data, _questionnaire_meta(questionnaire)
    else:
        frames, meta = data.frames, data.meta
    del data  # read here: nothing else holds the frames
    frames = dict(carry_design(frames, plan))  # this function's own: columns and levels it does not use go
    check_plan(plan, frames, file, pos)
    uses = {lv: {c for t in plan.tables if t.level == lv for c in _derived_needs(plan, t)} for lv in frames}
    replicate = _is_replicate(plan)

    def design_column(c: str) -> bool:
        return c in plan.design.data_columns() or replicate(c)

    # the levels with tables, with the columns they and the design use: the key is spent once the design is
    # carried (ten million persons' household keys: 0.3 GB)
    frames = {lv: _only(f, lambda c, lv=lv: c in uses[lv] or design_column(c)) for lv, f in frames.items()
              if uses[lv]}
    release_unused_memory()  # and what matching the roster rows to their households used
    labels = code_labels(meta)
    designs: dict[str, Prepared] = {}

    def design_of(level: str) -> Prepared:
        """The design of a level, prepared when its first table comes (a level's before the next level's tables,
        not all at once) and kept for its other tables: weights, strata and PSU codes are worked out once, not
        for each table (0.6 GB at each table's peak at ten million rows)."""
        if level not in designs:
            frame = frames[level]
            cols = [c for c in frame.columns if design_column(c)]
            designs[level] = prepare((meta.valid(frame, cols) if plan.missing_codes else frame)[cols], plan.design)
            frames[level] = _only(frame, lambda c: c in uses[level])  # the prepared design holds the rest
        return designs[level]

    def table_frame(t: Table) -> pd.DataFrame:
        """The table's level with what it uses derived: each table lets go of it after, so ten million rows hold
        no unused derived column. Missing codes are missing in universes, derived variables, cells and domains
        alike; they are set in copies of the columns this table reads only, for this table only (a copy of every
        column for all tables held 0.7 GB at ten million rows)."""
        frame = frames[t.level]
        needs = _derived_needs(plan, t)
        if plan.missing_codes:
            frame = meta.valid(frame, [c for c in frame.columns if c in needs])
        return derive({t.level: frame}, plan, needs)[t.level]

    out = {}
    for t in plan.tables:
        out[t.id] = _table(t, _cells(t, table_frame(t)), plan, labels, design_of(t.level))
        gc.collect()  # pandas' reference cycles would keep a table's 80 MB columns to some later table
        release_unused_memory()  # and what the table's temporaries left in Arrow's pool and the C heap goes back
    return out
