"""The end-to-end main job on the shipped instruments (``surveymod demo``): the programme's whole results framework.

Simulates the general-public perception survey (stratified two-stage design, nonresponse by sex and age, a known
+8-point change in ``devimpact``) and the policy- and opinion-maker survey (baseline study and endline, with a known
rise of the positive-perception share that indicator 3a measures), a training pre/post test for every training
indicator (1.3a, 2.1b, 3.2a, 3.2c), and uses the demo monitoring register; weights the public survey to the Census
2021 margins; computes every indicator of ``examples/programme/programme.yaml`` and writes the results framework,
the report, and labelled .sav/.dta files. The output folder is self-contained: the spec, questionnaires, weighting
spec, census targets and register are copied next to the data with paths relative to the spec, so
``surveymod indicators --spec OUT/programme.yaml`` reproduces the table wherever the folder is moved.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from .atomic import write_bytes, write_text
from .indicators.asof import covered
from .indicators.compute import WaveData
from .indicators.programme import LoadedProgramme, load_programme
from .indicators.report import DEFAULT_METHODS, write_indicator_report
from .indicators.results import PERIOD_TITLES
from .questionnaire import load
from .questionnaire.model import Questionnaire
from .resources import shipped

Echo = Callable[[str], None]
TRAINING_GAIN = 10.0  # points of the maximum score that count as "improved"
MISSED_POST_TEST = 0.1  # share of trainees without a post-test in the demo

PUBLIC_FORMS = ("perception_baseline.yaml", "perception_endline.yaml")
PM_FORMS = ("perception_policymakers_baseline.yaml", "perception_policymakers_endline.yaml")
TRAINING_FORM = "training_prepost.yaml"
CENSUS = ("mk2021_sex_agegrp_15plus.csv", "mk2021_region_15plus.csv")
PM_WEIGHTING = "perception_policymakers.yaml"
AS_OF_REPORTS = ("year1", "year2")  # made before the endline data exist

# The policy and opinion makers' sample list (demo figures, the totals of weights/perception_policymakers.yaml):
# positions per stratum (type of institution); the issued sample is spread by square-root allocation and drawn
# without replacement, so sampling fractions differ between strata (a quarter to two fifths of the list).
PM_LIST = {1: 620, 2: 480, 3: 350, 4: 410, 5: 140}

# Policy and opinion makers: the development-actors battery shifts towards the positive end between the baseline
# study and the endline (a tilt of the answer distributions; 0 = uniform). Truth is the population share with a
# positive perception (index > 50), from a large reference simulation with a fixed seed.
PM_TILT = {"baseline": -0.1, "endline": 0.06}
PM_REFERENCE_N = 200_000
PM_REFERENCE_SEED = 20261130
DEV_LOW_POSITIVE = ["dev_econ", "dev_labour", "dev_entrep", "dev_diaspora", "dev_culture", "devimpact"]
DEV_HIGH_POSITIVE = ["imbgeco", "imueclt", "imwbcnt"]

# Trainings: (data file stem as named in the spec, trainees, share of women, institutions); periods are in the spec.
# Institutions (codes of the training test's `institution` list): institutions for the data trainings, media and
# civil society for the journalists' and communication trainings.
_DATA_INST = {1: 0.35, 2: 0.25, 3: 0.1, 4: 0.2, 7: 0.05, 9: 0.05}
_MEDIA_INST = {5: 0.75, 6: 0.15, 7: 0.05, 9: 0.05}
TRAININGS = [
    ("training_data_management_y1", 24, 0.55, _DATA_INST),
    ("training_data_management_y2", 30, 0.6, _DATA_INST),
    ("training_data_exchange_y2", 36, 0.5, _DATA_INST),
    ("training_journalists_y1", 28, 0.6, _MEDIA_INST),
    ("training_journalists_y2", 32, 0.55, _MEDIA_INST),
    ("training_communication_strategy_y3", 26, 0.65, {**_MEDIA_INST, 1: 0.1, 4: 0.1}),
]


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


def simulate_training(qn: Questionnaire, trainees: int, seed: int, women: float = 0.5,
                      institutions: dict[int, float] | None = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Pre/post tests of the same trainees (id, sex, age, institution), more correct answers after training; about
    one trainee in ten has no post-test (trained, not assessable)."""
    from .simulate import effects_from_dict, simulate

    sex: dict[str, Any] = {"sex": {"probs": {1: 1 - women, 2: women}}, "age": TRAINEE_AGE}
    if institutions and "institution" in {q.name for q in qn.questions()}:
        sex["institution"] = {"probs": institutions}
    pre = simulate(qn, trainees, seed, effects=effects_from_dict(
        {"nonsubstantive": 0.0, "answers": {**_knowledge_probs(qn, 0.45), **sex}}), wave="pre").main
    post = simulate(qn, trainees, seed + 1, effects=effects_from_dict(
        {"nonsubstantive": 0.0, "answers": {**_knowledge_probs(qn, 0.75), **sex}}), wave="post").main
    person = [c for c in ("trainee_id", "event", "sex", "age", "agegrp", "organisation", "org_type", "institution")
              if c in pre]
    ids = [f"T{seed % 1000:03d}-{i:03d}" for i in range(1, trainees + 1)]
    pre = pre.assign(trainee_id=ids, test=1)
    post = post.assign(**{c: pre[c].to_numpy() for c in person if c != "trainee_id"}, trainee_id=ids, test=2)
    # about one trainee in ten misses the post-test (left early): trained, but not assessable for improvement
    missed = np.random.default_rng(seed).random(trainees) < MISSED_POST_TEST
    gain = post["pct_score"].to_numpy(float) - pre["pct_score"].to_numpy(float)
    improved = (gain >= TRAINING_GAIN) & ~missed
    post = post[~missed]
    sexes = pre["sex"].to_numpy()
    truth: dict[str, Any] = {"tested": trainees, "matched": int((~missed).sum()), "improved": int(improved.sum()),
                             "tested_by_sex": {str(int(s)): int((sexes == s).sum())
                                               for s in sorted(pre["sex"].dropna().unique())},
                             "improved_by_sex": {str(int(s)): int(improved[sexes == s].sum())
                                                 for s in sorted(pre["sex"].dropna().unique())},
                             "gain_threshold_points": TRAINING_GAIN}
    return pd.concat([pre, post], ignore_index=True), truth


# The fieldwork outcome of a sampled unit (contact, consent, disposition) follows the forms' own `shares`.
TRAINEE_AGE = {"mean": 38, "sd": 10, "min": 21, "max": 67}
PM_AGE = {"mean": 49, "sd": 11, "min": 25, "max": 80}


def pm_effects(tilt: float) -> Any:
    """The policy/opinion-maker scenario: one latent development attitude; answers tilted by *tilt*."""
    from .simulate import effects_from_dict

    answers: dict[str, Any] = {}
    for v in DEV_LOW_POSITIVE:
        w = np.exp(-tilt * np.arange(5))
        answers[v] = {i + 1: float(x) for i, x in enumerate(w / w.sum())}
    for v in DEV_HIGH_POSITIVE:
        w = np.exp(tilt * np.arange(11) / 2.5)
        answers[v] = {i: float(x) for i, x in enumerate(w / w.sum())}
    return effects_from_dict({
        "nonsubstantive": 0.03, "answers": {**answers, "age": PM_AGE},
        "batteries": [{"name": "development", "loading": 0.75, "items": DEV_LOW_POSITIVE + DEV_HIGH_POSITIVE,
                       "low_positive": DEV_LOW_POSITIVE}]})


def pm_truth(q_base: Questionnaire, q_end: Questionnaire, definitions: Path) -> dict[str, Any]:
    """The population share (%) of policy/opinion makers with a positive perception, baseline and endline, and the
    relative change 3a reports, from a large reference simulation of each scenario (fixed seed)."""
    from .indicators.definitions import respondent_values
    from .indicators.spec import load_indicator_spec
    from .simulate import simulate

    defs = load_indicator_spec(definitions)
    shares = {}
    for wave, qn in (("baseline", q_base), ("endline", q_end)):
        frame = simulate(qn, PM_REFERENCE_N, PM_REFERENCE_SEED, effects=pm_effects(PM_TILT[wave]),
                         wave=wave).main
        shares[wave] = float(np.nanmean(respondent_values(defs, "pm_pos_share", frame))) * 100
    return {"indicator": "3a", "definition": "pm_pos_share (perception index > 50)", "baseline": shares["baseline"],
            "endline": shares["endline"], "change_points": shares["endline"] - shares["baseline"],
            "relative_change_pct": 100 * (shares["endline"] / shares["baseline"] - 1),
            "reference_n": PM_REFERENCE_N, "reference_seed": PM_REFERENCE_SEED, "tilt": PM_TILT}


def pm_list_sample(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The issued sample as a stratified list sample: each record gets its stratum, its design weight N_h / n_h and
    the stratum's list size N_h (as copied from the list); the completed interviews (result 1) are returned."""
    n = len(frame)
    root = {h: np.sqrt(size) for h, size in PM_LIST.items()}
    n_h = {h: int(round(n * r / sum(root.values()))) for h, r in root.items()}
    n_h[max(PM_LIST, key=PM_LIST.__getitem__)] += n - sum(n_h.values())
    strata = np.random.default_rng(seed).permutation(np.repeat(list(n_h), list(n_h.values())))
    size = np.array([PM_LIST[h] for h in strata], dtype=float)
    dweight = size / np.array([n_h[h] for h in strata], dtype=float)
    issued = frame.assign(list_stratum=strata, list_size=size, dweight=dweight, base_weight=dweight)
    return issued[issued["result"] == 1].reset_index(drop=True)


def weighting_spec(replicates: int, seed: int, columns: set[str] | None = None) -> dict[str, Any]:
    """The demo's weighting: bootstrap replicates, a nonresponse adjustment when the simulated file holds every
    sampled household with its visit result, raking to the Census 2021 15+ margins, trimming."""
    columns = columns or set()
    fieldwork = {"result", "base_weight"} <= columns
    steps: list[dict[str, Any]] = [
        {"step": "replicates", "method": "bootstrap", "n": replicates, "seed": seed, "prefix": "bw"}]
    if fieldwork:  # nonrespondents are records: respondents carry the weight of their region's nonrespondents
        steps.append({"step": "nonresponse", "status": "result", "respondent": [1], "ineligible": [3],
                      "classes": ["region"]})
    steps += [
        {"step": "rake", "tolerance": 1e-6, "max_iter": 100, "margins": [
            {"variables": ["sex", "agegrp"], "targets": f"weights/{CENSUS[0]}",
             "labels": {"sex": {1: "male", 2: "female"},
                        "agegrp": {1: "15-24", 2: "25-34", 3: "35-44", 4: "45-54", 5: "55-64", 6: "65+"}}},
            {"variables": ["region"], "targets": f"weights/{CENSUS[1]}",
             "labels": {"region": {i: f"MK00{i}" for i in range(1, 9)}}}]},
        {"step": "trim", "upper": "5 median", "lower": "0.2 median", "redistribute": "proportional"},
    ]
    weight = "base_weight" if fieldwork else "dweight"
    return {"design": {"weight": weight, "strata": "stratum", "psu": "psu"}, "steps": steps,
            "output": "final_weight"}


def _copy(src: Path, dst: Path) -> Path:
    return write_bytes(dst, src.read_bytes())


def copy_inputs(out: Path) -> dict[str, Path]:
    """The spec, register, questionnaires, indicator definitions and census targets, copied into *out*."""
    paths = {
        "programme.yaml": _copy(shipped("examples", "programme", "programme.yaml"), out / "programme.yaml"),
        "monitoring_register.csv": _copy(shipped("examples", "programme", "monitoring_register.csv"),
                                         out / "monitoring_register.csv"),
    }
    for name in (*PUBLIC_FORMS, *PM_FORMS, TRAINING_FORM):
        paths[f"questionnaires/{name}"] = _copy(shipped("questionnaires", name), out / "questionnaires" / name)
    paths["questionnaires/translation/glossary.yaml"] = _copy(  # the forms' `glossary:` (validate reads it)
        shipped("questionnaires", "translation", "glossary.yaml"),
        out / "questionnaires" / "translation" / "glossary.yaml")
    paths["questionnaires/indicators/perception.yaml"] = _copy(
        shipped("questionnaires", "indicators", "perception.yaml"),
        out / "questionnaires" / "indicators" / "perception.yaml")
    for name in (*CENSUS, PM_WEIGHTING):
        paths[f"weights/{name}"] = _copy(shipped("weights", name), out / "weights" / name)
    return paths


def indicator_variable(ind_id: str) -> str:
    """The export column of an indicator's per-respondent value: '3.1a' -> 'ind_3_1a'."""
    return "ind_" + re.sub(r"[^A-Za-z0-9]+", "_", ind_id).strip("_")


def export_wave(wave: WaveData, lp: LoadedProgramme, stem: Path) -> list[Path]:
    """A survey wave as labelled .sav and .dta with its final and replicate weights and every indicator's
    per-respondent value, plus <stem>_design.R/.do/.sps declaring its design: an SPSS, Stata or R user gets the
    framework's numbers from these files alone (e.g. R: svymean(~ind_3a, des, na.rm = TRUE))."""
    from .data import export
    from .design.prepare import replicate_columns
    from .weighting.declare import declarations

    assert wave.dataset is not None
    texts = {ind.id: ind.text for ind in lp.spec.indicators}
    columns = {indicator_variable(i): v for i, v in wave.values.items()}
    added = {indicator_variable(i): f"Indicator {i} (per respondent; missing outside its base): {texts.get(i, '')}"
             for i in wave.values}
    frame = wave.dataset.main.assign(**columns)
    if wave.wave.weighting and wave.design.weight:
        added[wave.design.weight] = f"Final weight (surveymod weight, spec {wave.wave.weighting})"
    for k, c in enumerate(replicate_columns(wave.design, [str(c) for c in frame.columns]), start=1):
        added[c] = f"Replicate weight {k} ({wave.design.reptype})"
    ds = wave.dataset.with_frame(frame)
    files: list[Path] = []
    for to in ("sav", "dta"):
        files += export(ds, to=to, out=stem.with_suffix(f".{to}"), added=added).files
    for suffix, text in declarations(wave.design, stem.name, [str(c) for c in frame.columns],
                                     sav=f"{stem.name}.sav", dta=f"{stem.name}.dta").items():
        files.append(write_text(stem.with_name(f"{stem.name}_design.{suffix}"), text))
    return files


def run_demo(out_dir: str | Path, *, n: int = 1500, n_pm: int = 500, trainees: int | None = None,
             seed: int = 2026, replicates: int = 100, exports: bool = True, echo: Echo = print) -> dict[str, Any]:
    """Run the whole results framework into *out_dir*; returns the rows, the truth and the written paths.

    *trainees* overrides the number of trainees of every training (default: each training's own size);
    ``exports=False`` skips the labelled .sav/.dta files (the framework does not need them).
    """
    from .data import export
    from .simulate import load_effects, load_sample_design, simulate

    out = Path(out_dir)
    paths = copy_inputs(out)
    qdir = out / "questionnaires"
    q_pub = [load(qdir / f) for f in PUBLIC_FORMS]
    q_pm = [load(qdir / f) for f in PM_FORMS]
    q_train = load(qdir / TRAINING_FORM)
    design = load_sample_design(shipped("examples", "designs", "perception_design.yaml"))
    effects = load_effects(shipped("examples", "designs", "perception_effects.yaml"))

    echo(f"[1/7] simulating the general-public survey ({n} sampled units per wave), the policy and opinion makers' "
         f"survey ({n_pm} issued per wave) and {len(TRAININGS)} trainings' pre/post tests")
    sim_b = simulate(q_pub[0], n, seed, design=design, effects=effects, wave="baseline")
    sim_e = simulate(q_pub[1], n, seed + 1, design=design, effects=effects,
                     wave="endline")
    pm_b = pm_list_sample(simulate(q_pm[0], n_pm, seed + 2, effects=pm_effects(PM_TILT["baseline"]),
                                   wave="baseline").main, seed + 2)
    pm_e = pm_list_sample(simulate(q_pm[1], n_pm, seed + 3, effects=pm_effects(PM_TILT["endline"]),
                                   wave="endline").main, seed + 3)
    frames = {"public_baseline.csv": sim_b.main, "public_endline.csv": sim_e.main, "pm_baseline.csv": pm_b,
              "pm_endline.csv": pm_e}
    truth: dict[str, Any] = {"public_baseline": sim_b.truth, "public_endline": sim_e.truth,
                             "3a": pm_truth(q_pm[0], q_pm[1], qdir / "indicators" / "perception.yaml"),
                             "training": {}}
    for k, (stem, size, women, inst) in enumerate(TRAININGS):
        frames[f"{stem}.csv"], truth["training"][stem] = simulate_training(q_train, trainees or size,
                                                                           seed + 10 + 2 * k, women, inst)
    paths["weighting.yaml"] = write_text(out / "weighting.yaml", yaml.safe_dump(
        weighting_spec(replicates, seed, set(sim_b.main.columns)), sort_keys=False, allow_unicode=True))
    lp = load_programme(out / "programme.yaml")
    t3 = truth["3a"]
    methods = [
        "Demo data are simulated from the shipped instruments with surveymod simulate. General public: 16 strata "
        "(8 regions × urban/rural), PSUs of 10 issued interviews with ICC 0.05, square-root allocation and "
        "nonresponse that is lower among men and young people; the endline has a known +8-point change in the "
        "share rating the impact of migrants on development as good.",
        "Policy and opinion makers: stratified list samples (5 strata by type of institution, square-root "
        "allocation, drawn without replacement) of the baseline study and the endline, calibrated to the list totals "
        "by stratum and sex with the finite population correction (weights/perception_policymakers.yaml; JKn "
        "replicates calibrated too); the simulated population share with a positive perception is "
        f"{t3['baseline']:.1f}% at baseline and {t3['endline']:.1f}% at endline, a {t3['relative_change_pct']:+.1f}% "
        "relative change (indicator 3a).",
        "Weights (general public): design weights raked to the Census 2021 resident population 15+ (sex × age "
        f"group, region; MakStat T1003P21) and trimmed at 0.2–5 × the median; variance from {replicates} Rao–Wu "
        "bootstrap replicates, each raked and trimmed again.",
        *DEFAULT_METHODS,
    ]
    extra = ["Demo: the register's figures are illustrative; survey and test data are simulated (data/truth.json)"]

    def deliver(before: str | None) -> None:
        """Write the data files of the waves held up to *before* (all when None), as they arrive in the field."""
        for w in lp.spec.waves.values():
            name = Path(w.data).name
            if name in frames and name not in paths and (before is None or covered(w.period, before)):
                paths[name] = _csv(frames[name], out / w.data)

    loaded: dict[str, WaveData] = {}
    reports: dict[str, dict[str, Path]] = {}
    for k, period in enumerate(AS_OF_REPORTS, start=2):
        deliver(period)
        echo(f"[{k}/7] the {PERIOD_TITLES[period]} report, made before the endline data exist "
             f"(reports/{period})")
        rep = write_indicator_report(out / "programme.yaml", out / "reports" / period, period, loaded=loaded,
                           methods=methods, sources=extra)
        loaded.update(rep.waves)
        reports[period] = rep.paths
    deliver(None)
    paths["truth.json"] = write_text(out / "data" / "truth.json",
                                     json.dumps(truth, indent=2, default=_jsonable) + "\n")
    echo("[4/7] weighting the endlines (general public: raking to the Census 2021 margins, trimming, "
         f"{replicates} bootstrap replicates; policy and opinion makers: calibration to the list)")
    echo("[5/7] computing every indicator of the results framework (surveys, training tests, monitoring register)")
    final = write_indicator_report(out / "programme.yaml", out, None, loaded=loaded, methods=methods, sources=extra)
    rows, waves = final.rows, final.waves
    echo("[6/7] exporting labelled SPSS and Stata files" if exports else "[6/7] (no .sav/.dta exports)")
    files: list[Path] = []
    if exports:
        for name in ("public_baseline", "public_endline", "pm_baseline", "pm_endline"):
            files += export_wave(waves[name], lp, out / "export" / name)
        for stem, *_ in TRAININGS:
            res = export(paths[f"{stem}.csv"], qdir / TRAINING_FORM, to="sav", out=out / "export" / f"{stem}.sav")
            files += res.files
    from .fieldwork.demo import monitor_demo

    paths.update(monitor_demo(out, sim_e.main, qdir / PUBLIC_FORMS[1], seed, echo))
    echo("[7/7] done")
    return {"rows": rows, "truth": truth, "paths": {**paths, **final.paths}, "exports": files, "waves": waves,
            "reports": reports}


def _jsonable(o: object) -> object:
    if isinstance(o, np.integer | np.floating):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


