"""Draw the issued sample of a design: strata, allocation, population cells, PSUs and unit nonresponse.

The sample is drawn directly (no full population is built): each stratum gets its share of the issued units,
each unit a population cell drawn with probability proportional to its count, and units are grouped into PSUs of
a fixed take. Within a stratum every unit has the same selection probability, so design weights vary between
strata (by the allocation) and nonresponse adds the imbalance that weighting must correct.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from ..errors import Problem, SurveyError
from ..questionnaire import expr as E
from ..questionnaire.model import Questionnaire
from .design import SampleDesign
from .levels import LevelEnv

_RANGE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(?:-\s*(\d+(?:\.\d+)?)|(\+))\s*$")


@dataclass
class PopulationCells:
    """Population cells: per variable the low/high value of each cell, the counts and the stratum of each cell."""

    names: list[str]
    lo: dict[str, np.ndarray]
    hi: dict[str, np.ndarray]
    count: np.ndarray
    stratum: np.ndarray
    strata_values: list[tuple[float, ...]]

    @property
    def sizes(self) -> np.ndarray:
        """Population size of each stratum."""
        return np.bincount(self.stratum, weights=self.count, minlength=len(self.strata_values))


@dataclass
class Issued:
    """The issued sample: stratum and PSU of each unit and the values the design fixes."""

    stratum: np.ndarray
    psu: np.ndarray
    n_psu: int
    values: dict[str, np.ndarray]
    allocation: np.ndarray


def _parse_value(raw: object, var: str, qn: Questionnaire) -> tuple[float, float]:
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return float(raw), float(raw)
    text = str(raw).strip()
    try:
        v = float(text)
        return v, v
    except ValueError:
        pass
    m = _RANGE.match(text)
    if not m:
        raise ValueError(f"'{text}' is neither a code nor a range such as '15-19' or '85+'")
    lo = float(m.group(1))
    if m.group(3):
        try:
            q = qn.question(var)
            hi = float(q.max) if q.max is not None else lo + 15
        except KeyError:
            hi = lo + 15
    else:
        hi = float(m.group(2))
    return lo, hi


def prepare_cells(design: SampleDesign, qn: Questionnaire) -> PopulationCells:
    """Parse the population cells, cross them with the split variables and assign each to its stratum."""
    pop = design.population
    rows = design.rows
    names = [k for k in rows[0] if k != pop.count]
    where = design.where("population.cells")
    problems: list[Problem] = []
    lo: dict[str, list[float]] = {k: [] for k in names}
    hi: dict[str, list[float]] = {k: [] for k in names}
    for i, r in enumerate(rows):
        for k in names:
            try:
                a, b = _parse_value(r.get(k), k, qn)
            except ValueError as exc:
                problems.append(Problem(f"cell {i + 1}, variable '{k}': {exc}", "design-cells", location=where))
                a = b = math.nan
            lo[k].append(a)
            hi[k].append(b)
    if problems:
        raise SurveyError(problems)
    counts = np.array([r[pop.count] for r in rows], dtype=float)
    lo_a = {k: np.array(v) for k, v in lo.items()}
    hi_a = {k: np.array(v) for k, v in hi.items()}
    for var, shares in pop.split.items():
        if var in lo_a:
            raise SurveyError(f"split variable '{var}' is already a column of the cells",
                              location=design.where(f"population.split.{var}"))
        codes = list(shares)
        k = len(codes)
        counts = np.concatenate([counts * shares[c] for c in codes])
        lo_a = {n: np.tile(v, k) for n, v in lo_a.items()}
        hi_a = {n: np.tile(v, k) for n, v in hi_a.items()}
        col = np.repeat(np.array(codes, dtype=float), len(counts) // k)
        lo_a[var] = col
        hi_a[var] = col
        names.append(var)
    _check_codes(design, qn, names, lo_a, hi_a)
    for s in design.strata:
        if s not in lo_a:
            raise SurveyError(f"stratum variable '{s}' is not a column of the population cells or a split variable",
                              location=design.where("strata"))
        if np.any(lo_a[s] != hi_a[s]):
            raise SurveyError(f"stratum variable '{s}' must have single codes, not ranges",
                              location=design.where("strata"))
    keys = [tuple(float(lo_a[s][i]) for s in design.strata) for i in range(len(counts))]
    strata_values = sorted(set(keys))
    index = {v: i for i, v in enumerate(strata_values)}
    stratum = np.array([index[k] for k in keys], dtype=np.int64)
    return PopulationCells(names, lo_a, hi_a, counts, stratum, strata_values)


def _check_codes(design: SampleDesign, qn: Questionnaire, names: list[str], lo: dict[str, np.ndarray],
                 hi: dict[str, np.ndarray]) -> None:
    """Cell values of choice questions must be their codes; numeric ranges must lie within min..max."""
    problems: list[Problem] = []
    for k in names:
        try:
            q = qn.question(k)
        except KeyError:
            continue
        if qn.roster_of(q.name) is not None:
            problems.append(Problem(f"'{k}' is a roster variable; the design can only set respondent-level "
                                    "variables", "design-cells", location=design.where("population.cells")))
            continue
        if q.type in ("select_one", "scale"):
            codes = {float(c.code) for c in qn.choice_list(q)}
            bad = sorted({float(v) for v in lo[k] if v not in codes})
            if bad:
                problems.append(Problem(f"'{k}' has code(s) {[int(b) for b in bad]} that are not codes of the "
                                        "question", "design-cells", location=design.where("population.cells")))
        elif q.type in ("integer", "year", "decimal"):
            if (q.min is not None and lo[k].min() < q.min) or (q.max is not None and hi[k].max() > q.max):
                problems.append(Problem(f"values of '{k}' in the cells go beyond its min/max", "design-cells",
                                        location=design.where("population.cells")))
    if problems:
        raise SurveyError(problems)


def allocate(sizes: np.ndarray, m: int, how: str) -> np.ndarray:
    """Issued units per stratum (largest-remainder rounding; every non-empty stratum gets at least one)."""
    base = {"proportional": sizes, "equal": (sizes > 0).astype(float), "sqrt": np.sqrt(sizes)}[how]
    share = base / base.sum()
    raw = share * m
    out = np.floor(raw).astype(np.int64)
    rest = m - int(out.sum())
    if rest > 0:
        out[np.argsort(-(raw - out), kind="stable")[:rest]] += 1
    if m >= int((sizes > 0).sum()):
        for h in np.nonzero((out == 0) & (sizes > 0))[0]:
            donor = int(np.argmax(out))
            out[donor] -= 1
            out[h] += 1
    return out


def draw_issued(cells: PopulationCells, design: SampleDesign, m: int, rng: np.random.Generator,
                allocation: str | None = None) -> Issued:
    """Draw *m* issued units: stratum by allocation, cell ∝ count within stratum, values, and PSUs."""
    alloc = allocate(cells.sizes, m, allocation or design.allocation)
    take = design.clusters.take
    strata, cell_ix, psus = [], [], []
    psu_next = 0
    for h, m_h in enumerate(alloc):
        if m_h == 0:
            continue
        in_h = np.nonzero(cells.stratum == h)[0]
        p = cells.count[in_h] / cells.count[in_h].sum()
        cell_ix.append(in_h[rng.choice(len(in_h), size=int(m_h), p=p)])
        strata.append(np.full(int(m_h), h, dtype=np.int64))
        psus.append(psu_next + np.arange(int(m_h)) // take)
        psu_next += math.ceil(int(m_h) / take)
    cix = np.concatenate(cell_ix)
    values: dict[str, np.ndarray] = {}
    for k in cells.names:
        lo, hi = cells.lo[k][cix], cells.hi[k][cix]
        span = hi - lo
        if np.all(span == 0):
            values[k] = lo.copy()
        else:
            values[k] = lo + np.floor(rng.random(len(cix)) * (span + 1))
    return Issued(np.concatenate(strata), np.concatenate(psus), psu_next, values, alloc)


def respond(design: SampleDesign, env: LevelEnv, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Which issued units respond (and their response propensity), by the design's odds ratios."""
    nr = design.nonresponse
    if nr is None:
        return np.ones(n, dtype=bool), np.ones(n)
    logit = np.full(n, math.log(nr.response / (1 - nr.response)) if nr.response < 1 else 30.0)
    for var, ors in nr.odds.items():
        if var not in env:
            raise SurveyError(f"nonresponse variable '{var}' is not a respondent-level variable of the "
                              "questionnaire or the design", location=design.where(f"nonresponse.odds.{var}"))
        vals = E._num(np.asarray(env[var]))
        for code, ratio in ors.items():
            logit = logit + np.where(vals == code, math.log(ratio), 0.0)
    prob = 1 / (1 + np.exp(-logit))
    return rng.random(n) < prob, prob


def strata_labels(design: SampleDesign, cells: PopulationCells) -> list[dict[str, int]]:
    """The strata variables' codes of each stratum, for the truth file."""
    return [{s: int(v) for s, v in zip(design.strata, vals, strict=True)} for vals in cells.strata_values]


__all__ = ["PopulationCells", "Issued", "allocate", "draw_issued", "prepare_cells", "respond", "strata_labels"]
