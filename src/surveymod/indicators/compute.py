"""Compute a programme's indicators: survey shares/means/totals with their change, training and monitoring values.

Survey indicators are evaluated per respondent with the questionnaire condition language (never ``eval``), then
estimated with the design (weights, strata, PSUs) by ``surveymod.estimation``; change against the baseline wave uses
the delta method (independent waves: variances add). Disaggregations are marginal (by sex, then by age group).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import Problem, SurveyError
from ..estimation import Design, estimate
from ..estimation.calibration import Record
from ..estimation.change import change
from ..questionnaire import expr as E
from .programme import Indicator, LoadedProgramme, Wave
from .results import PERIODS, Cell, Change, IndicatorRow
from .training import TrainingRule, training_indicators

Y = "__indicator_y"


@dataclass
class WaveData:
    """A wave's frame (with weights and derived variables) and its design."""

    name: str
    wave: Wave
    frame: pd.DataFrame
    design: Design
    calibration: list[Record] = field(default_factory=list)  # from the wave's weighting spec


def read_frame(path: Path) -> pd.DataFrame:
    """Read a flat data file (CSV, XLSX, SAV, DTA, Parquet) into a frame."""
    from ..tabular import read_data

    return read_data(path)


def add_calculations(frame: pd.DataFrame, questionnaire: str | Path | None) -> pd.DataFrame:
    """Add the questionnaire's calculated variables that the data lack (e.g. ``agegrp`` from ``age``)."""
    if not questionnaire:
        return frame
    from ..questionnaire import load
    from ..questionnaire.conditions import compile_condition

    qn = load(questionnaire)
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
    frame = read_frame(lp.base / w.data)
    q = lp.base / w.questionnaire if w.questionnaire else None
    frame = add_calculations(frame, q)
    design = w.design or Design()
    calibration: list[Record] = []
    if w.weighting:
        from ..weighting import load_spec, run_weighting

        result = run_weighting(frame, load_spec(lp.base / w.weighting))
        frame, calibration = result.data, result.calibration
        assert result.design is not None
        design = result.design
    return WaveData(name, w, frame, design, calibration)


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
    from .spec import load_spec

    file, _, def_id = (ind.definition or "").partition("#")
    where = lp.where(f"indicators[{i}].definition")
    path = lp.base / file
    if not def_id or not path.exists():
        raise SurveyError(Problem(f"indicator {ind.id}: definition '{ind.definition}' must be 'FILE#ID' with an "
                                  "existing file", "unknown-definition", location=where))
    try:
        return respondent_values(load_spec(path), def_id, wd.frame)
    except SurveyError as exc:
        raise SurveyError([Problem(f"{p.message} (wave '{wd.name}')", p.rule, location=where)
                           for p in exc.problems]) from None


def _cell(row: pd.Series, ind: Indicator, wave: str) -> Cell:
    s = ind.scale
    return Cell(value=float(row.estimate) * s, ci_low=float(row.ci_low) * s, ci_high=float(row.ci_high) * s,
                se=float(row.se) * s, n=int(row.n), flag=str(row.flag or ""), source=f"survey wave '{wave}'",
                unit=ind.unit)


def _level_label(ind: Indicator, domain: str) -> str:
    var, _, level = domain.partition("=")
    return ind.labels.get(var, {}).get(level, f"{var} = {level}")


def survey_row(ind: Indicator, i: int, waves: dict[str, WaveData], lp: LoadedProgramme) -> IndicatorRow:
    """Estimate the indicator in each of its waves, overall and by each disaggregation; change vs the first wave."""
    row = IndicatorRow(id=ind.id, level=ind.level, text=ind.text, kind="survey")
    frames = {w: indicator_column(ind, i, waves[w], lp) for w in ind.waves}
    # shares are proportions (CI by the spec's method, logit by default); means and totals use t intervals
    stat = {"share": "prop", "total": "total"}.get(ind.kind, "mean")
    subs: dict[str, IndicatorRow] = {}
    for w, f in frames.items():
        period = waves[w].wave.period

        def est_(by: list[str] | None, f: pd.DataFrame = f, w: str = w) -> pd.DataFrame:
            e = estimate(f, waves[w].design, by=by, ci=lp.spec.ci_method, level=lp.spec.level,
                         calibration=waves[w].calibration, **{stat: [Y]})
            return e[e["level"] == "1"] if stat == "prop" else e

        row.cells[period] = _cell(est_(None).iloc[0], ind, w)
        for b in ind.by:
            for _, r in est_([b]).iterrows():
                key = str(r.domain)
                sub = subs.setdefault(key, IndicatorRow(id=ind.id, level="", text=ind.text,
                                                        label=_level_label(ind, key)))
                sub.cells[period] = _cell(r, ind, w)
    row.breakdown = list(subs.values())
    if len(ind.waves) >= 2 and ind.kind != "total":
        base, last = waves[ind.waves[0]], waves[ind.waves[-1]]
        fb, fl = frames[ind.waves[0]], frames[ind.waves[-1]]
        cal = {"base_calibration": base.calibration, "end_calibration": last.calibration}
        ch = change(fb, base.design, fl, last.design, mean=[Y], ci_level=lp.spec.level, **cal)
        row.change = _change(ch.iloc[0], ind, last.wave.period)
        for b in ind.by:
            chb = change(fb, base.design, fl, last.design, mean=[Y], by=[b], ci_level=lp.spec.level, **cal)
            for _, r in chb.iterrows():
                if str(r.domain) in subs:
                    subs[str(r.domain)].change = _change(r, ind, last.wave.period)
    if ind.target is not None:
        row.target = ind.target.describe(ind.unit)
        row.target_met = _target_met(ind, row)
    if ind.notes:
        row.notes.append(ind.notes)
    return row


def _change(r: pd.Series, ind: Indicator, period: str) -> Change:
    s = ind.scale
    return Change(points=float(r["diff"]) * s, points_se=float(r["diff_se"]) * s,
                  points_ci=(float(r["diff_ci_low"]) * s, float(r["diff_ci_high"]) * s),
                  pct=float(r["pct_change"]), pct_se=float(r["pct_change_se"]),
                  pct_ci=(float(r["pct_ci_low"]), float(r["pct_ci_high"])), p_value=float(r["diff_p"]),
                  period=period)


def _target_met(ind: Indicator, row: IndicatorRow) -> bool | None:
    t = ind.target
    if t is None:
        return None
    if t.change_pct is not None and row.change is not None:
        return row.change.pct >= t.change_pct
    if t.change_points is not None and row.change is not None:
        return row.change.points >= t.change_points
    if t.value is not None:
        latest = [row.cells[p] for p in PERIODS if p in row.cells]
        return latest[-1].value >= t.value if latest else None
    return None


def training_row(ind: Indicator, i: int, waves: dict[str, WaveData], lp: LoadedProgramme) -> IndicatorRow:
    """Trainees tested or improved (matched pre/post), by sex and age, with the paired tests in the notes."""
    row = IndicatorRow(id=ind.id, level=ind.level, text=ind.text, kind="training")
    cumulative_tested = cumulative_improved = 0
    by_cum: dict[tuple[str, str], list[int]] = {}
    for w in ind.waves:
        wd = waves[w]
        rule = TrainingRule(score=ind.score, max_score=ind.max_score, min_gain_points=ind.gain_threshold,
                            pass_mark=ind.pass_mark, by=tuple(ind.by))
        res = training_indicators(wd.frame, rule)
        value = res.improved if ind.kind == "training_improved" else res.tested
        row.cells[wd.wave.period] = Cell(value=float(value), n=res.matched, source=f"training tests '{w}'")
        cumulative_tested += res.tested
        cumulative_improved += res.improved
        for key, (tested, improved) in res.by.items():
            acc = by_cum.setdefault(key, [0, 0])
            acc[0] += tested
            acc[1] += improved
            sub = next((s for s in row.breakdown if s.label == _level_label(ind, f"{key[0]}={key[1]}")), None)
            if sub is None:
                sub = IndicatorRow(id=ind.id, level="", text=ind.text, label=_level_label(ind, f"{key[0]}={key[1]}"))
                row.breakdown.append(sub)
            sub.cells[wd.wave.period] = Cell(value=float(improved if ind.kind == "training_improved" else tested))
        row.notes.append(
            f"{w}: {res.tested} tested, {res.matched} with matched pre/post, {res.improved} improved by ≥ "
            f"{ind.gain_threshold:g} points; mean score {res.mean_pre:.1f} → {res.mean_post:.1f} "
            f"(paired t = {res.t_stat:.2f}, p = {res.t_p:.3g}; Wilcoxon p = {res.wilcoxon_p:.3g})"
            + (f"; {len(res.unmatched_ids)} unmatched test(s) excluded" if res.unmatched_ids else "") + ".")
    total = cumulative_improved if ind.kind == "training_improved" else cumulative_tested
    row.cumulative = Cell(value=float(total))
    if ind.target is not None:
        row.target = ind.target.describe(ind.unit)
        row.target_met = total >= ind.target.value if ind.target.value is not None else None
    return row


def monitoring_row(ind: Indicator) -> IndicatorRow:
    """Values from monitoring records per period, with their sources; cumulative = their sum."""
    row = IndicatorRow(id=ind.id, level=ind.level, text=ind.text, kind="monitoring")
    for m in ind.monitoring:
        row.cells[m.period] = Cell(value=m.value, source=m.source, unit=ind.unit)
    row.cumulative = Cell(value=float(sum(m.value for m in ind.monitoring if m.period != "baseline")),
                          unit=ind.unit)
    if ind.target is not None:
        row.target = ind.target.describe(ind.unit)
        if ind.target.value is not None:
            row.target_met = row.cumulative.value >= ind.target.value
    if ind.notes:
        row.notes.append(ind.notes)
    return row


def compute(lp: LoadedProgramme) -> tuple[list[IndicatorRow], dict[str, WaveData]]:
    """Every indicator of the spec, in spec order (one row each), and the loaded waves."""
    needed = {w for ind in lp.spec.indicators for w in ind.waves}
    waves = {name: load_wave(lp, name) for name in lp.spec.waves if name in needed}
    rows: list[IndicatorRow] = []
    for i, ind in enumerate(lp.spec.indicators):
        if ind.kind in ("share", "mean", "total"):
            rows.append(survey_row(ind, i, waves, lp))
        elif ind.kind in ("training_tested", "training_improved"):
            rows.append(training_row(ind, i, waves, lp))
        else:
            rows.append(monitoring_row(ind))
    return rows, waves
