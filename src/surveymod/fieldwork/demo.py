"""Simulated fieldwork for ``surveymod demo``: the endline survey as it came in from the field, with paradata
(interviewer, date, start and end times, the nonrespondents' dispositions), a sample file, back-checks, and three
deliberately bad interviewers the monitoring report must flag:

* a speeder (interviews of about a third of the usual length),
* a straightliner (most grids answered with one value throughout),
* a curbstoner (invented interviews: no refusals or non-contacts, always the oldest person on the Kish grid, answers
  drawn at random, so back-checks of the households disagree with them),

plus one household entered twice and one PSU not yet visited. Everything is drawn from its own random stream, so
the demo's survey data and indicators are the same with or without it: the monitored file is a separate copy
(``fieldwork/endline_fieldwork.csv``), the analysed file stays as simulated.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from ..atomic import write_text
from ..data.reader import read
from .config import load_config
from .monitor import run_monitor
from .report import write_report

GRIDS = [["imsmetn", "imdfetn", "impcntr"], ["imbgeco", "imueclt", "imwbcnt"], ["mai_1", "mai_2", "mai_3"],
         ["gvrfgap", "rfgfrpc", "rfgbfml"], ["dev_econ", "dev_labour", "dev_entrep", "dev_diaspora", "dev_culture"]]
INTERVIEWERS = 30
BAD = {"speeder": 107, "straightliner": 115, "curbstoner": 123}
FIELD_START = pd.Timestamp("2026-10-05")
THRESHOLDS = {
    "backcheck": {"id": ["psu", "hh_no"], "backchecker": "bc_id", "type1": ["n_elig", "sex", "age"],
                  "type2": ["educ", "know_migrant"], "type3": ["imbgeco", "contact_freq"], "okrange": {"age": [-1, 1]}},
}
NONRESPONSE = {3: 0.55, 4: 0.3, 5: 0.1, 6: 0.05}  # refusal, non-contact, other, not eligible among nonrespondents


def simulate_fieldwork(main: pd.DataFrame, seed: int) -> dict[str, Any]:
    """The monitored file, sample, back-checks and truth (who the bad interviewers are) from simulated
    respondents *main* (unchanged)."""
    rng = np.random.default_rng([seed, 27])  # the fieldwork's own stream
    df = main.copy()
    twice = df.duplicated(["psu", "hh_no"])  # listing numbers drawn independently may repeat within a PSU
    df.loc[twice, "hh_no"] = df["hh_no"].max() + 1 + np.arange(twice.sum())
    psus = df[["psu", "region"]].drop_duplicates("psu").sort_values(["region", "psu"])
    chunks = np.array_split(psus["psu"].to_numpy(), INTERVIEWERS)
    who = {p: 101 + k for k, chunk in enumerate(chunks) for p in chunk}
    df["intv_id"] = df["psu"].map(who)
    targets = df.groupby("psu").size().rename("target").reset_index().merge(psus, on="psu")
    targets["interviewer"] = targets["psu"].map(who)
    truth_answers = df.copy()
    # nonrespondent records: about 0.55 per respondent, none for the curbstoner
    nr = []
    next_hh = int(df["hh_no"].max()) + 1
    for _, r in df.iterrows():
        if r["intv_id"] == BAD["curbstoner"]:
            continue
        for _ in range(rng.poisson(0.55)):
            code = int(rng.choice(list(NONRESPONSE), p=list(NONRESPONSE.values())))
            contact = {3: 1, 5: 1, 4: 2, 6: 3}[code]
            nr.append({"resp_id": None, "intv_id": r["intv_id"], "region": r["region"], "urbrur": r["urbrur"],
                       "psu": r["psu"], "hh_no": next_hh, "dweight": r["dweight"], "contact_res": contact,
                       "consent": {3: 2, 5: 3}.get(code), "disposition": code,
                       "result": 3 if code == 6 else 2, "stratum": r.get("stratum")})
            next_hh += 1
    df = pd.concat([df, pd.DataFrame(nr)], ignore_index=True)
    blank = df["resp_id"].isna()
    df.loc[blank, "resp_id"] = df["resp_id"].max() + 1 + np.arange(blank.sum())
    resp = df["disposition"] <= 2
    # dates: each interviewer works through the PSUs over four weeks; the curbstoner "does" everything in 4 days
    days = rng.integers(0, 26, len(df))
    curb = (df["intv_id"] == BAD["curbstoner"]).to_numpy()
    days[curb] = rng.choice([3, 4, 10, 11], curb.sum())
    df["int_date"] = (FIELD_START + pd.to_timedelta(days, unit="D")).strftime("%Y-%m-%d")
    # start and end times: median 22 minutes; the speeder about 7
    n = len(df)
    start = rng.integers(9 * 60, 19 * 60, n)
    length = np.round(np.exp(rng.normal(np.log(22), 0.22, n))).astype(int)
    speed = (df["intv_id"] == BAD["speeder"]).to_numpy()
    length[speed] = np.round(np.exp(rng.normal(np.log(7), 0.2, speed.sum()))).astype(int)
    end = start + length
    for col, v in (("t_start_h", start // 60), ("t_start_m", start % 60), ("t_end_h", end // 60 % 24),
                   ("t_end_m", end % 60), ("duration", length)):
        df[col] = np.where(resp, v, np.nan)
    # the straightliner: four grids in five answered all alike
    sl = ((df["intv_id"] == BAD["straightliner"]) & resp).to_numpy()
    for grid in GRIDS:
        rows = sl & (rng.random(n) < 0.8)
        first = df.loc[rows, grid[0]]
        for item in grid[1:]:
            df.loc[rows, item] = first
    # the curbstoner: answers drawn at random from everyone's answers, the oldest person, n_elig 1-2
    items = [c for c in df.columns if c in set(sum(GRIDS, [])) | {"devimpact", "know_migrant", "contact_freq",
                                                                  "educ", "activity", "age"}]
    pool = df[resp & ~curb]
    for item in items:
        df.loc[curb, item] = rng.choice(pool[item].dropna().to_numpy(), curb.sum())
    df.loc[curb, "agegrp"] = np.minimum(((df.loc[curb, "age"] - 5) // 10), 6)
    df.loc[curb & (df["n_elig"] > 1), "kish_line"] = 1
    df.loc[curb & (df["n_elig"] > 1), "sel_method"] = 1
    # one household entered twice, one PSU not visited yet
    dup = df[resp & ~curb].sample(1, random_state=rng.integers(1 << 31)).assign(resp_id=df["resp_id"].max() + 1)
    df = pd.concat([df, dup], ignore_index=True)
    unvisited = int(rng.choice(targets["psu"][~targets["interviewer"].isin(BAD.values())]))
    df = df[df["psu"] != unvisited].reset_index(drop=True)
    return {"data": df, "sample": targets[["psu", "region", "interviewer", "target"]],
            "backcheck": _backchecks(truth_answers, df, rng),
            "truth": {"bad_interviewers": BAD, "unvisited_psu": unvisited,
                      "duplicated_household": [int(dup["psu"].iloc[0]), int(dup["hh_no"].iloc[0])]}}


def _backchecks(truth: pd.DataFrame, df: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Re-interviews of 10% of the completed households (at least six of each bad interviewer's): the true
    answers, with a small chance of a genuine difference (more for the less stable items)."""
    done = df[(df["disposition"] <= 2)].drop_duplicates(["psu", "hh_no"])
    pick = done.sample(frac=0.1, random_state=rng.integers(1 << 31))
    for bad in BAD.values():
        pick = pd.concat([pick, done[done["intv_id"] == bad].head(6)])
    pick = pick.drop_duplicates(["psu", "hh_no"])
    cols = ["n_elig", "sex", "age", "educ", "know_migrant", "imbgeco", "contact_freq"]
    bc = pick[["psu", "hh_no"]].merge(truth[["psu", "hh_no", *cols]], on=["psu", "hh_no"], how="left")
    for col, p in (("n_elig", 0.02), ("sex", 0.01), ("educ", 0.06), ("know_migrant", 0.08), ("imbgeco", 0.3),
                   ("contact_freq", 0.25)):
        change = rng.random(len(bc)) < p
        bc.loc[change, col] = rng.choice(truth[col].dropna().to_numpy(), change.sum())
    bc["age"] = bc["age"] + rng.choice([0, 0, 0, 1], len(bc))
    bc.insert(0, "bc_id", rng.choice(["BC1", "BC2", "BC3"], len(bc)))
    return bc


def monitor_demo(out: Path, main: pd.DataFrame, questionnaire: Path, seed: int,
                 echo: Callable[[str], None] = print) -> dict[str, Path]:
    """Write the simulated fieldwork files into OUT/fieldwork and its monitoring report into OUT/monitoring."""
    echo("monitoring report of the simulated endline fieldwork (three bad interviewers planted)")
    fw = simulate_fieldwork(main, seed)
    d = out / "fieldwork"
    paths = {
        "fieldwork/endline_fieldwork.csv": write_text(d / "endline_fieldwork.csv", fw["data"].to_csv(index=False)),
        "fieldwork/sample.csv": write_text(d / "sample.csv", fw["sample"].to_csv(index=False)),
        "fieldwork/backcheck.csv": write_text(d / "backcheck.csv", fw["backcheck"].to_csv(index=False)),
        "fieldwork/thresholds.yaml": write_text(d / "thresholds.yaml", yaml.safe_dump(THRESHOLDS, sort_keys=False)),
        "fieldwork/truth.yaml": write_text(d / "truth.yaml", yaml.safe_dump(fw["truth"], sort_keys=False)),
    }
    ds = read(paths["fieldwork/endline_fieldwork.csv"], questionnaire)
    m = run_monitor(ds, load_config(paths["fieldwork/thresholds.yaml"]), sample=fw["sample"],
                    backchecks=read(paths["fieldwork/backcheck.csv"]).main,
                    data_path=str(paths["fieldwork/endline_fieldwork.csv"]))
    written = write_report(m, out / "monitoring", title="Endline fieldwork monitoring (simulated)",
                           data=str(paths["fieldwork/endline_fieldwork.csv"]))
    return {**paths, **{f"monitoring/{k}": v for k, v in written.items()}}
