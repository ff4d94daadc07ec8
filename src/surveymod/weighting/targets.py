"""Population targets for a margin: read from a CSV under ``weights/`` (or inline), checked against the data.

A target file has one column per margin variable and one value column named ``count`` (population counts) or
``share`` (proportions summing to 1). Lines starting with ``#`` are comments (used to cite the source table).
Checks: shares sum to 1, no negative or missing values, no duplicate cells, every target cell present in the
data and every data cell present in the targets; empty and tiny sample cells are named.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..atomic import note_input
from ..errors import Location, Problem, SurveyError
from .spec import LoadedSpec, Margin
from .steps import joint_cells

SEP = " × "
SHARE_TOL = 1e-6
TINY_CELL = 5


@dataclass(frozen=True)
class Targets:
    """Checked targets of one margin: cell label -> value, whether they are shares, and each row's cell label."""

    variables: tuple[str, ...]
    values: dict[str, float]
    is_share: bool
    source: str
    notes: tuple[Problem, ...] = ()

    def counts(self, total: float) -> dict[str, float]:
        """Targets as counts; shares are scaled to ``total`` (the current weighted total)."""
        return {k: v * total for k, v in self.values.items()} if self.is_share else dict(self.values)


def as_text(s: pd.Series) -> pd.Series:
    """Values as text labels for matching targets: whole floats lose their '.0', missing stays missing."""
    if pd.api.types.is_float_dtype(s.dtype):
        vals = s.to_numpy(dtype=float, na_value=np.nan)
        finite = vals[~np.isnan(vals)]
        if finite.size and np.all(finite == np.round(finite)):
            out = pd.Series([None if np.isnan(v) else str(int(v)) for v in vals], index=s.index, dtype=object)
            return out
    if pd.api.types.is_string_dtype(s.dtype) and not s.dtype == object:
        return s  # pandas string dtype: already text
    if pd.api.types.is_integer_dtype(s.dtype) and not s.isna().any():
        return s.astype(str)
    return s.astype(object).where(s.notna(), None).map(lambda v: v if v is None else str(v))


def cell_labels(data: pd.DataFrame, variables: tuple[str, ...]) -> pd.Series:
    """Each row's cell of the crossed margin, as 'a × b' text (missing if any variable is missing). The cells
    are numbered from each variable's distinct values and only the distinct cells get their text (a categorical
    column): no text per row, which at 10M rows held a gigabyte."""
    parts = [as_text(data[v]) for v in variables]
    if len(parts) == 1:
        return parts[0].reset_index(drop=True)
    coded = [pd.factorize(p, use_na_sentinel=True) for p in parts]
    missing = np.logical_or.reduce([codes < 0 for codes, _ in coded])
    if len(data):
        cell_codes, rows = joint_cells([np.where(missing, 0, codes) for codes, _ in coded])
        seen = np.zeros(len(cell_codes[0]), dtype=bool)
        seen[rows[~missing]] = True  # cells of complete rows only (a missing row's codes are placeholders)
        labels = [SEP.join(str(u[c[k]]) for (_, u), c in zip(coded, cell_codes, strict=True))
                  for k in np.flatnonzero(seen)]
        if len(set(labels)) == len(labels):  # (a value holding ' × ' could make two cells one text)
            number = np.full(len(seen), -1, dtype=np.int64)
            number[seen] = np.arange(len(labels))
            return pd.Series(pd.Categorical.from_codes(np.where(missing, -1, number[rows]), categories=labels))
    missing = pd.concat([p.isna() for p in parts], axis=1).any(axis=1)
    lab = parts[0].astype(str)
    for p in parts[1:]:
        lab = lab + SEP + p.astype(str)
    return lab.where(~missing, None).reset_index(drop=True)


def _read_file(path: Path, loc: Location) -> pd.DataFrame:
    """Read a target CSV (comment lines '#'); located error if missing or unreadable."""
    if not path.exists():
        raise SurveyError(f"target file not found: {path}", rule="targets-missing", location=loc)
    note_input(path)
    try:
        return pd.read_csv(path, comment="#", dtype=str, keep_default_na=False, skipinitialspace=True)
    except Exception as exc:  # noqa: BLE001 - any parse failure is the user's file
        raise SurveyError(f"cannot read target file {path}: {exc}", rule="targets-read", location=loc) from None


def load_targets(margin: Margin, loaded: LoadedSpec, at: tuple) -> Targets:
    """Read and check one margin's targets (without the data); errors are located at the spec line."""
    loc = loaded.loc(*at, "targets")
    vars_ = tuple(margin.variables)
    if isinstance(margin.targets, dict):
        if len(vars_) != 1:
            raise SurveyError("inline targets are for one variable; give a CSV file for a crossed margin",
                              rule="targets-inline", location=loc)
        values = {str(k): float(v) for k, v in margin.targets.items()}
        is_share = margin.kind == "share"
        source = "inline"
    else:
        path = (loaded.base_dir() / margin.targets).resolve()
        df = _read_file(path, loc)
        df.columns = [c.strip() for c in df.columns]
        missing = [v for v in vars_ if v not in df.columns]
        vcol = [c for c in ("count", "share") if c in df.columns]
        if missing or len(vcol) != 1:
            need = ", ".join(vars_)
            raise SurveyError(f"target file {margin.targets} must have the columns {need} and one of "
                              f"count/share; it has {', '.join(df.columns)}", rule="targets-columns", location=loc)
        is_share = vcol[0] == "share"
        values = {}
        for _, row in df.iterrows():
            key = SEP.join(str(row[v]).strip() for v in vars_)
            if key in values:
                raise SurveyError(f"target file {margin.targets} lists the cell {key} twice",
                                  rule="targets-duplicate", location=loc)
            try:
                values[key] = float(row[vcol[0]])
            except ValueError:
                raise SurveyError(f"target file {margin.targets}: cell {key} has the non-numeric value "
                                  f"{row[vcol[0]]!r}", rule="targets-value", location=loc) from None
        source = str(margin.targets)
    bad = {k: v for k, v in values.items() if not np.isfinite(v) or v < 0}
    if bad:
        k, v = next(iter(bad.items()))
        raise SurveyError(f"target for {_name(vars_, k)} is {v}; targets must be finite and not negative",
                          rule="targets-negative", location=loc)
    if is_share:
        total = sum(values.values())
        if abs(total - 1.0) > SHARE_TOL:
            raise SurveyError(f"target shares for {SEP.join(vars_)} sum to {total:.6g}, not 1",
                              rule="targets-shares-sum", location=loc)
    return Targets(variables=vars_, values=values, is_share=is_share, source=source)


def _name(variables: tuple[str, ...], cell: str) -> str:
    """'sex=male, agegrp=15-24' for a cell label."""
    return ", ".join(f"{v}={lv}" for v, lv in zip(variables, cell.split(SEP), strict=False))


def check_against_data(t: Targets, cells: pd.Series, weights: np.ndarray, loc: Location) -> list[Problem]:
    """Match targets to the data's cells; errors for unmatched cells or missing values, notes for tiny cells."""
    problems: list[Problem] = []
    label = SEP.join(t.variables)
    n_missing = int(cells.isna().sum())
    if n_missing:
        rows = ", ".join(str(i + 1) for i in np.flatnonzero(cells.isna().to_numpy())[:5])
        raise SurveyError(f"{label} is missing in {n_missing} weighted rows (data rows {rows}...); "
                          "impute or exclude them before weighting", rule="targets-missing-values", location=loc)
    counts = cells.value_counts()
    data_levels = set(counts.index)
    absent = [k for k, v in t.values.items() if k not in data_levels and v > 0]
    if absent:
        raise SurveyError([Problem(f"target level {_name(t.variables, k)} is absent from the data (no weighted "
                                   f"respondent has it); its target {t.values[k]:g} cannot be met",
                                   rule="targets-level-absent", location=loc) for k in absent])
    extra = sorted(data_levels - set(t.values))
    if extra:
        raise SurveyError([Problem(f"data level {_name(t.variables, k)} ({int(counts[k])} rows) has no target "
                                   f"in {t.source}", rule="targets-level-unknown", location=loc) for k in extra])
    zero_target = [k for k, v in t.values.items() if v == 0 and k in data_levels]
    if zero_target:
        raise SurveyError([Problem(f"target for {_name(t.variables, k)} is 0 but {int(counts[k])} respondents "
                                   "have it; a zero target cannot be met", rule="targets-zero", location=loc)
                           for k in zero_target])
    for k, v in t.values.items():
        if v == 0:
            problems.append(Problem(f"target cell {_name(t.variables, k)} is empty (0) in the population",
                                    rule="targets-empty-cell", severity="warning", location=loc))
        elif k in data_levels and counts[k] < TINY_CELL:
            problems.append(Problem(f"cell {_name(t.variables, k)} has only {int(counts[k])} respondents; "
                                    "its weights will be large and unstable (consider collapsing)",
                                    rule="targets-tiny-cell", severity="warning", location=loc))
    return problems
