"""``simulate()``: respondents for a questionnaire, optionally drawn through a design and carrying known effects.

Orchestrates the pieces: checks the scenario against the questionnaire, works out the effects' truth, draws the
issued sample, generates the answers, applies nonresponse, keeps exactly *n* respondents and builds one frame per
level with design columns and a truth dict. Pure: nothing is written here (see ``output``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..data.levels import level_name
from ..errors import Problem, SurveyError
from ..questionnaire import expr as E
from ..questionnaire.conditions import compile_condition
from ..questionnaire.model import Questionnaire
from .design import SampleDesign
from .effects import Effects
from .engine import TOP, Context, EffectPlan, generate
from .levels import LevelEnv, LevelRows, subset_levels
from .sample import Issued, PopulationCells, draw_issued, prepare_cells, respond, strata_labels
from .truth import REFERENCE_N, REFERENCE_SEED, domain_nodes, domain_shares, effect_truth, make_plan

MAX_ATTEMPTS = 6


@dataclass
class Simulated:
    """Simulated data: one frame per data level (``main`` + one per roster, linked by key columns) and the truth."""

    frames: dict[str, pd.DataFrame]
    keys: dict[str, list[str]]
    truth: dict[str, Any]
    levels: dict[str, LevelRows] = field(repr=False, default_factory=dict)

    @property
    def main(self) -> pd.DataFrame:
        """The respondent-level frame."""
        return self.frames[TOP]


def simulate(qn: Questionnaire, n: int, seed: int, design: SampleDesign | None = None, effects: Effects | None = None,
             wave: str | None = None) -> Simulated:
    """Simulate *n* responding units of *qn*; same arguments → identical frames and truth."""
    if n < 1:
        raise SurveyError(f"the number of respondents must be at least 1 (got {n})")
    effects = effects or Effects()
    _check_scenario(qn, effects)
    wave = wave or qn.wave or "baseline"
    endline = wave in effects.endline
    cells = prepare_cells(design, qn) if design is not None else None
    truths, plans = _effects(qn, effects, design, cells, endline)
    truth: dict[str, Any] = {"questionnaire": qn.id, "version": qn.version, "wave": wave, "endline": endline,
                             "seed": seed, "n": n, "nonsubstantive": effects.nonsubstantive, "effects": truths}
    if design is None or cells is None:
        ctx = Context(qn, np.random.default_rng([seed, 0]), effects, endline, plans=plans)
        levels = generate(ctx, n)
    else:
        levels, truth["design"] = _with_design(qn, n, seed, design, cells, effects, endline, plans)
    frames, keys = to_frames(qn, levels)
    return Simulated(frames, keys, truth, levels)


def _check_scenario(qn: Questionnaire, effects: Effects) -> None:
    """Every item named in the effects file exists, with a type the simulator can steer that way."""
    problems: list[Problem] = []
    names = {q.name for q in qn.questions()}

    def need(name: str, path: str, types: tuple[str, ...] | None = None) -> None:
        if name not in names:
            problems.append(Problem(f"'{name}' is not a question of {qn.id}", "effects-unknown",
                                    location=effects.where(path)))
        elif types and qn.question(name).type not in types:
            problems.append(Problem(f"'{name}' is a {qn.question(name).type} question; expected "
                                    f"{' or '.join(types)}", "effects-type", location=effects.where(path)))

    for name in effects.answers:
        need(name, f"answers.{name}")
    for i, b in enumerate(effects.batteries):
        for j, it in enumerate(b.items):
            need(it, f"batteries[{i}].items[{j}]", ("select_one", "scale"))
    for i, e in enumerate(effects.effects):
        need(e.item, f"effects[{i}].item", ("select_one", "scale"))
    if problems:
        raise SurveyError(problems)


def _effects(qn: Questionnaire, effects: Effects, design: SampleDesign | None, cells: PopulationCells | None,
             endline: bool) -> tuple[list[dict[str, Any]], dict[str, EffectPlan]]:
    """Truth and generator plan of every effect (domain shares from the reference simulation when needed)."""
    truths: list[dict[str, Any]] = []
    plans: dict[str, EffectPlan] = {}
    ref: dict[str, LevelRows] | None = None
    for k, eff in enumerate(effects.effects):
        nodes = domain_nodes(qn, effects, k)
        shares: list[float] = [1.0]
        if nodes:
            if ref is None:
                ref = _reference(qn, effects, design, cells)
            roster = qn.roster_of(eff.item)
            shares = domain_shares(ref, roster.name if roster else TOP, eff.item, nodes)
        t = effect_truth(eff, shares)
        truths.append(t)
        plans[eff.item] = make_plan(effects, k, nodes, t, endline)
    return truths, plans


def _reference(qn: Questionnaire, effects: Effects, design: SampleDesign | None, cells: PopulationCells | None) -> dict[str, LevelRows]:
    """A large draw of the population itself (fixed seed, no clustering, no nonresponse, no effects)."""
    rng = np.random.default_rng([REFERENCE_SEED, 1])
    ctx = Context(qn, rng, effects, False, apply_effects=False)
    if design is not None and cells is not None:
        issued = draw_issued(cells, design, REFERENCE_N, rng, allocation="proportional")
        ctx.overrides, ctx.extra = _split_values(qn, issued)
    return generate(ctx, REFERENCE_N)


def _split_values(qn: Questionnaire, issued: Issued) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Design values of questions (set when the question is reached) and of other design variables (columns)."""
    names = {q.name for q in qn.questions()}
    over = {k: v for k, v in issued.values.items() if k in names}
    extra = {k: v for k, v in issued.values.items() if k not in names}
    return over, extra


def _with_design(qn: Questionnaire, n: int, seed: int, design: SampleDesign, cells: PopulationCells, effects: Effects,
                 endline: bool, plans: dict[str, EffectPlan]) -> tuple[dict[str, LevelRows], dict[str, Any]]:
    """Issue enough units, generate them, let some not respond, keep exactly *n* respondents, add weights."""
    rr = design.nonresponse.response if design.nonresponse else 1.0
    for attempt in range(MAX_ATTEMPTS):
        rng = np.random.default_rng([seed, 10 + attempt])
        m = n if design.nonresponse is None else math.ceil(n / rr * 1.1 + 4 * math.sqrt(n) + 10)
        issued = draw_issued(cells, design, m, rng)
        over, extra = _split_values(qn, issued)
        ctx = Context(qn, rng, effects, endline, psu=issued.psu, n_psu=issued.n_psu, icc=design.clusters.icc,
                      overrides=over, extra=extra, plans=plans)
        levels = generate(ctx, m)
        resp, _ = respond(design, LevelEnv(levels[TOP]), m, rng)
        r = int(resp.sum())
        if r >= n:
            break
        rr = max(r / m * 0.9, 1e-3)
    else:
        raise SurveyError(f"could not reach {n} respondents: the response probabilities of the design are too low")
    keep = np.sort(rng.choice(np.nonzero(resp)[0], size=n, replace=False))
    f = n / r
    sizes = cells.sizes
    h = issued.stratum
    prob = issued.allocation[h] / sizes[h] * f
    top = levels[TOP]
    cols = design.columns
    top.cols[cols.stratum] = (h + 1).astype(float)
    top.cols[cols.psu] = (issued.psu + 1).astype(float)
    top.cols[cols.prob] = prob
    top.cols[cols.weight] = 1 / prob
    _follow_design(qn, top, {cols.stratum, cols.psu, cols.prob, cols.weight})
    kept = subset_levels(levels, keep)
    resp_h = np.bincount(h[resp], minlength=len(sizes))
    kept_h = np.bincount(h[keep], minlength=len(sizes))
    labels = strata_labels(design, cells)
    info = {
        "issued": m, "responded": r, "response_rate": r / m, "kept": n, "subsample_fraction": f,
        "icc": design.clusters.icc, "take": design.clusters.take, "allocation": design.allocation,
        "population": float(sizes.sum()), "psus": int(len(np.unique(issued.psu[keep]))),
        "strata": [{"stratum": i + 1, **labels[i], "population": float(sizes[i]), "issued": int(issued.allocation[i]),
                    "responded": int(resp_h[i]), "kept": int(kept_h[i])} for i in range(len(sizes))],
    }
    return kept, info


def _follow_design(qn: Questionnaire, top: LevelRows, design_cols: set[str]) -> None:
    """A design column that is also a question of the form (e.g. ``psu`` or a household weight ``dweight`` copied
    from the address list) replaces the simulated answer; the top-level calculations are then evaluated again, in
    document order, so that derived variables such as a base weight (household weight x eligible persons) follow
    the design's values. Rows a calculation did not apply to stay empty."""
    if not design_cols & {q.name for q in qn.questions()}:
        return
    for q in qn.questions():
        if q.type != "calculate" or q.name not in top.cols or qn.roster_of(q.name) is not None:
            continue
        old = top.cols[q.name]
        if old.dtype == object or q.calculation is None:
            continue
        new = E.evaluate(compile_condition(qn, q.calculation), LevelEnv(top), top.n).astype(float)
        top.cols[q.name] = np.where(np.isnan(old), np.nan, new)


def to_frames(qn: Questionnaire, levels: dict[str, LevelRows]) -> tuple[dict[str, pd.DataFrame], dict[str, list[str]]]:
    """One pandas frame per data level ('main', then each roster's ``level`` or name, as ``surveymod.data`` names
    them): key columns of the enclosing levels first, then the level's own columns."""
    frames: dict[str, pd.DataFrame] = {}
    keys: dict[str, list[str]] = {}
    data_name = {g.name: level_name(g) for g in qn.rosters()}
    for name, lvl in levels.items():
        key_cols: dict[str, np.ndarray] = {}
        for anc in reversed(lvl.ancestors()):
            idx = lvl.index_to(anc)
            assert anc.key is not None and idx is not None
            key_cols[anc.key] = anc.cols[anc.key][idx]
        own_key = [lvl.key] if lvl.key else []
        data = {**key_cols, **{k: lvl.cols[k] for k in own_key}}
        for k, v in lvl.cols.items():
            if k not in data:
                data[k] = v
        out_name = data_name.get(name, name)
        frames[out_name] = pd.DataFrame(data, copy=False)
        keys[out_name] = [*key_cols, *own_key]
    return frames, keys
