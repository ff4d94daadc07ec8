"""Indicators from a programme spec, checked against R survey numbers computed on the api samples.

Reference (R survey 4.x, script tests/data/programme/reference.R):
  apistrat  svymean(~I(api00>700)) = 0.4043396816 (SE 0.0374753901)
  apiclus1  svymean(~I(api00>700)) = 0.3387978142 (SE 0.0798060347)
  independent waves: diff -0.0655418674 (SE 0.0881669327); % change -16.2096055332 (SE 21.2102275245)
  svyby(~I(api00>700), ~sch.wide, dstrat): Yes 0.4408645 (0.04280428), No 0.2285749 (0.06957574)
  confint(svyciprop(~I(api00>700), dstrat, method="logit")): 0.33308503 0.47986945
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from surveymod.errors import SurveyError
from surveymod.indicators.compute import compute
from surveymod.indicators.programme import load_programme

SPEC = Path(__file__).parents[1] / "data" / "programme" / "programme.yaml"


@pytest.fixture(scope="module")
def rows():
    return compute(load_programme(SPEC))[0]


def test_survey_share_matches_r(rows) -> None:
    oc = rows[0]
    assert oc.cells["baseline"].value == pytest.approx(40.43396816, rel=1e-6)
    assert oc.cells["baseline"].se == pytest.approx(3.74753901, rel=1e-6)
    assert oc.cells["year2"].value == pytest.approx(33.87978142, rel=1e-6)
    assert oc.cells["year2"].se == pytest.approx(7.98060347, rel=1e-6)
    assert oc.change.points == pytest.approx(-6.55418674, rel=1e-6)
    assert oc.change.points_se == pytest.approx(8.81669327, rel=1e-6)
    assert oc.change.pct == pytest.approx(-16.2096055332, rel=1e-6)
    assert oc.change.pct_se == pytest.approx(21.2102275245, rel=1e-6)
    assert oc.target_met is False
    # a share's CI is R svyciprop(method="logit") with the design df: (0.33308503, 0.47986945)
    assert oc.cells["baseline"].ci_low == pytest.approx(33.308503, rel=1e-6)
    assert oc.cells["baseline"].ci_high == pytest.approx(47.986945, rel=1e-6)
    yes = next(s for s in oc.breakdown if s.label.endswith("Yes"))
    assert yes.cells["baseline"].value == pytest.approx(44.08645, rel=1e-6)
    assert yes.cells["baseline"].se == pytest.approx(4.280428, rel=1e-6)


def test_training_and_monitoring_rows(rows) -> None:
    tr, mon = rows[1], rows[2]
    assert tr.cells["year1"].value == 2  # A (+20) and C (+15) improved by >= 10 points
    assert tr.target_met is True
    assert any("unmatched" in n for n in tr.notes)
    assert {s.label: s.cells["year1"].value for s in tr.breakdown} == {"sex = 1": 0, "sex = 2": 2}
    assert mon.cells["year1"].value == 12 and mon.cells["year1"].source == "Media monitoring log 2025"
    assert mon.cumulative.value == 19


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    d = tmp_path / "programme"
    shutil.copytree(SPEC.parent, d)
    shutil.copytree(SPEC.parents[1] / "api", tmp_path / "api")
    p = d / "programme.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    return p


def test_missing_variable_names_spec_line(tmp_path: Path) -> None:
    p = _broken(tmp_path, 'expression: "api00 > 700"', 'expression: "api01 > 700"')
    with pytest.raises(SurveyError) as info:
        compute(load_programme(p))
    prob = info.value.problems[0]
    assert "api01" in prob.message and prob.location.line == 21


def test_unknown_wave_names_spec_line(tmp_path: Path) -> None:
    p = _broken(tmp_path, "waves: [base, end]", "waves: [base, midline]")
    with pytest.raises(SurveyError) as info:
        load_programme(p)
    prob = info.value.problems[0]
    assert "midline" in prob.message and prob.location.line == 22


def test_undefined_period_names_spec_line(tmp_path: Path) -> None:
    p = _broken(tmp_path, "{period: year2, value: 7", "{period: year4, value: 7")
    with pytest.raises(SurveyError) as info:
        load_programme(p)
    prob = info.value.problems[0]
    assert "year4" in prob.message and prob.location.line == 41
