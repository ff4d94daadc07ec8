"""What a dataset's source says about its variables: labels, value labels and which codes are missing.

One :class:`Metadata` travels with the data from the reader to every analysis (weighting, estimation, change,
tables, indicators). It comes from the questionnaire (choices marked ``missing:``, special codes of numeric
questions), from a labelled file's own metadata (SPSS user-missing values and ranges, Stata extended missing
values ``.a``–``.z``, variable and value labels), or from codes the user declares by hand (``--missing``).
The data themselves are never changed: :meth:`Metadata.valid` gives the analysis a view in which the missing
codes are NaN, so a don't-know code can never enter a statistic, while exports keep every code as collected.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from ..questionnaire.dictionary import DataDictionary
    from ..questionnaire.model import Questionnaire


@dataclass(frozen=True)
class VarInfo:
    """One variable: its label, value labels (code -> text) and missing codes (values and ranges)."""

    label: str | None = None
    values: Mapping[Any, str] = field(default_factory=dict)
    missing: frozenset[float] = frozenset()
    missing_ranges: tuple[tuple[float, float], ...] = ()
    missing_kinds: Mapping[float, str] = field(default_factory=dict)
    measure: str | None = None  # nominal, ordinal or scale (SPSS measurement level)
    stata_letters: bool = False  # a .dta variable whose extended missing values (.a–.z) arrive as letters
    missing_text: frozenset[str] = frozenset()  # SPSS user-missing values of a string variable

    def missing_mask(self, s: pd.Series) -> np.ndarray:
        """True where *s* holds a missing code (numbers compared as numbers; Stata letters always)."""
        if self.missing_text and not pd.api.types.is_numeric_dtype(s.dtype):
            return s.astype(object).isin(self.missing_text).to_numpy(dtype=bool)
        if not (self.missing or self.missing_ranges or self.stata_letters):
            return np.zeros(len(s), dtype=bool)
        if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
            v = s.to_numpy(dtype=float, na_value=np.nan)
            letters = np.zeros(len(s), dtype=bool)
        else:  # object: Stata extended missing values arrive as letters 'a'..'z' beside numbers
            letters = stata_letters(s) if self.stata_letters else np.zeros(len(s), dtype=bool)
            v = pd.to_numeric(s.where(~letters), errors="coerce").to_numpy(dtype=float)
        mask = letters | np.isin(v, np.fromiter(self.missing, dtype=float)) if self.missing else letters.copy()
        for lo, hi in self.missing_ranges:
            with np.errstate(invalid="ignore"):
                mask |= (v >= lo) & (v <= hi)
        return mask

    def value_label(self, code: Any) -> str | None:
        """The label of *code* ('1', 1 and 1.0 are the same code)."""
        if code in self.values:
            return self.values[code]
        key = _number(code)
        if key is None:
            return None
        for k, lab in self.values.items():
            if _number(k) == key:
                return lab
        return None


def _number(x: Any) -> float | None:
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return f if np.isfinite(f) else None


@dataclass(frozen=True)
class Metadata:
    """Variables by name, and a sentence saying where their metadata came from."""

    variables: Mapping[str, VarInfo] = field(default_factory=dict)
    source: str = ""

    def __contains__(self, name: object) -> bool:
        return name in self.variables

    def info(self, name: str) -> VarInfo:
        return self.variables.get(name, VarInfo())

    def missing_codes(self, name: str) -> list[float]:
        """The declared missing values of *name* (ranges not expanded), sorted."""
        return sorted(self.info(name).missing)

    def valid(self, df: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
        """*df* with the missing codes of *columns* set to NaN; other columns are shared, not copied."""
        changed: dict[str, pd.Series] = {}
        for c in dict.fromkeys(columns):
            if c not in df.columns:
                continue
            info = self.variables.get(c)
            if info is None:
                continue
            col = df[c]
            mask = info.missing_mask(col)
            if mask.any():
                out = col.where(~mask)
                if out.dtype == object:
                    num = pd.to_numeric(out, errors="coerce")
                    if num.notna().sum() == out.notna().sum():
                        out = num
                changed[c] = out
        if not changed:
            return df
        return df.assign(**changed)

    def with_missing(self, codes: Sequence[float], columns: Iterable[str]) -> Metadata:
        """Declare *codes* missing for every one of *columns* (``--missing 77,88,99``)."""
        extra = frozenset(float(c) for c in codes)
        variables = dict(self.variables)
        for c in columns:
            info = variables.get(c, VarInfo())
            variables[c] = replace(info, missing=info.missing | extra)
        text = ", ".join(_fmt(c) for c in sorted(extra))
        src = f"{self.source}; " if self.source else ""
        return Metadata(variables, f"{src}--missing {text}")

    def with_labels(self, labels: Mapping[str, str], measure: str | None = None) -> Metadata:
        """Labels (and a measurement level) for columns a command adds, e.g. weights; existing entries win."""
        variables = dict(self.variables)
        for c, text in labels.items():
            info = variables.get(c, VarInfo())
            variables[c] = replace(info, label=info.label or text, measure=info.measure or measure)
        return Metadata(variables, self.source)

    def renamed(self, names: Mapping[str, str]) -> Metadata:
        """The metadata of columns written under new *names* (old -> new); a renamed column without a label gets
        its old name as label, so the file still says what it was."""
        variables = {names.get(c, c): i for c, i in self.variables.items()}
        for old, new in names.items():
            info = variables.get(new, VarInfo())
            variables[new] = replace(info, label=info.label or old)
        return Metadata(variables, self.source)

    def value_label(self, var: str, code: Any) -> str | None:
        return self.info(var).value_label(code)

    def category_label(self, var: str, level: str) -> str:
        """The label of a category ('Very good'), or of several ('1,2' -> 'Very good; Quite good'); '' when any
        of them has no label."""
        names = [self.value_label(var, code) for code in level.split(",")]
        return "; ".join(n for n in names if n is not None) if all(n is not None for n in names) else ""

    def domain_label(self, domain: str) -> str:
        """'sex=2; agegrp=1' -> 'sex = Female; agegrp = 15-24' (codes without a label stay codes)."""
        if domain == "all" or not domain:
            return domain
        parts = []
        for piece in domain.split("; "):
            var, _, code = piece.partition("=")
            lab = self.value_label(var, code)
            parts.append(f"{var} = {lab}" if lab is not None else f"{var} = {code}")
        return "; ".join(parts)


def stata_letters(col: pd.Series) -> np.ndarray:
    """Where a .dta variable read with ``user_missing=True`` holds an extended missing value (a letter a-z)."""
    return col.map(lambda x: isinstance(x, str) and len(x) == 1 and x.isalpha()).to_numpy(dtype=bool)


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def from_questionnaire(qn: Questionnaire, lang: str | None = None, dictionary: DataDictionary | None = None
                       ) -> Metadata:
    """Labels and missing codes of every variable the questionnaire defines (dummies included): a view of its data
    dictionary (*dictionary*, when the caller has it already, else derived here in *lang*)."""
    if dictionary is None:
        from ..questionnaire.dictionary import data_dictionary

        dictionary = data_dictionary(qn, lang)
    variables = {}
    for v in dictionary.variables:
        variables[v.name] = VarInfo(label=v.label, values=dict(v.value_labels),
                                    missing=frozenset(float(c) for c in v.missing),
                                    missing_kinds={float(c): k for c, k in v.missing.items()},
                                    measure=v.measure)
    return Metadata(variables, f"questionnaire {qn.id} (version {qn.version})")


def from_stat_file(meta: Any, source: str) -> Metadata:
    """Labels and missing values from pyreadstat metadata of a .sav/.dta (read with ``user_missing=True``)."""
    labels = meta.column_names_to_labels or {}
    values = meta.variable_value_labels or {}
    ranges = getattr(meta, "missing_ranges", None) or {}
    letters = getattr(meta, "missing_user_values", None) or {}
    measures = getattr(meta, "variable_measure", None) or {}
    variables = {}
    for name in meta.column_names:
        singles: set[float] = set()
        spans: list[tuple[float, float]] = []
        texts: set[str] = set()
        for r in ranges.get(name, []):
            lo, hi = _number(r.get("lo")), _number(r.get("hi"))
            if lo is None or hi is None:
                if isinstance(r.get("lo"), str) and r.get("lo") == r.get("hi"):
                    texts.add(r["lo"])  # a string variable's user-missing value
                continue
            if lo == hi:
                singles.add(lo)
            else:
                spans.append((lo, hi))
        variables[name] = VarInfo(label=labels.get(name) or None, values=dict(values.get(name, {})),
                                  missing=frozenset(singles), missing_ranges=tuple(spans),
                                  measure=measures.get(name) if measures.get(name) in _MEASURES else None,
                                  stata_letters=bool(letters.get(name)), missing_text=frozenset(texts))
    return Metadata(variables, f"{source} (its own labels and missing values)")


def merged(first: Metadata, second: Metadata) -> Metadata:
    """*first* (e.g. the questionnaire's) with *second*'s missing values added (e.g. a .sav's own user-missing
    values): a code either source declares missing is missing; labels come from *first* where it has them."""
    variables = dict(second.variables)
    for name, info in first.variables.items():
        other = second.variables.get(name)
        if other is None:
            variables[name] = info
            continue
        variables[name] = replace(
            info, values=dict(info.values) or dict(other.values), missing=info.missing | other.missing,
            missing_ranges=tuple(dict.fromkeys(info.missing_ranges + other.missing_ranges)),
            stata_letters=info.stata_letters or other.stata_letters,
            missing_text=info.missing_text | other.missing_text)
    return Metadata(variables, f"{first.source}, with the missing values of {second.source}")


_MEASURES = ("nominal", "ordinal", "scale")
_CODE_LIKE = re.compile(r"^(?:7{2,}|8{2,}|9{2,}|9+[6-8])$")


def suspicious_codes(values: np.ndarray) -> list[float]:
    """Values of a numeric variable that look like undeclared missing codes (77/88/99, 997–999, or 7–9 after a
    gap on a short scale), when the other values are small; [] otherwise. For a warning, never a decision."""
    v = values[~np.isnan(values)]
    if not len(v) or float(v.max()) < 7:
        return []
    sample = v[:: max(1, len(v) // 10_000)]
    if not np.array_equal(sample, np.floor(sample)):  # a continuous variable: no codes to suspect
        return []
    uniq = np.unique(v)
    if len(uniq) > 200 or not np.all(uniq == np.floor(uniq)):
        return []
    codes = [float(u) for u in uniq if u >= 77 and _CODE_LIKE.match(str(int(u)))]
    rest = [float(u) for u in uniq if float(u) not in codes]
    if codes and rest and max(rest) < min(codes) / 2:
        return codes
    small = [float(u) for u in uniq if u in (7.0, 8.0, 9.0)]
    below = [float(u) for u in uniq if u < 6]
    if small and below and 6.0 not in uniq and max(below) <= 5 and len(below) >= 2 and \
            all(u in (7.0, 8.0, 9.0) or u < 6 for u in uniq):
        return small
    return []


def analysis_frame(data: Any, columns: Iterable[str], level: str | None = None) -> tuple[pd.DataFrame, Metadata]:
    """The frame an analysis works on, and its metadata.

    A :class:`~surveymod.data.Dataset` gives its *level* frame with the missing codes of *columns* as NaN;
    a plain DataFrame is analysed as it is (no metadata).
    """
    if isinstance(data, pd.DataFrame):
        return data, Metadata()
    return data.valid(list(columns), level), data.meta


def undeclared_codes_warnings(frame: pd.DataFrame, meta: Metadata, variables: Iterable[str]) -> list[str]:
    """Warnings for numeric variables averaged with values that look like missing codes nobody declared."""
    out = []
    for v in dict.fromkeys(variables):
        if v not in frame.columns or meta.info(v).missing or meta.info(v).missing_ranges:
            continue
        s = frame[v]
        if not pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
            continue
        codes = suspicious_codes(s.to_numpy(dtype=float, na_value=np.nan))
        if codes:
            text = ",".join(_fmt(c) for c in codes)
            out.append(f"{v}: the values {text.replace(',', ', ')} look like missing-value codes (don't know, "
                       f"refusal, no answer) and are counted as answers; if they are, give the questionnaire "
                       f"(-q FILE) or declare them with --missing {text}")
    return out
