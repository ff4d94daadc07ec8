"""Design features: clustering, battery reliability, nonresponse by sex and age, design weights, roster sizes,
and located errors in the design and effects files."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from surveymod.errors import SurveyError
from surveymod.questionnaire import load_valid
from surveymod.simulate import design_from_dict, effects_from_dict, load_effects, load_sample_design, simulate

from .helpers import FIXTURES, ROOT
from .test_effects import CENSUS, DESIGN

QN = FIXTURES / "perception_sim.yaml"


def anova_icc(values: np.ndarray, groups: np.ndarray) -> float:
    """One-way ANOVA estimator of the intra-class correlation for equal group sizes."""
    df = pd.DataFrame({"y": values, "g": groups})
    k = df.groupby("g").size().mean()
    means = df.groupby("g")["y"].transform("mean")
    msw = ((df["y"] - means) ** 2).sum() / (len(df) - df["g"].nunique())
    msb = k * ((df.groupby("g")["y"].mean() - df["y"].mean()) ** 2).sum() / (df["g"].nunique() - 1)
    return float((msb - msw) / (msb + (k - 1) * msw))


def cronbach_alpha(items: pd.DataFrame) -> float:
    k = items.shape[1]
    return float(k / (k - 1) * (1 - items.var(ddof=1).sum() / items.sum(axis=1).var(ddof=1)))


def _design(**over: object) -> dict:
    d = {**DESIGN, "nonresponse": None, "allocation": "proportional"}
    d.update(over)
    return d


@pytest.mark.parametrize(("icc", "lo", "hi"), [(0.0, -0.02, 0.02), (0.2, 0.1, 0.25)])
def test_intra_cluster_correlation(icc: float, lo: float, hi: float) -> None:
    qn = load_valid(QN)
    d = design_from_dict(_design(clusters={"take": 20, "icc": icc}))
    sim = simulate(qn, 12000, 5, d, effects_from_dict({"nonsubstantive": 0}))
    m = sim.main
    assert lo < anova_icc(m["att5"].to_numpy(float), m["psu"].to_numpy()) < hi


def test_battery_gives_a_reliable_index() -> None:
    qn = load_valid(QN)
    items = ["att1", "att2", "att3", "att4"]
    eff = effects_from_dict({"nonsubstantive": 0,
                             "batteries": [{"name": "a", "items": items, "loading": 0.8}]})
    m = simulate(qn, 5000, 3, effects=eff).main
    assert cronbach_alpha(m[items]) > 0.7
    plain = simulate(qn, 5000, 3, effects=effects_from_dict({"nonsubstantive": 0})).main
    assert abs(cronbach_alpha(plain[items])) < 0.15


def _census() -> tuple[dict[int, float], float, float]:
    with open(CENSUS, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    tot = sum(float(r["count"]) for r in rows)
    region = {k: sum(float(r["count"]) for r in rows if int(r["region"]) == k) / tot for k in range(1, 9)}
    men = sum(float(r["count"]) for r in rows if r["sex"] == "1") / tot
    young = sum(float(r["count"]) for r in rows if r["age"] in ("15-19", "20-24")) / tot
    return region, men, young


def test_nonresponse_and_design_weights() -> None:
    qn = load_valid(QN)
    d = design_from_dict(DESIGN)
    sim = simulate(qn, 20000, 8, d)
    m, info = sim.main, sim.truth["design"]
    region, men, young = _census()
    # men and the young respond less: under-represented among respondents, also after design weighting
    assert (m["sex"] == 1).mean() < men - 0.02
    assert (m["agegrp"] == 1).mean() < young - 0.02
    w = m["dweight"]
    assert (w * (m["sex"] == 1)).sum() / w.sum() < men - 0.02
    # sqrt allocation distorts the regions; design weights restore the census shares
    unweighted = m["region"].value_counts(normalize=True)
    weighted = w.groupby(m["region"]).sum() / w.sum()
    assert max(abs(unweighted[k] - region[k]) for k in region) > 0.03
    assert max(abs(weighted[k] - region[k]) for k in region) < 0.01
    # weights sum to the population times the response rate; constant within a stratum
    f = info["subsample_fraction"]
    expected = sum(s["population"] * s["kept"] / (s["issued"] * f) for s in info["strata"])
    assert w.sum() == pytest.approx(expected, rel=1e-9)
    assert w.sum() / info["population"] == pytest.approx(info["response_rate"], abs=0.02)
    assert (w.groupby(m["stratum"]).nunique() == 1).all()
    assert np.allclose(w * m["prob_sel"], 1)
    assert m["psu"].groupby(m["psu"]).size().max() <= 10
    assert info["kept"] == len(m) == 20000


def test_roster_sizes_follow_their_counts() -> None:
    qn = load_valid(FIXTURES / "household_sim.yaml")
    sim = simulate(qn, 3000, 4)
    main, person, emig = sim.frames["main"], sim.frames["person"], sim.frames["emigrant"]
    assert len(person) == main["hhsize"].sum()
    assert 2.0 < main["hhsize"].mean() < 4.5
    assert (person.groupby("hhid").size().reindex(main["hhid"], fill_value=0).to_numpy()
            == main["hhsize"].to_numpy()).all()
    expected = main["nemig"].where(main["any_emig"] == 1, 0).fillna(0)
    assert len(emig) == expected.sum()
    assert (person.groupby("hhid")["line"].max().to_numpy() == main.set_index("hhid")["hhsize"]
            .loc[person.groupby("hhid")["line"].max().index].to_numpy()).all()


def test_answer_distribution_settable() -> None:
    qn = load_valid(QN)
    eff = effects_from_dict({"nonsubstantive": 0, "answers": {"knows_migrant": {1: 0.8, 2: 0.2},
                                                              "income": {"mean": 600, "sd": 100}}})
    m = simulate(qn, 20000, 2, effects=eff).main
    assert (m["knows_migrant"] == 1).mean() == pytest.approx(0.8, abs=0.015)
    assert m["income"].mean() == pytest.approx(600, abs=5)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_design_file_errors_are_located(tmp_path: Path) -> None:
    p = _write(tmp_path, "d.yaml", f"population:\n  cells: {CENSUS}\nallocation: optimal\n")
    with pytest.raises(SurveyError) as exc:
        load_sample_design(p)
    assert "d.yaml:3" in str(exc.value) and "allocation" in str(exc.value)
    p = _write(tmp_path, "d2.yaml", "population:\n  cells: nowhere.csv\n")
    with pytest.raises(SurveyError, match="nowhere.csv"):
        load_sample_design(p)
    p = _write(tmp_path, "d3.yaml", f"population:\n  cells: {CENSUS}\nstrata: [province]\n")
    with pytest.raises(SurveyError, match="province") as exc:
        simulate(load_valid(QN), 10, 1, load_sample_design(p))
    assert "d3.yaml:3" in str(exc.value)


def test_effects_file_errors_are_located(tmp_path: Path) -> None:
    qn = load_valid(QN)
    p = _write(tmp_path, "e.yaml", "effects:\n  - item: att1\n    positive: [2, 3]\n    baseline: 40\n")
    with pytest.raises(SurveyError, match="top or the bottom") as exc:
        simulate(qn, 10, 1, effects=load_effects(p))
    assert "e.yaml:3" in str(exc.value)
    p = _write(tmp_path, "e2.yaml", "answers:\n  nosuch: {1: 0.5}\n")
    with pytest.raises(SurveyError, match="nosuch") as exc:
        simulate(qn, 10, 1, effects=load_effects(p))
    assert "e2.yaml:2" in str(exc.value)
    p = _write(tmp_path, "e3.yaml", "effects:\n  - item: att1\n    positive: [1]\n    baseline: 95\n    change: 10\n")
    with pytest.raises(SurveyError, match="between 0 and 100"):
        simulate(qn, 10, 1, effects=load_effects(p))


def test_unsatisfiable_constraint_is_reported(tmp_path: Path) -> None:
    text = QN.read_text(encoding="utf-8").replace('constraint: ". != 13"', 'constraint: ". < 0"')
    p = _write(tmp_path, "q.yaml", text)
    with pytest.raises(SurveyError, match="cannot be met") as exc:
        simulate(load_valid(p), 50, 1)
    assert "q.yaml:" in str(exc.value)


def test_example_files_load() -> None:
    d = load_sample_design(ROOT / "examples" / "designs" / "perception_design.yaml")
    e = load_effects(ROOT / "examples" / "designs" / "perception_effects.yaml")
    assert len(d.rows) == 240 and d.strata == ["region", "urbrur"]
    assert e.effects[0].change == 8 and e.effects[0].domains[0].change == 12
