"""Sample size, power and minimum detectable change for one proportion or mean and for two independent samples.

Standard formulas (normal quantiles from scipy; the two-mean case uses the noncentral t like R's
``power.t.test``), then the design effect (``deff``), the finite population correction and the expected response
rate:

- one proportion: n0 = z² p(1−p) / e² (Cochran 1977, eq. 4.2); mean: n0 = z² σ² / e²;
- with a population of N: n = n0 / (1 + (n0 − 1)/N) (Cochran 1977, eq. 4.3; the Krejcie & Morgan 1970 table);
- two proportions (two waves or two domains, per group), Fleiss, Levin & Paik (2003) eq. 4.14 without and 4.15
  with continuity correction — the formula behind R's ``power.prop.test``;
- design effect of a cluster sample: deff = 1 + (b − 1) ρ (Kish 1965), b the interviews per PSU.

Every function is pure and checks its arguments with plain-language SurveyErrors.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from scipy import optimize, stats

from ..errors import SurveyError

MAX_N = 1e10
"""Largest sample or population size planned (more people than live on Earth): beyond it the inputs are a mistake."""


@dataclass(frozen=True)
class SampleSize:
    """The steps from the simple-random-sample size to the number of units to issue."""

    n_srs: float
    deff: float
    n_design: float
    n_fpc: float
    n: int
    response_rate: float
    issued: int
    per_group: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Plain dict (for JSON output)."""
        return asdict(self)


def _check(name: str, value: float, lo: float, hi: float, lo_open: bool = True, hi_open: bool = True) -> None:
    bad = (value <= lo if lo_open else value < lo) or (value >= hi if hi_open else value > hi)
    if math.isnan(value) or bad:
        lb, hb = ("(" if lo_open else "["), (")" if hi_open else "]")
        raise SurveyError(f"{name} must be in {lb}{lo:g}, {hi:g}{hb} (got {value:g})", rule="plan-argument")


def z_value(conf_level: float) -> float:
    """Two-sided standard-normal quantile for a confidence level, e.g. 0.95 → 1.95996."""
    _check("the confidence level", conf_level, 0, 1)
    return float(stats.norm.ppf(1 - (1 - conf_level) / 2))


def design_effect(take: float, icc: float) -> float:
    """Kish's design effect of a cluster sample with *take* interviews per PSU: 1 + (take − 1)·icc."""
    _check("the number of interviews per PSU", take, 1, math.inf, lo_open=False)
    _check("the intra-cluster correlation", icc, 0, 1, lo_open=False)
    return 1 + (take - 1) * icc


def deff_from(deff: float | None = None, take: float | None = None, icc: float | None = None) -> float:
    """The design effect given directly, or from the interviews per PSU and the intra-cluster correlation (Kish),
    or 1; giving both ways is an error."""
    if deff is not None and (take is not None or icc is not None):
        raise SurveyError("give either --deff or --take with --icc, not both", rule="plan-argument")
    if take is not None or icc is not None:
        if take is None or icc is None:
            raise SurveyError("--take and --icc go together (deff = 1 + (take - 1) * icc)", rule="plan-argument")
        return design_effect(take, icc)
    return 1.0 if deff is None else deff


def _check_population(population: float | None) -> None:
    """A population size is a count of units: at least 1 and at most ``MAX_N``."""
    if population is not None:
        _check("the population size", population, 1, MAX_N, lo_open=False, hi_open=False)


def _too_large(n: float) -> SurveyError:
    return SurveyError(f"the plan needs {n:.3g} interviews, more than {MAX_N:.0e} (more people than live on Earth): "
                       "check the margin of error, standard deviation, design effect and response rate",
                       rule="plan-infeasible")


def _finish(n_srs: float, deff: float, population: float | None, response_rate: float,
            per_group: bool = False) -> SampleSize:
    _check("the design effect", deff, 0, math.inf)
    _check("the response rate", response_rate, 0, 1, hi_open=False)
    _check_population(population)
    n_design = n_srs * deff
    n_fpc = n_design
    if population is not None:
        n_fpc = n_design / (1 + (n_design - 1) / population)
    if not n_fpc <= MAX_N:  # also NaN and inf
        raise _too_large(n_fpc)
    n = math.ceil(n_fpc - 1e-9)
    issued = n / response_rate
    if not issued <= MAX_N:
        raise _too_large(issued)
    return SampleSize(n_srs, deff, n_design, n_fpc, n, response_rate, math.ceil(issued - 1e-9), per_group)


def _ratio_squared(num: float, den: float) -> float:
    """(num / den)², infinite instead of an OverflowError when the ratio is beyond floating point."""
    try:
        return (num / den) ** 2
    except (OverflowError, ZeroDivisionError):
        return math.inf


def n_proportion(p: float, moe: float, conf_level: float = 0.95, deff: float = 1.0, population: float | None = None,
                 response_rate: float = 1.0, z: float | None = None) -> SampleSize:
    """Interviews needed to estimate a proportion *p* within ± *moe* (both as fractions)."""
    _check("the proportion", p, 0, 1)
    _check("the margin of error", moe, 0, 1)
    zz = z if z is not None else z_value(conf_level)
    return _finish(_ratio_squared(zz * math.sqrt(p * (1 - p)), moe), deff, population, response_rate)


def n_mean(sd: float, moe: float, conf_level: float = 0.95, deff: float = 1.0, population: float | None = None,
           response_rate: float = 1.0, z: float | None = None) -> SampleSize:
    """Interviews needed to estimate a mean within ± *moe*, for a standard deviation *sd*."""
    _check("the standard deviation", sd, 0, math.inf)
    _check("the margin of error", moe, 0, math.inf)
    zz = z if z is not None else z_value(conf_level)
    return _finish(_ratio_squared(zz * sd, moe), deff, population, response_rate)


def moe_proportion(n: float, p: float, conf_level: float = 0.95, deff: float = 1.0,
                   population: float | None = None) -> float:
    """Margin of error (fraction) of a proportion estimated from *n* completed interviews."""
    _check("the sample size", n, 0, MAX_N, hi_open=False)
    _check("the proportion", p, 0, 1, lo_open=False, hi_open=False)
    _check_population(population)
    fpc = 1.0 if population is None else max(0.0, (population - n) / (population - 1))
    return z_value(conf_level) * math.sqrt(deff * p * (1 - p) / n * fpc)


# ------------------------------------------------------------------------------------------ two proportions


def _z_ab(alpha: float, power: float, two_sided: bool) -> tuple[float, float]:
    _check("alpha", alpha, 0, 1)
    _check("the power", power, 0, 1)
    za = float(stats.norm.ppf(1 - alpha / 2 if two_sided else 1 - alpha))
    return za, float(stats.norm.ppf(power))


def n_two_proportions(p1: float, p2: float, alpha: float = 0.05, power: float = 0.8, deff: float = 1.0,
                      response_rate: float = 1.0, continuity: bool = False, two_sided: bool = True) -> SampleSize:
    """Interviews per group to detect p1 vs p2 between two independent samples (waves or domains)."""
    _check("p1", p1, 0, 1)
    _check("p2", p2, 0, 1)
    if p1 == p2:
        raise SurveyError("p1 and p2 are equal: there is no difference to detect", rule="plan-argument")
    za, zb = _z_ab(alpha, power, two_sided)
    pbar = (p1 + p2) / 2
    d = abs(p2 - p1)
    n = _ratio_squared(za * math.sqrt(2 * pbar * (1 - pbar)) + zb * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2)), d)
    if not n <= MAX_N:
        raise _too_large(n)
    if continuity:
        n = n / 4 * (1 + math.sqrt(1 + 4 / (n * d))) ** 2
    return _finish(n, deff, None, response_rate, per_group=True)


def power_two_proportions(n: float, p1: float, p2: float, alpha: float = 0.05, deff: float = 1.0,
                          two_sided: bool = True) -> float:
    """Power to detect p1 vs p2 with *n* completed interviews per group (normal approximation)."""
    _check("the sample size", n, 0, math.inf)
    _check("p1", p1, 0, 1)
    _check("p2", p2, 0, 1)
    _check("the design effect", deff, 0, math.inf)
    za = float(stats.norm.ppf(1 - alpha / 2 if two_sided else 1 - alpha))
    ne = n / deff
    pbar = (p1 + p2) / 2
    num = math.sqrt(ne) * abs(p2 - p1) - za * math.sqrt(2 * pbar * (1 - pbar))
    return float(stats.norm.cdf(num / math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))))


def mdc_proportions(n: float, p1: float, alpha: float = 0.05, power: float = 0.8, deff: float = 1.0,
                    two_sided: bool = True, direction: int = 1) -> float:
    """Minimum detectable change p2 − p1 (fraction; positive for an increase) with *n* per group."""
    _check("the sample size", n, 0, MAX_N, hi_open=False)
    _check("p1", p1, 0, 1)
    _check("the power", power, 0, 1)
    hi = 1 - 1e-9 if direction > 0 else 1e-9

    def f(p2: float) -> float:
        return power_two_proportions(n, p1, p2, alpha, deff, two_sided) - power

    if f(hi) < 0:
        raise SurveyError(f"even a change to {hi:.0%} cannot be detected with {n:g} interviews per group at this "
                          "power", rule="plan-infeasible")
    p2 = optimize.brentq(f, p1 + direction * 1e-9, hi, xtol=1e-12)
    return float(p2 - p1)


# ------------------------------------------------------------------------------------------------ two means


def power_two_means(n: float, sd: float, delta: float, alpha: float = 0.05, deff: float = 1.0,
                    two_sided: bool = True) -> float:
    """Power of a two-sample t test with *n* per group (noncentral t, as R's power.t.test with strict=FALSE)."""
    _check("the sample size", n, 1, math.inf)
    _check("the standard deviation", sd, 0, math.inf)
    ne = n / deff
    df = 2 * (ne - 1)
    tq = float(stats.t.ppf(1 - alpha / 2 if two_sided else 1 - alpha, df))
    ncp = math.sqrt(ne / 2) * abs(delta) / sd
    return float(stats.nct.sf(tq, df, ncp))


def n_two_means(sd: float, delta: float, alpha: float = 0.05, power: float = 0.8, deff: float = 1.0,
                response_rate: float = 1.0, two_sided: bool = True) -> SampleSize:
    """Interviews per group to detect a difference *delta* in means (two-sample t test, then × deff)."""
    _check("the standard deviation", sd, 0, math.inf)
    if delta == 0 or not math.isfinite(delta):
        raise SurveyError(f"delta is {delta:g}: there is no finite difference to detect", rule="plan-argument")
    _z_ab(alpha, power, two_sided)
    effect = abs(delta) / sd  # the power depends on delta and sd only through their ratio

    def short(m: float) -> float:
        return power_two_means(m, 1.0, effect, alpha, 1.0, two_sided) - power

    if effect > 1e6 or short(2 + 1e-9) >= 0:  # a difference of a million sd is seen with the fewest interviews
        return _finish(2.0, deff, None, response_rate, per_group=True)
    if short(MAX_N) < 0:
        raise _too_large(_ratio_squared(sd, delta))
    n = optimize.brentq(short, 2 + 1e-9, MAX_N, xtol=1e-10)
    return _finish(n, deff, None, response_rate, per_group=True)


def mdc_means(n: float, sd: float, alpha: float = 0.05, power: float = 0.8, deff: float = 1.0,
              two_sided: bool = True) -> float:
    """Minimum detectable difference in means with *n* completed interviews per group."""
    _check("the power", power, 0, 1)
    _check("the sample size", n, 1, MAX_N, hi_open=False)
    _check("the standard deviation", sd, 0, math.inf)
    _check("the design effect", deff, 0, math.inf)
    if n / deff <= 1:
        raise SurveyError(f"{n:g} interviews with a design effect of {deff:g} are fewer than 2 effective interviews "
                          "per group: no difference can be detected", rule="plan-infeasible")

    def short(effect: float) -> float:  # in units of sd: the power depends on the difference / sd only
        return power_two_means(n, 1.0, effect, alpha, deff, two_sided) - power

    if short(100) < 0:
        raise SurveyError(f"even a difference of 100 standard deviations cannot be detected with {n:g} interviews "
                          "per group at this power", rule="plan-infeasible")
    if short(1e-12) >= 0:
        return 0.0
    return float(optimize.brentq(short, 1e-12, 100, xtol=1e-14) * sd)


# ----------------------------------------------------------------------------------- either kind of variable


def n_change(p1: float | None = None, p2: float | None = None, sd: float | None = None, delta: float | None = None,
             alpha: float = 0.05, power: float = 0.8, deff: float = 1.0, response_rate: float = 1.0,
             continuity: bool = False, two_sided: bool = True) -> SampleSize:
    """Interviews per group to detect a change from *p1* to *p2* (proportions) or of *delta* (means, with *sd*)."""
    if p1 is not None and p2 is not None:
        return n_two_proportions(p1, p2, alpha, power, deff, response_rate, continuity, two_sided)
    if sd is not None and delta is not None:
        return n_two_means(sd, delta, alpha, power, deff, response_rate, two_sided)
    raise SurveyError("give --p1 and --p2 (proportions) or --sd and --delta (means)", rule="plan-argument")


def mdc(n: float, p1: float | None = None, sd: float | None = None, alpha: float = 0.05, power: float = 0.8,
        deff: float = 1.0, two_sided: bool = True) -> dict[str, Any]:
    """The minimum detectable change with *n* per group: the increase from *p1* (proportions) or the difference
    in means (with *sd*), with the inputs it was computed from."""
    if p1 is not None:
        up = mdc_proportions(n, p1, alpha, power, deff, two_sided, 1)
        return {"n_per_group": n, "deff": deff, "p1": p1, "increase": up, "p2": p1 + up}
    if sd is not None:
        return {"n_per_group": n, "deff": deff, "sd": sd, "difference": mdc_means(n, sd, alpha, power, deff, two_sided)}
    raise SurveyError("give --p1 (proportions) or --sd (means)", rule="plan-argument")
