"""Generate answers for a whole questionnaire, question by question in document order, vectorised with numpy.

Each question is answered exactly on the rows where its universe (its own and its groups' ``relevant``) holds,
evaluated on the values generated so far; constraints are met by redrawing failing rows and, as a last resort,
by searching the valid codes row by row. Choice items draw from a latent normal answer, which is how batteries
share an attitude, PSUs get intra-cluster correlation and an effect shifts the share of positive answers exactly.
"""

from __future__ import annotations

import datetime as _dt
import heapq
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import ndtr

from ..errors import Location, Problem, SurveyError
from ..questionnaire import expr as E
from ..questionnaire.conditions import compile_condition, own_conditions
from ..questionnaire.model import Group, Question, Questionnaire
from .ages import census_age
from .countries import country_prior
from .effects import Answer, Battery, Effect, Effects
from .household import repair_households, rule_constraints
from .levels import LevelEnv, LevelRows

TOP = "main"
DEFAULT_ROSTER_MAX = 10
MISSING_WEIGHT = {"dont_know": 0.6, "refusal": 0.3}
TODAY = _dt.date(2026, 11, 21)


@dataclass
class EffectPlan:
    """How an effect is applied to rows: the positive share per domain (first match) and elsewhere, in %."""

    effect: Effect
    domain_nodes: list[E.Node]
    domain_share: list[float]
    rest_share: float


@dataclass
class Context:
    """Everything the generator needs besides the questionnaire: randomness, scenario, design and overrides."""

    qn: Questionnaire
    rng: np.random.Generator
    effects: Effects
    endline: bool = False
    psu: np.ndarray | None = None          # PSU index (0..n_psu-1) per top-level row
    n_psu: int = 0
    icc: float = 0.0
    overrides: dict[str, np.ndarray] = field(default_factory=dict)   # top-level values fixed by the design
    extra: dict[str, np.ndarray] = field(default_factory=dict)       # design columns that are not questions
    id_start: int = 1
    apply_effects: bool = True
    plans: dict[str, EffectPlan] = field(default_factory=dict)
    rule_nodes: dict[str, list[E.Node]] = field(default_factory=dict)  # declared row rules, by target question
    _latent: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)

    def located(self, message: str, item: Question | Group, attr: str = "", rule: str = "simulate") -> SurveyError:
        """A SurveyError at the questionnaire line of *item* (and attribute *attr*)."""
        path = f"{item.path}.{attr}" if attr and item.path else item.path
        f, line, col = self.qn.locate(path) if path else (self.qn.file, None, None)
        return SurveyError(Problem(message, rule, location=Location(f, line, col, path or None, variable=item.name)))


# ------------------------------------------------------------------------------------------------ main loop


def generate(ctx: Context, n: int) -> dict[str, LevelRows]:
    """Simulate *n* top-level units; returns the levels (top level first, then rosters in document order)."""
    qn = ctx.qn
    top = LevelRows(TOP, n)
    id_name = qn.respondent_id or "id"
    top.cols[id_name] = np.arange(ctx.id_start, ctx.id_start + n, dtype=float)
    top.key = id_name
    for name, values in ctx.extra.items():
        top.cols[name] = values
    levels: dict[str, LevelRows] = {TOP: top}
    envs: dict[str, LevelEnv] = {TOP: LevelEnv(top)}
    count_vars = _roster_count_vars(qn)
    order = generation_order(ctx)
    ctx.rule_nodes = rule_constraints(qn, [it for it, _ in order])
    for item, parents in order:
        rosters = [g for g in parents if g.is_roster]
        lvl = levels[rosters[-1].name] if rosters else top
        if isinstance(item, Group):
            if item.is_roster:
                child = _make_roster(ctx, item, parents, lvl, envs[lvl.name])
                levels[item.name] = child
                envs[item.name] = LevelEnv(child)
            continue
        if item.type == "note":
            continue
        env = envs[lvl.name]
        mask = _universe_mask(ctx, item, parents, env, lvl.n)
        lvl.cols[item.name] = _answer(ctx, item, lvl, env, mask, item.name in count_vars, id_name)
    repair_households(qn, levels)  # cross-row EU-LFS roster rules (one reference person, older parents)
    _document_column_order(qn, levels)
    return levels


def generation_order(ctx: Context) -> list[tuple[Question | Group, tuple[Group, ...]]]:
    """Document order, except that an item is generated after everything its conditions, calculation or effect
    domains refer to (a stable topological sort; an effect's domain may name variables asked later)."""
    qn = ctx.qn
    items = list(qn.walk())
    pos = {id(it): i for i, (it, _) in enumerate(items)}
    by_name = {it.name.lower(): i for i, (it, _) in enumerate(items) if isinstance(it, Question)}
    deps: list[set[int]] = []
    for it, parents in items:
        texts = [it.relevant, getattr(it, "count", None), getattr(it, "constraint", None),
                 getattr(it, "calculation", None)]
        plan = ctx.plans.get(it.name) if isinstance(it, Question) and ctx.apply_effects else None
        if plan is not None:
            texts += [d.where for d in plan.effect.domains]
        d = {pos[id(parents[-1])]} if parents else set()
        for text in texts:
            if text:
                for ref in E.references(compile_condition(qn, text)):
                    j = by_name.get(ref.name.lower())
                    if j is not None and j != pos[id(it)]:
                        d.add(j)
        deps.append(d)
    users: list[list[int]] = [[] for _ in items]
    for i, d in enumerate(deps):
        for j in d:
            users[j].append(i)
    waiting = [len(d) for d in deps]
    ready = [i for i, w in enumerate(waiting) if w == 0]
    heapq.heapify(ready)
    order: list[int] = []
    while ready:
        i = heapq.heappop(ready)
        order.append(i)
        for u in users[i]:
            waiting[u] -= 1
            if waiting[u] == 0:
                heapq.heappush(ready, u)
    if len(order) < len(items):
        stuck = next(items[i][0] for i in range(len(items)) if waiting[i] > 0)
        raise ctx.located(f"'{stuck.name}' depends on itself through its conditions, calculation or an effect's "
                          "domain", stuck, rule="simulate-cycle")
    return [items[i] for i in order]


def _document_column_order(qn: Questionnaire, levels: dict[str, LevelRows]) -> None:
    """Put each level's columns back in questionnaire order (keys and design columns first and last)."""
    rank = {q.name: i for i, q in enumerate(qn.questions())}
    for lvl in levels.values():
        first = [k for k in lvl.cols if k == lvl.key]
        qs = sorted((k for k in lvl.cols if k in rank and k not in first), key=rank.__getitem__)
        rest = [k for k in lvl.cols if k not in rank and k not in first]
        lvl.cols = {k: lvl.cols[k] for k in [*first, *qs, *rest]}


def _roster_count_vars(qn: Questionnaire) -> set[str]:
    out: set[str] = set()
    for g in qn.rosters():
        if g.count:
            out.update(r.name for r in E.references(compile_condition(qn, g.count)))
    return out


def _universe_mask(ctx: Context, item: Question | Group, parents: tuple[Group, ...], env: LevelEnv,
                   n: int) -> np.ndarray:
    """Rows where every enclosing group's condition and the item's own condition hold."""
    mask = np.ones(n, dtype=bool)
    for obj in (*parents, item):
        for node in own_conditions(ctx.qn, obj):
            mask &= _eval_bool(ctx, node, env, n, obj, "relevant")
    return mask


def _eval_bool(ctx: Context, node: E.Node, env: LevelEnv, n: int, item: Question | Group, attr: str,
               self_value: Any = None) -> np.ndarray:
    return E.truth(_eval(ctx, node, env, n, item, attr, self_value))


def _eval(ctx: Context, node: E.Node, env: Any, n: int, item: Question | Group, attr: str,
          self_value: Any = None) -> np.ndarray:
    try:
        return E.evaluate(node, env, n, self_value)
    except KeyError as exc:
        name = exc.args[0] if exc.args else "?"
        raise ctx.located(f"'{name}' is used in the {attr} of '{item.name}' before it has a value here (it comes "
                          "later in the questionnaire or belongs to another roster)", item, attr) from None


def _make_roster(ctx: Context, g: Group, parents: tuple[Group, ...], parent: LevelRows, env: LevelEnv) -> LevelRows:
    """Rows of a roster: as many per parent row as its count says (or a plausible size), where it applies."""
    mask = _universe_mask(ctx, g, parents, env, parent.n)
    cap = g.max_rows or (30 if g.count else DEFAULT_ROSTER_MAX)
    if g.count:
        raw = E.evaluate(compile_condition(ctx.qn, g.count), env, parent.n).astype(float)
        sizes = np.nan_to_num(np.round(raw), nan=0.0)
    else:
        sizes = 1 + ctx.rng.poisson(1.0, parent.n).astype(float)
    sizes = np.clip(np.where(mask, sizes, 0), 0, cap).astype(np.int64)
    total = int(sizes.sum())
    parent_row = np.repeat(np.arange(parent.n), sizes)
    line = np.arange(total) - np.repeat(np.cumsum(sizes) - sizes, sizes) + 1
    key = g.key or f"{g.name}_line"
    lvl = LevelRows(g.name, total, key, parent, parent_row)
    lvl.cols[key] = line.astype(float)
    return lvl


# ------------------------------------------------------------------------------------------------ answers


def _answer(ctx: Context, q: Question, lvl: LevelRows, env: LevelEnv, mask: np.ndarray, is_count: bool,
            id_name: str) -> np.ndarray:
    """Values of *q* on its level: NaN (or None) where it is not asked, a valid answer where it is."""
    n = lvl.n
    ix = np.nonzero(mask)[0]
    if q.type == "calculate":
        assert q.calculation is not None
        vals = _eval(ctx, compile_condition(ctx.qn, q.calculation), env, n, q, "calculation")
        if vals.dtype == bool:
            vals = vals.astype(float)
        if vals.dtype == object:
            out = np.full(n, None, dtype=object)
        else:
            vals = vals.astype(float)
            out = np.full(n, np.nan)
        out[ix] = vals[ix]
        return out
    if q.name == lvl.key or (lvl.parent is None and q.name == id_name):
        out = np.full(n, np.nan)
        out[ix] = lvl.cols[q.name][ix]
        return out
    text = q.type in ("text", "date", "select_multiple")
    out = np.full(n, None, dtype=object) if text else np.full(n, np.nan)
    if len(ix) == 0:
        return out
    override = ctx.overrides.get(q.name) if lvl.parent is None else None
    if override is not None:
        out[ix] = override[ix]
        draw: Callable[[np.ndarray], np.ndarray] = _drawer(ctx, q, lvl, env, is_count)
    else:
        draw = _drawer(ctx, q, lvl, env, is_count)
        out[ix] = draw(ix)
    nodes = ([compile_condition(ctx.qn, q.constraint, q)] if q.constraint else []) \
        + ctx.rule_nodes.get(q.name.lower(), [])
    if nodes:
        node = nodes[0]
        for extra in nodes[1:]:
            node = E.Binary(node.pos, "and", node, extra)
        _enforce(ctx, q, lvl, env, out, ix, draw, node)
    return out


def _answer_spec(ctx: Context, q: Question) -> Answer:
    """The scenario's distribution of *q*, else the questionnaire's own ``shares``, else the generic default."""
    spec = ctx.effects.answers.get(q.name)
    if spec is not None:
        return spec
    return Answer(probs=dict(q.shares)) if q.shares else Answer()


def _nonsub_rate(ctx: Context, q: Question) -> float:
    spec = ctx.effects.answers.get(q.name)
    return spec.nonsubstantive if spec is not None and spec.nonsubstantive is not None else ctx.effects.nonsubstantive


def _drawer(ctx: Context, q: Question, lvl: LevelRows, env: LevelEnv, is_count: bool) -> Callable[[np.ndarray], np.ndarray]:
    """A function drawing fresh answers of *q* for the given rows (used again to redraw constraint failures)."""
    qn = ctx.qn
    spec = _answer_spec(ctx, q)
    missing = qn.missing_codes(q)
    rate = _nonsub_rate(ctx, q) if missing else 0.0
    miss_codes = np.array(sorted(missing), dtype=float)
    miss_p = np.array([MISSING_WEIGHT.get(missing[int(c)], 0.1) for c in miss_codes])
    miss_p = miss_p / miss_p.sum() if len(miss_p) else miss_p

    if q.type in ("select_one", "scale") or (q.type in ("integer", "year") and spec.probs is not None):
        base = _categorical(ctx, q, lvl, env, spec)
    elif q.type in ("integer", "year", "decimal"):
        first = lvl.cols[lvl.key] == 1 if lvl.parent is not None and lvl.key in lvl.cols else None
        base = census_age(ctx.rng, q, spec, first) or _numeric(ctx, q, spec, is_count)  # EU-LFS AGE: Census 2021
    elif q.type == "select_multiple":
        base = _multiple(ctx, q, spec)
    elif q.type == "date":
        base = _date(ctx)
    else:
        base = _text(ctx, q)

    def draw(rows: np.ndarray) -> np.ndarray:
        vals = base(rows)
        if rate > 0 and len(rows):
            hit = ctx.rng.random(len(rows)) < rate
            k = int(hit.sum())
            if k:
                codes = ctx.rng.choice(miss_codes, size=k, p=miss_p)
                if vals.dtype == object:
                    vals[hit] = np.array([_code_text(c) for c in codes], dtype=object)
                else:
                    vals[hit] = codes
        return vals

    return draw


def _code_text(c: float) -> str:
    return str(int(c)) if float(c).is_integer() else str(c)


def _substantive(ctx: Context, q: Question) -> list[int]:
    return [c.code for c in ctx.qn.choice_list(q) if not c.missing]


def _battery_of(ctx: Context, q: Question) -> Battery | None:
    for b in ctx.effects.batteries:
        if q.name in b.items:
            return b
    return None


def _latent(ctx: Context, key: str, lvl: LevelRows) -> np.ndarray:
    """A standard-normal latent score per row of *lvl* (shared by a battery), with the design's ICC."""
    ck = (key, lvl.name)
    if ck not in ctx._latent:
        ctx._latent[ck] = _normal_with_icc(ctx, lvl, np.arange(lvl.n))
    return ctx._latent[ck]


def _psu_of(ctx: Context, lvl: LevelRows, rows: np.ndarray) -> np.ndarray | None:
    if ctx.psu is None or ctx.icc <= 0:
        return None
    top_rows = rows
    if lvl.parent is not None:
        top = lvl.ancestors()[-1]
        idx = lvl.index_to(top)
        assert idx is not None
        top_rows = idx[rows]
    return ctx.psu[top_rows]


def _normal_with_icc(ctx: Context, lvl: LevelRows, rows: np.ndarray) -> np.ndarray:
    e = ctx.rng.standard_normal(len(rows))
    psu = _psu_of(ctx, lvl, rows)
    if psu is None:
        return e
    u = ctx.rng.standard_normal(ctx.n_psu)
    return math.sqrt(ctx.icc) * u[psu] + math.sqrt(1 - ctx.icc) * e


def _categorical(ctx: Context, q: Question, lvl: LevelRows, env: LevelEnv,
                 spec: Answer) -> Callable[[np.ndarray], np.ndarray]:
    """Codes from a latent normal answer cut at the cumulative probabilities (exact shares, any correlation)."""
    if q.type in ("integer", "year"):
        codes = sorted(spec.probs or {})
    else:
        codes = _substantive(ctx, q)
    if not codes:
        raise ctx.located(f"'{q.name}' has no substantive codes to simulate", q, "choices")
    probs = np.ones(len(codes))
    prior = country_prior(ctx.qn, q, codes) if spec.probs is None else None  # realistic country shares
    if prior is not None:
        probs = prior
    if spec.probs is not None:
        unknown = [c for c in spec.probs if c not in codes]
        if unknown:
            raise SurveyError(f"answers.{q.name}: code(s) {unknown} are not substantive codes of '{q.name}'",
                              location=ctx.effects.where(f"answers.{q.name}"))
        probs = np.array([spec.probs.get(c, 0.0) for c in codes], dtype=float)
        if probs.sum() <= 0:
            raise SurveyError(f"answers.{q.name}: the probabilities add up to zero",
                              location=ctx.effects.where(f"answers.{q.name}"))
    probs = probs / probs.sum()
    battery = _battery_of(ctx, q)
    plan = ctx.plans.get(q.name) if ctx.apply_effects else None
    low_positive = bool(battery and q.name in battery.low_positive)
    if plan is not None:
        low_positive = _orientation(ctx, q, codes, plan.effect, battery)
    order = np.array(codes[::-1] if low_positive else codes, dtype=float)
    p_ord = probs[::-1] if low_positive else probs
    use_latent = battery is not None or plan is not None or (ctx.psu is not None and ctx.icc > 0)

    def draw(rows: np.ndarray) -> np.ndarray:
        if use_latent:
            y = _normal_with_icc(ctx, lvl, rows)
            if battery is not None:
                lam = battery.loading
                y = lam * _latent(ctx, "battery:" + battery.name, lvl)[rows] + math.sqrt(1 - lam * lam) * y
            u = ndtr(y)
        else:
            u = ctx.rng.random(len(rows))
        if plan is None:
            cat = np.searchsorted(np.cumsum(p_ord)[:-1], u, side="right")
            return order[cat]
        share = _row_share(ctx, plan, env, rows) / 100.0
        pos = np.isin(order, plan.effect.positive)
        q_pos = p_ord[pos].sum()
        base_pos = p_ord if q_pos > 0 else np.where(pos, 1.0, 0.0)
        qp = base_pos[pos].sum()
        base_neg = p_ord if q_pos < 1 else np.where(pos, 0.0, 1.0)
        qneg = base_neg[~pos].sum()
        rowp = np.where(pos[None, :], base_pos[None, :] * (share[:, None] / qp),
                        base_neg[None, :] * ((1 - share[:, None]) / qneg))
        cum = np.cumsum(rowp, axis=1)[:, :-1]
        cat = (u[:, None] > cum).sum(axis=1)
        return order[cat]

    return draw


def _orientation(ctx: Context, q: Question, codes: list[int], eff: Effect, battery: Battery | None) -> bool:
    """True when the effect's positive codes are the low end of the scale; error if they are not an end."""
    k = len(eff.positive)
    pos = sorted(eff.positive)
    where = ctx.effects.where(f"effects[{ctx.effects.effects.index(eff)}].positive")
    if any(c not in codes for c in pos):
        raise SurveyError(f"positive codes {pos} are not all substantive codes of '{q.name}' ({codes})",
                          location=where)
    if pos == codes[-k:]:
        low = False
    elif pos == codes[:k]:
        low = True
    else:
        raise SurveyError(f"positive codes {pos} of '{q.name}' must be the top or the bottom of its scale {codes}",
                          location=where)
    if battery is not None and low != (q.name in battery.low_positive):
        raise SurveyError(f"'{q.name}': the positive codes {pos} disagree with battery '{battery.name}' "
                          f"({'missing from' if low else 'listed in'} its low_positive)", location=where)
    return low


def _row_share(ctx: Context, plan: EffectPlan, env: LevelEnv, rows: np.ndarray) -> np.ndarray:
    """Positive share (%) for each row: the first matching domain's, else the share elsewhere."""
    share = np.full(len(rows), plan.rest_share)
    free = np.ones(len(rows), dtype=bool)
    sub = _SubEnv(env, rows)
    for node, s in zip(plan.domain_nodes, plan.domain_share, strict=True):
        hit = E.truth(E.evaluate(node, sub, len(rows))) & free
        share[hit] = s
        free &= ~hit
    return share


class _SubEnv(dict[str, np.ndarray]):
    """The rows *rows* of an environment, fetched on demand."""

    def __init__(self, env: LevelEnv, rows: np.ndarray) -> None:
        super().__init__()
        self.env = env
        self.rows = rows

    def __missing__(self, key: str) -> np.ndarray:
        val = self.env[key][self.rows]
        self[key] = val
        return val

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and (dict.__contains__(self, key) or key in self.env)


def _bounds(q: Question, spec: Answer) -> tuple[float, float]:
    if q.type == "year":  # years in the future (a max of 2100 is only a bound) are not plausible answers
        lo = q.min if q.min is not None else 1940.0
        hi = min(q.max if q.max is not None else float(TODAY.year), max(float(TODAY.year), lo))
    else:
        lo = q.min if q.min is not None else 0.0
        hi = q.max if q.max is not None else lo + 100.0
    if spec.min is not None:
        lo = max(lo, spec.min)
    if spec.max is not None:
        hi = min(hi, spec.max)
    return lo, hi


def _numeric(ctx: Context, q: Question, spec: Answer, is_count: bool) -> Callable[[np.ndarray], np.ndarray]:
    """Integers, years and decimals: normal, Poisson (roster counts by default) or uniform within min..max."""
    lo, hi = _bounds(q, spec)
    integer = q.type in ("integer", "year")
    if integer:
        lo, hi = math.ceil(lo), math.floor(hi)
    if hi < lo:
        raise ctx.located(f"'{q.name}' has no value between its minimum and maximum", q, "max")
    lam = spec.poisson
    if lam is None and is_count and spec.mean is None:
        lam = (2.0 if hi - lo >= 8 else 0.7) if lo >= 1 else 0.8

    def draw(rows: np.ndarray) -> np.ndarray:
        m = len(rows)
        if spec.mean is not None and spec.sd is not None:
            v = ctx.rng.normal(spec.mean, spec.sd, m)
        elif lam is not None:
            v = lo + ctx.rng.poisson(lam, m).astype(float)
        elif integer:
            return ctx.rng.integers(int(lo), int(hi) + 1, m).astype(float)
        else:
            v = ctx.rng.uniform(lo, hi, m)
        v = np.clip(v, lo, hi)
        return np.round(v) if integer else np.round(v, 2)

    return draw


def _multiple(ctx: Context, q: Question, spec: Answer) -> Callable[[np.ndarray], np.ndarray]:
    """Space-separated codes (ODK export style); each code chosen with its probability, at least one."""
    codes = _substantive(ctx, q)
    if not codes:
        raise ctx.located(f"'{q.name}' has no substantive codes to simulate", q, "choices")
    p = np.array([(spec.probs or {}).get(c, 0.35 if spec.probs is None else 0.0) for c in codes])
    k = len(codes)
    table: np.ndarray | None = None
    if k <= 14:
        masks = np.arange(1 << k)
        table = np.array([" ".join(str(codes[j]) for j in range(k) if m >> j & 1) for m in masks], dtype=object)

    def draw(rows: np.ndarray) -> np.ndarray:
        m = len(rows)
        chosen = ctx.rng.random((m, k)) < p[None, :]
        none = ~chosen.any(axis=1)
        chosen[np.nonzero(none)[0], ctx.rng.integers(0, k, int(none.sum()))] = True
        if table is not None:
            return table[(chosen * (1 << np.arange(k))[None, :]).sum(axis=1)].copy()
        return np.array([" ".join(str(codes[j]) for j in np.nonzero(r)[0]) for r in chosen], dtype=object)

    return draw


def _date(ctx: Context) -> Callable[[np.ndarray], np.ndarray]:
    start = np.datetime64(TODAY - _dt.timedelta(days=365), "D")

    def draw(rows: np.ndarray) -> np.ndarray:
        days = ctx.rng.integers(0, 365, len(rows))
        return (start + days).astype(str).astype(object)

    return draw


def _text(ctx: Context, q: Question) -> Callable[[np.ndarray], np.ndarray]:
    words = np.array([f"{q.name} answer {i}" for i in range(1, 6)], dtype=object)

    def draw(rows: np.ndarray) -> np.ndarray:
        return words[ctx.rng.integers(0, len(words), len(rows))].copy()

    return draw


# ------------------------------------------------------------------------------------------------ constraints

MAX_REDRAWS = 25
MAX_CANDIDATES = 2500


def _enforce(ctx: Context, q: Question, lvl: LevelRows, env: LevelEnv, out: np.ndarray, ix: np.ndarray,
             draw: Callable[[np.ndarray], np.ndarray], node: E.Node) -> None:
    """Make every answered row satisfy *node* (the constraint and the declared rules whose last input is *q*):
    redraw failures, then search the valid values."""
    bad = ix
    for _ in range(MAX_REDRAWS):
        ok = _check(ctx, q, node, env, out, bad)
        bad = bad[~ok]
        if len(bad) == 0:
            return
        out[bad] = draw(bad)
    ok = _check(ctx, q, node, env, out, bad)
    bad = bad[~ok]
    if len(bad) == 0:
        return
    cands = _candidates(ctx, q)
    valid = np.zeros((len(bad), len(cands)), dtype=bool)
    for j, c in enumerate(cands):
        trial = np.full(len(bad), c, dtype=object if isinstance(c, str) else float)
        valid[:, j] = _check(ctx, q, node, env, None, bad, trial)
    has = valid.any(axis=1)
    if not has.all():
        row = int(bad[~has][0])
        raise ctx.located(
            f"the constraint '{q.constraint or ''}' (and the declared rules on it) of '{q.name}' cannot be met for {int((~has).sum())} simulated "
            f"row(s) of level '{lvl.name}' (first at row {row + 1}) with any value between its minimum and "
            "maximum or any of its codes; check the constraint against the routing and the other variables",
            q, "constraint", rule="simulate-constraint")
    keys = np.where(valid, ctx.rng.random(valid.shape), -1.0)
    pick = keys.argmax(axis=1)
    arr = np.array(cands, dtype=object)
    out[bad] = arr[pick] if out.dtype == object else arr[pick].astype(float)


def _check(ctx: Context, q: Question, node: E.Node, env: LevelEnv, out: np.ndarray | None, rows: np.ndarray,
           trial: np.ndarray | None = None) -> np.ndarray:
    sub = _SubEnv(env, rows)
    sv = trial if trial is not None else (out[rows] if out is not None else None)
    if sv is not None:
        sub[q.name] = sv
    return E.truth(_eval(ctx, node, sub, len(rows), q, "constraint", sv))


def _candidates(ctx: Context, q: Question) -> list[Any]:
    codes = [c.code for c in ctx.qn.choice_list(q)]
    if q.type in ("select_one", "scale"):
        return [float(c) for c in codes]
    if q.type == "select_multiple":
        return [str(c) for c in codes]
    if q.type in ("integer", "year", "decimal"):
        lo, hi = _bounds(q, _answer_spec(ctx, q))
        if q.type == "decimal":
            vals = list(np.linspace(lo, hi, 401))
        else:
            step = max(1, math.ceil((hi - lo + 1) / MAX_CANDIDATES))
            vals = [float(v) for v in range(math.ceil(lo), math.floor(hi) + 1, step)]
        return vals + [float(c) for c in codes]
    return [f"{q.name} answer {i}" for i in range(1, 6)]
