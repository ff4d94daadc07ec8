"""Naming and typing columns by the questionnaire: group prefixes, labels back to codes, select_multiple
dummies, values that do not fit kept as they were."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ...errors import Location, Problem
from ...parallel import in_parallel
from .. import multi
from ..levels import TOP_LEVEL, choice_codes, level_keys, level_of_roster, levels
from .dataset import Dataset, _Raw, is_system_column
from .link import _own_id
from .narrow import is_narrowed
from .text_files import _exact_integers, empty_as_missing

if TYPE_CHECKING:  # the questionnaire machinery is imported only when a questionnaire is given
    from ...questionnaire.dictionary import DataDictionary, VariableMeta
    from ...questionnaire.model import Question, Questionnaire

# --------------------------------------------------------------------------------------------- columns and values


_GROUP_SEPARATORS = "/-."
"""Characters Kobo/ODK exports put between group, question and option names."""


@dataclass
class _Names:
    """Lookup of questionnaire names used to recognise columns."""

    questions: dict[str, Question]
    dummies: dict[str, tuple[Question, int]]
    codes: dict[str, dict[str, int]]
    expected: dict[str, dict[str, int]] = field(default_factory=dict)
    """Per question, the choice names an imported XLSForm's exports write as answers (case-folded) → code:
    Kobo/ODK write choice names, so mapping them is expected (info), unlike labels (warning)."""
    headers: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    """Column headers written as labels (Kobo's "Labels" export), normalized → {(variable, language)}: a
    question's label, the same after its groups' titles ('Household/Municipality'), and a select_multiple's
    label plus an option's label for its dummy ('Why did they leave?/Work'), in every language."""

    @classmethod
    def of(cls, qn: Questionnaire) -> _Names:
        from ...questionnaire.names import dummy_name

        qs = {q.name.lower(): q for q in qn.questions()}
        for q in list(qs.values()):  # an imported XLSForm's own names, as its exports spell the columns
            xname = (q.xlsform or {}).get("name")
            if xname:
                qs.setdefault(xname.lower(), q)
        if qn.xlsform is not None:  # and with their groups (g1/age, g2/age: one name in two groups)
            for item, parents in qn.walk():
                if item.type in ("group", "roster") or (item.xlsform or {}).get("type") == "":
                    continue
                groups = [(g.xlsform or {}).get("name", g.name) for g in parents
                          if (g.xlsform or {}).get("type") != ""]
                if groups:
                    own = (item.xlsform or {}).get("name", item.name)
                    for sep in _GROUP_SEPARATORS:
                        qs.setdefault(sep.join([*groups, own]).lower(), item)
        dummies: dict[str, tuple[Question, int]] = {}
        codes: dict[str, dict[str, int]] = {}
        expected: dict[str, dict[str, int]] = {}
        by_name = qn.xlsform is not None and qn.xlsform.choice_names
        for q in {id(q): q for q in qs.values()}.values():
            if q.is_choice:
                codes[q.name] = choice_codes(qn, q)
                if by_name:
                    expected[q.name] = {c.name.strip().casefold(): c.code for c in qn.choice_list(q) if c.name}
            if q.type == "select_multiple":
                for c in qn.choice_list(q):
                    dummies[dummy_name(q.name, c.code).lower()] = (q, c.code)
        return cls(qs, dummies, codes, expected, _label_headers(qn))

    def by_label(self, column: str) -> tuple[str, str] | None:
        """(variable, language) of a column whose header is a label, or None if no label or several match.

        The longest tail of the header (after a group separator) that is a known label path decides, so group
        titles in front are allowed and a title shared by two questions is told apart by its groups' titles."""
        head = _norm_label(column)
        cuts = [0] + [i + 1 for i, ch in enumerate(head) if ch in _GROUP_SEPARATORS]
        for i in cuts:
            hits = self.headers.get(head[i:].strip())
            if hits:
                targets = {t for t, _ in hits}
                return (next(iter(targets)), sorted(lang for _, lang in hits)[0]) if len(targets) == 1 else None
        return None

    def canonical(self, column: str) -> str | None:
        """The questionnaire name a column stands for, or None if unknown."""
        from ...questionnaire.names import dummy_name

        low = column.strip().lower()
        if low in self.questions:
            return self.questions[low].name
        if low in self.dummies:
            q, code = self.dummies[low]
            return dummy_name(q.name, code)
        # group prefixes (grp/q, grp-q, grp.q): the longest tail after a separator that names a question, or
        # question + separator + option for a select_multiple dummy (q/option)
        col = column.strip()
        cuts = [0] + [i + 1 for i, ch in enumerate(col) if ch in _GROUP_SEPARATORS]
        for i in cuts[1:]:
            tail = col[i:].lower()
            if tail in self.questions:
                return self.questions[tail].name
            if tail in self.dummies:
                q, code = self.dummies[tail]
                return dummy_name(q.name, code)
        for j in reversed(cuts[1:]):
            option = col[j:].strip().casefold()
            for i in (c for c in cuts if c < j - 1):
                q = self.questions.get(col[i:j - 1].lower())
                if q is not None and q.type == "select_multiple":
                    code = self.codes[q.name].get(option)
                    if code is not None:
                        return dummy_name(q.name, code)
        return None


def _norm_label(text: str) -> str:
    """A label or header compared without case and spacing (also around group separators: 'Mother / Age')."""
    return re.sub(r"\s*([/.\-])\s*", r"\1", " ".join(str(text).split())).casefold()


def _label_headers(qn: Questionnaire) -> dict[str, set[tuple[str, str]]]:
    from ...questionnaire.model import Question
    from ...questionnaire.names import dummy_name

    out: dict[str, set[tuple[str, str]]] = {}
    for item, parents in qn.walk():
        if not isinstance(item, Question) or item.type == "note" or not item.label:
            continue
        for lang, text in item.label.items():
            paths = [(_norm_label(text), sep) for sep in _GROUP_SEPARATORS]
            for sep in _GROUP_SEPARATORS:
                path = _norm_label(text)
                for g in reversed(parents):
                    title = (g.title or {}).get(lang)
                    if not title:
                        break
                    path = f"{_norm_label(title)}{sep}{path}"
                    paths.append((path, sep))
            for path, _ in paths:
                out.setdefault(path, set()).add((item.name, lang))
            if item.type == "select_multiple":
                for c in qn.choice_list(item):
                    option = c.label.get(lang)
                    for path, sep in paths if option else []:
                        out.setdefault(f"{path}{sep}{_norm_label(option)}", set()).add(
                            (dummy_name(item.name, c.code), lang))
    return out


def _assemble(ds: Dataset, raws: list[_Raw], qn: Questionnaire, dd: DataDictionary, narrow: bool = False) -> None:
    """Each raw table named, typed and put in its level (*narrow*: a number question the file already holds
    narrowed is not typed again; ``read`` narrows the rest)."""
    from ...questionnaire.names import did_you_mean, shown

    names = _Names.of(qn)
    metas = {v.name: v for v in dd.variables}
    lvl_of = {v.name: level_of_roster(qn, v.roster) for v in dd.variables}
    for raw in raws:
        ds.problems += raw.problems
        frame = raw.frame
        stat_meta = frame.attrs.pop("stat_meta", None)
        rename: dict[str, str] = {}
        taken: set[str] = set()
        by_label: dict[str, str] = {}  # column → language of the label its header is
        for col in frame.columns:
            target = names.canonical(col)
            if target is None and (hit := names.by_label(col)) is not None:
                target, by_label[col] = hit
            if target is not None and target not in taken:
                taken.add(target)
                if target != col:
                    rename[col] = target
        if by_label:
            ds.problems.append(Problem(
                f"{len(by_label)} column header(s) are question labels in {', '.join(sorted(set(by_label.values())))}"
                " (Kobo's 'Labels' export); they were matched to the questionnaire's variables by their labels. An "
                "export with 'XML values and headers' is read by names, which do not change when a label is edited",
                "label-headers", "info", Location(file=raw.source)))
        frame = frame.rename(columns=rename)
        level = raw.hint or _vote(frame, lvl_of)
        if level not in ds.frames and level in levels(qn):
            pass
        elif level in ds.frames or level not in levels(qn):
            level = _vote(frame, lvl_of, exclude=set(ds.frames))
        if level is None:
            level = Path(raw.source.split("#")[-1]).stem
            ds.problems.append(Problem(
                f"table {raw.source} matches no level of the questionnaire; it is kept as '{level}'",
                "unknown-table", "warning", Location(file=raw.source)))
        keys = set(level_keys(qn, level)) if level in levels(qn) else set()
        if level != TOP_LEVEL:  # a repeat sheet's own _index/KEY is its row's id, never its parent's key
            back = {new: old for old, new in rename.items() if _own_id(old) and new in keys}
            if back:
                frame = frame.rename(columns=back)
                rename = {old: new for old, new in rename.items() if new not in back}
        unknown, system = [], []
        typed: list[tuple[str, pd.Series, VariableMeta]] = []
        for col in frame.columns:
            meta = metas.get(col)
            if meta is not None and (lvl_of[col] == level or col in keys):
                typed.append((col, frame[col], meta))
            elif is_system_column(col):
                system.append(col)
            else:
                unknown.append(col)

        def coerce(item: tuple[str, pd.Series, VariableMeta], source: str = raw.source,
                   stat: Any = stat_meta) -> tuple[pd.Series, list[Problem]]:
            said: list[Problem] = []
            col = item[1]
            if narrow and item[2].kind == "numeric" and not item[2].is_dummy and is_narrowed(col):
                return col, said  # narrowed as read: typing would make a float64 copy of the same numbers
            if isinstance(col.index, pd.RangeIndex):
                return _coerce(col, item[2], names, said, source, stat), said
            # an index kept from the file (Parquet) is one object shared by all columns: the threads look up
            # rows on their own positional index instead, and the column gets the file's index back
            out = _coerce(col.set_axis(pd.RangeIndex(len(col))), item[2], names, said, source, stat)
            return out.set_axis(col.index), said

        # the columns are typed side by side (each says what it mapped in its own list), then put in, in order
        for (col, _, _), (values, said) in zip(typed, in_parallel(coerce, typed, rows=len(frame)), strict=True):
            frame[col] = values
            ds.problems += said
        frame, unknown = _merge_invalid_text(frame, unknown, metas)
        if level in levels(qn):
            frame = _select_multiple(frame, qn, level, metas, lvl_of)
        ds.frames[level] = frame
        ds.sources[level] = raw.source
        ds.unknown[level] = unknown
        ds.system[level] = system
        ds.renamed[level] = rename
        for col in unknown:
            ds.problems.append(Problem(
                f"column {shown(col)} is not in the questionnaire; it is kept as it is"
                f"{did_you_mean(col, metas, close=False)}", "unknown-column",
                "warning", Location(file=raw.source, variable=col)))


def _merge_invalid_text(frame: pd.DataFrame, unknown: list[str],
                        metas: dict[str, VariableMeta]) -> tuple[pd.DataFrame, list[str]]:
    """Put back invalid values that our export kept in a ``<var>_txt`` column next to a numeric/date variable."""
    for col in list(unknown):
        base = col[:-4] if col.endswith("_txt") else None
        meta = metas.get(base) if base else None
        if meta is None or meta.kind == "string" or base not in frame.columns:
            continue
        text = frame[col].astype("str")
        has = text.notna() & (text.str.strip() != "") & frame[base].isna()
        if has.any():
            merged = frame[base].astype(object)
            merged[has] = text[has]
            frame[base] = merged
        frame = frame.drop(columns=[col])
        unknown.remove(col)
    return frame, unknown


def _vote(frame: pd.DataFrame, lvl_of: dict[str, str], exclude: set[str] | None = None) -> str | None:
    counts: dict[str, int] = {}
    for c in frame.columns:
        lvl = lvl_of.get(c)
        if lvl and lvl not in (exclude or set()):
            counts[lvl] = counts.get(lvl, 0) + 1
    return max(counts, key=lambda k: counts[k]) if counts else None


def _coerce(col: pd.Series, meta: VariableMeta, names: _Names, said: list[Problem], source: str,
            stat_meta: Any) -> pd.Series:
    """Give a column the type of its variable; values that do not fit are kept unchanged (as text). What was
    mapped to codes is added to *said*."""
    if meta.is_dummy:
        return multi.dummy_values(col) if col.dtype != object else _numeric(col, {}, meta, said, source)
    expected = names.expected.get(meta.name, {})
    if meta.kind == "numeric":
        lookup = dict(names.codes.get(meta.name, {}))
        for code, letter in meta.stata_missing.items():
            lookup[letter.lstrip(".")] = code
            lookup[letter] = code
        return _numeric(col, lookup, meta, said, source, expected)
    if meta.kind == "date":
        return _date(col)
    if meta.qtype == "select_multiple":
        out, by_name = multi.normalize_raw(col, expected) if expected else (col, 0)  # the form's names first
        out, mapped = multi.normalize_raw(out, names.codes.get(meta.name, {}))  # then labels (and other names)
        _report_mapped(said, source, meta.name, by_name, mapped, "answers written as choice names or labels")
        return out
    if pd.api.types.is_float_dtype(col) and all_whole(col):  # a text question answered with numbers: no '.0'
        col = col.astype("Int64")
    return empty_as_missing(col)


def all_whole(col: pd.Series) -> bool:
    """Whether every number of a float column is whole (missing values aside): a text question's numbers are then
    read without '.0'."""
    arr = col.to_numpy(dtype="float64")
    return bool((np.isnan(arr) | (np.mod(arr, 1) == 0)).all())


def _report_mapped(said: list[Problem], source: str, variable: str, by_name: int, other: int, what: str) -> None:
    """Say how many answers were mapped to codes: an imported XLSForm's choice names (how Kobo/ODK write answers)
    as info, anything else (labels, names on a native questionnaire, Stata letters) as a warning."""
    where = Location(file=source, variable=variable)
    if by_name:
        said.append(Problem(f"{by_name} answers written as the XLSForm's choice names (as Kobo/ODK export "
                            "them) were mapped to codes", "names-mapped", "info", where, count=by_name))
    if other:
        said.append(Problem(f"{other} {what} were mapped to codes", "labels-mapped", "warning", where, count=other))


def _numeric(col: pd.Series, lookup: dict[str, int], meta: VariableMeta, said: list[Problem], source: str,
             expected: dict[str, int] | None = None) -> pd.Series:
    exact = _exact_integers(col)
    if exact is not None:
        return exact
    if pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
        num = col.astype("float64")
        inf = np.isinf(num.to_numpy())
        if not inf.any():
            return num
        out = num.astype(object)  # 'inf' is no answer: kept as the text it was, for the checker to flag
        out[inf] = np.where(num[inf] > 0, "inf", "-inf")
        return out
    num = _finite(pd.to_numeric(col, errors="coerce"))
    text = col.notna() & num.isna()
    if not text.any():
        return num.astype("float64")
    stripped = col[text].astype("str").str.strip()
    empty = stripped == ""
    keys = stripped.str.casefold()
    mapped = keys.map(lookup) if lookup else pd.Series(np.nan, index=keys.index)
    num2 = _finite(pd.to_numeric(stripped, errors="coerce"))  # numbers with spaces around them
    fill = mapped.where(mapped.notna(), num2)
    num = num.astype("float64")
    num.loc[fill.index] = fill.astype("float64")
    letters = {x for lt in meta.stata_missing.values() for x in (lt, lt.lstrip("."))}  # .a-.z are no labels
    changed = mapped.notna() & ~keys.isin([str(v) for v in lookup.values()]) & ~keys.isin(letters)
    by_name = (changed & keys.map(lambda k: k in expected and lookup.get(k) == expected[k]).astype(bool)
               if expected else None)
    n_name = int(by_name.sum()) if by_name is not None else 0
    _report_mapped(said, source, meta.name, n_name, int(changed.sum()) - n_name,
                   "values written as labels, choice names or Stata missing letters")
    bad = fill.isna() & ~empty
    if not bad.any():
        return num
    out = num.astype(object)
    out.loc[bad[bad].index] = col.loc[bad[bad].index]
    return out


def _finite(num: pd.Series) -> pd.Series:
    """Numbers with 'inf' (which to_numeric accepts, but no answer can be) made missing, so they stay text."""
    num = num.astype("float64")
    return num.where(~np.isinf(num.to_numpy()), np.nan)


_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%Y/%m/%d")


def _date(col: pd.Series) -> pd.Series:
    """Dates as datetime64[s] (ISO and the other formats exports use); values that are no date stay as they were
    (the column is then object). The formats are tried on the distinct texts only (a survey has a few hundred
    interview dates in millions of rows), so no Python object is made per row."""
    if pd.api.types.is_datetime64_any_dtype(col):
        if getattr(col.dt, "tz", None) is not None:
            col = col.dt.tz_localize(None)
        return col.dt.normalize().astype("datetime64[s]")
    parsed = np.full(len(col), np.datetime64("NaT", "s"))
    todo = col.notna().to_numpy(dtype=bool, copy=True)
    if col.dtype == object:
        nonstr = col.map(lambda v: not isinstance(v, str) and v is not None and not pd.isna(v)).to_numpy(dtype=bool)
        if nonstr.any():
            got = pd.to_datetime(col[nonstr], errors="coerce").dt.normalize()
            parsed[nonstr] = got.to_numpy(dtype="datetime64[s]")
            todo &= ~nonstr
    codes, raw = pd.factorize(col, use_na_sentinel=True)  # distinct values first: no per-row text copies
    stripped = pd.Series(np.asarray(raw, dtype=object), dtype=object).astype("str").str.strip()
    text_codes, uniq = pd.factorize(stripped)
    codes = (np.where(todo & (codes >= 0), text_codes[codes], -1) if len(raw)  # missing (and non-text) -1
             else np.full(len(col), -1, dtype=np.intp))
    text = pd.Series(np.asarray(uniq, dtype=object), dtype="str")
    iso = text.str.slice(0, 10)
    u_parsed = np.full(len(text), np.datetime64("NaT", "s"))
    u_todo = (text != "").to_numpy(dtype=bool, copy=True)
    for fmt in _DATE_FORMATS:
        if not u_todo.any():
            break
        at = np.flatnonzero(u_todo)
        got = pd.to_datetime((iso if fmt == "%Y-%m-%d" else text).iloc[at], errors="coerce", format=fmt)
        ok = got.notna().to_numpy()
        u_parsed[at[ok]] = got.to_numpy(dtype="datetime64[s]")[ok]
        u_todo[at[ok]] = False
    have = codes >= 0
    parsed[have] = u_parsed[codes[have]]
    left = np.zeros(len(col), dtype=bool)
    left[have] = u_todo[codes[have]]
    result = pd.Series(parsed, index=col.index)
    if not left.any():
        return result
    out = result.astype(object)
    out[left] = col[left]
    return out


def _select_multiple(frame: pd.DataFrame, qn: Questionnaire, level: str, metas: dict[str, VariableMeta],
                     lvl_of: dict[str, str]) -> pd.DataFrame:
    """Make raw column and dummies both present: rebuild the raw column from dummies or derive the dummies."""
    new: dict[str, Any] = {}
    after: dict[str, list[str]] = {}  # existing column → new columns to place right after it
    for meta in list(metas.values()):
        if meta.qtype != "select_multiple" or lvl_of[meta.name] != level:
            continue
        dummies = [m for m in metas.values() if m.dummy_of == meta.name]
        codes = [m.dummy_code for m in dummies if m.dummy_code is not None]
        present = [m.name for m in dummies if m.name in frame.columns]
        if meta.name not in frame.columns and not present:
            continue
        if meta.name in frame.columns:
            raw = frame[meta.name]
            anchor = meta.name
        else:
            mat = np.column_stack([frame[m.name].to_numpy(dtype=float) if m.name in frame.columns
                                   else np.full(len(frame), np.nan) for m in dummies])
            raw = multi.raw_from_dummies(mat, codes).set_axis(frame.index)
            new[meta.name] = raw
            anchor = present[0]
            after.setdefault(frame.columns[frame.columns.get_loc(anchor) - 1] if frame.columns.get_loc(anchor)
                             else "", []).append(meta.name)
        missing = [m for m in dummies if m.name not in frame.columns]
        if missing:
            columns = multi.dummy_columns(raw, codes)
            prev = meta.name
            for j, m in enumerate(dummies):
                if m.name in frame.columns:
                    prev = m.name
                    continue
                new[m.name] = columns[j]
                after.setdefault(prev, []).append(m.name)
                prev = m.name
    if not new:
        return frame
    order: list[str] = list(after.pop("", []))
    placed = set(order)

    def place(col: str) -> None:
        order.append(col)
        for extra in after.get(col, []):
            if extra not in placed:
                placed.add(extra)
                place(extra)

    for col in frame.columns:
        place(col)
    # one block per added column, nothing copied (concat rebuilt the Arrow text columns: new arrays, so what was
    # worked out on them, like their distinct answers, would be worked out again)
    return frame.assign(**new)[order]


