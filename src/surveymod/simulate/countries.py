"""Default shares for simulated country questions (the built-in ``countries`` list), so that simulated EU-LFS data
look like North Macedonia rather than a uniform draw over 250 countries.

Two profiles, used when the scenario (``--effects``) gives no probabilities for the question:

* **Resident population** (questions declared as the EU-LFS variables COUNTRYB, CITIZENSHIP, COBFATH, COBMOTH,
  HATCNTR, COUNTRPR): about 94% born in North Macedonia and about 6% born abroad, mostly in neighbouring and
  former-Yugoslav countries.  Basis: UN DESA *International Migrant Stock 2020* puts the migrant stock of North
  Macedonia at roughly 6% of the population, mainly from Serbia, Kosovo, Albania, Bosnia and Herzegovina and
  Türkiye (figures from memory, not re-read here: APPROXIMATE).  The Census 2021 table by country of birth was
  not found (``shared/reference/census_mk.md`` §4c), so these are plausible illustrative shares, NOT targets.
* **Destinations abroad** (any other country question whose constraint rules out North Macedonia, e.g.
  country of work abroad or of an emigrant; an undeclared question that allows MK gets the resident profile):
  Germany, Italy, Switzerland, Austria, Slovenia, Croatia, Türkiye, the United States and Australia lead, as in
  the same UN DESA origin-destination table (APPROXIMATE, same caveat).

The remaining share of each profile is spread evenly over all other countries; special codes (STLS, FOR, 998)
get small shares.  Codes that a question's constraint rules out whatever the other answers (e.g. ``. != 'MK'``
on a country of previous residence) get no share, so redraws are not needed.
"""

from __future__ import annotations

import numpy as np

from ..questionnaire import expr as E
from ..questionnaire.conditions import compile_condition
from ..questionnaire.model import Question, Questionnaire

RESIDENT_VARIABLES = {"COUNTRYB", "CITIZENSHIP", "COBFATH", "COBMOTH", "HATCNTR", "COUNTRPR"}

RESIDENT = {"MK": 0.94, "RS": 0.014, "XK": 0.010, "AL": 0.009, "BA": 0.004, "TR": 0.004, "BG": 0.003, "EL": 0.003,
            "HR": 0.002, "DE": 0.002, "ME": 0.001, "SI": 0.001, "CH": 0.001, "IT": 0.001, "US": 0.001,
            "AT": 0.0005, "RU": 0.0005, "UA": 0.0005, "FOR": 0.0005, "STLS": 0.0002, "998": 0.02}
ABROAD = {"DE": 0.25, "IT": 0.12, "CH": 0.10, "AU": 0.07, "AT": 0.06, "US": 0.06, "SI": 0.05, "HR": 0.05,
          "TR": 0.05, "RS": 0.04, "SE": 0.02, "BE": 0.02, "FR": 0.02, "NL": 0.02, "UK": 0.02, "CA": 0.02,
          "BG": 0.02, "EL": 0.01, "FOR": 0.005}
REST = {"resident": 0.0015, "abroad": 0.025}


def _allowed(qn: Questionnaire, q: Question, values: list[float]) -> np.ndarray:
    """Codes the constraint accepts when it depends on the answer alone (else every code)."""
    if not q.constraint:
        return np.ones(len(values), dtype=bool)
    node = compile_condition(qn, q.constraint, q)
    if E.references(node):
        return np.ones(len(values), dtype=bool)
    return E.truth(E.evaluate(node, {}, len(values), np.array(values, dtype=float)))


def country_prior(qn: Questionnaire, q: Question, codes: list[int]) -> np.ndarray | None:
    """Probabilities for *codes* of a built-in country question, or None for other questions."""
    spec = qn.choices.get(q.choices) if isinstance(q.choices, str) else None
    if spec is None or spec.builtin != "countries":
        return None
    var = (q.source.variable or "").upper() if q.source else ""
    names = {c.code: c.name for c in qn.choice_list(q)}
    allowed = _allowed(qn, q, [float(c) for c in codes])
    home_allowed = any(ok and names.get(c) == "MK" for c, ok in zip(codes, allowed, strict=True))
    resident = var in RESIDENT_VARIABLES or q.name.upper() in RESIDENT_VARIABLES or home_allowed
    profile = "resident" if resident else "abroad"
    shares = RESIDENT if profile == "resident" else ABROAD
    named = [shares.get(names.get(c) or "", 0.0) for c in codes]
    rest = [names.get(c) not in shares and c <= 894 for c in codes]
    p = np.array(named, dtype=float)
    k = sum(rest)
    if k:
        p[np.array(rest)] = REST[profile] / k
    p = p * allowed
    return p / p.sum() if p.sum() > 0 else None
