"""Run a weighting spec on a data frame: base weight, replicates, each step in order, checks and diagnostics.

The weights are kept as one matrix (column 0 = main weight, then one column per replicate) so every step is
applied to every replicate. After each calibration step the margins are checked against the targets for the
main weight and every replicate; a miss beyond the step's tolerance is an error, never a warning.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..data.meta import analysis_frame
from ..errors import Location, Problem, SurveyError
from ..estimation.calibration import Calibrated, PostStratified, Raked, Record
from ..estimation.design import Design
from ..estimation.engine import weight as eng
from ..estimation.prepare import design_weights
from ..estimation.taylor import group_sums
from . import steps as st
from .diagnostics import Diagnostics, MarginCheck, StepReport, weight_stats
from .spec import (
    CalibrateStep,
    LoadedSpec,
    Margin,
    NonresponseStep,
    PoststratifyStep,
    RakeStep,
    ReplicatesStep,
    TrimStep,
    load_spec,
)
from .targets import SEP, Targets, as_text, cell_labels, check_against_data, load_targets

if TYPE_CHECKING:
    from ..data.read import Dataset

LINEAR_TOL = 1e-6


@dataclass
class WeightingResult:
    """The data with the final (and replicate) weights added, and the diagnostics; unpacks as a pair.

    ``design`` (the final weight, or the replicate columns) and ``calibration`` (one record per calibration step,
    row-aligned with ``data``) go straight into :func:`surveymod.estimation.estimate`, whose Taylor standard
    errors then credit the calibration as R ``survey`` does.
    """

    data: pd.DataFrame
    diagnostics: Diagnostics
    calibration: list[Record] = field(default_factory=list)
    design: Design | None = None
    dataset: Dataset | None = None
    """The input Dataset with ``data`` as its top level (labels and missing codes kept), when one was weighted."""

    def __iter__(self):  # noqa: D105 - allows `data, diag = run_weighting(...)`
        return iter((self.data, self.diagnostics))


def relabel(frame: pd.DataFrame, m: Margin) -> pd.DataFrame:
    """The margin's variables with data codes mapped to target levels (``labels:`` in the spec)."""
    if not m.labels:
        return frame
    out = frame.copy()
    for var, mapping in m.labels.items():
        if var in out.columns:
            table = {str(k): v for k, v in mapping.items()}
            out[var] = as_text(out[var]).map(lambda x, t=table: t.get(x, x) if x is not None else None)
    return out


def _need_columns(data: pd.DataFrame, loaded: LoadedSpec) -> None:
    """Every column the spec names must exist in the data; the error names the spec line."""
    spec = loaded.spec
    problems: list[Problem] = []

    def need(col: str | None, *path: Any) -> None:
        if col is not None and col not in data.columns:
            problems.append(Problem(f"unknown variable {col!r}: the data has no such column",
                                    rule="spec-unknown-variable", location=loaded.loc(*path)))

    for f in ("weight", "strata", "psu", "ssu", "fpc", "prob"):
        need(getattr(spec.design, f), "design", f)
    for col, path in _step_columns(loaded):
        need(col, *path)
    if problems:
        raise SurveyError(problems)


def _margins_of(s: Any) -> list[Margin]:
    if isinstance(s, PoststratifyStep):
        return [s.margin]
    if isinstance(s, RakeStep | CalibrateStep):
        return list(s.margins)
    return []


def _margin_path(s: Any, i: int, j: int) -> tuple:
    return ("steps", i, "margin") if isinstance(s, PoststratifyStep) else ("steps", i, "margins", j)


def _base_weight(data: pd.DataFrame, loaded: LoadedSpec) -> np.ndarray:
    """The design weight (or 1/prob, or N_h/n_h from the FPC as estimation and R, or 1); missing, non-numeric
    or negative weights are located errors."""
    d = loaded.spec.design
    col = d.weight or d.prob
    if col is None:
        if d.fpc is None:
            return np.ones(len(data))
        try:
            return design_weights(data, d)
        except SurveyError as exc:
            raise SurveyError(f"design weights from the FPC: {exc.problems[0].message}", rule=exc.problems[0].rule,
                              location=loaded.loc("design", "fpc")) from None
    loc = loaded.loc("design", "weight" if d.weight else "prob")
    vals = pd.to_numeric(data[col], errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(vals))
    if bad.size:
        raise SurveyError(f"{col} is missing or not a number in {bad.size} rows (data rows "
                          f"{', '.join(str(i + 1) for i in bad[:5])})", rule="weight-missing", location=loc)
    neg = np.flatnonzero(vals < 0 if d.weight else vals <= 0)
    if neg.size:
        what = "negative weights" if d.weight else "probabilities that are not positive"
        raise SurveyError(f"{col} has {what} in {neg.size} rows (data rows "
                          f"{', '.join(str(i + 1) for i in neg[:5])}); weights must be >= 0",
                          rule="weight-negative", location=loc)
    if not d.weight and (vals > 1).any():
        above = np.flatnonzero(vals > 1)
        raise SurveyError(f"{col} holds probabilities above 1 in {above.size} rows (data rows "
                          f"{', '.join(str(i + 1) for i in above[:5])}); a probability is at most 1",
                          rule="design-prob", location=loc)
    return vals if d.weight else 1.0 / vals


def _fpc_fraction(data: pd.DataFrame, loaded: LoadedSpec) -> np.ndarray | None:
    """Sampling fraction of the first stage per row from the fpc column (N_h, or a fraction <= 1)."""
    d = loaded.spec.design
    if d.fpc is None:
        return None
    fpc = pd.to_numeric(data[d.fpc], errors="coerce").to_numpy(dtype=float)
    if np.all(fpc <= 1):
        return fpc
    psu = data[d.psu].astype(str) if d.psu else pd.Series(np.arange(len(data)).astype(str), index=data.index)
    strata = data[d.strata].astype(str) if d.strata else pd.Series("1", index=data.index)
    n_h = psu.groupby(strata).transform("nunique").to_numpy(dtype=float)
    return n_h / fpc


@dataclass(frozen=True)
class Cells:
    """A margin's cells on the weighted rows as integer codes into ``levels`` (text labels)."""

    codes: np.ndarray
    levels: list[str]

    def pos(self) -> dict[str, int]:
        return {lv: i for i, lv in enumerate(self.levels)}

    def keyed(self, counts: dict[str, float]) -> dict[int, float]:
        """Targets keyed by code instead of label."""
        p = self.pos()
        return {p[k]: v for k, v in counts.items()}


def _sums(cells: Cells, levels: list[str], w: np.ndarray) -> np.ndarray:
    """Weighted sums per level (rows: levels, columns: weight columns) by bincount on the codes."""
    w2 = w if w.ndim == 2 else w[:, None]
    per = group_sums(cells.codes, len(cells.levels), w2)
    pos = cells.pos()
    return np.array([per[pos[lv]] if lv in pos else np.zeros(w2.shape[1]) for lv in levels])


def _margin_checks(name: str, cells: Cells, counts: dict[str, float], before: np.ndarray,
                   after: np.ndarray) -> list[MarginCheck]:
    """Target vs weighted sums (main weight) per cell, before and after."""
    levels = list(counts)
    b = _sums(cells, levels, before)[:, 0]
    a = _sums(cells, levels, after)[:, 0]
    return [MarginCheck(name, lv, float(t), float(bb), float(aa), abs(aa - t) / t if t else abs(aa))
            for lv, t, bb, aa in zip(levels, counts.values(), b, a, strict=True)]


def _verify(w: np.ndarray, cells: list[Cells], counts: list[dict[str, float]], tol: float, step: str,
            loc: Location) -> None:
    """Error if any margin cell misses its target by more than ``tol`` (relative) for any weight column."""
    for c, cnt in zip(cells, counts, strict=True):
        all_sums = _sums(c, list(cnt), w)
        for (level, target), sums in zip(cnt.items(), all_sums, strict=True):
            rel = np.abs(sums - target) / max(target, 1e-12)
            if np.any(rel > tol):
                k = int(np.argmax(rel))
                which = "main weight" if k == 0 else f"replicate {k}"
                raise SurveyError(f"{step}: the margin {level} is not met ({which}: weighted {sums[k]:,.6g} vs "
                                  f"target {target:,.6g}, relative misfit {rel[k]:.2g} > tolerance {tol:g})",
                                  rule="weighting-margin-not-met", location=loc)


class _Run:
    """State of one run: data, weight matrix, reports; one method per step kind."""

    def __init__(self, data: pd.DataFrame, loaded: LoadedSpec) -> None:
        self.data = data
        self.loaded = loaded
        # the run's own column-major weight matrix: steps update it in place (a fresh matrix of a million rows
        # by a hundred replicates costs seconds of page faults on some machines)
        self.w = np.array(_base_weight(data, loaded), dtype=float, copy=True).reshape(-1, 1)
        self.problems: list[Problem] = []
        self.reports: list[StepReport] = []
        self.margin_specs: list[tuple[str, Cells, dict[str, float], np.ndarray]] = []
        self.replicates: eng.Replicates | None = None
        self.calibration: list[Record] = []

    # -- helpers -------------------------------------------------------------------------------------
    def active(self) -> np.ndarray:
        return self.w[:, 0] > 0

    def margin_targets(self, m: Margin, path: tuple) -> tuple[Targets, Cells, dict[str, float]]:
        """Load, check and convert one margin's targets to counts for the active rows."""
        loc = self.loaded.loc(*path, "targets")
        t = load_targets(m, self.loaded, path)
        act = self.active()
        cells = cell_labels(relabel(self.data.loc[act], m), t.variables)
        self.problems += check_against_data(t, cells, self.w[act, 0], loc)
        counts = t.counts(float(self.w[act, 0].sum()))
        codes, uniq = pd.factorize(cells)
        return t, Cells(codes.astype(np.int32), [str(u) for u in uniq]), {k: v for k, v in counts.items() if v > 0}

    def report(self, i: int, name: str, details: dict[str, Any], margins: list[MarginCheck]) -> None:
        line = self.loaded.loc("steps", i).line
        self.reports.append(StepReport(name, line, details, weight_stats(self.w[:, 0]), margins))

    def fail(self, exc: st.StepFailure, i: int) -> SurveyError:
        return SurveyError(str(exc), rule="weighting-step-failed", location=self.loaded.loc("steps", i))

    # -- steps ----------------------------------------------------------------------------------------
    def replicates_step(self, i: int, s: ReplicatesStep) -> None:
        d = self.loaded.spec.design
        expected = s.n or (self.data[d.psu].nunique() if d.psu and d.psu in self.data else len(self.data))
        copies = bool((self.w[:, 0] <= 0).any()) or any(
            isinstance(t, NonresponseStep | PoststratifyStep | CalibrateStep) for t in self.loaded.spec.steps)
        need_memory(len(self.data), int(expected), self.loaded.loc("steps", i), copies=copies)
        try:
            reps = eng.make_replicates(self.data, method=s.method, strata=d.strata, psu=d.psu, n_reps=s.n,
                                       seed=s.seed, fay_rho=s.fay_rho, fpc_fraction=_fpc_fraction(self.data,
                                                                                                 self.loaded))
        except eng.EngineError as exc:
            raise SurveyError(f"replicate weights: {exc}", rule="weighting-replicates",
                              location=self.loaded.loc("steps", i)) from None
        self.replicates = reps
        self.w = reps.weights(np.ascontiguousarray(self.w[:, 0]))
        self.report(i, "replicates", {"method": s.method, "replicates": reps.n_replicates,
                                      "scale": reps.scale}, [])

    def nonresponse_step(self, i: int, s: NonresponseStep) -> None:
        status = as_text(self.data[s.status])
        resp = status.isin([str(v) for v in _texts(s.respondent)]).to_numpy()
        inel = status.isin([str(v) for v in _texts(s.ineligible)]).to_numpy()
        classes = (cell_labels(self.data, tuple(s.classes)) if s.classes
                   else pd.Series("all", index=self.data.index))
        if classes.isna().any():
            raise SurveyError(f"adjustment classes {', '.join(s.classes)} are missing in "
                              f"{int(classes.isna().sum())} rows", rule="weighting-nonresponse",
                              location=self.loaded.loc("steps", i, "classes"))
        before = self.w[:, 0].copy()
        try:
            self.w, factors = st.nonresponse(self.w, classes.to_numpy(dtype=object), resp, inel, s.max_factor)
        except st.StepFailure as exc:
            raise self.fail(exc, i) from None
        self.report(i, "nonresponse", {"respondents": int(resp.sum()), "nonrespondents":
                                       int((~resp & ~inel).sum()), "ineligible": int(inel.sum()),
                                       "factors": {k: round(v, 6) for k, v in factors.items()},
                                       "total_before": float(before.sum()),
                                       "total_after": float(self.w[:, 0].sum())}, [])

    def calibration_step(self, i: int, s: PoststratifyStep | RakeStep | CalibrateStep) -> None:
        act = self.active()
        margins = _margins_of(s)
        loaded_m = [self.margin_targets(m, _margin_path(s, i, j)) for j, m in enumerate(margins)]
        cells = [c for _, c, _ in loaded_m]
        counts = [cnt for _, _, cnt in loaded_m]
        if isinstance(s, RakeStep | CalibrateStep) and len(counts) > 1 and not any(t.is_share for t, _, _ in
                                                                                     loaded_m):
            totals = [sum(c.values()) for c in counts]
            if max(totals) - min(totals) > 1e-6 * max(totals):
                raise SurveyError(f"the margins' population totals differ ({', '.join(f'{t:,.0f}' for t in totals)})"
                                  "; margins that disagree on the total cannot all be met",
                                  rule="weighting-margin-totals", location=self.loaded.loc("steps", i))
        every = bool(act.all())
        w_act = self.w if every else self.w[act]  # no copy of the weight matrix when every row is weighted
        before = w_act[:, 0].copy()
        prev_weight = self.w[:, 0].copy()
        after_margin: list[np.ndarray] | None = None
        aux: np.ndarray | None = None
        try:
            if isinstance(s, PoststratifyStep):
                new = st.poststratify(cells[0].codes, cells[0].keyed(counts[0]), w_act)
                tol, name, kind = LINEAR_TOL, "poststratify", "poststratification"
            elif isinstance(s, RakeStep):
                new, after_margin = st.rake([c.codes for c in cells],
                                            [c.keyed(n) for c, n in zip(cells, counts, strict=True)],
                                            w_act, s.tolerance, s.max_iter, out=w_act if every else None)
                tol, name, kind = s.tolerance, "rake", "raking"
            else:
                aux, tots = self._aux(i, s, cells, counts, act)
                if s.method == "linear":
                    new = st.calibrate_linear(aux, tots, w_act)
                else:
                    new = st.calibrate_logit(aux, tots, w_act, s.bounds, s.tolerance, s.max_iter)
                tol, name, kind = max(s.tolerance, LINEAR_TOL), f"calibrate ({s.method})", "calibration"
        except st.StepFailure as exc:
            raise self.fail(exc, i) from None
        _verify(new, cells, counts, max(tol * 10, 1e-9) if isinstance(s, RakeStep) else tol, name,
                self.loaded.loc("steps", i))
        if every:
            self.w = new  # (run_weighting keeps the matrix column-major after every step)
        else:
            self.w = self.w.copy(order="F")
            self.w[act] = new
        checks = []
        for m, c, cnt in zip(margins, cells, counts, strict=True):
            label = SEP.join(m.variables)
            checks += _margin_checks(label, c, cnt, before, new[:, 0])
            self.margin_specs.append((label, c, cnt, act))
        if isinstance(s, CalibrateStep):
            for v, tot in s.totals.items():
                xb = pd.to_numeric(self.data.loc[act, v], errors="coerce").to_numpy(dtype=float)
                checks.append(MarginCheck(v, "(total)", float(tot), float(xb @ before), float(xb @ new[:, 0]),
                                          abs(float(xb @ new[:, 0]) - tot) / abs(tot) if tot else 0.0))
        n_neg = int((new[:, 0] < 0).sum())
        if n_neg:
            self.problems.append(Problem(f"{name} produced {n_neg} negative weights; consider logit calibration "
                                         "with bounds", rule="weighting-negative-weights", severity="warning",
                                         location=self.loaded.loc("steps", i)))
        self.calibration.append(_record(kind, act, cells, prev_weight, self.w[:, 0].copy(), after_margin, aux))
        self.report(i, name, {"margins": len(margins), "tolerance": tol,
                              "max_rel_misfit": max((c.rel_misfit for c in checks), default=0.0)}, checks)

    def _aux(self, i: int, s: CalibrateStep, cells: list[Cells], counts: list[dict[str, float]], act: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray]:
        """Auxiliary matrix (indicator per margin cell, then continuous variables) and its totals."""
        cols, tots = [], []
        for c, cnt in zip(cells, counts, strict=True):
            pos = c.pos()
            for level, target in cnt.items():
                cols.append((c.codes == pos[level]).astype(float))
                tots.append(target)
        for v, tot in s.totals.items():
            x = pd.to_numeric(self.data.loc[act, v], errors="coerce").to_numpy(dtype=float)
            if np.isnan(x).any():
                raise SurveyError(f"{v} is missing or not numeric in {int(np.isnan(x).sum())} weighted rows",
                                  rule="targets-missing-values", location=self.loaded.loc("steps", i, "totals", v))
            cols.append(x)
            tots.append(float(tot))
        x = np.column_stack(cols)
        if len(cells) > 1:  # drop one redundant indicator per extra margin (the totals are shared)
            keep = np.ones(x.shape[1], dtype=bool)
            start = len(counts[0])
            for cnt in counts[1:]:
                keep[start] = False
                start += len(cnt)
            x, tots = x[:, keep], list(np.asarray(tots)[keep])
        return x, np.asarray(tots, dtype=float)

    def trim_step(self, i: int, s: TrimStep) -> None:
        lo = st.median_bound(s.lower, self.w[:, 0])
        hi = st.median_bound(s.upper, self.w[:, 0])
        if lo is not None and hi is not None and lo >= hi:
            raise SurveyError(f"trim bounds are inverted: lower {lo:g} >= upper {hi:g}", rule="weighting-trim",
                              location=self.loaded.loc("steps", i))
        before = weight_stats(self.w[:, 0])
        try:
            self.w, n_trim = st.trim(self.w, lo, hi, s.redistribute, s.strict, s.max_iter, out=self.w)
        except st.StepFailure as exc:
            raise self.fail(exc, i) from None
        self.report(i, "trim", {"lower": lo, "upper": hi, "trimmed": n_trim, "redistribute": s.redistribute,
                                "max_before": before.max, "min_before": before.min,
                                "total_before": before.total, "total_after": float(self.w[:, 0].sum())}, [])


def _texts(values: list[Any]) -> list[str]:
    """Status codes as the text form used for matching (1.0 -> '1')."""
    return [str(int(v)) if isinstance(v, float) and v == int(v) else str(v) for v in values]


def run_weighting(dataset: pd.DataFrame | Dataset, spec: LoadedSpec | str | Path,
                  progress: Callable[[str], None] | None = None) -> WeightingResult:
    """Weight the data as the spec says; return the data with the final and replicate weights, and diagnostics.
    *progress*, if given, is told each step before it runs.

    Every original row, column and code is kept; nonrespondents and ineligibles get weight 0. For a
    :class:`~surveymod.data.read.Dataset`, the missing codes of the spec's variables (a refused region, a
    don't-know age group) are missing for the weighting, as in every other analysis.
    """
    loaded = spec if isinstance(spec, LoadedSpec) else load_spec(spec)
    data = dataset if isinstance(dataset, pd.DataFrame) else dataset.main
    analysed, _meta = analysis_frame(dataset, _spec_variables(loaded))
    out_name = loaded.spec.output
    if out_name in data.columns:
        raise SurveyError(f"the output weight {out_name!r} already exists in the data; choose another name",
                          rule="spec-output-exists", location=loaded.loc("output"))
    _need_columns(data, loaded)
    run = _Run(analysed.reset_index(drop=True), loaded)
    w0 = run.w[:, 0].copy()
    initial = weight_stats(w0)
    prefix, fay_rho = "repw", None
    for i, s in enumerate(loaded.spec.steps):
        if progress is not None:
            progress(f"step {i + 1} of {len(loaded.spec.steps)}: {s.step} ({len(run.w):,} rows x {run.w.shape[1]} "
                     "weight columns)")
        if isinstance(s, ReplicatesStep):
            prefix, fay_rho = s.prefix, s.fay_rho
            run.replicates_step(i, s)
        elif isinstance(s, NonresponseStep):
            run.nonresponse_step(i, s)
        elif isinstance(s, TrimStep):
            run.trim_step(i, s)
        else:
            run.calibration_step(i, s)
        run.w = np.asfortranarray(run.w)  # column-major: every step reads and writes whole weight columns
    final_margins: list[MarginCheck] = []
    for label, cells, cnt, act in run.margin_specs:
        # "before" is the base weight; "after" the final weight (a later trim may move a calibrated margin)
        final_margins += _margin_checks(label, cells, cnt, w0[act], run.w[act, 0])
    out = data.copy()
    out[out_name] = run.w[:, 0]
    rep_info = None
    if run.replicates is not None:
        names = [f"{prefix}{k}" for k in range(1, run.w.shape[1])]
        clash = [n for n in names if n in data.columns]
        if clash:
            raise SurveyError(f"replicate column {clash[0]!r} already exists in the data; set another prefix",
                              rule="spec-output-exists", location=loaded.loc("steps", 0, "prefix"))
        reps = pd.DataFrame(run.w[:, 1:], columns=names, index=out.index, copy=False)  # one block, no copy
        out = pd.concat([out, reps], axis=1)
        rep_info = {"method": run.replicates.method, "columns": f"{names[0]}..{names[-1]}",
                    "n_replicates": len(names), "scale": run.replicates.scale,
                    "rscales": [float(x) for x in run.replicates.rscales], "mse": loaded.spec.design.mse}
        design = Design(weight=out_name, repweights="|".join(re.escape(n) for n in names),
                        reptype=run.replicates.method, scale=rep_info["scale"], rscales=rep_info["rscales"],
                        mse=loaded.spec.design.mse, fay_rho=fay_rho if run.replicates.method == "fay" else None)
    else:
        design = loaded.spec.design.model_copy(update={"weight": out_name, "prob": None})
    diag = Diagnostics(spec=str(loaded.path) if loaded.path else None, initial=initial,
                       final=weight_stats(run.w[:, 0]), steps=run.reports, final_margins=final_margins,
                       problems=run.problems, replicates=rep_info,
                       design=loaded.spec.design, output=out_name)
    weighted = None if isinstance(dataset, pd.DataFrame) else dataset.with_frame(out)
    return WeightingResult(out, diag, run.calibration, design, weighted)


def _step_columns(loaded: LoadedSpec) -> Iterator[tuple[str, tuple[Any, ...]]]:
    """Every data column the steps classify by (nonresponse status and classes, margins, calibration totals),
    with its place in the spec."""
    for i, s in enumerate(loaded.spec.steps):
        if isinstance(s, NonresponseStep):
            yield s.status, ("steps", i, "status")
            for j, c in enumerate(s.classes):
                yield c, ("steps", i, "classes", j)
        for j, m in enumerate(_margins_of(s)):
            path = _margin_path(s, i, j)
            for k, v in enumerate(m.variables):
                yield v, (*path, "variables", k)
        if isinstance(s, CalibrateStep):
            for v in s.totals:
                yield v, ("steps", i, "totals", v)


def _spec_variables(loaded: LoadedSpec) -> list[str]:
    """The data columns the steps classify by: their missing codes are missing for the weighting."""
    return [col for col, _path in _step_columns(loaded)]


def need_memory(rows: int, replicates: int, loc: Location, copies: bool = False) -> None:
    """Refuse, before starting, a replicate matrix that cannot fit in the memory this machine has free.

    The weights of every replicate are held at once (8 bytes each) in one matrix that raking and trimming update
    in place, and written out from it without a copy: about rows x (replicates + 1) x 10 bytes with what goes
    around it. Post-stratification, calibration and any step on a subset of the rows (after nonresponse, or with
    zero weights: ``copies``) work on copies, about three matrices.
    """
    need = rows * (replicates + 1) * (24 if copies else 10)
    free = _available_memory()
    if free is not None and need > free:
        raise SurveyError(f"{replicates:,} replicate weights for {rows:,} rows need about {need / 2**30:.1f} GiB of "
                          f"memory, and this machine has {free / 2**30:.1f} GiB free; use fewer replicates or a "
                          "Taylor design", rule="weighting-memory", location=loc)


def _available_memory() -> int | None:
    """Bytes of memory available to a new allocation (Linux MemAvailable), or None where unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def _full(values: np.ndarray, act: np.ndarray, fill: float) -> np.ndarray:
    """Values of the active rows spread over all rows (``fill`` elsewhere)."""
    out = np.full(len(act), fill, dtype=float if np.issubdtype(values.dtype, np.floating) else values.dtype)
    out[act] = values
    return out


def _record(kind: str, act: np.ndarray, cells: list[Cells], before: np.ndarray, after: np.ndarray,
            after_margin: list[np.ndarray] | None, aux: np.ndarray | None) -> Record:
    """The calibration record R ``survey`` keeps for a step (main weight), row-aligned with the data."""
    if kind == "poststratification":
        return PostStratified(_full(cells[0].codes.astype(np.int64), act, -1), after, before)
    if kind == "raking":
        assert after_margin is not None
        return Raked(tuple((_full(c.codes.astype(np.int64), act, -1), _full(w, act, 0.0))
                           for c, w in zip(cells, after_margin, strict=True)))
    assert aux is not None
    x = np.zeros((len(act), aux.shape[1]))
    x[act] = aux
    return Calibrated.from_weights(x, np.where(act, before, 0.0), after)
