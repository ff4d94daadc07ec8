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

Plus ``COUNTRY`` (MK), the household id, ``HHSEQNUM`` and ``HHFATH``/``HHMOTH`` (``00`` = not in the household).
An answer where the filter says "not applicable" is not overwritten silently: the export stops and names the rows
(``surveymod check`` reports them as ``not-applicable``).
"""

from __future__ import annotations

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
from .levels import level_keys, level_of_question, parent_level
from .read import Dataset, read

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


def transmission_frame(data: Dataset | str | Path, questionnaire: Questionnaire | str | Path | None = None, *,
                       encoding: str | None = None) -> pd.DataFrame:
    """The transmission table (all columns text; '' = not stated) of the person level of *data*."""
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
    keys = level_keys(qn, level)
    hh = keys[0] if keys else None
    if hh and hh in frame.columns:
        out[hh] = [_text(x) for x in frame[hh]]
    roster = qn.roster_of("COUNTRYB")
    line_var = roster.key if roster is not None else None
    if line_var and line_var in frame.columns:
        out["HHSEQNUM"] = _padded(_numbers(frame[line_var]), 2)
    out["COUNTRY"] = COUNTRY
    for v in VARIABLES:
        out[v.name] = _variable(qn, v, frame, env, n, problems)
    for var in ("HHFATH", "HHMOTH"):
        if var in frame.columns:
            out[var] = _padded(_numbers(frame[var]), 2)
    if problems:
        raise SurveyError(problems)
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


def export_eulfs(data: Dataset | str | Path, questionnaire: Questionnaire | str | Path | None, out: str | Path, *,
                 encoding: str | None = None) -> Path:
    """Write the transmission table to *out* as UTF-8 CSV (every value text, blank = not stated)."""
    ds = data if isinstance(data, Dataset) else read(data, questionnaire, encoding=encoding)
    inputs = [*ds.inputs, *([questionnaire] if isinstance(questionnaire, str | Path) else [])]
    refuse_overwriting_inputs(out, inputs)
    frame = transmission_frame(ds)
    return write_text(out, frame.to_csv(index=False, lineterminator="\n"))
