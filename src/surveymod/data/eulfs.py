"""EU-LFS transmission file of the migration variables: the regulation's names and codes, one row per person.

Commission Implementing Regulation (EU) 2019/2240, Annex I (the 7 core migration variables and the 11 variables of
the 2021 module LF8YA), as summarised in ``shared/reference/lfs_migration_module.md`` §§1-2:

* countries as SCL GEO alpha-2 codes (the questionnaire's choice names: ``EL`` Greece, ``UK`` United Kingdom,
  ``XK`` Kosovo) and the regulation's special codes ``STLS``, ``FOR`` and ``998``;
* coded variables with the regulation's width (``01``-``09`` for ESTQUAL and DURFIJOB), YEARESID as ``000``-``150``
  or ``999`` (born here and never lived abroad);
* **not applicable** (``9``/``99``/``999``, as wide as the field) where the regulation's filter excludes the
  person; the filter is the question's universe in the questionnaire (tested against the regulation's filters);
* **blank = not stated** where the filter includes the person and there is no answer (don't know, refusal).

Plus the technical items of Annex I: ``REFYEAR``, ``REFWEEK``, ``REFMONTH`` and ``REFQUARTER`` (the month and
quarter of the Thursday of the ISO reference week), ``HHNUM`` (the household id), ``HHSEQNUM``, ``COUNTRY`` (MK),
``SEX``, ``AGE``, ``EMPSTAT`` (the filters of the module use them), the weights ``COEFFQ`` and ``COEFFMOD`` (9 digits,
4 of them decimals; COEFFMOD for the module sub-sample, persons aged 15-74) and ``HHFATH``/``HHMOTH`` (``00`` = not
in the household).  Derived variables (YEARESID, REFYEAR) are written as recomputed from their inputs; a stored
value that differs is reported (``surveymod check`` lists it as ``derived-mismatch``), never written silently.
An answer where the filter says "not applicable" is not overwritten silently: the export stops and names the rows
(``surveymod check`` reports them as ``not-applicable``).  The written file is checked against the validation rules
of ``eulfs_validation`` and the report written next to it.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from ..atomic import refuse_overwriting_inputs, write_text
from ..errors import Location, Problem, SurveyError
from ..questionnaire import expr as E
from ..questionnaire.conditions import universe
from ..questionnaire.model import Questionnaire
from .derived import mismatches, recompute
from .levels import level_keys, level_of_question, parent_level
from .reader import Dataset, read

COUNTRY = "MK"
"""Country of residence (EU-LFS COUNTRY) of the shipped module: North Macedonia."""

Kind = Literal["country", "coded", "duration"]


@dataclass(frozen=True)
class Variable:
    """One transmitted variable: its kind, field width and not-applicable code ('' = everybody is in scope)."""

    name: str
    kind: Kind
    width: int
    not_applicable: str


VARIABLES: tuple[Variable, ...] = (
    Variable("CITIZENSHIP", "country", 4, ""),
    Variable("COUNTRYB", "country", 3, ""),
    Variable("COBFATH", "country", 3, "999"),
    Variable("COBMOTH", "country", 3, "999"),
    Variable("YEARESID", "duration", 3, ""),
    Variable("COUNTRPR", "country", 3, "999"),
    Variable("MIGREAS", "coded", 1, "9"),
    Variable("HATCNTR", "country", 3, "999"),
    Variable("ESTQUAL", "coded", 2, "99"),
    Variable("HATPAR", "coded", 1, "9"),
    Variable("JOBSATISF", "coded", 1, "9"),
    Variable("SKILLEQ", "coded", 1, "9"),
    Variable("DISCRIMI", "coded", 1, "9"),
    Variable("JOBOBSTA", "coded", 1, "9"),
    Variable("DURFIJOB", "coded", 2, "99"),
    Variable("PRKNLANG", "coded", 1, "9"),
    Variable("LANGHOST", "coded", 1, "9"),
    Variable("LANGCOUR", "coded", 1, "9"),
)
"""The 18 variables in the order of the reference notes (7 core, then the 11 of the 2021 module)."""


def _numbers(col: pd.Series) -> np.ndarray:
    return pd.to_numeric(col, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _frame_with_parents(ds: Dataset, qn: Questionnaire, level: str) -> pd.DataFrame:
    """The rows of *level* with the columns of its enclosing levels joined on their keys."""
    frame = ds.frames[level]
    out = frame.copy()
    parent = parent_level(qn, level)
    while parent is not None and parent in ds.frames:
        pkeys = level_keys(qn, parent)
        pframe = ds.frames[parent]
        if not pkeys or any(k not in out.columns or k not in pframe.columns for k in pkeys):
            break
        extra = [c for c in pframe.columns if c not in out.columns]
        right = pframe.drop_duplicates(pkeys)[pkeys + extra]
        left_keys = out[pkeys].astype(str)
        right = right.assign(**{k: right[k].astype(str) for k in pkeys})
        joined = left_keys.merge(right, how="left", on=pkeys, sort=False)
        for c in extra:
            out[c] = joined[c].to_numpy()
        parent = parent_level(qn, parent)
    return out


def _env(qn: Questionnaire, frame: pd.DataFrame) -> dict[str, np.ndarray]:
    numeric = {q.name for q in qn.questions() if q.type in ("integer", "year", "scale", "select_one", "decimal",
                                                             "calculate")}
    env: dict[str, np.ndarray] = {}
    for c in frame.columns:
        env[c] = _numbers(frame[c]) if c in numeric else frame[c].to_numpy(dtype=object)
    return env


MODULE_AGES = (15, 74)
"""Target population of the 2021 module (Reg. (EU) 2019/2240, Art. 4(3)(d)): COEFFMOD is given for these ages."""
EMPSTAT_AGES = (15, 89)
"""Filter of EMPSTAT in Annex I (15 <= AGE <= 89); 9 = not applicable elsewhere."""


@dataclass
class Transmission:
    """The transmission table (all text, '' = not stated) and notes on what was derived or left out."""

    frame: pd.DataFrame
    notes: list[Problem]


def transmission_frame(data: Dataset | str | Path, questionnaire: Questionnaire | str | Path | None = None, *,
                       encoding: str | None = None) -> pd.DataFrame:
    """The transmission table (all columns text; '' = not stated) of the person level of *data*."""
    return transmission(data, questionnaire, encoding=encoding).frame


def transmission(data: Dataset | str | Path, questionnaire: Questionnaire | str | Path | None = None, *,
                 encoding: str | None = None, coeff: str | None = None, coeffmod: str | None = None) -> Transmission:
    """The transmission table of the person level of *data*; *coeff*/*coeffmod* name the weight columns."""
    ds = data if isinstance(data, Dataset) else read(data, questionnaire, encoding=encoding)
    qn = ds.questionnaire
    if qn is None:
        raise SurveyError("the EU-LFS export needs the questionnaire (-q QUESTIONNAIRE)", rule="no-questionnaire")
    missing = [v.name for v in VARIABLES if v.name.lower() not in qn._index()]
    if missing:
        raise SurveyError(f"the questionnaire has no EU-LFS variable(s) {', '.join(missing)}: the EU-LFS export "
                          "needs the migration module (questionnaires/lfs_migration.yaml)", rule="eulfs-variables")
    level = level_of_question(qn, "COUNTRYB")
    if level not in ds.frames:
        raise SurveyError(f"the data has no '{level}' table (the person roster holding COUNTRYB)", rule="eulfs-level")
    frame = _frame_with_parents(ds, qn, level)
    env = _env(qn, frame)
    n = len(frame)
    out = pd.DataFrame(index=range(n))
    problems: list[Problem] = []
    notes: list[Problem] = []
    _recompute_derived(qn, frame, env, n, notes)
    _reference_period(out, frame)
    keys = level_keys(qn, level)
    hh = keys[0] if keys else None
    out["HHNUM"] = [_text(x) for x in frame[hh]] if hh and hh in frame.columns else ""
    roster = qn.roster_of("COUNTRYB")
    line_var = roster.key if roster is not None else None
    out["HHSEQNUM"] = _padded(_numbers(frame[line_var]), 2) if line_var and line_var in frame.columns else ""
    out["COUNTRY"] = COUNTRY
    age = _numbers(frame["AGE"]) if "AGE" in frame.columns else np.full(n, np.nan)
    out["SEX"] = _padded(_numbers(frame["SEX"]), 1) if "SEX" in frame.columns else ""
    out["AGE"] = _padded(age, 3)
    out["EMPSTAT"] = _empstat(frame, age, notes)
    out["COEFFQ"] = _weight(frame, coeff, np.ones(n, dtype=bool), "COEFFQ", notes)
    module = (age >= MODULE_AGES[0]) & (age <= MODULE_AGES[1])
    if coeffmod is None and coeff is not None:
        notes.append(Problem(f"COEFFMOD = COEFFQ ({coeff}) for persons aged {MODULE_AGES[0]}-{MODULE_AGES[1]}: the "
                             "module was asked of the whole sample (give --coeffmod for a module sub-sample weight)",
                             "eulfs-coeffmod", "info"))
    out["COEFFMOD"] = _weight(frame, coeffmod or coeff, module, "COEFFMOD", notes)
    for v in VARIABLES:
        out[v.name] = _variable(qn, v, frame, env, n, problems)
    for var in ("HHFATH", "HHMOTH"):
        if var in frame.columns:
            out[var] = _padded(_numbers(frame[var]), 2)
    if problems:
        raise SurveyError(problems)
    return Transmission(out, notes)


def _recompute_derived(qn: Questionnaire, frame: pd.DataFrame, env: dict[str, np.ndarray], n: int,
                       notes: list[Problem]) -> None:
    """Replace every derived (calculate) column by its recomputation; say how many stored values differed."""
    for q in qn.questions():
        if q.type != "calculate" or not q.calculation or q.name not in frame.columns:
            continue
        try:
            got = recompute(qn, q, env, n)
        except KeyError:
            continue
        if got.values.dtype == object:
            continue
        stored = _numbers(frame[q.name])
        differ = mismatches(stored, got.values)
        if differ.any():
            first = int(np.flatnonzero(differ)[0]) + 1
            notes.append(Problem(f"{q.name}: {int(differ.sum())} stored value(s) differ from the recomputation "
                                 f"from its inputs (first at row {first}); the recomputed value is written "
                                 "(surveymod check lists them as derived-mismatch)", "eulfs-derived", "warning",
                                 Location(row=first, variable=q.name)))
        frame[q.name] = got.values
        env[q.name] = got.values


def _reference_period(out: pd.DataFrame, frame: pd.DataFrame) -> None:
    """REFYEAR and REFWEEK as collected/derived; REFMONTH and REFQUARTER of the Thursday of that ISO week."""
    n = len(frame)
    year = _numbers(frame["REFYEAR"]) if "REFYEAR" in frame.columns else (
        _numbers(frame["INTYEAR"]) if "INTYEAR" in frame.columns else np.full(n, np.nan))
    week = _numbers(frame["REFWEEK"]) if "REFWEEK" in frame.columns else np.full(n, np.nan)
    month = np.full(n, np.nan)
    cache: dict[tuple[float, float], float] = {}
    for i in np.flatnonzero(~np.isnan(year) & ~np.isnan(week)):
        key = (year[i], week[i])
        if key not in cache:
            try:
                cache[key] = float(_dt.date.fromisocalendar(int(year[i]), int(week[i]), 4).month)
            except ValueError:
                cache[key] = np.nan   # no such ISO week (e.g. week 53 of a 52-week year): the validation says so
        month[i] = cache[key]
    out["REFYEAR"] = _padded(year, 4)
    out["REFWEEK"] = _padded(week, 2)
    out["REFMONTH"] = _padded(month, 2)
    out["REFQUARTER"] = _padded(np.floor((month - 1) / 3) + 1, 1)


def _empstat(frame: pd.DataFrame, age: np.ndarray, notes: list[Problem]) -> np.ndarray:
    """EMPSTAT 1/2, 9 outside 15-89 (Annex I filter); answers beyond 89 are left out and counted in a note."""
    n = len(frame)
    if "EMPSTAT" not in frame.columns:
        return np.full(n, "", dtype=object)
    emp = _numbers(frame["EMPSTAT"])
    scope = (age >= EMPSTAT_AGES[0]) & (age <= EMPSTAT_AGES[1])
    out = _padded(emp, 1)
    dropped = ~scope & ~np.isnan(emp)
    if dropped.any():
        notes.append(Problem(f"EMPSTAT: {int(dropped.sum())} answer(s) of persons outside ages "
                             f"{EMPSTAT_AGES[0]}-{EMPSTAT_AGES[1]} are written as 9 (not applicable), the regulation's "
                             "filter", "eulfs-empstat", "info"))
    out[~scope] = "9"
    return out


def _weight(frame: pd.DataFrame, column: str | None, scope: np.ndarray, name: str, notes: list[Problem]) -> np.ndarray:
    """A weight as 9 digits (5 whole, 4 decimals) where *scope* holds, blank elsewhere (not applicable)."""
    n = len(frame)
    out = np.full(n, "", dtype=object)
    if column is None:
        notes.append(Problem(f"{name} is blank: no weight column was given (--coeff COLUMN)", "eulfs-weight",
                             "warning"))
        return out
    if column not in frame.columns:
        raise SurveyError(f"the weight column '{column}' ({name}) is not in the data (columns: "
                          f"{', '.join(map(str, frame.columns[:12]))} ...)", rule="eulfs-weight")
    w = _numbers(frame[column])
    ok = scope & ~np.isnan(w) & (w >= 0)
    scaled = np.round(w * 10_000)
    out[ok] = [f"{int(v):09d}" for v in scaled[ok]]
    return out


def _text(x: object) -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return ""
    return str(int(x)) if isinstance(x, float | np.floating) and float(x).is_integer() else str(x)


def _padded(values: np.ndarray, width: int) -> np.ndarray:
    return np.array(["" if np.isnan(v) else f"{int(v):0{width}d}" for v in values], dtype=object)


def _variable(qn: Questionnaire, v: Variable, frame: pd.DataFrame, env: dict[str, np.ndarray], n: int,
              problems: list[Problem]) -> np.ndarray:
    q = qn.question(v.name)
    if q.name not in frame.columns:
        raise SurveyError(f"the data has no column {q.name} (EU-LFS {v.name})", rule="eulfs-column")
    node = universe(qn, q.name)
    try:
        applies = np.ones(n, dtype=bool) if node is None else E.truth(E.evaluate(node, env, n))
    except KeyError as exc:
        raise SurveyError(f"the filter of {v.name} cannot be evaluated: the data has no column {exc}",
                          rule="eulfs-column") from exc
    values = _numbers(frame[q.name])
    answered = ~np.isnan(values)
    for i in np.flatnonzero(answered & ~applies)[:20]:
        problems.append(Problem(
            f"{v.name} is answered although the regulation's filter excludes this person (not applicable); "
            "correct the data first (surveymod check reports it as not-applicable)", "eulfs-not-applicable",
            location=Location(row=int(i) + 1, variable=q.name)))
    names = {c.code: c.name for c in qn.choice_list(q)}
    out = np.full(n, "", dtype=object)
    out[~applies] = v.not_applicable
    for i in np.flatnonzero(answered & applies):
        code = values[i]
        if v.kind == "country":
            name = names.get(int(code)) if float(code).is_integer() else None
            if not name:
                problems.append(Problem(f"code {code:g} of {v.name} has no SCL GEO / regulation code",
                                        "eulfs-code", location=Location(row=int(i) + 1, variable=q.name)))
                continue
            out[i] = name
        else:
            out[i] = f"{int(code):0{v.width}d}"
    return out


@dataclass
class EulfsResult:
    """What ``export --to eulfs`` wrote: the file, its validation report and the notes."""

    path: Path
    report_path: Path
    report: pd.DataFrame
    notes: list[Problem]


def export_eulfs(data: Dataset | str | Path, questionnaire: Questionnaire | str | Path | None, out: str | Path, *,
                 encoding: str | None = None, coeff: str | None = None,
                 coeffmod: str | None = None) -> EulfsResult:
    """Write the transmission table to *out* as UTF-8 CSV (every value text, blank = not stated) and its
    validation report to ``<out stem>.validation.csv`` (one row per failed check; empty = valid)."""
    from .eulfs_validation import validate

    ds = data if isinstance(data, Dataset) else read(data, questionnaire, encoding=encoding)
    inputs = [*ds.inputs, *([questionnaire] if isinstance(questionnaire, str | Path) else [])]
    out = Path(out)
    report_path = out.with_name(out.stem + ".validation.csv")
    refuse_overwriting_inputs(out, inputs)
    refuse_overwriting_inputs(report_path, inputs)
    tr = transmission(ds, coeff=coeff, coeffmod=coeffmod)
    report = validate(tr.frame)
    path = write_text(out, tr.frame.to_csv(index=False, lineterminator="\n"))
    write_text(report_path, report.to_csv(index=False, lineterminator="\n"))
    return EulfsResult(path, report_path, report, tr.notes)
