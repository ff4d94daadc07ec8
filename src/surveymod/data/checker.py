"""Check field data against the questionnaire: one row per problem, vectorised over whole columns.

Rules: ``wrong-type`` (text in a numeric/date column, decimals in a whole-number question), ``code-not-in-list``,
``out-of-range``, ``constraint``, ``not-applicable`` (answered where routing says the question does not apply),
``required-missing``, ``reference-person`` and ``parent-line`` (household roster, see household_rules), the
questionnaire's declared ``rules:`` (each under its own name, e.g. ``mother-age-gap``, with household and line),
``derived-mismatch`` (a calculated variable differs from its calculation recomputed from its inputs, see derived),
``duplicate-id``, ``orphan-row`` (roster row whose parent is missing), ``row-not-applicable`` (a roster row
where the roster does not apply), ``roster-count``
(number of roster rows differs from the count question), ``select-multiple-mismatch`` (raw column and dummies
disagree), ``unknown-column``, ``missing-column``, plus what reading found (``truncated-file``, ...).
Routing and constraints are evaluated with the questionnaire's condition language on whole arrays.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..atomic import write_with
from ..errors import Problem, SurveyError
from ..parallel import in_parallel
from ..questionnaire import expr as E
from ..questionnaire.conditions import compile_condition, universe
from ..questionnaire.dictionary import VariableMeta, data_dictionary
from ..questionnaire.model import Question, Questionnaire
from ..questionnaire.names import did_you_mean, shown
from ..xlsx import write_frames
from . import multi
from .derived import mismatches, recompute
from .household_rules import check_declared_rules, check_household_rules
from .levels import level_keys, level_of_roster, levels, parent_level
from .reader import Dataset, read
from .whole_numbers import range_codes, whole_number_codes

COLUMNS = ["level", "respondent_id", "row", "variable", "value", "rule", "severity", "message"]
INTEGER_TYPES = {"integer", "year", "scale", "select_one"}
FailOn = Literal["error", "warning", "never"]


@dataclass
class CheckReport:
    """Every problem found (a frame with :data:`COLUMNS`) and the number of rows checked per level."""

    problems: pd.DataFrame
    rows: dict[str, int] = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        """Problem counts by rule, variable and severity, most frequent first."""
        if self.problems.empty:
            return pd.DataFrame(columns=["rule", "variable", "severity", "count"])
        p = self.problems.assign(variable=self.problems["variable"].fillna(""))
        out = p.groupby(["rule", "variable", "severity"], sort=False).size().reset_index(name="count")
        return out.sort_values(["count", "rule"], ascending=[False, True], ignore_index=True)

    def count(self, severity: str) -> int:
        """Number of problems of *severity*."""
        return int((self.problems["severity"] == severity).sum())

    @property
    def n_errors(self) -> int:
        return self.count("error")

    @property
    def n_warnings(self) -> int:
        return self.count("warning")

    def fails(self, fail_on: FailOn = "error") -> bool:
        """True when the report has problems at or above *fail_on* ('never' never fails)."""
        if fail_on == "never":
            return False
        if fail_on == "warning":
            return self.n_errors + self.n_warnings > 0
        return self.n_errors > 0

    def to_file(self, path: str | Path) -> Path:
        """Write the report as .csv (UTF-8 with BOM, for Excel), .xlsx (summary + problems sheets) or .html."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix == ".csv":
            return write_with(path, lambda tmp: self.problems.to_csv(tmp, index=False, encoding="utf-8-sig"))
        if suffix == ".xlsx":
            return write_with(path, self._write_xlsx)
        if suffix in (".html", ".htm"):
            return write_with(path, lambda tmp: tmp.write_text(self.to_html(), encoding="utf-8"))
        raise SurveyError(f"unsupported report format '{suffix}': use .csv, .xlsx or .html", rule="report-format")

    def _write_xlsx(self, tmp: Path) -> None:
        limit = 1_048_575
        write_frames(tmp, {"summary": self.summary(), "problems": self.problems.head(limit)})

    def to_html(self, limit: int = 10_000) -> str:
        """A self-contained HTML page (templates/tables_report.html): totals, the summary and the first *limit*
        problems."""
        from ..templates import render

        def table(df: pd.DataFrame) -> dict[str, Any]:
            return {"header": [str(c) for c in df.columns],
                    "rows": [["" if pd.isna(v) else str(v) for v in r] for r in df.itertuples(index=False)]}

        more = len(self.problems) - limit
        rows = ", ".join(f"{k}: {v}" for k, v in self.rows.items())
        return render("tables_report.html", title="surveymod data check", page="report-tables check",
                      heading="Data check",
                      intro=[f"Rows checked: {rows}. Errors: {self.n_errors}, warnings: {self.n_warnings}."],
                      sections=[{"title": "Summary", "tables": [table(self.summary())], "notes": []},
                                {"title": "Problems", "tables": [table(self.problems.head(limit))],
                                 "notes": [f"... and {more} more problems (write .csv or .xlsx for all)."]
                                 if more > 0 else []}])

    def as_problems(self, limit: int | None = None) -> list[Problem]:
        """The findings as :class:`Problem` objects (for printing on the command line)."""
        from ..errors import Location

        out = []
        for r in self.problems.head(limit).itertuples(index=False):
            row = None if pd.isna(r.row) else int(r.row)
            rid = "" if pd.isna(r.respondent_id) else f" (id {r.respondent_id})"
            out.append(Problem(f"{r.message}{rid}", r.rule, r.severity,
                               Location(path=r.level, row=row, variable=None if pd.isna(r.variable) else r.variable)))
        return out


# ------------------------------------------------------------------------------------------------------- collector


class _Acc:
    """Collects problem chunks for one level as small frames (built only from flagged rows).

    *offset* is the first row's number less one (a block of a larger file); ``calls`` numbers each chunk by the
    check that made it, so the chunks of several blocks merge into the whole file's order."""

    def __init__(self, level: str, ids: np.ndarray | None, offset: int = 0) -> None:
        self.level = level
        self.ids = ids
        self.offset = offset
        self.chunks: list[pd.DataFrame] = []
        self.calls: list[int] = []
        self._call = 0

    def _append(self, chunk: pd.DataFrame) -> None:
        self.chunks.append(chunk)
        self.calls.append(self._call)

    def add(self, mask: np.ndarray, variable: str | None, values: Any, rule: str, severity: str,
            message: str | tuple[str, str]) -> None:
        """Add one problem per true element of *mask*; a (prefix, suffix) message embeds each value."""
        self._call += 1
        idx = np.flatnonzero(mask)
        if idx.size == 0:
            return
        vals = _fmt(values, idx)
        self.rows(idx, variable, vals, rule, severity,
                  (message[0] + vals + message[1]) if isinstance(message, tuple) else message)

    def rows(self, idx: np.ndarray, variable: str | None, values: pd.Series, rule: str, severity: str,
             message: Any) -> None:
        """One problem per row at *idx* (0-based in these rows) under the current check's number: *values* and
        *message* (one text, or one per row) as shown."""
        self._append(pd.DataFrame({
            "level": self.level,
            "respondent_id": _fmt(self.ids, idx) if self.ids is not None else pd.Series([None] * idx.size),
            "row": idx + 1 + self.offset, "variable": variable, "value": values, "rule": rule, "severity": severity,
            "message": message}))

    def step(self) -> None:
        """A check that found nothing to look at in these rows still takes its step: every check takes the same
        number of steps in every block of a file, so the blocks' findings merge into the whole file's order."""
        self._call += 1

    def merge(self, other: _Acc) -> None:
        """Take *other*'s chunks after this one's, numbered on from this one's checks."""
        self.chunks += other.chunks
        self.calls += [self._call + c for c in other.calls]
        self._call += other._call

    def one(self, variable: str | None, rule: str, severity: str, message: str, row: int | None = None) -> None:
        self._call += 1
        self._append(pd.DataFrame({
            "level": [self.level], "respondent_id": [None], "row": [row], "variable": [variable], "value": [None],
            "rule": [rule], "severity": [severity], "message": [message]}))


def _fmt(values: Any, idx: np.ndarray) -> pd.Series:
    """Values at *idx* as display text: whole floats without '.0', missing as ''."""
    if values is None:
        return pd.Series([""] * idx.size)
    arr = values.to_numpy() if hasattr(values, "to_numpy") else np.asarray(values)
    picked = arr[idx]

    def one(v: Any) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
            return ""
        if isinstance(v, float | np.floating) and float(v).is_integer():
            return str(int(v))
        if isinstance(v, np.datetime64 | pd.Timestamp):
            return str(pd.Timestamp(v).date())
        return str(v)

    return pd.Series([one(v) for v in picked], dtype=object)


# ---------------------------------------------------------------------------------------------------------- check


def check(data: Dataset | str | Path, questionnaire: Questionnaire | str | Path | None = None, *,
          encoding: str | None = None) -> CheckReport:
    """Check *data* (a Dataset or a path to read) against *questionnaire*; returns every problem found.

    A large single-level CSV is checked a block of rows at a time (:mod:`surveymod.data.check_blocks`), with the
    same report."""
    if not isinstance(data, Dataset) and questionnaire is not None:
        from .check_blocks import check_in_blocks
        from .reader import questionnaire_of

        questionnaire = questionnaire_of(questionnaire)
        report = check_in_blocks(Path(data), questionnaire, encoding=encoding)
        if report is not None:
            return report
    ds = data if isinstance(data, Dataset) else read(data, questionnaire, encoding=encoding)
    qn = ds.questionnaire
    if qn is None:
        raise SurveyError("checking data needs the questionnaire (-q QUESTIONNAIRE); read the data with it",
                          rule="no-questionnaire")
    dd = data_dictionary(qn)
    metas = {v.name: v for v in dd.variables}
    chunks: list[pd.DataFrame] = []
    all_levels = levels(qn)
    chunks += reading_chunks(ds.problems)
    for level, frame in ds.frames.items():
        if level not in all_levels:
            acc = _Acc(level, None)
            acc.one(None, "unknown-table", "warning",
                    f"table '{level}' ({ds.sources.get(level, '')}) matches no level of the questionnaire")
            chunks += acc.chunks
            continue
        chunks += _check_level(ds, qn, level, frame, metas)
    chunks += check_household_rules(ds.frames, qn)  # cross-row roster rules (reference person, parent lines)
    chunks += check_declared_rules(ds.frames, qn, lambda level, frame: _env(ds, qn, level, frame, []))
    for level in all_levels:
        if level not in ds.frames and level != "main":
            chunks += _missing_table(ds, qn, level)
    return report_of(chunks, {k: len(v) for k, v in ds.frames.items()})


def report_of(chunks: list[pd.DataFrame], rows: dict[str, int]) -> CheckReport:
    """The report of the problem chunks, in their order, and the rows checked per level."""
    problems = pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame(columns=COLUMNS)
    problems = problems[COLUMNS]
    problems["row"] = problems["row"].astype("Int64")
    return CheckReport(problems, rows)


def reading_chunks(problems: list[Problem]) -> list[pd.DataFrame]:
    """What reading found, as report rows (not the infos, nor unknown columns, which each level reports)."""
    reading = _Acc("", None)
    for p in problems:
        if p.severity == "info" or p.rule == "unknown-column":
            continue
        reading.one(p.location.variable, p.rule, p.severity, p.message, p.location.row)
    return reading.chunks


def _missing_table(ds: Dataset, qn: Questionnaire, level: str) -> list[pd.DataFrame]:
    """A roster level with no table is an error when the data is a set of tables (folder, zip, workbook, or a
    file with roster siblings): its rows are lost.  A single flat table given alone, or a roster whose count is 0
    in every parent row, is an info."""
    acc = _Acc(level, None)
    group = levels(qn)[level]
    parent = parent_level(qn, level)
    pframe = ds.frames.get(parent) if parent is not None else None
    empty = False
    if group is not None and group.count and pframe is not None:
        try:
            counts = np.asarray(E.evaluate(compile_condition(qn, group.count), _env(ds, qn, parent or "main",
                                                                                  pframe, []), len(pframe)),
                                dtype=float)
            empty = bool(np.all(np.isnan(counts) | (counts == 0)))
        except (KeyError, E.ExprSyntaxError, TypeError, ValueError):
            empty = False
    stem = Path(ds.sources.get("main", "data")).stem or "data"
    multi = len(ds.frames) > 1 or any(Path(p).is_dir() or Path(p).suffix.lower() == ".zip" for p in ds.inputs)
    if empty:
        acc.one(None, "missing-table", "info", f"no data table for roster level '{level}': its count "
                                               f"({group.count if group else ''}) is 0 in every row, so none is needed")
    elif multi:  # a folder, zip or workbook of tables without this level's: its rows are lost
        acc.one(None, "missing-table", "error",
                f"no data table for roster level '{level}' was found: expected a sheet '{level}' or a file named "
                f"after it next to the main file (e.g. {stem}_{level}.csv); its rows cannot be checked")
    else:  # one flat table given on its own: checking just the main table stays possible
        acc.one(None, "missing-table", "info",
                f"only the main table was given: the rows of roster level '{level}' are not checked (put "
                f"{stem}_{level}.csv next to it, or give the folder)")
    return acc.chunks


def _check_level(ds: Dataset, qn: Questionnaire, level: str, frame: pd.DataFrame,
                 metas: dict[str, VariableMeta]) -> list[pd.DataFrame]:
    acc = level_acc(qn, level, frame)
    unknown_columns(acc, ds.unknown.get(level, []), metas)
    _keys(acc, ds, qn, level, frame, level_keys(qn, level))
    check_rows(acc, ds, qn, level, frame, metas)
    return acc.chunks


def level_acc(qn: Questionnaire, level: str, frame: pd.DataFrame, offset: int = 0) -> _Acc:
    """The collector of *level*'s problems, each row named by its respondent id."""
    rid = qn.respondent_id
    return _Acc(level, frame[rid].to_numpy() if rid and rid in frame.columns else None, offset)


def unknown_columns(acc: _Acc, unknown: list[str], metas: dict[str, VariableMeta]) -> None:
    """A warning per column the questionnaire does not know."""
    for col in unknown:
        acc.one(col, "unknown-column", "warning", f"column {shown(col)} is not in the questionnaire (kept as it is)"
                f"{did_you_mean(col, metas, close=False)}")


def check_rows(acc: _Acc, ds: Dataset, qn: Questionnaire, level: str, frame: pd.DataFrame,
               metas: dict[str, VariableMeta]) -> None:
    """Every question's rules on each row of *frame* (nothing that compares rows: keys are checked apart).

    The questions are checked side by side on the machine's cores (numpy and Arrow let go of the interpreter
    while they work), each into its own collector; the collectors are joined in the questionnaire's order, so
    the report is the one a single thread makes."""
    n = len(frame)
    keys = level_keys(qn, level)
    own = [m for m in metas.values() if level_of_roster(qn, m.roster) == level]
    env = _env(ds, qn, level, frame, own)
    columns = {c: frame[c] for c in {m.name for m in own} | {m.dummy_of for m in own if m.dummy_of}
               if c in frame.columns}  # taken here, once: the threads share no DataFrame lookups

    def one(m: VariableMeta) -> _Acc:
        sub = _Acc(acc.level, acc.ids, acc.offset)
        q: Question = m.question
        if m.name not in columns:
            if not m.is_dummy:
                sev = "error" if m.name in keys else "warning"
                sub.one(m.name, "missing-column", sev, f"the data has no column for question '{m.name}'")
            return sub
        col = columns[m.name]
        if m.is_dummy:
            _dummy(sub, m, col, columns)
            return sub
        answered = _answered(col)
        valid = _values(sub, qn, m, col, answered)
        _constraint(sub, qn, q, m, col, env, n, answered & valid)
        if m.name in keys:  # a key (roster line number) numbers rows, it is never asked: the row is judged
            _row_routing(sub, qn, q, level, col, env, n)
        else:
            _routing(sub, qn, q, m, col, env, n, answered)
        if q.type == "calculate" and m.kind == "numeric":
            _derived(sub, qn, q, col, env, n, valid)
        return sub

    for sub in in_parallel(one, own, rows=n):
        acc.merge(sub)


def _derived(acc: _Acc, qn: Questionnaire, q: Question, col: pd.Series, env: Mapping[str, Any], n: int,
             valid: np.ndarray) -> None:
    """A derived variable must equal its calculation recomputed from its inputs (where it applies)."""
    acc.step()  # one step of the order whatever it finds, as every add() is
    try:
        got = recompute(qn, q, env, n)
    except KeyError as exc:
        acc.one(q.name, "unchecked", "warning", f"derived variable '{q.name}' not recomputed: no column {exc}")
        return
    except E.ExprSyntaxError as exc:
        acc.one(q.name, "unchecked", "warning", f"derived variable '{q.name}' not recomputed: {exc}")
        return
    if got.values.dtype == object:
        return
    expected = got.values
    bad = mismatches(_numbers(col), expected) & got.applies & valid
    if not bad.any():
        return
    idx = np.flatnonzero(bad)
    exp_text = _fmt(expected, idx)
    msgs = [f"{q.name} recomputed from its inputs (its calculation) is "
            f"{'blank: the inputs are missing' if e == '' else e}, not the stored value" for e in exp_text]
    acc.rows(idx, q.name, _fmt(col, idx), "derived-mismatch", "error", msgs)


def _answered(col: pd.Series) -> np.ndarray:
    """Cells that hold an answer: not missing, and text not empty or blank. Arrow-backed text is judged in Arrow
    (the same whitespace as pandas' strip, which runs on Arrow too, without making the stripped strings)."""
    a = col.notna().to_numpy(dtype=bool, copy=True)
    arrow = getattr(col.array, "__arrow_array__", None)
    if col.dtype == "str" and arrow is not None:
        import pyarrow.compute as pc

        arr = arrow()
        blank = pc.fill_null(pc.or_(pc.equal(arr, ""), pc.utf8_is_space(arr)), True)
        a &= ~blank.to_numpy(zero_copy_only=False)
    elif col.dtype == object or pd.api.types.is_string_dtype(col):
        a &= (col.astype("str").str.strip() != "").fillna(False).to_numpy(dtype=bool)
    return a


def _numbers(col: pd.Series) -> np.ndarray:
    """The answers as float64, read-only (a view of the column where it already is one); 'inf', '-inf' and 'nan'
    are no answer a respondent gives: NaN, so an answered cell holding them is reported as not a number."""
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        arr = col.to_numpy(dtype="float64", na_value=np.nan)
    else:
        arr = pd.to_numeric(col, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    inf = np.isinf(arr)
    arr = np.where(inf, np.nan, arr) if inf.any() else arr.view()
    arr.flags.writeable = False
    return arr


def _values(acc: _Acc, qn: Questionnaire, m: VariableMeta, col: pd.Series, answered: np.ndarray) -> np.ndarray:
    """Type, code and range rules; returns the mask of values that passed them."""
    q = m.question
    valid = np.ones(len(col), dtype=bool)
    if m.kind == "numeric":
        num = _numbers(col)
        present = ~np.isnan(num)
        bad = answered & ~present
        acc.add(bad, m.name, col, "wrong-type", "error", ("'", f"' is not a number ({q.type} question)"))
        valid &= ~bad
        codes = {c.code for c in qn.choice_list(q)}
        if q.type in INTEGER_TYPES:
            frac = present & (np.floor(num) != num)  # np.mod is 20x slower
            acc.add(frac, m.name, col, "wrong-type", "error", ("", f" is not a whole number ({q.type} question)"))
            valid &= ~frac
        # a calculated variable's choices are its closed code list, unless it has a range (min/max): then they
        # label special codes beyond the range, as on numeric questions (e.g. YEARESID 0-150 plus 999)
        closed_calc = q.type == "calculate" and codes and q.min is None and q.max is None
        if q.type == "select_one" or closed_calc:
            notin = present & ~np.isin(num, list(codes)) & valid
            listing = _code_listing(qn, q)
            acc.add(notin, m.name, col, "code-not-in-list", "error", ("code ", f" is not in the list ({listing})"))
            valid &= ~notin
        if q.min is not None or q.max is not None:
            lo = -np.inf if q.min is None else q.min
            hi = np.inf if q.max is None else q.max
            with np.errstate(invalid="ignore"):
                out = present & ((num < lo) | (num > hi)) & valid
            if codes and out.any():  # special codes beyond the range are no finding
                out &= ~np.isin(num, list(codes))
            rng = f"{_g(q.min) if q.min is not None else '…'} to {_g(q.max) if q.max is not None else '…'}"
            special = f"; special codes {', '.join(str(c) for c in sorted(codes))}" if codes else ""
            acc.add(out, m.name, col, "out-of-range", "error", ("", f" is outside the valid range {rng}{special}"))
            valid &= ~out
    elif m.kind == "date":
        if col.dtype == object:
            bad = answered & col.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
            acc.add(bad, m.name, col, "wrong-type", "error", ("'", "' is not a date (write YYYY-MM-DD)"))
            valid &= ~bad
        else:  # every value read as a date (in this block)
            acc.step()
    elif m.qtype == "select_multiple":
        codes = {str(c.code) for c in qn.choice_list(q)}
        idx, tokens = multi.answer_tokens(col.astype("str"))  # the distinct answers, as the dummies have them
        bad_answer = np.array([t is not None and any(x not in codes for x in t) for t in tokens] + [False])
        if bad_answer.any():
            bad = bad_answer[idx]
            acc.add(bad, m.name, col, "code-not-in-list", "error",
                    ("answer '", f"' has a code that is not in the list ({_code_listing(qn, q)})"))
            valid &= ~bad
        else:
            acc.step()
    return valid


def _dummy(acc: _Acc, m: VariableMeta, col: pd.Series, frame: Mapping[str, pd.Series]) -> None:
    """A dummy must be 0 or 1 and agree with the raw answer (whose distinct answers ``multi`` works out once for
    all its dummies)."""
    num = _numbers(col)
    bad = (col.notna().to_numpy() & np.isnan(num)) | (~np.isnan(num) & ~np.isin(num, [0.0, 1.0]))
    acc.add(bad, m.name, col, "wrong-type", "error", ("'", "' is not 0 or 1 (select_multiple dummy)"))
    if m.dummy_of in frame and m.dummy_code is not None:
        expect = multi.dummies_from_raw(frame[m.dummy_of].astype("str"), [m.dummy_code])[:, 0]
        with np.errstate(invalid="ignore"):
            differ = ~bad & ~np.isnan(num) & ~np.isnan(expect) & (num != expect)
        acc.add(differ, m.name, col, "select-multiple-mismatch", "error",
                ("dummy is ", f" but the answer in '{m.dummy_of}' says {{}}".replace("{}", "otherwise")))


def _constraint(acc: _Acc, qn: Questionnaire, q: Question, m: VariableMeta, col: pd.Series, env: Mapping[str, Any],
                n: int, ok: np.ndarray) -> None:
    if not q.constraint:
        return
    if not ok.any():  # nothing to judge in these rows
        acc.step()
        return
    try:
        node = compile_condition(qn, q.constraint, q)
        self_value = _numbers(col) if m.kind == "numeric" else col.to_numpy(dtype=object)
        if m.missing:
            ok = ok & ~np.isin(self_value, list(m.missing))
        res = E.truth(E.evaluate(node, env, n, self_value))
        for ref in E.references(node):  # a constraint cannot be judged when its other inputs are missing
            if ref.name in env:
                ok = ok & _answered(pd.Series(env[ref.name]))
    except KeyError as exc:
        acc.one(m.name, "unchecked", "warning", f"constraint '{q.constraint}' not checked: no column {exc}")
        return
    except E.ExprSyntaxError as exc:
        acc.one(m.name, "unchecked", "warning", f"constraint not checked: {exc}")
        return
    text = qn.text(q.constraint_message) or f"the answer must satisfy {q.constraint}"
    acc.add(ok & ~res, m.name, col, "constraint", "error", ("", f" violates the constraint: {text}"))


def _routing(acc: _Acc, qn: Questionnaire, q: Question, m: VariableMeta, col: pd.Series, env: Mapping[str, Any],
             n: int, answered: np.ndarray) -> None:
    try:
        node = universe(qn, q.name)
        applies = np.ones(n, dtype=bool) if node is None else E.truth(E.evaluate(node, env, n))
    except KeyError as exc:
        acc.one(m.name, "unchecked", "warning", f"routing of '{q.name}' not checked: no column {exc}")
        return
    except E.ExprSyntaxError as exc:
        acc.one(m.name, "unchecked", "warning", f"routing of '{q.name}' not checked: {exc}")
        return
    if node is not None:
        cond = E.to_words(node)
        acc.add(answered & ~applies, m.name, col, "not-applicable", "error",
                ("answered ('", f"') although the question does not apply (asked only if {cond})"))
    if q.required and q.type != "calculate":
        where = "" if node is None else " (it applies here)"
        acc.add(applies & ~answered, m.name, col, "required-missing", "error",
                f"required answer is missing{where}")


def _row_routing(acc: _Acc, qn: Questionnaire, key: Question, level: str, col: pd.Series, env: Mapping[str, Any],
                 n: int) -> None:
    """A roster row that exists where its roster (or an enclosing group) does not apply is one finding about the
    row, located at its line number, instead of the line number being judged as an answer."""
    try:
        node = universe(qn, key.name)
        applies = None if node is None else E.truth(E.evaluate(node, env, n))
    except (KeyError, E.ExprSyntaxError):
        return  # the answers of the row are routing-checked (and the reason reported) one by one
    if node is not None:
        acc.add(~applies, key.name, col, "row-not-applicable", "error",
                ("the row (line ", f") exists although roster '{level}' does not apply here (asked only if "
                                   f"{E.to_words(node)})"))


def exact_keys(keys: pd.DataFrame) -> pd.DataFrame:
    """Key columns comparable across levels without rounding: whole numbers as exact integers (Int64, so ids
    past 2**53 never match a neighbour), other numbers as float64, text as it is."""
    out = {}
    for c in keys.columns:
        s = keys[c]
        if s.dtype == object:  # numbers held as text compare as numbers, as the parent's do
            num = pd.to_numeric(s, errors="coerce")
            s = num if num.notna().sum() == s.notna().sum() else s
        if pd.api.types.is_integer_dtype(s.dtype):
            out[c] = s.astype("Int64")
        elif pd.api.types.is_float_dtype(s.dtype):
            arr = s.to_numpy(dtype="float64", na_value=np.nan)
            finite = arr[~np.isnan(arr)]
            whole = bool(np.all(np.isfinite(finite)) and np.all(np.mod(finite, 1) == 0))
            out[c] = s.astype("Int64") if whole else s.astype("float64")
        else:
            out[c] = s
    return pd.DataFrame(out, index=keys.index)


def _duplicated(frame: pd.DataFrame, cols: list[str]) -> np.ndarray:
    """Rows whose key occurs more than once (every occurrence; missing keys are never duplicates here). A single
    whole-number key is counted with bincount, not hashed (10M ids: 0.1 s instead of 2 s)."""
    if len(cols) == 1:
        v = frame[cols[0]].to_numpy()
        found = (range_codes(v.astype(np.int64)) if v.dtype.kind in "iu" and len(v)
                 else whole_number_codes(v) if v.dtype.kind == "f" else None)
        if found is not None:
            codes = found[0]
            ok = codes >= 0
            out = np.zeros(len(v), dtype=bool)
            out[ok] = np.bincount(codes[ok])[codes[ok]] > 1
            return out
    return frame.duplicated(cols, keep=False).to_numpy()


def _keys(acc: _Acc, ds: Dataset, qn: Questionnaire, level: str, frame: pd.DataFrame, keys: list[str]) -> None:
    present = [k for k in keys if k in frame.columns]
    if present and len(present) == len(keys):
        dup = _duplicated(frame, present) & frame[present].notna().all(axis=1).to_numpy()
        what = " + ".join(present)
        acc.add(dup, present[-1], frame[present[-1]], "duplicate-id", "error",
                ("", f" is not unique: another row has the same {what}"))
    parent = parent_level(qn, level)
    if parent is None:
        return
    pframe = ds.frames.get(parent)
    pkeys = [k for k in level_keys(qn, parent) if k in frame.columns]
    if pframe is None or not pkeys or any(k not in pframe.columns for k in pkeys):
        return
    parent_ids = pd.MultiIndex.from_frame(exact_keys(pframe[pkeys]))
    mine = pd.MultiIndex.from_frame(exact_keys(frame[pkeys]))
    orphan = ~mine.isin(parent_ids)
    acc.add(orphan, pkeys[-1], frame[pkeys[-1]], "orphan-row", "error",
            ("roster row belongs to ", f" but level '{parent}' has no such row"))
    group = levels(qn)[level]
    if group is not None and group.count:
        try:
            penv = _env(ds, qn, parent, pframe, [])
            expected = E.evaluate(compile_condition(qn, group.count), penv, len(pframe))
        except (KeyError, E.ExprSyntaxError):
            return
        sizes = frame.groupby(pkeys, dropna=False).size()
        actual = pd.MultiIndex.from_frame(pframe[pkeys]).map(lambda k: sizes.get(k, 0)).to_numpy(dtype=float) \
            if len(pkeys) > 1 else pframe[pkeys[0]].map(sizes).fillna(0).to_numpy(dtype=float)
        expected = np.asarray(expected, dtype=float)
        differ = ~np.isnan(expected) & (actual != expected)
        pids = pframe[qn.respondent_id].to_numpy() if qn.respondent_id in pframe.columns else None
        pacc = _Acc(parent, pids)
        pacc.add(differ, group.count, pd.Series(actual), "roster-count", "warning",
                 ("", f" rows in roster '{level}' but {group.count} says otherwise"))
        for chunk in pacc.chunks:
            acc._append(chunk)


class _Columns(Mapping[str, Any]):
    """Variable name -> array for the condition evaluator, converted from its frame column on first use: only
    the variables that conditions name are ever converted (text and dates become object arrays, which at 10M
    rows cost gigabytes)."""

    def __init__(self, numeric: set[str]) -> None:
        self._numeric = numeric
        self._columns: dict[str, pd.Series] = {}
        self._arrays: dict[str, Any] = {}
        self._lock = threading.Lock()  # questions checked side by side convert a shared column once

    def add(self, df: pd.DataFrame) -> None:
        for c in df.columns:
            self._columns.setdefault(c, df[c])

    def __getitem__(self, name: str) -> Any:
        found = self._arrays.get(name)
        if found is not None:
            return found
        with self._lock:
            if name not in self._arrays:
                col = self._columns[name]
                if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
                    self._arrays[name] = col.to_numpy(dtype="float64", na_value=np.nan)
                elif col.dtype == object and name in self._numeric:
                    self._arrays[name] = _numbers(col)
                else:
                    self._arrays[name] = col.to_numpy(dtype=object)
            return self._arrays[name]

    def __contains__(self, name: object) -> bool:
        return name in self._columns

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)


def _env(ds: Dataset, qn: Questionnaire, level: str, frame: pd.DataFrame,
         own: list[VariableMeta]) -> _Columns:
    """Variable name → array for the rows of *level*: its own columns plus those of its ancestor levels."""
    env = _Columns({q.name for q in qn.questions() if q.type in INTEGER_TYPES | {"decimal"}})
    env.add(frame)
    parent = parent_level(qn, level)
    while parent is not None:
        pframe = ds.frames.get(parent)
        pkeys = level_keys(qn, parent)
        if pframe is None or not pkeys or any(k not in frame.columns or k not in pframe.columns for k in pkeys):
            break
        extra = [c for c in pframe.columns if c not in env and c not in pkeys]
        right = pframe.drop_duplicates(pkeys)[pkeys + extra]
        left = exact_keys(frame[pkeys])
        right = pd.concat([exact_keys(right[pkeys]), right[extra]], axis=1)
        joined = left.merge(right, how="left", on=pkeys, sort=False)
        env.add(joined[extra])
        parent = parent_level(qn, parent)
    return env


def level_env(ds: Dataset, qn: Questionnaire, level: str, frame: pd.DataFrame) -> Mapping[str, Any]:
    """Variable name → array for the rows of *level* (its columns and its ancestors'), for other modules that
    evaluate conditions on data (``surveymod edit``)."""
    return _env(ds, qn, level, frame, [])


def _code_listing(qn: Questionnaire, q: Question, limit: int = 8) -> str:
    cl = qn.choice_list(q)
    parts = [f"{c.code} {qn.text(c.label)}" for c in cl[:limit]]
    return ", ".join(parts) + (f", … {len(cl) - limit} more" if len(cl) > limit else "")


def _g(v: float) -> str:
    return f"{v:g}"
