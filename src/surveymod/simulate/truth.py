"""The known truth of an effect: positive shares per domain and overall, for the baseline and the endline.

Domains partition the population (first match wins). When an overall change is given, the change outside the
domains is solved from the domains' population shares so that the overall change is exactly the one configured;
those shares come from a large reference simulation with a fixed seed, identical for every wave.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import SurveyError
from ..questionnaire import expr as E
from ..questionnaire.conditions import compile_condition
from ..questionnaire.model import Questionnaire
from .effects import Effect, Effects
from .engine import EffectPlan
from .levels import LevelEnv, LevelRows

REFERENCE_SEED = 20261121
REFERENCE_N = 100_000


def domain_nodes(qn: Questionnaire, effects: Effects, k: int) -> list[E.Node]:
    """Compiled domain conditions of effect *k*, with syntax errors located in the effects file."""
    out = []
    for j, d in enumerate(effects.effects[k].domains):
        try:
            out.append(compile_condition(qn, d.where))
        except E.ExprSyntaxError as exc:
            raise SurveyError(f"domain condition: {exc}",
                              location=effects.where(f"effects[{k}].domains[{j}].where")) from None
    return out


def domain_shares(levels: dict[str, LevelRows], level_name: str, item: str, nodes: list[E.Node]) -> list[float]:
    """Population share of each domain (first match) and of the rest, among rows where *item* is answered."""
    lvl = levels[level_name]
    env = LevelEnv(lvl)
    answered = ~np.isnan(np.asarray(env[item], dtype=float))
    total = max(int(answered.sum()), 1)
    free = answered.copy()
    shares = []
    for node in nodes:
        hit = E.truth(E.evaluate(node, env, lvl.n)) & free
        shares.append(float(hit.sum()) / total)
        free &= ~hit
    shares.append(float(free.sum()) / total)
    return shares


def effect_truth(eff: Effect, shares: list[float]) -> dict[str, Any]:
    """Baseline, endline and change (in % points) per domain, elsewhere and overall."""
    doms = []
    for d, s in zip(eff.domains, shares, strict=False):
        b = eff.baseline if d.baseline is None else d.baseline
        doms.append({"where": d.where, "population_share": s, "baseline": b, "endline": b + d.change,
                     "change": d.change})
    s_rest = shares[-1] if shares else 1.0
    if eff.change is not None:
        if s_rest > 1e-9:
            rest = (eff.change - sum(d["population_share"] * d["change"] for d in doms)) / s_rest
        else:
            rest = 0.0
    else:
        rest = eff.change_elsewhere
    elsewhere = {"population_share": s_rest, "baseline": eff.baseline, "endline": eff.baseline + rest,
                 "change": rest}
    parts = [*doms, elsewhere]
    base = sum(p["population_share"] * p["baseline"] for p in parts)
    end = sum(p["population_share"] * p["endline"] for p in parts)
    return {"item": eff.item, "positive": list(eff.positive),
            "unit": "percent positive among substantive answers (non-substantive codes excluded)",
            "baseline": base, "endline": end, "change": end - base, "domains": doms, "elsewhere": elsewhere}


def make_plan(effects: Effects, k: int, nodes: list[E.Node], truth: dict[str, Any], endline: bool) -> EffectPlan:
    """The shares (%) the generator uses for this wave; errors if a share leaves 0..100."""
    for wave in ("baseline", "endline"):  # both waves must make sense, whichever is simulated now
        shares = [d[wave] for d in truth["domains"]] + [truth["elsewhere"][wave]]
        for j, s in enumerate(shares):
            if not 0 <= s <= 100:
                last = j == len(shares) - 1
                where = f"effects[{k}].change" if last else f"effects[{k}].domains[{j}]"
                part = "elsewhere" if last else "domain " + truth["domains"][j]["where"]
                raise SurveyError(f"the {wave} share positive of '{truth['item']}' would be {s:.1f}% ({part}); "
                                  "it must lie between 0 and 100", location=effects.where(where))
    key = "endline" if endline else "baseline"
    return EffectPlan(effects.effects[k], nodes, [d[key] for d in truth["domains"]], truth["elsewhere"][key])
