"""Sample-size and power formulas against published worked examples.

Sources:
- Cochran, W. G. (1977). Sampling Techniques, 3rd ed., eq. 4.2: n0 = z^2 p q / d^2 = 384.16 for p = 0.5, d = 0.05,
  z = 1.96 → 385 interviews.
- Krejcie, R. V. & Morgan, D. W. (1970). Determining sample size for research activities. Educational and
  Psychological Measurement 30, 607-610, Table 1 (chi-square 3.841, P = 0.5, d = 0.05): N = 100 → 80,
  N = 1,000 → 278, N = 10,000 → 370, N = 1,000,000 → 384. (Their N = 500 → 217 is rounded to nearest; the
  formula gives 217.5, which a planner rounds up to 218, so that row is not used.)
- R documentation of power.prop.test (stats package), examples: p1 = .50, p2 = .75, power = .90 → n = 76.7;
  n = 50 → power = 0.740; n = 50, power = .90 → p2 = 0.8026.
- R documentation of power.t.test, examples: n = 20, delta = 1 → power = 0.869; power = .90, delta = 1 → n = 22.02.
- Kish, L. (1965). Survey Sampling, §5.4: deff = 1 + (b − 1) roh; b = 10, roh = 0.05 → 1.45.
"""

from __future__ import annotations

import math
import shutil
import subprocess

import pytest

from surveymod.errors import SurveyError
from surveymod.simulate import plan as P


def test_cochran_single_proportion() -> None:
    r = P.n_proportion(0.5, 0.05, z=1.96)
    assert r.n_srs == pytest.approx(384.16, abs=1e-9)
    assert r.n == 385
    assert P.n_proportion(0.5, 0.05, conf_level=0.95).n == 385  # exact z 1.959964 gives 384.15


@pytest.mark.parametrize(("population", "expected"), [(100, 80), (1000, 278), (10_000, 370), (1_000_000, 384)])
def test_krejcie_morgan_table(population: int, expected: int) -> None:
    assert P.n_proportion(0.5, 0.05, z=math.sqrt(3.841), population=population).n == expected


def test_design_effect_and_response_rate() -> None:
    assert P.design_effect(10, 0.05) == pytest.approx(1.45)
    r = P.n_proportion(0.5, 0.05, z=1.96, deff=1.45, response_rate=0.7)
    assert r.n_design == pytest.approx(384.16 * 1.45)
    assert r.n == 558 and r.issued == math.ceil(558 / 0.7)


def test_r_power_prop_test_examples() -> None:
    assert P.n_two_proportions(0.5, 0.75, power=0.9).n_srs == pytest.approx(76.7, abs=0.05)
    assert P.n_two_proportions(0.5, 0.75, power=0.9).n == 77
    assert P.power_two_proportions(50, 0.5, 0.75) == pytest.approx(0.740, abs=5e-4)
    assert 0.5 + P.mdc_proportions(50, 0.5, power=0.9) == pytest.approx(0.8026, abs=5e-5)


def test_r_power_t_test_examples() -> None:
    assert P.power_two_means(20, 1, 1) == pytest.approx(0.869, abs=5e-4)
    assert P.n_two_means(1, 1, power=0.9).n_srs == pytest.approx(22.02, abs=5e-3)
    assert P.mdc_means(22.02110, 1, power=0.9) == pytest.approx(1.0, abs=1e-4)


def test_design_effect_scales_the_change_sample() -> None:
    base = P.n_two_proportions(0.40, 0.48)
    clustered = P.n_two_proportions(0.40, 0.48, deff=1.45, response_rate=0.65)
    assert clustered.n_design == pytest.approx(base.n_srs * 1.45)
    assert clustered.issued == math.ceil(clustered.n / 0.65)
    # the minimum detectable change of that sample is the change it was planned for
    assert P.mdc_proportions(clustered.n_design, 0.40, deff=1.45) == pytest.approx(0.08, abs=1e-6)


def test_margin_of_error_inverts_sample_size() -> None:
    assert P.moe_proportion(384.16, 0.5, conf_level=0.95) == pytest.approx(0.05 * P.z_value(0.95) / 1.96, rel=1e-9)


@pytest.mark.parametrize("call", [
    lambda: P.n_proportion(1.2, 0.05), lambda: P.n_proportion(0.5, 0), lambda: P.n_two_proportions(0.4, 0.4),
    lambda: P.n_proportion(0.5, 0.05, response_rate=0), lambda: P.design_effect(10, 1.5),
])
def test_bad_arguments_are_survey_errors(call) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SurveyError):
        call()


@pytest.mark.client
@pytest.mark.skipif(shutil.which("Rscript") is None, reason="Rscript (R) is not installed")
def test_against_r_power_prop_test_directly() -> None:
    out = subprocess.run(
        ["Rscript", "-e", "cat(power.prop.test(p1=.4, p2=.48, power=.8)$n, power.prop.test(n=300, p1=.3, p2=.4)$power)"],
        capture_output=True, text=True, check=True, timeout=60).stdout.split()
    assert P.n_two_proportions(0.4, 0.48).n_srs == pytest.approx(float(out[0]), rel=1e-6)
    assert P.power_two_proportions(300, 0.3, 0.4) == pytest.approx(float(out[1]), rel=1e-6)
