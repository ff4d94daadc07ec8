"""Weighting diagnostics: weight distribution, Kish deff and effective n, margins before/after, each step's effect.

Values are computed from the weights; ``to_json`` and ``to_html`` render them for the report files.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ..errors import Problem


@dataclass(frozen=True)
class WeightStats:
    """Distribution of the positive weights: min/max/ratio, CV, Kish deff (1 + CV^2) and effective n."""

    n: int
    n_positive: int
    n_negative: int
    total: float
    min: float
    max: float
    ratio: float
    mean: float
    cv: float
    kish_deff: float
    effective_n: float


def weight_stats(w: np.ndarray) -> WeightStats:
    """Summarise one weight vector; CV uses the population SD of the nonzero weights (Kish)."""
    nz = w[w != 0] if (w == 0).any() else w  # no copy when no weight is 0
    if nz.size == 0:
        return WeightStats(len(w), 0, 0, 0.0, 0.0, 0.0, float("nan"), 0.0, float("nan"), float("nan"), 0.0)
    lo, hi = float(nz.min()), float(nz.max())
    big = max(hi, -lo)
    u = nz / big  # the ratios below computed on weights scaled to at most 1: no overflow or underflow
    s1, s2 = float(u.sum()), float(np.dot(u, u))
    mean_u = s1 / u.size
    cv = float(np.sqrt(_squared_deviations(u, mean_u) / u.size) / mean_u) if mean_u else float("nan")
    del u
    return WeightStats(n=len(w), n_positive=int((w > 0).sum()), n_negative=int((w < 0).sum()),
                       total=float(nz.sum()), min=lo, max=hi, ratio=hi / lo if lo > 0 else float("nan"),
                       mean=float(nz.mean()),
                       cv=cv, kish_deff=nz.size * s2 / s1**2 if s1 else float("nan"),
                       effective_n=s1**2 / s2)


def _squared_deviations(u: np.ndarray, mean: float, block: int = 1 << 20) -> float:
    """Sum of (u - mean)**2, a block of values at a time (no second copy of a 10M-row weight column)."""
    total = 0.0
    for a in range(0, u.size, block):
        d = u[a:a + block] - mean
        total += float(np.dot(d, d))
    return total


@dataclass(frozen=True)
class MarginCheck:
    """One target cell: target count, weighted sum before and after the step, relative misfit after."""

    margin: str
    level: str
    target: float
    before: float
    after: float
    rel_misfit: float


@dataclass
class StepReport:
    """What a step did: its name and spec line, details, weights after it and its margin checks."""

    step: str
    line: int | None
    details: dict[str, Any]
    weights_after: WeightStats
    margins: list[MarginCheck] = field(default_factory=list)


@dataclass
class Diagnostics:
    """Everything the report shows, plus the replicate scales and the last calibration (for variance)."""

    spec: str | None
    initial: WeightStats
    final: WeightStats
    steps: list[StepReport]
    final_margins: list[MarginCheck]
    problems: list[Problem]
    replicates: dict[str, Any] | None = None
    variance_record: dict[str, Any] | None = field(default=None, repr=False)
    design: Any = field(default=None, repr=False)
    output: str = "final_weight"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary (the variance record, which holds arrays, is left out)."""
        return {
            "spec": self.spec,
            "initial_weights": asdict(self.initial),
            "final_weights": asdict(self.final),
            "steps": [{**asdict(s), "weights_after": asdict(s.weights_after)} for s in self.steps],
            "final_margins": [asdict(m) for m in self.final_margins],
            "problems": [{"message": p.message, "rule": p.rule, "severity": p.severity,
                          "location": str(p.location)} for p in self.problems],
            "replicates": self.replicates,
        }

    def to_json(self) -> str:
        """The diagnostics as indented JSON (NaN written as null)."""
        return json.dumps(_clean(self.to_dict()), indent=2, ensure_ascii=False) + "\n"

    def to_html(self) -> str:
        """A self-contained HTML report."""
        return render_html(self)


def _clean(obj: Any) -> Any:
    """Replace NaN/inf by None so the JSON is standard."""
    if isinstance(obj, float):
        return obj if np.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    return obj


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return "–" if not np.isfinite(v) else f"{v:,.6g}"
    return str(v)


def _table(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {"header": [str(k) for k in rows[0]] if rows else [], "rows": [[_fmt(v) for v in r.values()] for r in rows]}


def render_html(d: Diagnostics) -> str:
    """Render the diagnostics as one HTML page (templates/tables_report.html): weights, steps, margins, problems."""
    from ..templates import render

    sections: list[dict[str, Any]] = [
        {"title": "Weights", "tables": [_table([{"": "initial", **asdict(d.initial)},
                                                {"": "final", **asdict(d.final)}])]},
        {"title": "Steps", "tables": []}]
    for i, s in enumerate(d.steps, 1):
        tables = [_table([dict(s.details)]), _table([asdict(s.weights_after)])]
        if s.margins:
            tables.append(_table([asdict(m) for m in s.margins]))
        sections.append({"level": 3, "title": f"{i}. {s.step} (spec line {s.line})", "tables": tables})
    sections.append({"title": "Margins with the final weight", "tables": [_table([asdict(m) for m in d.final_margins])]})
    if d.replicates:
        sections.append({"title": "Replicate weights", "tables": [_table([d.replicates])]})
    sections.append({"title": "Problems", "tables": [_table([{"severity": p.severity, "rule": p.rule,
                                                              "where": str(p.location), "message": p.message}
                                                             for p in d.problems])]})
    for s in sections:
        s.setdefault("notes", [])
    return render("tables_report.html", title="Weighting report", page="report-tables weighting",
                  heading="Weighting report", intro=[f"Spec: {d.spec or ''}"], sections=sections)
