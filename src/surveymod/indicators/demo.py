"""The end-to-end main job on the shipped instruments (``surveymod demo``).

Simulates a baseline and an endline general-public perception survey (stratified two-stage design, nonresponse by
sex and age, a known +8-point change, +12 among 15–24) and a training pre/post test; weights both surveys to the
Census 2021 margins; computes the Outcome 3 indicators with their change; fills the results-framework table; exports
labelled .sav/.dta files; and writes the report. Every input it creates (data, truth, weighting and programme specs)
is written next to the outputs, so ``surveymod indicators --spec OUT/programme.yaml`` reproduces the table.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from ..atomic import write_text
from ..questionnaire import load
from ..questionnaire.model import Questionnaire
from ..resources import shipped
from .compute import compute
from .programme import load_programme
from .report import write_outputs

Echo = Callable[[str], None]
TRAINING_GAIN = 10.0  # points of the maximum score that count as "improved"


def _csv(df: pd.DataFrame, path: Path) -> Path:
    return write_text(path, df.to_csv(index=False))


def _knowledge_probs(qn: Questionnaire, p_correct: float) -> dict[str, dict[str, Any]]:
    """Answer distributions for the scored items: the correct code with probability *p_correct*."""
    answers: dict[str, dict[str, Any]] = {}
    for q in qn.questions():
        choices = [c for c in qn.choice_list(q) if not c.missing]
        if q.type == "select_one" and any(c.correct for c in choices):
            wrong = [c for c in choices if not c.correct]
            probs = {c.code: (p_correct if c.correct else (1 - p_correct) / max(len(wrong), 1)) for c in choices}
            answers[q.name] = {"probs": probs}
    return answers


def simulate_training(qn: Questionnaire, trainees: int, seed: int) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Matched pre/post tests: the same trainees (id, sex, age, organisation), more correct answers after training."""
    from ..simulate import effects_from_dict, simulate

    pre = simulate(qn, trainees, seed, effects=effects_from_dict(
        {"nonsubstantive": 0.0, "answers": _knowledge_probs(qn, 0.45)}), wave="pre").main
    post = simulate(qn, trainees, seed + 1, effects=effects_from_dict(
        {"nonsubstantive": 0.0, "answers": _knowledge_probs(qn, 0.75)}), wave="post").main
    person = [c for c in ("trainee_id", "event", "sex", "age", "agegrp", "organisation", "org_type") if c in pre]
    ids = [f"T{i:03d}" for i in range(1, trainees + 1)]
    pre = pre.assign(trainee_id=ids, test=1)
    post = post.assign(**{c: pre[c].to_numpy() for c in person if c != "trainee_id"}, trainee_id=ids, test=2)
    gain = post["pct_score"].to_numpy(float) - pre["pct_score"].to_numpy(float)
    improved = gain >= TRAINING_GAIN
    truth: dict[str, Any] = {"tested": trainees, "matched": trainees, "improved": int(improved.sum()),
                             "improved_by_sex": {str(int(s)): int(improved[pre["sex"].to_numpy() == s].sum())
                                                 for s in sorted(pre["sex"].dropna().unique())},
                             "gain_threshold_points": TRAINING_GAIN}
    return pd.concat([pre, post], ignore_index=True), truth


def weighting_spec(replicates: int, seed: int) -> dict[str, Any]:
    """The demo's weighting: bootstrap replicates, raking to the Census 2021 15+ margins, trimming."""
    return {
        "design": {"weight": "dweight", "strata": "stratum", "psu": "psu"},
        "steps": [
            {"step": "replicates", "method": "bootstrap", "n": replicates, "seed": seed, "prefix": "bw"},
            {"step": "rake", "tolerance": 1e-6, "max_iter": 100, "margins": [
                {"variables": ["sex", "agegrp"], "targets": str(shipped("weights", "mk2021_sex_agegrp_15plus.csv")),
                 "labels": {"sex": {1: "male", 2: "female"},
                            "agegrp": {1: "15-24", 2: "25-34", 3: "35-44", 4: "45-54", 5: "55-64", 6: "65+"}}},
                {"variables": ["region"], "targets": str(shipped("weights", "mk2021_region_15plus.csv")),
                 "labels": {"region": {i: f"MK00{i}" for i in range(1, 9)}}}]},
            {"step": "trim", "upper": "5 median", "lower": "0.2 median", "redistribute": "proportional"},
        ],
        "output": "final_weight",
    }


AGE_LABELS = {"1": "15-24", "2": "25-34", "3": "35-44", "4": "45-54", "5": "55-64", "6": "65+"}
LABELS = {"sex": {"1": "Men", "2": "Women"}, "agegrp": AGE_LABELS}


def programme_spec(q_base: Path, q_end: Path, definitions: Path) -> dict[str, Any]:
    """The demo programme: Outcome 3 survey indicators, training outputs and monitoring records."""
    d = str(definitions)
    survey = {"waves": ["baseline", "endline"], "by": ["sex", "agegrp"], "labels": LABELS}
    return {
        "programme": "Evidence-based migration policy planning and discourse in North Macedonia (demo data)",
        "title": "Results framework — Outcome 3 (simulated demo data)",
        "waves": {
            "baseline": {"data": "data/baseline.csv", "questionnaire": str(q_base), "period": "baseline",
                         "weighting": "weighting.yaml", "label": "Perception survey, baseline"},
            "endline": {"data": "data/endline.csv", "questionnaire": str(q_end), "period": "year2",
                        "weighting": "weighting.yaml", "label": "Perception survey, endline"},
            "training": {"data": "data/training.csv", "period": "year1", "label": "Journalists' training tests"},
        },
        "indicators": [
            {"id": "OC3.1", "level": "Outcome 3", "kind": "share", "scale": 100, "unit": "%",
             "text": "% of residents 15+ who see the impact of migrants on the country's development as good",
             "expression": "devimpact in [1, 2]", "universe": "devimpact in [1, 2, 3, 4, 5]",
             "notes": "Among substantive answers (don't know and refusal excluded).",
             "target": {"change_pct": 15}, **survey},
            {"id": "OC3.2", "level": "Outcome 3", "kind": "share", "scale": 100, "unit": "%",
             "text": "% of residents 15+ with a positive perception of migrants and refugees as development actors "
                     "(index > 50)", "definition": f"{d}#pub_pos_share", **survey},
            {"id": "OC3.3", "level": "Outcome 3", "kind": "mean", "unit": "",
             "text": "Migrant Acceptance Index (0-9, Gallup coding)", "definition": f"{d}#pub_mai", **survey,
             "notes": "Gallup World Poll, North Macedonia: 1.47 (2016), 1.49 (2019)."},
            {"id": "OC3.4", "level": "Outcome 3", "kind": "total", "unit": "",
             "text": "Persons aged 15+ reached by the campaign (weighted)", "expression": "camp_seen = 1",
             "waves": ["endline"], "by": ["sex"], "labels": LABELS},
            {"id": "OP3.1", "level": "Output 3.1", "kind": "training_improved",
             "text": "Journalists and trainees whose knowledge improved (matched pre/post, gain >= 10 points)",
             "waves": ["training"], "by": ["sex", "agegrp"], "labels": LABELS, "gain_threshold": TRAINING_GAIN,
             "target": {"value": 30}},
            {"id": "OP3.2", "level": "Output 3.1", "kind": "training_tested", "text": "Trainees tested",
             "waves": ["training"], "by": ["sex"], "labels": LABELS},
            {"id": "OP3.3", "level": "Output 3.2", "kind": "monitoring",
             "text": "Awareness-raising events on migrants as development actors", "target": {"value": 12},
             "monitoring": [{"period": "year1", "value": 5, "source": "Programme events register (demo figures)"},
                            {"period": "year2", "value": 8, "source": "Programme events register (demo figures)"}]},
            {"id": "OP3.4", "level": "Output 3.2", "kind": "monitoring",
             "text": "Media articles on migrants and refugees as development actors",
             "monitoring": [{"period": "year1", "value": 14, "source": "Media monitoring log (demo figures)"},
                            {"period": "year2", "value": 23, "source": "Media monitoring log (demo figures)"}]},
            {"id": "OP1.1", "level": "Output 1.1", "kind": "monitoring",
             "text": "Data-exchange protocols on migration statistics signed",
             "monitoring": [{"period": "year1", "value": 1, "source": "SSO/MoI protocol register (demo figures)"},
                            {"period": "year2", "value": 2, "source": "SSO/MoI protocol register (demo figures)"}]},
        ],
    }


def run_demo(out_dir: str | Path, *, n: int = 1500, trainees: int = 60, seed: int = 2026, replicates: int = 100,
             echo: Echo = print) -> dict[str, Any]:
    """Run the whole main job into *out_dir*; returns the result rows, truth and written paths."""
    from ..data import export
    from ..simulate import load_design, load_effects, simulate

    out = Path(out_dir)
    q_base = shipped("questionnaires", "perception_baseline.yaml")
    q_end = shipped("questionnaires", "perception_endline.yaml")
    q_train = shipped("questionnaires", "training_prepost.yaml")
    design = load_design(shipped("examples", "designs", "perception_design.yaml"))
    effects = load_effects(shipped("examples", "designs", "perception_effects.yaml"))

    echo(f"[1/6] simulating baseline and endline surveys ({n} respondents each) and {trainees} trainees")
    sim_b = simulate(load(q_base), n, seed, design=design, effects=effects, wave="baseline")
    sim_e = simulate(load(q_end), n, seed + 1, design=design, effects=effects, wave="endline")
    training, training_truth = simulate_training(load(q_train), trainees, seed + 2)
    paths = {
        "baseline.csv": _csv(sim_b.main, out / "data" / "baseline.csv"),
        "endline.csv": _csv(sim_e.main, out / "data" / "endline.csv"),
        "training.csv": _csv(training, out / "data" / "training.csv"),
    }
    truth = {"baseline": sim_b.truth, "endline": sim_e.truth, "training": training_truth}
    paths["truth.json"] = write_text(out / "data" / "truth.json",
                                     json.dumps(truth, indent=2, default=_jsonable) + "\n")
    paths["weighting.yaml"] = write_text(out / "weighting.yaml", yaml.safe_dump(
        weighting_spec(replicates, seed), sort_keys=False, allow_unicode=True))
    paths["programme.yaml"] = write_text(out / "programme.yaml", yaml.safe_dump(
        programme_spec(q_base, q_end, shipped("questionnaires", "indicators", "perception.yaml")),
        sort_keys=False, allow_unicode=True, width=120))

    echo("[2/6] weighting both surveys to the Census 2021 margins (raking, trimming, "
         f"{replicates} bootstrap replicates)")
    lp = load_programme(out / "programme.yaml")
    echo("[3/6] computing the Outcome 3 indicators, their change, and the training and monitoring indicators")
    rows, waves = compute(lp)
    echo("[4/6] exporting labelled SPSS and Stata files")
    exports: list[Path] = []
    for name, q in (("baseline", q_base), ("endline", q_end)):
        for to in ("sav", "dta"):
            res = export(paths[f"{name}.csv"], q, to=to, out=out / "export" / f"{name}.{to}")
            exports += res.files
    res = export(paths["training.csv"], q_train, to="sav", out=out / "export" / "training.sav")
    exports += res.files
    echo("[5/6] writing the results framework, charts and report")
    sources = [f"{w.wave.label or name}: {w.wave.data}, {len(w.frame)} respondents (simulated), "
               f"period {w.wave.period}" for name, w in waves.items()]
    methods_extra = [
        "Demo data are simulated from the shipped instruments with surveymod simulate: 16 strata (8 regions × "
        "urban/rural), PSUs of 10 issued interviews with ICC 0.05, square-root allocation and nonresponse that "
        "is lower among men and young people; the endline has a known +8-point change in OC3.1 (+12 among 15–24).",
        "Weights: design weights raked to the Census 2021 resident population 15+ (sex × age group, region; MakStat "
        f"T1003P21) and trimmed at 0.2–5 × the median; variance from {replicates} Rao–Wu bootstrap replicates, "
        "each raked and trimmed again.",
    ]
    from .report import DEFAULT_METHODS

    written = write_outputs(rows, out, title=lp.spec.title, methods=methods_extra + DEFAULT_METHODS,
                            sources=sources)
    echo("[6/6] done")
    return {"rows": rows, "truth": truth, "paths": {**paths, **written}, "exports": exports, "waves": waves}


def _jsonable(o: object) -> object:
    if isinstance(o, np.integer | np.floating):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)
