"""Time whole ``surveymod`` commands (process start to exit, peak memory) beside R survey and svy, in one run.

What a user waits for is the whole command: start-up, reading the file, the computation and writing the output.
This harness generates the data once per size (CSV and Parquet, cached outside the repository), runs every
command as a child process and takes its wall time and peak resident memory (``wait4`` rusage of the child),
and in the SAME run times the references on the same data:

- R ``survey``: ``svydesign`` + two ``svyby(svymean)`` (data already loaded in R), and ``rake`` + ``trimWeights``
  on the 100-replicate bootstrap design and on the plain design (timed inside R with ``proc.time``); for the
  ``compare`` group (``surveymod test`` and ``surveymod model``, issue 28) ``svycontrast`` of all 45 pairs of a
  ``svyby(covmat=TRUE)``, ``svyttest``, ``svychisq`` and ``svyglm`` linear and logistic, each beside the same
  whole command;
- svy called directly from Python on the same data (already loaded);
- our own kernels (``estimate`` / ``run_weighting`` on a frame already in memory): a secondary line only.

It prints a table with the ratios against the goals of issue 17 and writes the same as JSON and Markdown.

    .venv/bin/python benchmarks/bench_commands.py --rows 1000000
    .venv/bin/python benchmarks/bench_commands.py --rows 1000000 --rows 10000000 --only estimate,weight
    .venv/bin/python benchmarks/bench_commands.py --quick          # 100,000 rows, no R: under a minute

The cache folder is ``$SURVEYMOD_BENCH_DIR`` or ``/tmp/surveymod_bench`` (``--cache`` overrides it).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
GENERATOR_VERSION = "2"  # bump when a generator changes, so cached data is rebuilt
N_STRATA, PSU_PER_MILLION, N_DOMAINS, N_REPS = 40, 2000, 10, 100
SEX = ["male", "female"]
AGES = ["15-24", "25-34", "35-44", "45-54", "55-64", "65+"]
REGIONS = [f"MK00{i}" for i in range(1, 9)]
COMMANDS = ["version", "estimate", "weight", "check", "export", "tables", "compare"]
# The check/export questionnaire: benchmarks/bench_data.py's generator with 20 variables instead of 100.
SMALL_SURVEY = {"N_SELECT": 8, "N_INT": 6, "N_DEC": 2, "N_TEXT": 1, "N_MULTI": 1, "N_DATE": 1, "N_ROUTED": 2}
GOALS = {
    "estimate_vs_r": ("whole estimate ≥ 10× faster than R svydesign + 2 svyby", 10.0),
    "weight_vs_r": ("whole weight ≥ 10× faster than R rake + trimWeights", 10.0),
    "version_vs_click": ("surveymod --version ≤ 3× python -c 'import click'", 3.0),
    "scale_time": ("10M time ≤ 11× the 1M time", 11.0),
    "scale_memory": ("10M peak memory < 2 GB", 2048.0),
    "export_vs_haven": ("whole export ≥ 1.0× R haven's write alone (data labelled in memory)", 1.0),
    "check_rows_per_second": ("whole check ≥ 1M rows/s", 1.0),
    "compare_vs_r": ("whole test/model command faster than R's call alone (data loaded)", 1.0),
}
COMPARE_R = {"test_contrast": "contrast", "test_ttest": "ttest", "test_chisq": "chisq", "model_linear": "glm_linear",
             "model_logit": "glm_logit"}


# ----------------------------------------------------------------------------------------------------------------
# data


def n_psu(rows: int) -> int:
    """PSUs scale with the rows: 2,000 at 1M rows, at least 2 per stratum."""
    return max(2 * N_STRATA, round(PSU_PER_MILLION * rows / 1_000_000))


def design_frame(rows: int, seed: int = 17):  # -> pandas.DataFrame
    """Respondents of a stratified cluster sample: 40 strata, PSUs nested in strata, a skewed design weight,
    numeric ``y`` and binary ``b`` with a PSU effect, a 10-level domain ``dom`` and the raking variables
    ``sex``/``agegrp``/``region`` (levels as in the Census 2021 margin files, shares unlike the census)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    k = n_psu(rows)
    psu = rng.integers(0, k, rows)
    stratum = psu % N_STRATA + 1
    effect = rng.normal(0.0, 0.5, k)[psu]
    w = np.exp(rng.normal(0.0, 0.5, rows)) * 100.0
    dom = rng.integers(1, N_DOMAINS + 1, rows)
    y = rng.normal(50.0, 10.0, rows) + 3.0 * effect + dom
    b = (rng.random(rows) < 1.0 / (1.0 + np.exp(-(effect - 0.3)))).astype(np.int8)
    return pd.DataFrame({
        "stratum": stratum.astype(np.int32), "psu": (psu + 1).astype(np.int32), "w": w.round(4), "y": y.round(3),
        "b": b, "dom": dom.astype(np.int8),
        "sex": pd.Categorical(np.array(SEX)[rng.choice(2, rows, p=[0.45, 0.55])]),
        "agegrp": pd.Categorical(np.array(AGES)[rng.integers(0, len(AGES), rows)]),
        "region": pd.Categorical(np.array(REGIONS)[rng.integers(0, len(REGIONS), rows)]),
    })


def weight_spec() -> str:
    """Rake to the Census 2021 sex x age and region margins of the 15+ population, trim, 100 bootstrap replicates
    (the replicates step first, so raking and trimming are repeated on every replicate, as R does)."""
    return f"""# surveymod weight spec written by benchmarks/bench_commands.py
design:
  weight: w
  strata: stratum
  psu: psu
steps:
  - step: replicates
    method: bootstrap
    n: {N_REPS}
    seed: 20211
    prefix: bw
  - step: rake
    margins:
      - variables: [sex, agegrp]
        targets: {ROOT / "weights" / "mk2021_sex_agegrp_15plus.csv"}
      - variables: region
        targets: {ROOT / "weights" / "mk2021_region_15plus.csv"}
    tolerance: 1.0e-6
    max_iter: 100
  - step: trim
    upper: 5 median
    lower: 0.2 median
    redistribute: additive
    strict: true
output: final_weight
"""


def survey_files(rows: int, folder: Path) -> None:
    """Questionnaire + valid CSV for check/export: bench_data's generator cut down to 20 variables."""
    sys.path.insert(0, str(BENCH))
    import bench_data

    saved = {k: getattr(bench_data, k) for k in SMALL_SURVEY}
    try:
        for k, v in SMALL_SURVEY.items():
            setattr(bench_data, k, v)
        (folder / "survey.yaml").write_text(bench_data.questionnaire_yaml(), encoding="utf-8")
        frame = bench_data.make_frame(rows)
    finally:
        for k, v in saved.items():
            setattr(bench_data, k, v)
    for c in (c for c in frame.columns if c.startswith("dt")):  # dates as YYYY-MM-DD
        frame[c] = frame[c].dt.strftime("%Y-%m-%d")
    frame.to_csv(folder / "survey.csv", index=False)


def lfs_files(rows: int, folder: Path, python: str) -> None:
    """Simulated LFS households (rows/3, about ``rows`` persons) with the shipped design, one Parquet per level."""
    out = folder / "lfs"
    cmd = [python, "-m", "surveymod", "simulate", str(ROOT / "questionnaires" / "lfs_migration.yaml"),
           "-n", str(max(rows // 3, 200)), "--seed", "3", "--design", str(ROOT / "examples" / "designs" /
           "lfs_design.yaml"), "-o", str(out), "--format", "parquet"]
    subprocess.run(cmd, check=True, capture_output=True, text=True)


def prepare(rows: int, cache: Path, python: str, need: set[str]) -> Path:
    """The data folder for ``rows`` (generated once; a ``.done-<part>`` file marks each finished part)."""
    folder = cache / f"v{GENERATOR_VERSION}_{rows}"
    folder.mkdir(parents=True, exist_ok=True)
    parts = {"design": ("estimate", "weight", "compare"), "survey": ("check", "export"),
             "lfs": ("tables",)}
    for part, users in parts.items():
        done = folder / f".done-{part}"
        if done.exists() or not need.intersection(users):
            continue
        t0 = time.perf_counter()
        if part == "design":
            frame = design_frame(rows)
            frame.to_parquet(folder / "design.parquet", index=False)
            frame.to_csv(folder / "design.csv", index=False)
            del frame
        elif part == "survey":
            survey_files(rows, folder)
        else:
            shutil.rmtree(folder / "lfs", ignore_errors=True)
            lfs_files(rows, folder, python)
        done.write_text("ok\n")
        print(f"  generated {part} data for {rows:,} rows in {time.perf_counter() - t0:.1f} s", flush=True)
    if (folder / ".done-design").exists():  # the spec names this checkout's census margins: written every run
        (folder / "weight.yaml").write_text(weight_spec(), encoding="utf-8")
    return folder


# ----------------------------------------------------------------------------------------------------------------
# running


@dataclass
class Run:
    """One timed child process: wall seconds (start to exit), peak RSS of the child in MB, exit code."""

    name: str
    rows: int
    seconds: float
    peak_mb: float
    returncode: int
    cpu_seconds: float = 0.0
    cmd: list[str] = field(default_factory=list)
    note: str = ""


def run_child(name: str, rows: int, cmd: list[str], cwd: Path, timeout: float | None = None) -> tuple[Run, str]:
    """Run ``cmd`` and measure it from fork to exit. Peak memory is the program's own high-water mark (VmHWM of
    /proc/<pid>/status, read every 5 ms while it runs): ``wait4``'s ru_maxrss also counts this process's peak,
    which Linux hands to every child through fork and keeps through exec."""
    log = cwd / f"{name}.log"
    hwm = 0
    with open(log, "w") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)  # returns once exec is done
        deadline = None if timeout is None else t0 + timeout
        while True:
            hwm = max(hwm, _vm_hwm_kb(proc.pid))
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if deadline is not None and time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.005)
        seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    text = log.read_text(errors="replace")
    peak_kb = hwm if hwm else usage.ru_maxrss  # no /proc: the rusage figure, an upper bound
    return Run(name, rows, seconds, peak_kb / 1024, proc.returncode,
               usage.ru_utime + usage.ru_stime, [str(c) for c in cmd]), text


def _vm_hwm_kb(pid: int) -> int:
    """The process's peak resident memory so far (kB), 0 when unknown."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return 0
    return 0


def surveymod(python: str) -> list[str]:
    """How to start the CLI: the console script next to the interpreter (what users run), else ``-m``."""
    script = Path(python).with_name("surveymod")
    return [str(script)] if script.exists() else [python, "-m", "surveymod"]


def command_lines(rows: int, data: Path, work: Path, python: str) -> dict[str, list[str]]:
    """Every whole command of the benchmark for one size."""
    sm = surveymod(python)
    # the same rake + trim without replicates: what R's rake + trimWeights on a plain design does
    plain_spec = work / "weight_plain.yaml"
    spec = weight_spec()
    plain_spec.write_text(spec[:spec.index("  - step: replicates")] + spec[spec.index("  - step: rake"):],
                          encoding="utf-8")
    est = ["--strata", "stratum", "--psu", "psu", "--weight", "w", "--mean", "y", "--mean", "b", "--by", "dom"]
    return {
        "estimate_csv": [*sm, "estimate", str(data / "design.csv"), *est, "-o", str(work / "est_csv.csv")],
        "estimate_parquet": [*sm, "estimate", str(data / "design.parquet"), *est, "-o", str(work / "est_pq.csv")],
        "weight": [*sm, "weight", str(data / "design.csv"), "--spec", str(data / "weight.yaml"), "-o",
                   str(work / "weighted.parquet")],
        "weight_plain": [*sm, "weight", str(data / "design.csv"), "--spec", str(plain_spec), "-o",
                         str(work / "weighted_plain.parquet")],
        "check": [*sm, "check", str(data / "survey.csv"), "-q", str(data / "survey.yaml"), "-o",
                  str(work / "check.csv")],
        "export_sav": [*sm, "export", str(data / "survey.csv"), "-q", str(data / "survey.yaml"), "--to", "sav",
                       "-o", str(work / "survey.sav")],
        "export_dta": [*sm, "export", str(data / "survey.csv"), "-q", str(data / "survey.yaml"), "--to", "dta",
                       "-o", str(work / "survey.dta")],
        **compare_lines(sm, data, work),
        "tables": [*sm, "tables", str(data / "lfs"), "--plan",
                   str(ROOT / "questionnaires" / "tabulation" / "lfs_migration_tables.yaml"), "-o",
                   str(work / "tables.xlsx")],
    }


def compare_lines(sm: list[str], data: Path, work: Path) -> dict[str, list[str]]:
    """The `surveymod test` and `surveymod model` commands on the design data (issue 28)."""
    des = [str(data / "design.parquet"), "--strata", "stratum", "--psu", "psu", "--weight", "w"]
    return {
        "test_contrast": [*sm, "test", *des, "--contrast", "y", "--by", "dom", "-o", str(work / "contrast.csv")],
        "test_ttest": [*sm, "test", *des, "--ttest", "y", "--group", "sex", "-o", str(work / "ttest.csv")],
        "test_chisq": [*sm, "test", *des, "--chisq", "b,dom", "-o", str(work / "chisq.csv")],
        "model_linear": [*sm, "model", *des, "--formula", "y ~ b + sex", "-o", str(work / "glm.csv")],
        "model_logit": [*sm, "model", *des, "--formula", "b ~ y + sex", "--family", "binomial", "-o",
                        str(work / "logit.csv")],
    }


WHICH = {**{name: "compare" for name in COMPARE_R}, "estimate_csv": "estimate", "estimate_parquet": "estimate", "weight": "weight", "weight_plain": "weight",
         "check": "check",
         "export_sav": "export", "export_dta": "export", "tables": "tables"}


def time_version(python: str, work: Path, repeat: int) -> dict[str, Run]:
    """``surveymod --version`` and a bare ``python -c "import click"``, alternated; the median of each."""
    runs: dict[str, list[Run]] = {"version": [], "import_click": []}
    cmds = {"version": [*surveymod(python), "--version"], "import_click": [python, "-c", "import click"]}
    for _ in range(repeat):
        for name, cmd in cmds.items():
            r, _text = run_child(name, 0, cmd, work)
            runs[name].append(r)
    out = {}
    for name, rs in runs.items():
        med = statistics.median(r.seconds for r in rs)
        best = min(rs, key=lambda r: abs(r.seconds - med))
        out[name] = Run(name, 0, med, best.peak_mb, max(r.returncode for r in rs),
                        statistics.median(r.cpu_seconds for r in rs), best.cmd,
                        f"median of {repeat}: " + ", ".join(f"{r.seconds:.2f}" for r in rs))
    return out


# ---- references: R, svy, our kernels ---------------------------------------------------------------------------

R_SCRIPT = r"""
suppressMessages(library(survey))
args <- commandArgs(TRUE)
d <- read.csv(args[1], colClasses = c(stratum = "integer", psu = "integer", w = "numeric", y = "numeric",
                                      b = "integer", dom = "integer", sex = "character", agegrp = "character",
                                      region = "character"))
what <- strsplit(args[3], ",")[[1]]
# elapsed seconds, then CPU seconds (user + system) of the step
el <- function(t) { d <- proc.time() - t; paste(d[["elapsed"]], d[["user.self"]] + d[["sys.self"]]) }
if ("estimate" %in% what) {
  t <- proc.time()
  des <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, nest = TRUE, data = d)
  r1 <- svyby(~y, ~dom, des, svymean)
  r2 <- svyby(~b, ~dom, des, svymean)
  cat("R_ESTIMATE", el(t), "\n")
}
if ("compare" %in% what) {
  des <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, nest = TRUE, data = d)
  t <- proc.time()
  b <- svyby(~y, ~dom, des, svymean, covmat = TRUE)
  pairs <- combn(nrow(b), 2)
  x <- svycontrast(b, lapply(seq_len(ncol(pairs)), function(j) replace(numeric(nrow(b)), pairs[, j], c(-1, 1))))
  cat("R_CONTRAST", el(t), "\n")
  t <- proc.time(); x <- svyttest(y ~ sex, des); cat("R_TTEST", el(t), "\n")
  t <- proc.time(); x <- svychisq(~b + dom, des); cat("R_CHISQ", el(t), "\n")
  t <- proc.time(); x <- summary(svyglm(y ~ b + sex, des)); cat("R_GLM_LINEAR", el(t), "\n")
  t <- proc.time(); x <- summary(svyglm(b ~ y + sex, des, family = quasibinomial())); cat("R_GLM_LOGIT", el(t), "\n")
}
if ("weight" %in% what) {
  sexage <- read.csv(file.path(args[2], "mk2021_sex_agegrp_15plus.csv"), comment.char = "#")
  names(sexage)[names(sexage) == "count"] <- "Freq"
  reg <- read.csv(file.path(args[2], "mk2021_region_15plus.csv"), comment.char = "#")[, c("region", "count")]
  names(reg)[2] <- "Freq"
  # R rake's epsilon is in weight units: 1e-6 of the smallest margin, like our relative tolerance 1e-6.
  eps <- 1e-6 * min(sexage$Freq, reg$Freq)
  rake_trim <- function(des) {
    r <- rake(des, list(~sex + agegrp, ~region), list(sexage, reg), control = list(maxit = 100, epsilon = eps))
    m <- median(weights(r, "sampling"))
    # strict = TRUE recurses until no weight is outside; weights trimmed to the bound come back a rounding error
    # above it, so R recurses until the C stack overflows. The same repeat, as a loop with a 1e-9 slack:
    up <- 5 * m; lo <- 0.2 * m
    for (i in 1:50) {
      r <- trimWeights(r, upper = up, lower = lo)
      w <- weights(r, "sampling")
      if (!any(w > up * (1 + 1e-9) | (w < lo * (1 - 1e-9) & w > 0))) break
    }
    r
  }
  des <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, nest = TRUE, data = d)
  t <- proc.time(); tr <- rake_trim(des); cat("R_RAKE_TRIM_PLAIN", el(t), "\n")
  if (args[4] == "rep") {
    set.seed(20211)
    t <- proc.time()
    rdes <- as.svrepdesign(des, type = "subbootstrap", replicates = 100)
    cat("R_REPLICATES", el(t), "\n")
    t <- proc.time(); tr <- rake_trim(rdes); cat("R_RAKE_TRIM_REP", el(t), "\n")
  }
}
"""


def time_r(rows: int, data: Path, work: Path, what: list[str], replicate: bool) -> tuple[dict[str, float], Run]:
    """R survey on the same CSV; the timings R prints (data already loaded) and the whole R run."""
    script = work / "bench_commands.R"
    script.write_text(R_SCRIPT, encoding="utf-8")
    cmd = ["Rscript", str(script), str(data / "design.csv"), str(ROOT / "weights"), ",".join(what),
           "rep" if replicate else "plain"]
    return run_r("r", rows, cmd, work)


def run_r(name: str, rows: int, cmd: list[str], work: Path) -> tuple[dict[str, float], Run]:
    """Run an R script that prints ``R_<STEP> <elapsed> <cpu>`` lines: those timings, and the whole R run."""
    run, text = run_child(name, rows, cmd, work)
    out = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0].startswith("R_"):
            out[parts[0][2:].lower()] = float(parts[1])
            out[parts[0][2:].lower() + "_cpu"] = float(parts[2])
    if run.returncode != 0:
        run.note = text.strip().splitlines()[-1] if text.strip() else "failed"
    return out, run


HAVEN_SCRIPT = r"""
suppressMessages(library(haven))
args <- commandArgs(TRUE)
d <- read.csv(args[1], stringsAsFactors = FALSE, na.strings = "")
# The same 24 variables as surveymod's export: labelled codes with user-missing 98/99, select_multiple dummies,
# dates, a variable label on each column; labelled once here, so only the writing is timed.
yn <- c(Yes = 1, No = 2, "Don't know" = 98, Refused = 99)
m <- d$m0
for (k in 1:4) d[[paste0("m0_", k)]] <- ifelse(is.na(m), NA, as.numeric(grepl(paste0("(^| )", k, "( |$)"), m)))
for (v in grep("^dt", names(d), value = TRUE)) d[[v]] <- as.Date(d[[v]])
sav <- d; dta <- d
for (v in names(d)) {
  if (grepl("^s[0-9]+$", v)) {
    sav[[v]] <- labelled_spss(d[[v]], yn, na_values = c(98, 99), label = paste("Question", v))
    x <- d[[v]]; x[x == 98] <- tagged_na("a"); x[x == 99] <- tagged_na("b")
    dta[[v]] <- labelled(x, c(Yes = 1, No = 2, "Don't know" = tagged_na("a"), Refused = tagged_na("b")),
                         label = paste("Question", v))
  } else {
    attr(sav[[v]], "label") <- paste("Variable", v); attr(dta[[v]], "label") <- paste("Variable", v)
  }
}
el <- function(t) { d <- proc.time() - t; paste(d[["elapsed"]], d[["user.self"]] + d[["sys.self"]]) }
t <- proc.time(); write_sav(sav, file.path(args[2], "haven.sav")); cat("R_HAVEN_WRITE_SAV", el(t), "\n")
t <- proc.time(); write_dta(dta, file.path(args[2], "haven.dta")); cat("R_HAVEN_WRITE_DTA", el(t), "\n")
"""


def time_haven(rows: int, data: Path, work: Path) -> tuple[dict[str, float], Run]:
    """R haven's write_sav/write_dta of the export benchmark's data, labelled in memory first: the reference of
    issue 30 (the same ReadStat library under a C writer)."""
    script = work / "bench_haven.R"
    script.write_text(HAVEN_SCRIPT, encoding="utf-8")
    return run_r("haven", rows, ["Rscript", str(script), str(data / "survey.csv"), str(work)], work)


def svy_installed() -> bool:
    """Whether the svy reference can run: svy (and polars, which it needs) importable. Not a dependency of
    surveymod any more, so the reference is skipped with a message without it."""
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("svy", "polars"))


def svy_phase(data: Path, what: str) -> dict[str, float]:
    """svy called directly on data already loaded with Polars (run in a child process)."""
    import polars as pl
    import svy

    frame = pl.read_parquet(data / "design.parquet")
    out: dict[str, float] = {}
    if what == "estimate":
        t0, c0 = time.perf_counter(), time.process_time()
        d = frame.select("stratum", "psu", "w", "y", pl.col("b").cast(pl.Float64), pl.col("dom").cast(pl.Utf8))
        s = svy.Sample(data=d, design=svy.Design(stratum="stratum", psu="psu", wgt="w"))
        s.estimation.mean("y", by="dom")
        s.estimation.mean("b", by="dom")
        out["svy_estimate"] = time.perf_counter() - t0
        out["svy_estimate_cpu"] = time.process_time() - c0
    if what == "weight":
        targets = {}
        sa = pl.read_csv(ROOT / "weights" / "mk2021_sex_agegrp_15plus.csv", comment_prefix="#")
        targets["sexage"] = {f"{s}|{a}": float(c) for s, a, c in sa.select("sex", "agegrp", "count").iter_rows()}
        rg = pl.read_csv(ROOT / "weights" / "mk2021_region_15plus.csv", comment_prefix="#")
        targets["region"] = {r: float(c) for r, c in rg.select("region", "count").iter_rows()}
        t0, c0 = time.perf_counter(), time.process_time()
        d = frame.select("stratum", "psu", "w", pl.concat_str(["sex", "agegrp"], separator="|").alias("sexage"),
                         pl.col("region").cast(pl.Utf8))
        s = svy.Sample(d, svy.Design(stratum="stratum", psu="psu", wgt="w"))
        s = s.weighting.create_bs_wgts(N_REPS, kind="rao-wu", rep_prefix="bw", rstate=20211)
        t1 = time.perf_counter()
        s = s.weighting.rake(controls=targets, tol=1e-6, max_iter=100)
        t2 = time.perf_counter()
        wcol = "rk_wgt"
        med = float(s.data[wcol].median())
        s.weighting.trim(upper=5 * med, lower=0.2 * med, redistribute=True, max_iter=10)
        t3 = time.perf_counter()
        out |= {"svy_replicates": t1 - t0, "svy_rake": t2 - t1, "svy_trim": t3 - t2, "svy_weight": t3 - t0,
                "svy_weight_cpu": time.process_time() - c0}
    return out


def kernel_phase(data: Path, what: str) -> dict[str, float]:
    """Our own API on a frame already in memory: the kernel time, without start-up and reading."""
    import pandas as pd

    frame = pd.read_parquet(data / "design.parquet")
    if what == "estimate":
        from surveymod.estimation import Design, estimate

        design = Design(strata="stratum", psu="psu", weight="w")
        estimate(frame.head(1000), design, mean=["y", "b"], by=["dom"])  # warm-up (first-call imports)
        t0, c0 = time.perf_counter(), time.process_time()
        estimate(frame, design, mean=["y", "b"], by=["dom"])
        return {"kernel_estimate": time.perf_counter() - t0, "kernel_estimate_cpu": time.process_time() - c0}
    from surveymod.weighting import load_weighting_spec, run_weighting

    for c in ("sex", "agegrp", "region"):
        frame[c] = frame[c].astype(str)
    spec = load_weighting_spec(data / "weight.yaml")
    t0, c0 = time.perf_counter(), time.process_time()
    run_weighting(frame, spec)
    return {"kernel_weight": time.perf_counter() - t0, "kernel_weight_cpu": time.process_time() - c0}


def time_phase(kind: str, what: str, rows: int, data: Path, work: Path, python: str) -> tuple[dict[str, float], Run]:
    """Run :func:`svy_phase` / :func:`kernel_phase` in a fresh process (its own memory, warm disk cache)."""
    cmd = [python, str(Path(__file__).resolve()), "--phase", f"{kind}:{what}", "--data", str(data)]
    run, text = run_child(f"{kind}_{what}", rows, cmd, work)
    for line in reversed(text.splitlines()):
        if line.startswith("{"):
            return json.loads(line), run
    run.note = text.strip().splitlines()[-1] if text.strip() else "failed"
    return {}, run


# ----------------------------------------------------------------------------------------------------------------
# report


def compile_bytecode(python: str) -> str:
    """Byte-compile surveymod's sources before timing, as an installed package is (pip compiles it; an editable
    install writes the .pyc files on first import, except where PYTHONDONTWRITEBYTECODE is set, as on this
    machine: every run would then compile the modules it imports again, about 0.2 s of each command)."""
    subprocess.run([python, "-m", "compileall", "-q", str(ROOT / "src")], check=False, capture_output=True)
    return ("compiled before timing" + (" (PYTHONDONTWRITEBYTECODE is set here)"
                                        if os.environ.get("PYTHONDONTWRITEBYTECODE") else ""))


def machine() -> dict[str, str]:
    """nproc, memory, CPU model, Python/R and package versions."""
    info = {"nproc": str(os.cpu_count()), "python": platform.python_version(), "platform": platform.platform(),
            "load_average_at_start": " ".join(f"{x:.1f}" for x in os.getloadavg())}
    try:
        cpu = Path("/proc/cpuinfo").read_text()
        info["cpu"] = next(line.split(":", 1)[1].strip() for line in cpu.splitlines() if line.startswith("model name"))
        mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
        info["memory_gb"] = f"{int(mem) / 2**20:.1f}"
    except (OSError, StopIteration):
        pass
    from importlib.metadata import PackageNotFoundError, version

    for pkg in ("surveymod", "numpy", "pandas", "polars", "pyarrow", "scipy", "svy", "click", "pyreadstat"):
        try:
            info[pkg] = version(pkg)
        except PackageNotFoundError:
            info[pkg] = "-"
    if shutil.which("Rscript"):
        r = subprocess.run(["Rscript", "-e", 'cat(R.version.string, "| survey", as.character(packageVersion("survey")))'],
                           capture_output=True, text=True)
        info["R"] = r.stdout.strip() or "-"
    try:
        info["commit"] = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                                        text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no", "src"],
                               capture_output=True, text=True).stdout.strip()
        info["src_uncommitted_changes"] = "yes" if dirty else "no"
    except OSError:
        pass
    return info


def _cpu(ref: dict, key: str, run: dict) -> str:
    """The same ratio in CPU seconds (less sensitive to other load on a shared machine), when both are known."""
    if key + "_cpu" in ref and run.get("cpu_seconds"):
        return f"; CPU {ref[key + '_cpu']:.2f} / {run['cpu_seconds']:.2f} = {ref[key + '_cpu'] / run['cpu_seconds']:.1f}×"
    return ""


def goals(result: dict) -> list[dict]:
    """Each goal with its measured ratio and whether it is met (None = not measured in this run)."""
    out = []
    runs = {(r["name"], r["rows"]): r for r in result["runs"]}
    refs = result["references"]
    v, c = runs.get(("version", 0)), runs.get(("import_click", 0))
    if v and c:
        ratio = v["seconds"] / c["seconds"]
        out.append({"goal": "version_vs_click", "rows": 0, "ratio": ratio, "met": ratio <= 3.0,
                    "detail": f"{v['seconds']:.2f} s / {c['seconds']:.2f} s"})
    for rows in result["rows"]:
        ref = refs.get(str(rows), {})
        for name in ("estimate_csv", "estimate_parquet"):
            r = runs.get((name, rows))
            if r and r["returncode"] == 0 and "estimate" in ref:
                ratio = ref["estimate"] / r["seconds"]
                out.append({"goal": "estimate_vs_r", "rows": rows, "command": name, "ratio": ratio,
                            "met": ratio >= 10.0,
                            "detail": f"R {ref['estimate']:.2f} s / {r['seconds']:.2f} s" + _cpu(ref, "estimate", r)})
        for name, key, label in (("weight", "rake_trim_rep", "R on the 100-replicate design"),
                                 ("weight", "rake_trim_plain", "R on the plain design (no replicates)"),
                                 ("weight_plain", "rake_trim_plain", "both without replicates")):
            r = runs.get((name, rows))
            if r and r["returncode"] == 0:
                if key in ref:
                    ratio = ref[key] / r["seconds"]
                    out.append({"goal": "weight_vs_r", "rows": rows, "command": f"{name} vs R {key}", "ratio": ratio,
                                "met": ratio >= 10.0,
                                "detail": f"{label}: R {ref[key]:.2f} s / {r['seconds']:.2f} s" + _cpu(ref, key, r)})
        for name, key in COMPARE_R.items():
            r = runs.get((name, rows))
            if r and r["returncode"] == 0 and key in ref:
                ratio = ref[key] / r["seconds"]
                out.append({"goal": "compare_vs_r", "rows": rows, "command": name, "ratio": ratio,
                            "met": ratio >= 1.0, "detail": f"R {ref[key]:.2f} s / {r['seconds']:.2f} s" + _cpu(ref, key, r)})
    sizes = sorted(result["rows"])
    if 1_000_000 in sizes and 10_000_000 in sizes:
        for name in WHICH:
            a, b = runs.get((name, 1_000_000)), runs.get((name, 10_000_000))
            if a and b and a["returncode"] == 0 and b["returncode"] == 0:
                ratio = b["seconds"] / a["seconds"]
                out.append({"goal": "scale_time", "rows": 10_000_000, "command": name, "ratio": ratio,
                            "met": ratio <= 11.0, "detail": f"{b['seconds']:.1f} s / {a['seconds']:.1f} s"})
    for name in WHICH:
        b = runs.get((name, 10_000_000))
        if b and b["returncode"] == 0:
            out.append({"goal": "scale_memory", "rows": 10_000_000, "command": name, "ratio": b["peak_mb"],
                        "met": b["peak_mb"] < 2048.0, "detail": f"{b['peak_mb']:,.0f} MB"})
    for rows in result["rows"]:
        ref = refs.get(str(rows), {})
        for name, key in (("export_sav", "haven_write_sav"), ("export_dta", "haven_write_dta")):
            r = runs.get((name, rows))
            if r and r["returncode"] == 0 and key in ref:
                ratio = ref[key] / r["seconds"]
                out.append({"goal": "export_vs_haven", "rows": rows, "command": name, "ratio": ratio,
                            "met": ratio >= 1.0,
                            "detail": f"haven {ref[key]:.2f} s / {r['seconds']:.2f} s" + _cpu(ref, key, r)})
        r = runs.get(("check", rows))
        if r and r["returncode"] == 0 and rows >= 1_000_000:
            ratio = rows / 1e6 / r["seconds"]
            out.append({"goal": "check_rows_per_second", "rows": rows, "command": "check", "ratio": ratio,
                        "met": ratio >= 1.0, "detail": f"{rows:,} rows / {r['seconds']:.2f} s"})
    return out


REF_NAMES = {
    "estimate": "R svydesign + svyby(~y) + svyby(~b)",
    "rake_trim_plain": "R rake + trimWeights, plain design (main weight only)",
    "replicates": "R as.svrepdesign(subbootstrap, 100)",
    "rake_trim_rep": "R rake + trimWeights on the 100-replicate design",
    "svy_estimate": "svy direct: Sample + mean(y, by) + mean(b, by)",
    "svy_replicates": "svy direct: create_bs_wgts(100)",
    "svy_rake": "svy direct: rake (main + replicates)",
    "svy_trim": "svy direct: trim",
    "svy_weight": "svy direct: replicates + rake + trim",
    "haven_write_sav": "R haven write_sav (data labelled in memory)",
    "haven_write_dta": "R haven write_dta (data labelled in memory)",
    "contrast": "R svyby(~y, ~dom, covmat=TRUE) + svycontrast (45 pairs)",
    "ttest": "R svyttest(y ~ sex)",
    "chisq": "R svychisq(~b + dom)",
    "glm_linear": "R summary(svyglm(y ~ b + sex))",
    "glm_logit": "R summary(svyglm(b ~ y + sex, quasibinomial))",
}


def markdown(result: dict) -> str:
    """The results as Markdown: whole commands, references, goals, kernels (secondary), machine."""
    lines = ["| command | rows | input | whole command (s) | CPU user+sys (s) | peak memory (MB) | exit |",
             "|---|---:|---|---:|---:|---:|---:|"]
    for r in result["runs"]:
        if r["name"] in WHICH or r["name"] in ("version", "import_click"):
            src = {"estimate_csv": "CSV", "estimate_parquet": "Parquet", "weight": "CSV → Parquet",
                   "check": "CSV", "export_sav": "CSV → .sav", "export_dta": "CSV → .dta",
                   "tables": "Parquet (3 levels)", "weight_plain": "CSV → Parquet",
                   **{name: "Parquet" for name in COMPARE_R}}.get(r["name"], "")
            rows = f"{r['rows']:,}" if r["rows"] else "-"
            cpu = f"{r['cpu_seconds']:.2f}" if r.get("cpu_seconds") else ""
            lines.append(f"| {r['name']} | {rows} | {src} | {r['seconds']:.2f} | {cpu} | "
                         f"{r['peak_mb']:,.0f} | {r['returncode']} |")
    lines += ["", "| reference (data already loaded) | rows | seconds | CPU (s) |", "|---|---:|---:|---:|"]
    for rows, ref in result["references"].items():
        for k, v in ref.items():
            if not k.startswith("kernel_") and not k.endswith("_cpu"):
                cpu = f"{ref[k + '_cpu']:.2f}" if k + "_cpu" in ref else ""
                lines.append(f"| {REF_NAMES.get(k, k)} | {int(rows):,} | {v:.2f} | {cpu} |")
    lines += ["", "| goal | rows | command | measured | target | met |", "|---|---:|---|---:|---|---|"]
    for g in result["goals"]:
        text, target = GOALS[g["goal"]]
        shown = f"{g['ratio']:,.0f} MB" if g["goal"] == "scale_memory" else f"{g['ratio']:.2f}×"
        rows = f"{g['rows']:,}" if g["rows"] else "-"
        lines.append(f"| {text} | {rows} | {g.get('command', '')} | {shown} ({g['detail']}) | "
                     f"{target:g} | {'met' if g['met'] else '**missed**'} |")
    kern = [(rows, k, v, ref.get(k + "_cpu")) for rows, ref in result["references"].items()
            for k, v in ref.items() if k.startswith("kernel_") and not k.endswith("_cpu")]
    if kern:
        lines += ["", "Kernel only (our API on a frame already in memory; secondary): " + "; ".join(
            f"{k[7:]} {int(rows):,} rows {v:.2f} s" + (f" (CPU {c:.2f} s)" if c is not None else "")
            for rows, k, v, c in kern)]
    if result.get("skipped"):
        lines += ["", "Not run: " + "; ".join(result["skipped"]) + "."]
    lines += ["", "Machine: " + ", ".join(f"{k} {v}" for k, v in result["machine"].items())]
    return "\n".join(lines) + "\n"


def print_table(result: dict) -> None:
    """The same as :func:`markdown`, printed for the console."""
    print()
    print(markdown(result))


# ----------------------------------------------------------------------------------------------------------------
# main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, action="append", help="rows (repeatable; default 1,000,000)")
    ap.add_argument("--only", help="comma-separated subset of: " + ",".join(COMMANDS))
    ap.add_argument("--quick", action="store_true", help="100,000 rows (unless --rows), no R: a smoke run")
    ap.add_argument("--no-r", action="store_true", help="do not run R")
    ap.add_argument("--no-svy", action="store_true", help="do not time svy called directly")
    ap.add_argument("--no-kernels", action="store_true", help="do not time our kernels alone")
    ap.add_argument("--r-replicates-max-rows", type=int, default=2_000_000,
                    help="run R rake + trimWeights on the 100-replicate design only up to this many rows")
    ap.add_argument("--version-repeat", type=int, default=7, help="runs of --version and of import click")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs of each command that took under --repeat-under seconds; the fastest is reported")
    ap.add_argument("--repeat-under", type=float, default=20.0,
                    help="commands that took under this many seconds are run --repeat times (default 20)")
    ap.add_argument("--cache", default=os.environ.get("SURVEYMOD_BENCH_DIR", "/tmp/surveymod_bench"),
                    help="data cache folder (default $SURVEYMOD_BENCH_DIR or /tmp/surveymod_bench)")
    ap.add_argument("--results", help="results file stem (writes .json and .md; default in the cache folder)")
    ap.add_argument("--python", default=sys.executable, help="interpreter whose surveymod is measured")
    ap.add_argument("--phase", help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    ap.add_argument("--prepare-only", action="store_true", help="generate the cached data and stop")
    ap.add_argument("--large-rows", type=int, default=2_000_000, help="sizes above this count as large")
    ap.add_argument("--large-only", default="version,estimate,weight,check,export,tables",
                    help="commands run at large sizes (default: all; at 10M rows each stays under 4 GB, and weight "
                         "with 100 replicates writes an output of about 5.5 GB through a temporary file of 8 GB)")
    ap.add_argument("--render", metavar="JSON", help="re-render the Markdown table of an earlier results JSON")
    args = ap.parse_args(argv)
    if args.render:
        result = json.loads(Path(args.render).read_text(encoding="utf-8"))
        result["goals"] = goals(result)
        Path(args.render).with_suffix(".md").write_text(markdown(result), encoding="utf-8")
        print_table(result)
        return 0
    if args.phase:
        kind, what = args.phase.split(":")
        fn = svy_phase if kind == "svy" else kernel_phase
        print(json.dumps(fn(Path(args.data), what)))
        return 0

    sizes = args.rows or ([100_000] if args.quick else [1_000_000])
    only = set(args.only.split(",")) if args.only else set(COMMANDS)
    unknown = only - set(COMMANDS)
    if unknown:
        ap.error(f"unknown --only entries {sorted(unknown)}; choose from {COMMANDS}")
    use_r = not (args.no_r or args.quick) and bool(only & {"estimate", "weight", "compare"}) and shutil.which("Rscript")
    if args.quick:
        args.version_repeat, args.repeat = min(args.version_repeat, 3), 1
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    compiled = compile_bytecode(args.python)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    result: dict = {"started_utc": stamp, "rows": sizes, "runs": [], "references": {}, "machine": machine()}
    result["machine"]["bytecode"] = compiled
    print(f"surveymod whole-command benchmark, commit {result['machine'].get('commit', '?')}, "
          f"rows {', '.join(f'{n:,}' for n in sizes)}; cache {cache}", flush=True)

    if "version" in only and not args.prepare_only:
        work = cache / "work_version"
        work.mkdir(exist_ok=True)
        for r in time_version(args.python, work, args.version_repeat).values():
            result["runs"].append(asdict(r))
            print(f"  {r.name:<16} {r.seconds:7.2f} s  {r.peak_mb:7.0f} MB  ({r.note})", flush=True)

    if not args.prepare_only:  # data made in a child process: Linux carries a process's peak memory through fork
        # and exec, so the commands' peaks would count the generator's if it ran in this process
        subprocess.run([sys.executable, str(Path(__file__).resolve()), "--prepare-only", "--cache", str(cache),
                        "--only", ",".join(sorted(only)), "--large-rows", str(args.large_rows), "--large-only",
                        args.large_only, "--python", args.python, *(a for n in sizes for a in ("--rows", str(n)))],
                       check=True)
    for rows in sizes:
        print(f"{rows:,} rows:", flush=True)
        large = rows > args.large_rows
        here = only & set(args.large_only.split(",")) if large else only
        if only - here:
            note = (f"{', '.join(sorted(only - here))} not run at {rows:,} rows (above --large-rows; "
                    "1M-row peak memory x 10 would not fit this machine: see --large-only)")
            result.setdefault("skipped", []).append(note)
            print("  " + note, flush=True)
        if large and "weight" in here:
            note = f"svy and kernel weighting not run at {rows:,} rows (their 1M-row peak x 10 exceeds the memory)"
            result.setdefault("skipped", []).append(note)
            print("  " + note, flush=True)
        data = prepare(rows, cache, args.python, here)
        if args.prepare_only:
            continue
        work = data / "work"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir()
        ref: dict[str, float] = {}
        for name, cmd in command_lines(rows, data, work, args.python).items():
            if WHICH[name] not in here:
                continue
            run, text = run_child(name, rows, cmd, work)
            tries = [run]
            while run.returncode == 0 and len(tries) < args.repeat and tries[0].seconds < args.repeat_under:
                tries.append(run_child(name, rows, cmd, work)[0])
            if len(tries) > 1:
                run = min(tries, key=lambda r: r.seconds)
                run.note = f"fastest of {len(tries)}: " + ", ".join(f"{r.seconds:.2f}" for r in tries)
            if run.returncode != 0:
                run.note = (text.strip().splitlines() or ["no output"])[-1][:300]
            result["runs"].append(asdict(run))
            print(f"  {name:<16} {run.seconds:7.2f} s  {run.peak_mb:7.0f} MB  exit {run.returncode} {run.note}",
                  flush=True)
        if not args.no_svy and not svy_installed():
            print("  svy: skipped (not installed; it is a reference only: pip install svy polars to time it)",
                  flush=True)
        for kind in [k for k, off in (("kernel", args.no_kernels), ("svy", args.no_svy or not svy_installed()))
                     if not off]:
            for what in [w for w in ("estimate", "weight") if w in here and not (large and w == "weight")]:
                got, run = time_phase(kind, what, rows, data, work, args.python)
                ref |= got
                print(f"  {kind}:{what:<10} " + ", ".join(f"{k} {v:.2f} s" for k, v in got.items())
                      + (f" {run.note}" if run.note else "") + f"  (process {run.peak_mb:.0f} MB)", flush=True)
        if use_r:
            what = [w for w in ("estimate", "weight", "compare") if w in here]
            got, run = time_r(rows, data, work, what, rows <= args.r_replicates_max_rows)
            ref |= got
            print("  R: " + ", ".join(f"{k} {v:.2f} s" for k, v in got.items())
                  + f"  (whole R run {run.seconds:.1f} s, {run.peak_mb:.0f} MB) {run.note}", flush=True)
        if "export" in here and not (args.no_r or args.quick) and shutil.which("Rscript"):
            got, run = time_haven(rows, data, work)
            ref |= got
            print("  R haven: " + ", ".join(f"{k} {v:.2f} s" for k, v in got.items())
                  + f"  (whole R run {run.seconds:.1f} s, {run.peak_mb:.0f} MB) {run.note}", flush=True)
        result["references"][str(rows)] = ref
    if args.prepare_only:
        return 0

    result["goals"] = goals(result)
    result["machine"]["load_average_at_end"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    stem = Path(args.results) if args.results else cache / f"results-{stamp}"
    stem.parent.mkdir(parents=True, exist_ok=True)
    stem.with_suffix(".json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    stem.with_suffix(".md").write_text(markdown(result), encoding="utf-8")
    print_table(result)
    print(f"wrote {stem.with_suffix('.json')} and {stem.with_suffix('.md')}")
    print("load average at the end: " + result["machine"]["load_average_at_end"])
    failed = [r["name"] for r in result["runs"] if r["returncode"] != 0]
    if failed:
        print(f"commands that failed: {', '.join(failed)} (see their .log in the work folder)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
