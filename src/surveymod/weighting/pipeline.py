"""Run a weighting spec on a data frame: base weight, replicates, each step in order, checks and diagnostics.

The weights are kept as one matrix (column 0 = main weight, then one column per replicate) so every step is
applied to every replicate. After each calibration step the margins are checked against the targets for the
main weight and every replicate; a miss beyond the step's tolerance is an error, never a warning.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..data.meta import analysis_frame
from ..data.reader import release_unused_memory
from ..design import replicate_weights as rw
from ..design.calibration import Calibrated, CalibrationError, PostStratified, Raked, Record, calibrate_linear
from ..design.design import Design
from ..design.prepare import MAX_WEIGHT, design_weights
from ..design.replicate_weights import ReplicateWeights
from ..design.replicates import ReplicateError, make_replicates
from ..design.taylor import group_sums
from ..errors import Location, Problem, SurveyError
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
    load_weighting_spec,
)
from .targets import SEP, Targets, as_text, cell_labels, check_against_data, load_targets

if TYPE_CHECKING:
    from ..data import Dataset

LINEAR_TOL = 1e-6


@dataclass
class WeightingResult:
    """The weighted data, the design and calibration it now has, and the diagnostics.

    ``data`` is the one way to the weighted data: the input :class:`~surveymod.data.Dataset` (labels and missing
    codes kept; a plain frame becomes a Dataset without metadata) whose top level has the final weight and every
    replicate weight column. ``design`` and ``calibration`` (one record per calibration step, row-aligned with the
    data) go straight into :func:`surveymod.estimation.estimate`, whose Taylor standard errors then credit the
    calibration as R ``survey`` does.
    """

    data: Dataset
    diagnostics: Diagnostics
    design: Design
    calibration: list[Record] = field(default_factory=list)
    replicate_weights: ReplicateWeights | None = None
    """The replicate weights; when the run was told to stream them (``stream_to``), ``data`` leaves them out and a
    writer takes them from here in blocks of rows."""


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
    w = vals if d.weight else 1.0 / vals
    huge = np.flatnonzero(w > MAX_WEIGHT)
    if huge.size:
        raise SurveyError(f"{col} gives weights above {MAX_WEIGHT:g} in {huge.size} rows (data rows "
                          f"{', '.join(str(i + 1) for i in huge[:5])}, e.g. {w[huge[0]]:g}); a weight counts people, "
                          "and sums of such numbers overflow", rule="weight-too-large", location=loc)
    return w


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
class MarginCells:
    """A margin's cells on the weighted rows as integer codes into ``levels`` (text labels)."""

    codes: np.ndarray
    levels: list[str]

    def pos(self) -> dict[str, int]:
        return {lv: i for i, lv in enumerate(self.levels)}

    def keyed(self, counts: dict[str, float]) -> dict[int, float]:
        """Targets keyed by code instead of label."""
        p = self.pos()
        return {p[k]: v for k, v in counts.items()}


def _sums(cells: MarginCells, levels: list[str], w: np.ndarray) -> np.ndarray:
    """Weighted sums per level (rows: levels, columns: weight columns) by bincount on the codes."""
    w2 = w if w.ndim == 2 else w[:, None]
    per = group_sums(cells.codes, len(cells.levels), w2)
    pos = cells.pos()
    return np.array([per[pos[lv]] if lv in pos else np.zeros(w2.shape[1]) for lv in levels])


def _margin_checks(name: str, cells: MarginCells, counts: dict[str, float], before: np.ndarray,
                   after: np.ndarray) -> list[MarginCheck]:
    """Target vs weighted sums (main weight) per cell, before and after."""
    levels = list(counts)
    b = _sums(cells, levels, before)[:, 0]
    a = _sums(cells, levels, after)[:, 0]
    return [MarginCheck(name, lv, float(t), float(bb), float(aa), abs(aa - t) / t if t else abs(aa))
            for lv, t, bb, aa in zip(levels, counts.values(), b, a, strict=True)]


def _verify(w: np.ndarray, cells: list[MarginCells], counts: list[dict[str, float]], tol: float, step: str,
            loc: Location, first: int = 0, joint: tuple[list[np.ndarray], np.ndarray] | None = None) -> None:
    """Error if any margin cell misses its target by more than ``tol`` (relative) for any weight column
    (``first``: the number of ``w``'s first column, 0 for the main weight). With the margins' ``joint`` cells
    (:func:`steps.joint_cells`) the rows are summed once per joint cell, then the cells per margin level."""
    if joint is not None:
        codes, rows = joint
        w = group_sums(rows, len(codes[0]), np.asarray(w, dtype=float))
        cells = [MarginCells(code, c.levels) for code, c in zip(codes, cells, strict=True)]
    for c, cnt in zip(cells, counts, strict=True):
        all_sums = _sums(c, list(cnt), w)
        for (level, target), sums in zip(cnt.items(), all_sums, strict=True):
            rel = np.abs(sums - target) / max(target, 1e-12)
            if np.any(rel > tol):
                k = int(np.argmax(rel))
                raise SurveyError(f"{step}: the margin {level} is not met ({st.which(k + first)}: weighted {sums[k]:,.6g} vs "
                                  f"target {target:,.6g}, relative misfit {rel[k]:.2g} > tolerance {tol:g})",
                                  rule="weighting-margin-not-met", location=loc)


class _Run:
    """State of one run: data, weight matrix, reports; one method per step kind."""

    def __init__(self, data: pd.DataFrame, loaded: LoadedSpec, stream: str | Path | None = None,
                 progress: Callable[[str], None] | None = None, records: bool = True) -> None:
        self.data = data
        self.records = records
        self.loaded = loaded
        self.stream = stream
        self.progress = progress
        # the main weight as the run's own one-column matrix, which the steps update in place (the replicate
        # columns are made later, from the ops kept in ``rep``)
        self.w = np.array(_base_weight(data, loaded), dtype=float, copy=True).reshape(-1, 1)
        self.problems: list[Problem] = []
        self.reports: list[StepReport] = []
        self.margin_specs: list[tuple[str, MarginCells, dict[str, float], np.ndarray]] = []
        self.rep: ReplicateWeights | None = None
        self.calibration: list[Record] = []

    # -- helpers -------------------------------------------------------------------------------------
    def active(self) -> np.ndarray:
        return self.w[:, 0] > 0

    def margin_targets(self, m: Margin, path: tuple) -> tuple[Targets, MarginCells, dict[str, float]]:
        """Load, check and convert one margin's targets to counts for the active rows."""
        loc = self.loaded.loc(*path, "targets")
        t = load_targets(m, self.loaded, path)
        act = self.active()
        names = list(dict.fromkeys(t.variables))  # the margin's columns only: no copy of the other columns
        cells = cell_labels(relabel(self.data[names] if act.all() else self.data.loc[act, names], m), t.variables)
        self.problems += check_against_data(t, cells, self.w[act, 0], loc)
        counts = t.counts(float(self.w[act, 0].sum()))
        codes, uniq = pd.factorize(cells)
        return t, MarginCells(codes.astype(np.int32), [str(u) for u in uniq]), {k: v for k, v in counts.items() if v > 0}

    def report(self, i: int, name: str, details: dict[str, Any], margins: list[MarginCheck]) -> None:
        line = self.loaded.loc("steps", i).line
        self.reports.append(StepReport(name, line, details, weight_stats(self.w[:, 0]), margins))

    def fail(self, exc: st.StepFailure, i: int) -> SurveyError:
        return SurveyError(str(exc), rule="weighting-step-failed", location=self.loaded.loc("steps", i))

    def then(self, i: int, op: Callable[[np.ndarray, int], np.ndarray]) -> None:
        """After the replicates step, step *i* is done again on every replicate column: keep it as their op."""
        if self.rep is None:
            return

        def located(w: np.ndarray, first: int) -> np.ndarray:
            try:
                return op(w, first)
            except st.StepFailure as exc:
                raise self.fail(exc, i) from None

        self.rep.ops.append(located)

    # -- steps ----------------------------------------------------------------------------------------
    def replicates_step(self, i: int, s: ReplicatesStep) -> None:
        d = self.loaded.spec.design
        rows, loc = len(self.data), self.loaded.loc("steps", i)
        psus = int(self.data[d.psu].nunique()) if d.psu and d.psu in self.data else rows
        expected = int(s.n or psus)
        copies = bool((self.w[:, 0] <= 0).any()) or any(
            isinstance(t, NonresponseStep | PoststratifyStep | CalibrateStep) for t in self.loaded.spec.steps)
        held = expected if self.stream is None else rw.batch_columns(rows, expected)
        need_memory(rows, expected, loc, copies=copies, psus=psus, held=held)
        if self.stream is not None and rows * expected * 8 > rw.SPILL_BYTES:
            need_disk(Path(self.stream), 2 * rows * expected * 8, f"{expected:,} replicate weights for {rows:,} "
                      "rows, written through a temporary file,", loc)
        try:
            reps = make_replicates(self.data, method=s.method, strata=d.strata, psu=d.psu, n_reps=s.n,
                                   seed=s.seed, fay_rho=s.fay_rho, lonely_psu=d.lonely_psu,
                                   fpc_fraction=_fpc_fraction(self.data, self.loaded))
        except ReplicateError as exc:
            raise SurveyError(f"replicate weights: {exc}", rule="weighting-replicates",
                              location=self.loaded.loc("steps", i)) from None
        self.rep = ReplicateWeights([f"{s.prefix}{k}" for k in range(1, reps.n_replicates + 1)],
                                    self.w[:, 0].copy(), reps, progress=self.progress)
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
        codes = classes.to_numpy(dtype=object)
        try:
            self.w, factors = st.nonresponse(self.w, codes, resp, inel, s.max_factor)
        except st.StepFailure as exc:
            raise self.fail(exc, i) from None
        self.then(i, lambda w, first: st.nonresponse(w, codes, resp, inel, s.max_factor, first)[0])
        self.report(i, "nonresponse", {"respondents": int(resp.sum()), "nonrespondents":
                                       int((~resp & ~inel).sum()), "ineligible": int(inel.sum()),
                                       "factors": {k: round(v, 6) for k, v in factors.items()},
                                       "total_before": float(before.sum()),
                                       "total_after": float(self.w[:, 0].sum())}, [])

    def calibration_step(self, i: int, s: PoststratifyStep | RakeStep | CalibrateStep) -> None:
        act = self.active()
        margins = _margins_of(s)
        loaded_m = [self.margin_targets(m, _margin_path(s, i, j)) for j, m in enumerate(margins)]
        release_unused_memory()  # the cell labels' text (hundreds of MB at 10M rows) goes back to the system
        cells = [c for _, c, _ in loaded_m]
        counts = [cnt for _, _, cnt in loaded_m]
        totals = [sum(cnt.values()) for t, _, cnt in loaded_m if not t.is_share]
        if totals and max(totals) - min(totals) > 1e-6 * max(totals):
            raise SurveyError(f"the margins' population totals differ ({', '.join(f'{t:,.0f}' for t in totals)})"
                              "; margins that disagree on the total cannot all be met",
                              rule="weighting-margin-totals", location=self.loaded.loc("steps", i))
        if totals and len(totals) < len(loaded_m):
            # Shares beside counts: the counts fix the population total, so the shares are of that total (the
            # weighted total before the step would give margins that disagree, and raking would not converge).
            counts = [{k: v * totals[0] for k, v in t.values.items() if v > 0} if t.is_share else cnt
                      for t, _, cnt in loaded_m]
            self.problems.append(Problem(
                f"step {i + 1}: the share margins are taken as shares of the count margins' total "
                f"{totals[0]:,.6g}", rule="weighting-share-total", severity="info", location=self.loaded.loc("steps", i)))
        every = bool(act.all())  # then no copy of the weights: the step works on them in place
        before = self.w[act, 0]
        prev_weight = self.w[:, 0].copy()
        after_margin: list[np.ndarray] = []
        aux: np.ndarray | None = None
        tots = np.zeros(0)
        if isinstance(s, PoststratifyStep):
            tol, name, kind = LINEAR_TOL, "poststratify", "poststratification"
        elif isinstance(s, RakeStep):
            tol, name, kind = s.tolerance, "rake", "raking"
        else:
            aux, tots = self._aux(i, s, cells, counts, act)
            tol, name, kind = max(s.tolerance, LINEAR_TOL), f"calibrate ({s.method})", "calibration"
        loc = self.loaded.loc("steps", i)
        joint = st.joint_cells([c.codes for c in cells]) if isinstance(s, RakeStep) else None

        def op(w: np.ndarray, first: int) -> np.ndarray:
            """The step on weight columns *w* (numbered from *first*), checked against every margin."""
            w_act = w if every else w[act]
            if isinstance(s, PoststratifyStep):
                new = st.poststratify(cells[0].codes, cells[0].keyed(counts[0]), w_act, first)
            elif isinstance(s, RakeStep):
                new, snapshots = st.rake([c.codes for c in cells],
                                         [c.keyed(n) for c, n in zip(cells, counts, strict=True)],
                                         w_act, s.tolerance, s.max_iter, out=w_act if every else None, first=first,
                                         joint=joint)
                if first == 0:
                    after_margin[:] = snapshots
            elif s.bounds is None:  # linear without bounds: GREG in one step (R regcalibrate)
                assert aux is not None
                try:
                    new = calibrate_linear(aux, tots, w_act)
                except CalibrationError as exc:
                    raise st.StepFailure(f"linear calibration failed: {exc}") from None
            else:
                assert aux is not None
                new = st.calibrate_bounded(aux, tots, w_act, s.method, s.bounds, s.tolerance, s.max_iter, first)
            _verify(new, cells, counts, max(tol * 10, 1e-9) if isinstance(s, RakeStep) else tol, name, loc, first,
                    joint)
            if every:
                return new
            w[act] = new
            return w

        try:
            self.w = op(self.w, 0)
        except st.StepFailure as exc:
            raise self.fail(exc, i) from None
        self.then(i, op)
        after = self.w[act, 0]
        checks = []
        for m, c, cnt in zip(margins, cells, counts, strict=True):
            label = SEP.join(m.variables)
            checks += _margin_checks(label, c, cnt, before, after)
            self.margin_specs.append((label, c, cnt, act))
        if isinstance(s, CalibrateStep):
            for v, tot in s.totals.items():
                xb = pd.to_numeric(self.data.loc[act, v], errors="coerce").to_numpy(dtype=float)
                checks.append(MarginCheck(v, "(total)", float(tot), float(xb @ before), float(xb @ after),
                                          abs(float(xb @ after) - tot) / abs(tot) if tot else 0.0))
        n_neg = int((after < 0).sum())
        if n_neg:
            self.problems.append(Problem(f"{name} produced {n_neg} negative weights; consider logit calibration "
                                         "with bounds", rule="weighting-negative-weights", severity="warning",
                                         location=self.loaded.loc("steps", i)))
        if self.records:
            self.calibration.append(_record(kind, act, cells, prev_weight, self.w[:, 0].copy(),
                                            after_margin or None, aux))
        after_margin.clear()  # the record has them; the replicates' op never fills them (first > 0)
        self.report(i, name, {"margins": len(margins), "tolerance": tol,
                              "max_rel_misfit": max((c.rel_misfit for c in checks), default=0.0)}, checks)

    def _aux(self, i: int, s: CalibrateStep, cells: list[MarginCells], counts: list[dict[str, float]], act: np.ndarray
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
        self.then(i, lambda w, first: st.trim(w, lo, hi, s.redistribute, s.strict, s.max_iter, out=w, first=first)[0])
        self.report(i, "trim", {"lower": lo, "upper": hi, "trimmed": n_trim, "redistribute": s.redistribute,
                                "max_before": before.max, "min_before": before.min,
                                "total_before": before.total, "total_after": float(self.w[:, 0].sum())}, [])


def _texts(values: list[Any]) -> list[str]:
    """Status codes as the text form used for matching (1.0 -> '1')."""
    return [str(int(v)) if isinstance(v, float) and v == int(v) else str(v) for v in values]


def run_weighting(dataset: pd.DataFrame | Dataset, spec: LoadedSpec | str | Path,
                  progress: Callable[[str], None] | None = None, stream_to: str | Path | None = None,
                  records: bool = True) -> WeightingResult:
    """Weight the data as the spec says; return the data with the final and replicate weights, and diagnostics.
    *progress*, if given, is told each step before it runs.

    Every original row, column and code is kept; nonrespondents and ineligibles get weight 0. For a
    :class:`~surveymod.data.Dataset`, the missing codes of the spec's variables (a refused region, a
    don't-know age group) are missing for the weighting, as in every other analysis.

    The steps run on the main weight, then again on the replicate weights, every column on its own. With
    *stream_to* (the folder of an output written a block of rows at a time), the replicate columns are left to be
    made a batch at a time as they are written (an error in a replicate then comes from the writing); otherwise
    they are all made here and are columns of the result's ``data``. ``records=False`` keeps no calibration
    records (R's, for Taylor SEs that credit the calibration in this process): a command that writes the weights
    to a file, which cannot carry them, saves their memory (two columns per raking margin).
    """
    loaded = spec if isinstance(spec, LoadedSpec) else load_weighting_spec(spec)
    data = dataset if isinstance(dataset, pd.DataFrame) else dataset.main
    analysed, _meta = analysis_frame(dataset, _spec_variables(loaded))
    out_name = loaded.spec.output
    if out_name in data.columns:
        raise SurveyError(f"the output weight {out_name!r} already exists in the data; choose another name",
                          rule="spec-output-exists", location=loaded.loc("output"))
    _need_columns(data, loaded)
    run = _Run(analysed.reset_index(drop=True), loaded, stream_to, progress, records)
    w0 = run.w[:, 0].copy()
    initial = weight_stats(w0)
    for i, s in enumerate(loaded.spec.steps):
        if progress is not None:
            progress(f"step {i + 1} of {len(loaded.spec.steps)}: {s.step} (main weight, {len(run.w):,} rows)")
        if isinstance(s, ReplicatesStep):
            run.replicates_step(i, s)
        elif isinstance(s, NonresponseStep):
            run.nonresponse_step(i, s)
        elif isinstance(s, TrimStep):
            run.trim_step(i, s)
        else:
            run.calibration_step(i, s)
        release_unused_memory()
        main = run.w[:, 0]
        if not (np.abs(main) <= MAX_WEIGHT).all():  # also inf and NaN
            row = int(np.argmax(~(np.abs(main) <= MAX_WEIGHT)))
            raise SurveyError(f"step {i + 1} ({s.step}) gives row {row + 1} the weight {main[row]:g}, beyond "
                              f"{MAX_WEIGHT:g}: check the step's targets or totals", rule="weight-too-large",
                              location=loaded.loc("steps", i))
    final_margins: list[MarginCheck] = []
    for label, cells, cnt, act in run.margin_specs:
        # "before" is the base weight; "after" the final weight (a later trim may move a calibrated margin)
        final_margins += _margin_checks(label, cells, cnt, w0[act], run.w[act, 0])
    out = data.copy(deep=False)
    out[out_name] = run.w[:, 0]
    rep, rep_info = run.rep, None
    if rep is not None:
        clash = [n for n in rep.names if n in data.columns]
        if clash:
            raise SurveyError(f"replicate column {clash[0]!r} already exists in the data; set another prefix",
                              rule="spec-output-exists", location=loaded.loc("steps", 0, "prefix"))
        replicates = rep.replicates
        if stream_to is None:
            if progress is not None:
                progress(f"replicate weights: every step again on each of {rep.count} replicates")
            rep.matrix()
        rep_info = {"method": replicates.method, "columns": f"{rep.names[0]}..{rep.names[-1]}",
                    "n_replicates": rep.count, "scale": replicates.scale,
                    "rscales": [float(x) for x in replicates.rscales], "mse": loaded.spec.design.mse}
        fay_rho = next((s.fay_rho for s in loaded.spec.steps if isinstance(s, ReplicatesStep)), None)
        design = Design(weight=out_name, repweights="|".join(re.escape(n) for n in rep.names),
                        reptype=replicates.method, scale=rep_info["scale"], rscales=rep_info["rscales"],
                        mse=loaded.spec.design.mse, fay_rho=fay_rho if replicates.method == "fay" else None)
    else:
        design = loaded.spec.design.model_copy(update={"weight": out_name, "prob": None})
    diag = Diagnostics(spec=str(loaded.path) if loaded.path else None, initial=initial,
                       final=weight_stats(run.w[:, 0]), steps=run.reports, final_margins=final_margins,
                       problems=run.problems, replicates=rep_info,
                       design=loaded.spec.design, output=out_name)
    if rep is not None and stream_to is None:
        out = pd.concat([out, pd.DataFrame(rep.matrix(), columns=rep.names, index=out.index, copy=False)], axis=1)
    return WeightingResult(_as_dataset(dataset).with_frame(out), diag, design, run.calibration, rep)


def _as_dataset(data: pd.DataFrame | Dataset) -> Dataset:
    """A Dataset as it is; a plain frame as a Dataset without metadata."""
    from ..data import Dataset
    from ..data.levels import TOP_LEVEL

    return Dataset(frames={TOP_LEVEL: data}) if isinstance(data, pd.DataFrame) else data


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


def need_memory(rows: int, replicates: int, loc: Location, copies: bool = False, psus: int = 0,
                held: int | None = None) -> None:
    """Refuse, before starting, replicate weights that cannot fit in the memory this machine has free.

    The replicate factors are made per PSU (``psus`` x replicates, about 24 bytes each with the work). The
    weights of ``held`` replicates (all, or a batch of columns when they are streamed to the output) are held at
    once (8 bytes each) in one matrix that raking and trimming update in place: about rows x (held + 1) x 10 bytes
    with what goes around it. Post-stratification, calibration and any step on a subset of the rows (after
    nonresponse, or with zero weights: ``copies``) work on copies, about three matrices.
    """
    held = replicates if held is None else held
    need = rows * (held + 1) * (24 if copies else 10) + psus * replicates * 24
    free = _available_memory()
    if free is not None and need > free:
        raise SurveyError(f"{replicates:,} replicate weights for {rows:,} rows need about {need / 2**30:.1f} GiB of "
                          f"memory, and this machine has {free / 2**30:.1f} GiB free; use fewer replicates or a "
                          "Taylor design", rule="weighting-memory", location=loc)


def need_disk(folder: Path, need: int, what: str, loc: Location) -> None:
    """Refuse, before starting, an output (and its temporary file) larger than the free space of its folder."""
    where = next((p for p in (folder, *folder.parents) if p.exists()), Path("."))
    free = shutil.disk_usage(where).free
    if need > free:
        raise SurveyError(f"{what} need about {_size(need)} of disk in {folder}, which has {_size(free)} free; "
                          "use fewer replicates or write elsewhere",
                          rule="weighting-disk", location=loc)


def _size(n: int) -> str:
    return f"{n / 2**30:.1f} GiB" if n >= 2**30 else f"{n / 2**20:.1f} MiB"


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
    """Values of the active rows spread over all rows (``fill`` elsewhere); the array itself when every row is
    active (at 10M rows each copy is 80 MB the record would keep)."""
    if len(values) == len(act) and act.all():
        return values
    out = np.full(len(act), fill, dtype=float if np.issubdtype(values.dtype, np.floating) else values.dtype)
    out[act] = values
    return out


def _record(kind: str, act: np.ndarray, cells: list[MarginCells], before: np.ndarray, after: np.ndarray,
            after_margin: list[np.ndarray] | None, aux: np.ndarray | None) -> Record:
    """The calibration record R ``survey`` keeps for a step (main weight), row-aligned with the data."""
    if kind == "poststratification":
        return PostStratified(_full(cells[0].codes.astype(np.int64), act, -1), after, before)
    if kind == "raking":
        assert after_margin is not None
        return Raked(tuple((_full(c.codes, act, -1), _full(w, act, 0.0))
                           for c, w in zip(cells, after_margin, strict=True)))
    assert aux is not None
    x = np.zeros((len(act), aux.shape[1]))
    x[act] = aux
    return Calibrated.from_weights(x, np.where(act, before, 0.0), after)
