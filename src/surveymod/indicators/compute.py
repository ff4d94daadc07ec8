"""Compute a programme's indicators: survey shares/means/totals with their change, training and monitoring values.

Survey indicators are evaluated per respondent with the questionnaire condition language (never ``eval``), then
estimated with the design (weights, strata, PSUs) by ``surveymod.estimation``; change against the baseline wave uses
the delta method (independent waves: variances add). Disaggregations are marginal (by sex, then by age group) and
are named with the wave questionnaire's value labels unless the spec gives its own. Every row gets its Cumulative
column by the rule of its value type (``values.cumulative``) and, when it has a target, a judgment from the CI:
met, met on the point estimate but not statistically, or not met.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..data.reader import Dataset
from ..design.calibration import Record
from ..errors import Problem, SurveyError
from ..estimation import Design, change, estimate
from ..questionnaire import expr as E
from ..questionnaire.model import Questionnaire
from .asof import Availability, availability, covered, report_periods, resolve_as_of, year_text
from .programme import Indicator, LoadedProgramme, MonitoringValue, Wave
from .results import (
    MET,
    MET_POINT,
    NOT_MET,
    NOT_YET,
    PERIOD_TITLES,
    PERIODS,
    BaselineChange,
    Cell,
    IndicatorRow,
)
from .training import TrainingRule, training_indicators
from .values import cumulative_cell, record_cell

Y = "__indicator_y"


@dataclass
class WaveData:
    """A wave's frame (with weights and derived variables) and its design."""

    name: str
    wave: Wave
    frame: pd.DataFrame
    design: Design
    calibration: list[Record] = field(default_factory=list)  # from the wave's weighting spec
    questionnaire: Questionnaire | None = None  # its value labels name the disaggregation levels
    dataset: Dataset | None = None  # the weighted data with every code as collected (for exports)
    values: dict[str, np.ndarray] = field(default_factory=dict)  # indicator id -> per-respondent value


def read_wave(lp: LoadedProgramme, name: str, qn: Questionnaire | None) -> Dataset:
    """A wave's data read the one way every command reads data; a path that is no data file, or a file that
    cannot be read, is an error at the spec line that names it."""
    from ..data.reader import SUFFIXES, read

    w = lp.spec.waves[name]
    path = lp.base / w.data
    where = lp.where(f"waves.{name}.data")
    if not path.is_file() or path.suffix.lower() not in SUFFIXES:
        what = "a folder" if path.is_dir() else ("not found" if not path.exists() else "not a data file")
        raise SurveyError(Problem(f"wave '{name}': data '{w.data}' is {what}; give a .csv, .xlsx, .sav, .dta or "
                                  ".parquet file", "wave-data", location=where))
    try:
        ds = read(path, qn)
    except SurveyError as exc:
        raise SurveyError([Problem(f"wave '{name}': the data file {w.data} cannot be read", "wave-data",
                                   location=where), *exc.problems]) from None
    errors = [p for p in ds.problems if p.severity == "error"]
    if errors:
        raise SurveyError([Problem(f"wave '{name}': the data file {w.data} has problems", "wave-data",
                                   location=where), *errors])
    return ds


def add_calculations(frame: pd.DataFrame, questionnaire: str | Path | Questionnaire | None) -> pd.DataFrame:
    """Add the questionnaire's calculated variables that the data lack (e.g. ``agegrp`` from ``age``)."""
    if not questionnaire:
        return frame
    from ..questionnaire import load
    from ..questionnaire.conditions import compile_condition

    qn = questionnaire if isinstance(questionnaire, Questionnaire) else load(questionnaire)
    out = frame
    for q in qn.questions():
        if q.type == "calculate" and q.name not in out.columns and q.calculation:
            node = compile_condition(qn, q.calculation)
            if all(r.name in out.columns for r in E.references(node)):
                env = {c: out[c] for c in {r.name for r in E.references(node)}}
                out = out.assign(**{q.name: E.evaluate(node, env, len(out))})
    return out


def load_wave(lp: LoadedProgramme, name: str) -> WaveData:
    """Read a wave, run its weighting spec if any, and add derived variables."""
    w = lp.spec.waves[name]
    qn = None
    if w.questionnaire:
        from ..questionnaire import load

        qn = load(lp.base / w.questionnaire)
    ds = read_wave(lp, name, qn)
    ds = ds.with_frame(add_calculations(ds.main, qn))
    design = w.design or Design()
    calibration: list[Record] = []
    if w.weighting:
        from ..weighting import load_weighting_spec, run_weighting

        result = run_weighting(ds, load_weighting_spec(lp.base / w.weighting))
        ds, calibration, design = result.data, result.calibration, result.design
    # the questionnaire's missing codes (don't know, refusal ...) are missing in every indicator expression
    frame = ds.valid(list(ds.main.columns))
    return WaveData(name, w, frame, design, calibration, qn, ds)


def _values(node: E.Node, frame: pd.DataFrame, where: str, lp: LoadedProgramme, wave: str) -> np.ndarray:
    names = sorted({r.name for r in E.references(node)})
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise SurveyError(Problem(f"variable '{missing[0]}' is not in the data of wave '{wave}'", "unknown-variable",
                                  location=lp.where(where)))
    env = {n: pd.to_numeric(frame[n], errors="coerce") if frame[n].dtype != object else frame[n] for n in names}
    out = E.evaluate(node, env, len(frame))
    miss = np.zeros(len(frame), dtype=bool)
    for n in names:
        miss |= frame[n].isna().to_numpy()
    vals = out.astype(float)
    vals[miss] = np.nan
    return vals


def indicator_column(ind: Indicator, i: int, wd: WaveData, lp: LoadedProgramme) -> pd.DataFrame:
    """The frame with the per-respondent indicator value in column ``Y`` (NaN outside the universe)."""
    if ind.definition:
        y = _definition_values(ind, i, wd, lp)
    else:
        try:
            node = E.parse(ind.expression or "")
        except E.ExprSyntaxError as exc:
            raise SurveyError(Problem(f"indicator {ind.id}: {exc}", "expression-syntax",
                                      location=lp.where(f"indicators[{i}].expression"))) from None
        y = _values(node, wd.frame, f"indicators[{i}].expression", lp, wd.name)
    if ind.kind == "share":
        y = np.where(np.isnan(y), np.nan, (y != 0).astype(float))
    if ind.universe:
        u = _values(E.parse(ind.universe), wd.frame, f"indicators[{i}].universe", lp, wd.name)
        y = np.where(np.nan_to_num(u) != 0, y, np.nan)
    for j, b in enumerate(ind.by):
        if b not in wd.frame.columns:
            raise SurveyError(Problem(f"indicator {ind.id}: disaggregation variable '{b}' is not in the data of "
                                      f"wave '{wd.name}'", "unknown-variable",
                                      location=lp.where(f"indicators[{i}].by[{j}]")))
    return wd.frame.assign(**{Y: y})


def _definition_values(ind: Indicator, i: int, wd: WaveData, lp: LoadedProgramme) -> np.ndarray:
    """Per-respondent values of a shipped definition 'FILE#ID'; problems are located at the spec line."""
    from .definitions import respondent_values
    from .spec import load_indicator_spec

    file, _, def_id = (ind.definition or "").partition("#")
    where = lp.where(f"indicators[{i}].definition")
    path = lp.base / file
    if not def_id or not path.exists():
        raise SurveyError(Problem(f"indicator {ind.id}: definition '{ind.definition}' must be 'FILE#ID' with an "
                                  "existing file", "unknown-definition", location=where))
    try:
        return respondent_values(load_indicator_spec(path), def_id, wd.frame)
    except SurveyError as exc:
        raise SurveyError([Problem(f"{p.message} (wave '{wd.name}')", p.rule, location=where)
                           for p in exc.problems]) from None


def _cell(row: pd.Series, ind: Indicator, wave: str) -> Cell:
    s = ind.scale
    return Cell(value=float(row.estimate) * s, ci_low=float(row.ci_low) * s, ci_high=float(row.ci_high) * s,
                se=float(row.se) * s, n=int(row.n), flag=str(row.flag or ""), source=f"survey wave '{wave}'",
                unit=ind.unit)


def _level_label(ind: Indicator, domain: str, qn: Questionnaire | None = None) -> str:
    """The display label of a disaggregation level: the spec's own, else the questionnaire's value label."""
    var, _, level = domain.partition("=")
    own = ind.labels.get(var, {}).get(level)
    if own is not None:
        return own
    if qn is not None:
        try:
            q = qn.question(var)
            code = float(level)
            for c in qn.choice_list(q):
                if c.code == code:
                    short = qn.text(q.short) if q.short else ""
                    return f"{short}: {qn.text(c.label)}" if short else qn.text(c.label)
        except (KeyError, ValueError, SurveyError):
            pass
    return f"{var} = {level}"


def _written_baseline(ind: Indicator, row: IndicatorRow) -> None:
    if ind.baseline is not None:
        row.cells["baseline"] = record_cell(ind, ind.baseline, "programme framework (baseline as written)")


def _absent(ind: Indicator, lp: LoadedProgramme, av: Availability | None, due: bool = True) -> list[str]:
    """Notes on the indicator's waves this report cannot use: due in a later year, or data not there."""
    if av is None:
        return []
    return [av.note(w, lp.spec.waves[w].label or f"wave '{w}'", lp.spec.years) for w in ind.waves
            if w in av.missing or (due and w in av.due)]


def survey_row(ind: Indicator, i: int, waves: dict[str, WaveData], lp: LoadedProgramme,
               av: Availability | None = None) -> IndicatorRow:
    """Estimate the indicator in each of its waves, overall and by each disaggregation; change vs the first wave.

    With ``report: relative_change`` the later periods show the relative change against the baseline wave ("%
    increase", CI, p-value) and the estimated levels move to the notes. Waves not available as of the report
    (due later, or no data yet) are left out with a note; before the endline, a relative change shows the
    baseline level and "endline due <year>".
    """
    row = IndicatorRow(id=ind.id, level=ind.level, text=ind.text, kind="survey", value_type=ind.vtype,
                       unit=ind.unit)
    use = [w for w in ind.waves if w in waves]
    frames = {w: indicator_column(ind, i, waves[w], lp) for w in use}
    for w, f in frames.items():  # kept so that exports can carry each respondent's indicator value
        waves[w].values[ind.id] = f[Y].to_numpy()
    # shares are proportions (CI by the spec's method, logit by default); means and totals use t intervals
    stat = {"share": "prop", "total": "total"}.get(ind.kind, "mean")
    subs: dict[str, IndicatorRow] = {}
    for w, f in frames.items():
        period = waves[w].wave.period

        def est_(by: list[str] | None, f: pd.DataFrame = f, w: str = w) -> pd.DataFrame:
            e = estimate(f, waves[w].design, by=by, ci=lp.spec.ci_method, conf_level=lp.spec.level,
                         calibration=waves[w].calibration, **{stat: [Y]})
            return e[e["level"] == "1"] if stat == "prop" else e

        row.cells[period] = _cell(est_(None).iloc[0], ind, w)
        for b in ind.by:
            for _, r in est_([b]).iterrows():
                key = str(r.domain)
                sub = subs.setdefault(key, IndicatorRow(id=ind.id, level="", text=ind.text, unit=ind.unit,
                                                        label=_level_label(ind, key, waves[w].questionnaire),
                                                        by=b))
                sub.cells[period] = _cell(r, ind, w)
    row.breakdown = list(subs.values())
    if len(use) >= 2 and use[0] == ind.waves[0] and ind.kind != "total":
        base, last = waves[use[0]], waves[use[-1]]
        fb, fl = frames[use[0]], frames[use[-1]]
        cal = {"base_calibration": base.calibration, "end_calibration": last.calibration}
        ch = change(fb, base.design, fl, last.design, mean=[Y], conf_level=lp.spec.level, **cal)
        row.change = _change(ch.iloc[0], ind, last.wave.period)
        for b in ind.by:
            chb = change(fb, base.design, fl, last.design, mean=[Y], by=[b], conf_level=lp.spec.level, **cal)
            for _, r in chb.iterrows():
                if str(r.domain) in subs:
                    subs[str(r.domain)].change = _change(r, ind, last.wave.period)
    _written_baseline(ind, row)
    if ind.report == "relative_change":
        _relative_change_cells(row, ind)
        for r in (row, *row.breakdown):
            if r is not row:
                _relative_change_cells(r, ind)
            r.value_type = "relative_change"
    # survey estimates are levels at the time of the survey (campaign reach asks about the whole campaign):
    # the cumulative result is the latest estimate
    for r in (row, *row.breakdown):
        r.cumulative = cumulative_cell("number", {p: c for p, c in r.cells.items() if p != "baseline"})
    later_due = [av.due[w] for w in ind.waves[1:] if av is not None and w in av.due]
    if row.change is None and later_due and ind.report == "relative_change":
        row.cumulative = Cell(text_value=f"endline due {year_text(later_due[-1], lp.spec.years)}")
    row.notes.extend(_absent(ind, lp, av))
    if ind.target is not None:
        row.target = ind.target.describe(ind.unit)
        row.target_status = _target_status(ind, row)
        row.target_met = None if not row.target_status else row.target_status == MET
    row.sources = ind.sources or ""
    if ind.notes:
        row.notes.append(ind.notes)
    return row


def _relative_change_cells(row: IndicatorRow, ind: Indicator) -> None:
    """Year column: the relative change vs the baseline wave; the estimated levels go to the notes."""
    levels = "; ".join(f"{PERIOD_TITLES[p]} {c.text()}" for p, c in row.cells.items())
    if row.change is None:
        return
    row.levels = dict(row.cells)
    later = {p: c for p, c in row.cells.items() if p != "baseline"}
    for p in later:
        if p == row.change.period:
            row.cells[p] = Cell(value=row.change.pct, text_value=row.change.increase_text(), unit="%",
                                source=later[p].source)
        else:  # a middle wave without its own contrast keeps its level, marked as such
            row.cells[p] = Cell(value=later[p].value, text_value=f"level {later[p].text()}", source=later[p].source)
    unit = "share" if ind.kind == "share" else "mean"
    row.notes.insert(0, f"Levels ({unit}, 95% CI): {levels}; change {row.change.points:+.1f} points "
                        f"({row.change.points_ci[0]:+.1f} to {row.change.points_ci[1]:+.1f}).")


def _change(r: pd.Series, ind: Indicator, period: str) -> BaselineChange:
    s = ind.scale
    return BaselineChange(points=float(r["diff"]) * s, points_se=float(r["diff_se"]) * s,
                  points_ci=(float(r["diff_ci_low"]) * s, float(r["diff_ci_high"]) * s),
                  pct=float(r["pct_change"]), pct_se=float(r["pct_change_se"]),
                  pct_ci=(float(r["pct_ci_low"]), float(r["pct_ci_high"])), p_value=float(r["diff_p"]),
                  period=period)


def _judge(point: float, low: float | None, target: float) -> str:
    """met when the whole CI reaches the target; met on the point estimate only; or not met."""
    if low is not None and not np.isnan(low) and low >= target:
        return MET
    if point >= target:
        return MET_POINT if low is not None and not np.isnan(low) else MET
    return NOT_MET


def _target_status(ind: Indicator, row: IndicatorRow) -> str:
    t = ind.target
    if t is None:
        return ""
    if t.change_pct is not None and row.change is not None:
        return _judge(row.change.pct, row.change.pct_ci[0], t.change_pct)
    if t.change_points is not None and row.change is not None:
        return _judge(row.change.points, row.change.points_ci[0], t.change_points)
    if t.value is not None:
        if row.kind != "survey" and row.cumulative is not None and row.cumulative.value is not None:
            return _judge(row.cumulative.value, None, t.value)
        latest = [row.cells[p] for p in PERIODS[1:] if p in row.cells and row.cells[p].value is not None]
        if latest:
            return _judge(latest[-1].value, latest[-1].ci_low, t.value)  # type: ignore[arg-type]
    return ""


def training_row(ind: Indicator, i: int, waves: dict[str, WaveData], lp: LoadedProgramme,
                 av: Availability | None = None) -> IndicatorRow:
    """Trainees tested and/or improved (matched pre/post), by sex and age, with the paired tests in the notes.

    ``training`` shows both counts ("45 trained / 31 improved"); ``training_tested``/``training_improved`` one.
    """
    row = IndicatorRow(id=ind.id, level=ind.level, text=ind.text, kind="training", value_type="count",
                       unit=ind.unit)

    def cell(tested: int, improved: int, **kw: object) -> Cell:
        if ind.kind == "training":
            return Cell(value=float(tested), label="trained", extra=float(improved), extra_label="improved",
                        **kw)  # type: ignore[arg-type]
        return Cell(value=float(improved if ind.kind == "training_improved" else tested), **kw)  # type: ignore[arg-type]

    for w in (w for w in ind.waves if w in waves):
        wd = waves[w]
        rule = TrainingRule(score=ind.score, max_score=ind.max_score, min_gain_points=ind.gain_threshold,
                            pass_mark=ind.pass_mark, by=tuple(ind.by))
        res = training_indicators(wd.frame, rule)
        period = wd.wave.period
        prev = row.cells.get(period)
        tested, improved = res.tested, res.improved
        if prev is not None:  # two test files for one period (e.g. two trainings in a year) add up
            tested += int(prev.value or 0) if ind.kind == "training" else 0
            improved += int(prev.extra or 0) if ind.kind == "training" else 0
        row.cells[period] = cell(tested, improved, n=res.matched, source=f"training tests '{w}'")
        for key, (k_tested, k_improved) in res.by.items():
            label = _level_label(ind, f"{key[0]}={key[1]}", wd.questionnaire)
            sub = next((s for s in row.breakdown if s.label == label), None)
            if sub is None:
                sub = IndicatorRow(id=ind.id, level="", text=ind.text, label=label, kind="training",
                                   value_type="count", by=key[0])
                row.breakdown.append(sub)
            sub.cells[period] = cell(k_tested, k_improved)
        unmatched = (f" ({len(res.unmatched_ids)} unmatched, with one test only: trained, not assessable)"
                     if res.unmatched_ids else "")
        row.notes.append(
            f"{wd.wave.label or w}: {res.tested} trained, {res.matched} with both tests{unmatched}, "
            f"{res.improved} improved; mean score {res.mean_pre:.1f} → {res.mean_post:.1f} (paired t, {_p(res.t_p)}).")
    row.notes.insert(0, f"Trained = attended; improved = pre/post test matched by trainee, gain ≥ "
                        f"{ind.gain_threshold:g} points of {ind.max_score:g}"
                        + (f" and post ≥ {ind.pass_mark:g}" if ind.pass_mark is not None else "")
                        + " (the same in every breakdown).")
    row.notes.extend(_absent(ind, lp, av, due=False))  # trainings of later years are simply not held yet
    _written_baseline(ind, row)
    row.cumulative = cumulative_cell("count", row.cells)
    for sub in row.breakdown:
        sub.cumulative = cumulative_cell("count", sub.cells)
    if ind.target is not None:
        row.target = ind.target.describe(ind.unit)
        if ind.target.value is not None and row.cumulative is not None and row.cumulative.value is not None:
            got = row.cumulative.extra if ind.kind == "training" else row.cumulative.value
            row.target_status = _judge(float(got or 0), None, ind.target.value)
            row.target_met = row.target_status == MET
    row.sources = ind.sources or ""
    if ind.notes:
        row.notes.append(ind.notes)
    return row


def _p(p: float) -> str:
    from .results import p_text

    return p_text(p)


def monitoring_row(ind: Indicator, register: list[MonitoringValue] | None = None, as_of: str = PERIODS[-1]
                   ) -> IndicatorRow:
    """Values from monitoring records per period up to *as_of* (the spec's and the register's), with their
    sources; the Cumulative column follows the value type (counts add up; the rest report the latest)."""
    row = IndicatorRow(id=ind.id, level=ind.level, text=ind.text, kind="monitoring", value_type=ind.vtype,
                       unit=ind.unit)
    _written_baseline(ind, row)
    for m in [m for m in [*ind.monitoring, *(register or [])] if covered(m.period, as_of)]:
        if m.period in row.cells:
            row.notes.append(f"{PERIOD_TITLES[m.period]}: {row.cells[m.period].text()} replaced by "
                             f"{record_cell(ind, m.value, m.source).text()} ({m.source}).")
        row.cells[m.period] = record_cell(ind, m.value, m.source)
        if m.notes:
            row.notes.append(f"{PERIOD_TITLES[m.period]}: {m.notes}")
    row.cumulative = cumulative_cell(ind.vtype, row.cells)
    if ind.target is not None:
        row.target = ind.target.describe(ind.unit)
        if ind.target.value is not None and row.cumulative is not None and row.cumulative.value is not None:
            row.target_status = _judge(row.cumulative.value, None, ind.target.value)
            row.target_met = row.target_status == MET
    if ind.vtype == "scale" and ind.range:
        scale = f"Scale {ind.range[0]}–{ind.range[1]}"
        if ind.scale_labels:
            scale += " (" + ", ".join(f"{k} = {v}" for k, v in sorted(ind.scale_labels.items())) + ")"
        row.notes.append(scale + ".")
    row.sources = ind.sources or ""
    if ind.notes:
        row.notes.append(ind.notes)
    return row


def compute(lp: LoadedProgramme, as_of: str | None = None, loaded: dict[str, WaveData] | None = None
            ) -> tuple[list[IndicatorRow], dict[str, WaveData]]:
    """Every indicator of the spec as of a reporting period (default: the last), in spec order (one row each), and
    the loaded waves. Waves of later periods and waves without data are left out with a note in their rows;
    *loaded* reuses waves already read and weighted (reports for several years from one session)."""
    period = resolve_as_of(as_of, lp.spec.years)
    av = availability(lp.spec.waves, lp.base, period)
    needed = {w for ind in lp.spec.indicators for w in ind.waves} - set(av.due) - set(av.missing)
    loaded = loaded or {}
    waves = {name: loaded[name] if name in loaded else load_wave(lp, name) for name in lp.spec.waves
             if name in needed}
    rows: list[IndicatorRow] = []
    results = {r.level: r.text for r in lp.spec.results}
    for i, ind in enumerate(lp.spec.indicators):
        if ind.kind in ("share", "mean", "total"):
            row = survey_row(ind, i, waves, lp, av)
        elif ind.kind in ("training", "training_tested", "training_improved"):
            row = training_row(ind, i, waves, lp, av)
        else:
            row = monitoring_row(ind, lp.records.get(ind.id), period)
        row.result_text = results.get(ind.level, "")
        if row.target_status == NOT_MET and period != report_periods(lp.spec.years)[-1]:
            row.target_status = NOT_YET  # an end-of-programme target, judged before the end
        rows.append(row)
    return rows, waves

