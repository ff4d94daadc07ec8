"""Editing and imputation of checked field data, as a rules file declares it (``surveymod edit``).

Follows the edit-and-imputation practice of Eurostat / UNECE (EDIMBUS recommended practices; the Generic
Statistical Data Editing Model, GSDEM): declared, reproducible rules applied in order, first deterministic edits
(``edits``: where a condition holds, set a variable to an expression), then imputation of item nonresponse
(``imputations``: random hot-deck within imputation classes, with a seed; classes are collapsed from the right when
a class has no donor).  Every changed cell gets a flag (1 edited, 2 imputed, 3 derived variable recomputed because an
input changed) in a flags file per level and a line in the edit log (level, row, household, line, variable, old
value, new value, rule): nothing changes without a flag.  The input is never overwritten.

Implementing Regulation (EU) 2019/2240, Art. 9(1): the variables behind the ILO labour status (WKSTAT, ABSREAS,
JATTACH, SEEKWORK, ACTMETNE, AVAILBLE, and EMPSTAT derived from them) must not be imputed; a rule that tries is
refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from ..atomic import refuse_overwriting_inputs, write_with
from ..errors import Location, Problem, SurveyError
from ..questionnaire import expr as E
from ..questionnaire.conditions import compile_condition, universe
from ..questionnaire.model import Question, Questionnaire
from ..yamlpos import Positions, load_model, locate
from .checker import level_env
from .derived import mismatches, recompute
from .levels import level_keys, level_of_question, levels
from .reader import Dataset, read

NOT_IMPUTABLE = {"WKSTAT", "ABSREAS", "JATTACH", "SEEKWORK", "ACTMETNE", "AVAILBLE", "EMPSTAT"}
"""EU-LFS variables that Reg. (EU) 2019/2240, Art. 9(1) forbids to replace or impute."""
EDITED, IMPUTED, DERIVED = 1, 2, 3
LOG_COLUMNS = ["level", "row", "household", "line", "variable", "old", "new", "rule", "action"]


class Edit(BaseModel):
    """A deterministic edit: where ``when`` holds, each variable of ``set`` takes its expression's value."""

    model_config = ConfigDict(extra="forbid")
    name: str
    when: str = Field(description="Condition selecting the rows to edit.")
    set: dict[str, str] = Field(description="Variable -> expression (a code, or e.g. 'INTYEAR - YEARESID').")
    note: str | None = None


class Imputation(BaseModel):
    """Random hot-deck of a variable's item nonresponse within imputation classes."""

    model_config = ConfigDict(extra="forbid")
    name: str
    variable: str
    method: str = Field("hotdeck", pattern="^hotdeck$")
    when: str | None = Field(None, description="Rows to impute (default: where the question applies and has no "
                                               "answer).")
    classes: list[str] = Field(default_factory=list, description="Imputation-class expressions, e.g. SEX or "
                                                                 "'int(AGE / 10)'; collapsed from the right.")
    note: str | None = None


class EditRules(BaseModel):
    """The rules file of ``surveymod edit``."""

    model_config = ConfigDict(extra="forbid")
    seed: int = 1
    edits: list[Edit] = Field(default_factory=list)
    imputations: list[Imputation] = Field(default_factory=list)


@dataclass
class EditResult:
    """Edited frames, flags per level (only changed variables), the edit log and notes."""

    frames: dict[str, pd.DataFrame]
    flags: dict[str, pd.DataFrame]
    log: pd.DataFrame
    notes: list[Problem] = field(default_factory=list)


class _State:
    def __init__(self, ds: Dataset, qn: Questionnaire) -> None:
        self.ds, self.qn = ds, qn
        self.frames = {k: v.copy() for k, v in ds.frames.items()}
        self.flags: dict[str, dict[str, np.ndarray]] = {}
        self.log: list[dict[str, Any]] = []
        self.notes: list[Problem] = []

    def env(self, level: str) -> Mapping[str, Any]:
        """Variables a row of *level* sees: its own columns and its enclosing levels' (as ``check`` builds them),
        on the frames as edited so far."""
        return level_env(replace(self.ds, frames=self.frames), self.qn, level, self.frames[level])

    def change(self, level: str, rows: np.ndarray, variable: str, new: np.ndarray, rule: str, flag: int) -> None:
        """Set *variable* on *rows* to *new*, flag and log every cell that really changes."""
        frame = self.frames[level]
        old = _values(frame[variable]) if variable in frame.columns else np.full(len(frame), np.nan)
        new_full = old.astype(object).copy()
        new_full[rows] = new
        differ = np.zeros(len(frame), dtype=bool)
        differ[rows] = [not _same(a, b) for a, b in zip(old[rows], new, strict=True)]
        if not differ.any():
            return
        keys = level_keys(self.qn, level)
        hh = frame[keys[0]].astype(str).to_numpy() if keys and keys[0] in frame.columns else np.full(len(frame), "")
        line_col = keys[-1] if len(keys) > 1 else None
        line = frame[line_col].to_numpy() if line_col and line_col in frame.columns else None
        for i in np.flatnonzero(differ):
            self.log.append({"level": level, "row": int(i) + 1, "household": hh[i],
                             "line": "" if line is None else _text(line[i]), "variable": variable,
                             "old": _text(old[i]), "new": _text(new_full[i]), "rule": rule,
                             "action": {EDITED: "edit", IMPUTED: "imputation", DERIVED: "derived"}[flag]})
        col = pd.Series(new_full, index=frame.index)
        frame[variable] = col.astype("float64") if col.map(_numberlike).all() else col
        flags = self.flags.setdefault(level, {})
        f = flags.setdefault(variable, np.zeros(len(frame), dtype=np.int8))
        f[differ] = flag


def _numberlike(v: Any) -> bool:
    return v is None or isinstance(v, int | float | np.integer | np.floating)


def _values(col: pd.Series) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        return col.to_numpy(dtype="float64", na_value=np.nan)
    num = pd.to_numeric(col, errors="coerce")
    if (num.notna() | col.isna()).all():
        return num.to_numpy(dtype="float64", na_value=np.nan)
    return col.to_numpy(dtype=object)


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or v == ""


def _same(a: Any, b: Any) -> bool:
    if _missing(a) and _missing(b):
        return True
    if _missing(a) or _missing(b):
        return False
    try:
        return float(a) == float(b)
    except (TypeError, ValueError):
        return str(a) == str(b)


def _text(v: Any) -> str:
    if _missing(v):
        return ""
    if isinstance(v, float | np.floating) and float(v).is_integer():
        return str(int(v))
    return str(v)


def load_rules(path: str | Path) -> tuple[EditRules, Positions]:
    """Read an edit-rules YAML file; schema mistakes are raised with their file:line."""
    return load_model(EditRules, path)


def _located(file: str, pos: Positions, path: str, message: str, rule: str = "edit-rules") -> SurveyError:
    line, col = locate(pos, path)
    return SurveyError(Problem(message, rule, location=Location(file, line, col, path)))


def apply_rules(ds: Dataset, rules: EditRules, pos: Positions | None = None, file: str = "<rules>") -> EditResult:
    """Apply the edits, then the imputations, then recompute derived variables whose inputs changed."""
    qn = ds.questionnaire
    if qn is None:
        raise SurveyError("editing needs the questionnaire (-q QUESTIONNAIRE)", rule="no-questionnaire")
    pos = pos or {}
    st = _State(ds, qn)
    index = qn._index()
    for i, ed in enumerate(rules.edits):
        names = list(ed.set)
        level = _level_of(qn, names[0], index, file, pos, f"edits[{i}].set")
        for name in names:
            if _level_of(qn, name, index, file, pos, f"edits[{i}].set") != level:
                raise _located(file, pos, f"edits[{i}].set", f"edit '{ed.name}' sets variables of different levels")
        if level not in st.frames:
            raise _located(file, pos, f"edits[{i}]", f"the data has no '{level}' table for edit '{ed.name}'")
        env = st.env(level)
        n = len(st.frames[level])
        where = _eval(qn, ed.when, env, n, file, pos, f"edits[{i}].when")
        rows = np.flatnonzero(E.truth(where))
        values = {name: _eval(qn, expr, env, n, file, pos, f"edits[{i}].set.{name}") for name, expr in ed.set.items()}
        for name, vals in values.items():
            q = qn.question(name)
            _valid_codes(qn, q, vals[rows], file, pos, f"edits[{i}].set.{name}", ed.name)
            st.change(level, rows, q.name, vals[rows], ed.name, EDITED)
    rng = np.random.default_rng(rules.seed)
    for i, imp in enumerate(rules.imputations):
        _impute(st, imp, rng, index, file, pos, f"imputations[{i}]")
    _rederive(st)
    flags = {}
    for level, cols in st.flags.items():
        frame = st.frames[level]
        keys = [k for k in level_keys(qn, level) if k in frame.columns]
        flags[level] = pd.concat([frame[keys].map(_text).reset_index(drop=True),
                                  pd.DataFrame({f"{v}_F": a for v, a in cols.items()})], axis=1)
    return EditResult(st.frames, flags, pd.DataFrame(st.log, columns=LOG_COLUMNS), st.notes)


def _level_of(qn: Questionnaire, name: str, index: dict[str, Question], file: str, pos: Positions,
              path: str) -> str:
    if name.lower() not in index:
        raise _located(file, pos, path, f"'{name}' is not a question of the questionnaire")
    return level_of_question(qn, index[name.lower()].name)


def _eval(qn: Questionnaire, text: str, env: Mapping[str, Any], n: int, file: str, pos: Positions,
          path: str) -> np.ndarray:
    try:
        return E.evaluate(compile_condition(qn, text), env, n)
    except E.ExprSyntaxError as exc:
        raise _located(file, pos, path, str(exc), "expression-syntax") from None
    except KeyError as exc:
        raise _located(file, pos, path, f"'{text}': the data has no column {exc}") from None


def _valid_codes(qn: Questionnaire, q: Question, vals: np.ndarray, file: str, pos: Positions, path: str,
                 rule: str) -> None:
    """An edit must write a code of the question's list (or a value in its range)."""
    if q.type != "select_one":
        return
    codes = {float(c.code) for c in qn.choice_list(q)}
    bad = [v for v in vals if not _missing(v) and float(v) not in codes]
    if bad:
        raise _located(file, pos, path, f"edit '{rule}' would write {_text(bad[0])}, not a code of {q.name}")


def _impute(st: _State, imp: Imputation, rng: np.random.Generator, index: dict[str, Question], file: str,
            pos: Positions, path: str) -> None:
    qn = st.qn
    level = _level_of(qn, imp.variable, index, file, pos, f"{path}.variable")
    q = index[imp.variable.lower()]
    src = (q.source.variable or "").upper() if q.source else ""
    if q.name.upper() in NOT_IMPUTABLE or src in NOT_IMPUTABLE:
        raise _located(file, pos, f"{path}.variable", f"{q.name} must not be imputed: Reg. (EU) 2019/2240, Art. 9(1) "
                                                      "forbids imputing the ILO labour-status variables")
    if level not in st.frames:
        raise _located(file, pos, path, f"the data has no '{level}' table for imputation '{imp.name}'")
    env = st.env(level)
    n = len(st.frames[level])
    col = env.get(q.name, np.full(n, np.nan))
    answered = ~np.array([_missing(v) for v in col])
    node = universe(qn, q.name)
    applies = np.ones(n, dtype=bool) if node is None else E.truth(E.evaluate(node, env, n))
    missing_codes = set(qn.missing_codes(q))
    substantive = answered & ~np.isin(col, list(missing_codes)) if missing_codes else answered
    recipients = E.truth(_eval(qn, imp.when, env, n, file, pos, f"{path}.when")) if imp.when \
        else applies & ~answered
    donors = applies & substantive
    classes = [np.array([_text(v) for v in _eval(qn, c, env, n, file, pos, f"{path}.classes")], dtype=object)
               for c in imp.classes]
    todo = np.flatnonzero(recipients)
    new = np.full(len(todo), np.nan, dtype=object)
    left = np.ones(len(todo), dtype=bool)
    for k in range(len(classes), -1, -1):   # full classes first, then collapsed from the right
        if not left.any():
            break
        key = (pd.Series(["|".join(t) for t in zip(*[c for c in classes[:k]], strict=True)]) if k
               else pd.Series([""] * n)).to_numpy()
        pool: dict[str, np.ndarray] = {}
        for j in np.flatnonzero(left):
            r = todo[j]
            cls = key[r]
            if cls not in pool:
                pool[cls] = np.flatnonzero(donors & (key == cls))
            if len(pool[cls]):
                new[j] = col[rng.choice(pool[cls])]
                left[j] = False
    if left.any():
        st.notes.append(Problem(f"{imp.name}: {int(left.sum())} row(s) of {q.name} left missing: no donor",
                                "edit-no-donor", "warning", Location(variable=q.name)))
    st.change(level, todo[~left], q.name, new[~left], imp.name, IMPUTED)


def _rederive(st: _State) -> None:
    """Derived variables whose inputs were changed are recomputed (flag 3), in document order."""
    qn = st.qn
    changed = {v.lower() for cols in st.flags.values() for v in cols}
    for q in qn.questions():
        if q.type != "calculate" or not q.calculation:
            continue
        refs = {r.name.lower() for r in E.references(compile_condition(qn, q.calculation))}
        if not refs & changed:
            continue
        level = level_of_question(qn, q.name)
        if level not in st.frames or q.name not in st.frames[level].columns:
            continue
        env = st.env(level)
        n = len(st.frames[level])
        got = recompute(qn, q, env, n).values
        if got.dtype == object:
            continue
        rows = np.flatnonzero(mismatches(_values(st.frames[level][q.name]).astype(float), got))
        st.change(level, rows, q.name, got[rows], f"derived:{q.name}", DERIVED)
        changed.add(q.name.lower())


def write_result(res: EditResult, ds: Dataset, out: str | Path, inputs: list[str | Path]) -> list[Path]:
    """Write ``OUT`` (top level) and ``<stem>_<level>.csv``, flags ``<stem>[_<level>].flags.csv`` and
    ``<stem>.editlog.csv`` next to it; refuses to overwrite any input."""
    out = Path(out)
    qn = ds.questionnaire
    assert qn is not None
    targets: list[tuple[Path, pd.DataFrame]] = []
    for level in levels(qn):
        if level not in res.frames:
            continue
        stem = out.stem if level == "main" else f"{out.stem}_{level}"
        targets.append((out.with_name(f"{stem}.csv"), res.frames[level]))
        if level in res.flags:
            targets.append((out.with_name(f"{stem}.flags.csv"), res.flags[level]))
    targets.append((out.with_name(f"{out.stem}.editlog.csv"), res.log))
    for path, _ in targets:
        refuse_overwriting_inputs(path, inputs)
    written = []
    for path, frame in targets:
        written.append(write_with(path, lambda tmp, f=frame: f.to_csv(tmp, index=False, lineterminator="\n",
                                                                     float_format="%.15g")))
    return written


def edit(data: str | Path, questionnaire: str | Path, rules_path: str | Path, out: str | Path, *,
         encoding: str | None = None) -> tuple[EditResult, list[Path]]:
    """Read DATA, apply the rules file, write the edited data, flags and log next to *out*."""
    ds = read(data, questionnaire, encoding=encoding)
    rules, pos = load_rules(rules_path)
    res = apply_rules(ds, rules, pos, str(rules_path))
    files = write_result(res, ds, out, [*ds.inputs, questionnaire, rules_path])
    return res, files
