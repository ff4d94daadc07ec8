"""Linking repeat (roster) rows to their parent rows through the export's link columns, verified."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ...errors import Location, Problem, SurveyError
from ..levels import TOP_LEVEL, level_keys, levels, parent_level
from .dataset import Dataset

if TYPE_CHECKING:  # the questionnaire machinery is imported only when a questionnaire is given
    from ...questionnaire.model import Questionnaire

# ------------------------------------------------------------------------------------------------------- linking

_LINKS = (("PARENT_KEY", "KEY"), ("_parent_index", "_index"), ("_parent_index", "index"),
          ("_submission__uuid", "_uuid"), ("_submission__uuid", "uuid"), ("uuid", "uuid"))
"""(child column, parent column) pairs that link a repeat's rows to their parent's, in order of preference: ODK
Central/Briefcase, Kobo's row numbers, Kobo's submission uuid (uuid links only to the top level; ``index`` and
``uuid`` are how REACH/IMPACT's R tools name Kobo's ``_index`` and ``_uuid`` in cleaned exports). The first pair
found links; every other one found must agree with it."""
_OWN_IDS = {"_index", "key", "_uuid", "_id"}
"""Export columns that identify a row of their own table: on a repeat sheet they are never its parent's key."""


def _link(ds: Dataset, qn: Questionnaire) -> None:
    """Give roster frames their parent's key columns (from ODK/Kobo link columns) and their own line number.

    Every child row must find exactly one parent row; a missing, unknown or ambiguous link is refused with its
    file, sheet, row and column, never guessed (a roster's own ``_index`` is not its household's)."""
    rid, main = qn.respondent_id, ds.frames.get(TOP_LEVEL)
    if rid and main is not None and rid not in main.columns and _data_only(qn, rid):
        numbers = pd.DataFrame({rid: np.arange(1, len(main) + 1, dtype="float64")}, index=main.index)
        ds.frames[TOP_LEVEL] = main = pd.concat([numbers, main], axis=1)  # as Kobo numbers _index
        ds.problems.append(Problem(f"'{rid}' (the export's submission number) was not in the data; the rows were "
                                   "numbered in order", "key-derived", "info",
                                   Location(file=ds.sources.get(TOP_LEVEL), variable=rid)))
    for level, group in levels(qn).items():
        if group is None or level not in ds.frames:
            continue
        frame = ds.frames[level]
        parent = parent_level(qn, level) or TOP_LEVEL
        pframe = ds.frames.get(parent)
        pkeys = level_keys(qn, parent)
        need = [k for k in pkeys if k not in frame.columns]
        if need and pframe is not None:
            links = [(cc, pc) for child_col, parent_col in _LINKS
                     if not (parent_col.endswith("uuid") and parent != TOP_LEVEL)
                     for cc in [_find(frame, child_col)]
                     for pc in [_find(pframe, parent_col) or _renamed(ds, parent, parent_col)] if cc and pc]
            links = list(dict.fromkeys(links))
            if not links:
                raise SurveyError(
                    f"the rows of '{level}' cannot be linked to level '{parent}': the table has none of the key "
                    f"columns {', '.join(need)} and no link column (PARENT_KEY -> KEY, _parent_index -> _index, "
                    "_submission__uuid -> _uuid)", location=Location(file=ds.sources.get(level)), rule="link-missing")
            names = {new: old for old, new in ds.renamed.get(parent, {}).items()}
            where = _parent_rows(frame, pframe, links[0], ds.sources.get(level), ds.sources.get(parent), names)
            for other in links[1:]:
                _same_parents(where, _parent_rows(frame, pframe, other, ds.sources.get(level),
                                                  ds.sources.get(parent), names), links[0], other,
                              ds.sources.get(level))
            cc, pc = links[0]
            _own_key_under_parent(frame, cc, ds.sources.get(level))
            if parent != TOP_LEVEL:  # a repeat inside a repeat: its parent row must be of its own submission
                _parent_table(frame, ds.sources.get(parent), ds.sources.get(level))
                _same_submission(frame, pframe, where, ds.sources.get(level))
            for pos, k in enumerate(k for k in need if k in pframe.columns):
                frame.insert(pos, k, pframe[k].to_numpy()[where])
            ds.problems.append(Problem(
                f"rows linked to level '{parent}' through {cc} -> {pc}"
                + "".join(f" (checked against {o[0]} -> {o[1]})" for o in links[1:])
                + f"; every row found exactly one parent; key column(s) {', '.join(need)} added", "linked", "info",
                Location(file=ds.sources.get(level))))
        if group.key and group.key not in frame.columns:
            key_col = _find(frame, "KEY")
            line = None
            if key_col is not None:
                line = pd.to_numeric(frame[key_col].astype("str").str.extract(r"\[(\d+)\]\s*$")[0], errors="coerce")
            if line is None or line.isna().any():
                by = [k for k in pkeys if k in frame.columns]
                line = (frame.groupby(by, dropna=False, sort=False).cumcount() + 1 if by
                        else pd.Series(np.arange(1, len(frame) + 1), index=frame.index))
            pos = len([k for k in pkeys if k in frame.columns])
            frame.insert(pos, group.key, line.astype("float64").to_numpy())
            ds.problems.append(Problem(
                f"roster line number '{group.key}' was not in the data; it was numbered from the row order within "
                "each parent", "key-derived", "info", Location(file=ds.sources.get(level), variable=group.key)))
        ds.frames[level] = frame


def _data_only(qn: Questionnaire, name: str) -> bool:
    """True for a variable an imported XLSForm does not have (Kobo's _index, repeat line numbers)."""
    try:
        return (qn.question(name).xlsform or {}).get("type") == ""
    except KeyError:
        return False


def _renamed(ds: Dataset, level: str, column: str) -> str | None:
    """The variable a link column of *level* was read as (an imported form names Kobo's _index)."""
    return next((new for old, new in ds.renamed.get(level, {}).items() if old.lower() == column.lower()), None)


def _own_id(column: str) -> bool:
    """True for an export column that numbers or names the rows of its own table (``_index``, ``KEY``)."""
    return re.split(r"[/\-]", column.strip())[-1].lower() in _OWN_IDS


def _link_values(col: pd.Series) -> pd.Series:
    """Link column values comparable across tables: numbers as floats (Kobo's ``_index`` 3 and '3.0' agree),
    otherwise stripped text; blanks are missing."""
    num = pd.to_numeric(col, errors="coerce")
    text = col.astype("string").str.strip().replace("", pd.NA)
    if num.notna().sum() == text.notna().sum():
        return num.astype("float64")
    return text.astype("object")


def _parent_rows(frame: pd.DataFrame, pframe: pd.DataFrame, link: tuple[str, str], source: str | None,
                 psource: str | None, names: dict[str, str]) -> np.ndarray:
    """Position in *pframe* of each child row's parent through *link* (child column, parent column); refuses
    (located at data rows, counted from 1 under the header, and the columns as the file names them, *names*)
    parent keys given twice and child keys that are missing or match no parent."""
    cc, pc = link
    shown = names.get(pc, pc)
    parents, children = _link_values(pframe[pc]), _link_values(frame[cc])
    if parents.dtype != children.dtype:
        parents, children = parents.astype("string").astype("object"), children.astype("string").astype("object")
    problems: list[Problem] = []
    dup = parents.notna() & parents.duplicated(keep=False)
    if dup.any():
        rows = np.flatnonzero(dup.to_numpy())
        problems.append(Problem(
            f"the link column '{shown}' holds the same value on {len(rows)} rows (first: "
            f"{_shown(parents.iloc[rows[0]])} on data rows {', '.join(str(r + 1) for r in rows[:5])}); rows that "
            "link to it would be ambiguous", "link-ambiguous", "error",
            Location(file=psource, row=int(rows[0]) + 1, variable=shown)))
    lookup = pd.Series(np.arange(len(parents)), index=parents.to_numpy())
    lookup = lookup[~lookup.index.duplicated(keep="first") & lookup.index.notna()]
    where = children.map(lookup)
    for mask, what in ((children.isna(), "is empty"), (children.notna() & where.isna(), "matches no parent row")):
        rows = np.flatnonzero(mask.to_numpy())
        if len(rows):
            first = "" if what == "is empty" else f" ({_shown(children.iloc[rows[0]])} is not in '{shown}' of {psource})"
            problems.append(Problem(
                f"the link column '{cc}' {what} on {len(rows)} row(s){first}: data rows "
                f"{', '.join(str(r + 1) for r in rows[:5])}{' ...' if len(rows) > 5 else ''}; these rows cannot be "
                "given a parent", "link-missing", "error", Location(file=source, row=int(rows[0]) + 1, variable=cc)))
    if problems:
        raise SurveyError(problems)
    return where.to_numpy(dtype="int64")


def _shown(value: Any) -> str:
    """A link value as the file shows it (Kobo's _index 4, not 4.0)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(str(value))


def _own_key_under_parent(frame: pd.DataFrame, cc: str, source: str | None) -> None:
    """ODK Central/Briefcase name a repeat row ``<PARENT_KEY>/<group>/<repeat>[n]``: a KEY that is not under its
    PARENT_KEY means the files do not belong together, and is refused at its row."""
    key = _find(frame, "KEY")
    if key is None or cc.split("/")[-1].upper() != "PARENT_KEY":
        return
    own, parent = frame[key].astype("string"), frame[cc].astype("string")
    bad = np.flatnonzero((own.notna() & parent.notna() & ~pd.Series(
        [o.startswith(p + "/") for o, p in zip(own.fillna(""), parent.fillna(""), strict=True)],
        index=frame.index)).to_numpy())
    if len(bad):
        raise SurveyError(
            f"the row's KEY {own.iloc[bad[0]]!r} is not under its PARENT_KEY {parent.iloc[bad[0]]!r} on {len(bad)} "
            f"row(s) (data rows {', '.join(str(r + 1) for r in bad[:5])}); the repeat file does not belong to "
            "this export", location=Location(file=source, row=int(bad[0]) + 1, variable=cc), rule="link-ambiguous")


def _parent_table(frame: pd.DataFrame, psource: str | None, source: str | None) -> None:
    """Kobo names a nested repeat row's parent sheet in ``_parent_table_name``: a row naming another sheet than
    the one it is linked to is refused at its row."""
    col, sheet = _find(frame, "_parent_table_name"), (psource or "").rpartition("#")[2]
    if col is None or not psource or "#" not in psource:
        return
    named = frame[col].astype("string").str.strip()
    fits = {v: _names_sheet(v, sheet) for v in named.dropna().unique()}
    bad = np.flatnonzero((named.notna() & ~named.map(fits).fillna(True).astype(bool)).to_numpy(dtype=bool))
    if len(bad):
        raise SurveyError(
            f"'{col}' names {named.iloc[bad[0]]!r} on {len(bad)} row(s) (data rows "
            f"{', '.join(str(r + 1) for r in bad[:5])}), but the rows are linked to sheet {sheet!r}",
            location=Location(file=source, row=int(bad[0]) + 1, variable=col), rule="link-ambiguous")


def _names_sheet(name: str, sheet: str) -> bool:
    """True if Kobo writes the repeat *name* as worksheet *sheet*: ``[]:*?/\\`` become ``_`` and a name over
    Excel's 31 characters is cut and ends in ``...`` (and `` (n)`` when cut names collide; formpack's
    unique_name_for_xls)."""
    name, sheet = re.sub(r"[\[\]:*?/\\]", "_", name).casefold(), sheet.casefold()
    cut = re.fullmatch(r"(.*)\.\.\.(?: \(\d+\))?", sheet)
    return name == sheet or (cut is not None and len(name) > 31 and name.startswith(cut.group(1)))


def _same_submission(frame: pd.DataFrame, pframe: pd.DataFrame, where: np.ndarray, source: str | None) -> None:
    """A nested repeat row and the enclosing repeat row it is linked to carry the same submission uuid (Kobo's
    ``_submission__uuid``); a link into another submission is refused at its row."""
    cc, pc = _find(frame, "_submission__uuid"), _find(pframe, "_submission__uuid")
    if cc is None or pc is None:
        return
    own = frame[cc].astype("string").str.strip().fillna("").to_numpy()
    theirs = pframe[pc].astype("string").str.strip().fillna("").to_numpy()[where]
    bad = np.flatnonzero(np.asarray(own != theirs, dtype=bool))
    if len(bad):
        raise SurveyError(
            f"the row is linked to a parent row of another submission on {len(bad)} row(s) (data rows "
            f"{', '.join(str(r + 1) for r in bad[:5])}{' ...' if len(bad) > 5 else ''}: '{cc}' {own[bad[0]]!r}, "
            f"the parent row's {theirs[bad[0]]!r}); the export's sheets do not belong together",
            location=Location(file=source, row=int(bad[0]) + 1, variable=cc), rule="link-ambiguous")


def _same_parents(first: np.ndarray, second: np.ndarray, a: tuple[str, str], b: tuple[str, str],
                  source: str | None) -> None:
    """Two link columns of one table must point at the same parent rows; otherwise the export is inconsistent
    (re-sorted or filtered sheets) and is refused at the first row where they disagree."""
    bad = np.flatnonzero(first != second)
    if len(bad):
        raise SurveyError(
            f"the links {a[0]} -> {a[1]} and {b[0]} -> {b[1]} give different parent rows on {len(bad)} row(s) "
            f"(data rows {', '.join(str(r + 1) for r in bad[:5])}{' ...' if len(bad) > 5 else ''}); the export's "
            "sheets do not belong together (re-sorted or filtered?)",
            location=Location(file=source, row=int(bad[0]) + 1, variable=a[0]), rule="link-ambiguous")


def _find(frame: pd.DataFrame, name: str) -> str | None:
    for c in frame.columns:
        if c.lower() == name.lower() or re.split(r"[/\-]", c)[-1].lower() == name.lower():
            return c
    return None
