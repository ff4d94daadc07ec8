"""Benchmark: 20 estimates x 10 domains on synthetic LFS-like respondents, Taylor and 100 bootstrap replicates.

Times our API (``surveymod.estimation.estimate``), svy called directly on the same Polars data (a reference only,
skipped with a message when svy is not installed) and R ``survey::svyby`` via Rscript (skipped with a message when
Rscript is absent), and prints the ratios.
Goal from issue #7: at least 10x faster than R and within 1.5x of svy.

    .venv/bin/python benchmarks/bench_estimate.py --rows 1000000
    .venv/bin/python benchmarks/bench_estimate.py --rows 20000 --skip-r
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

N_MEAN, N_PROP, N_REPS = 10, 10, 100


def synthetic(rows: int, seed: int = 7) -> pd.DataFrame:
    """Stratified two-stage-like sample: 50 strata x 20 PSUs, 10 domains, 10 numeric and 10 binary variables."""
    rng = np.random.default_rng(seed)
    n_strata, psu_per = 50, 20
    stratum = rng.integers(0, n_strata, rows)
    psu = rng.integers(0, psu_per, rows)
    psu_effect = rng.normal(0, 0.3, (n_strata, psu_per))[stratum, psu]
    data: dict[str, np.ndarray] = {"stratum": stratum, "psu": psu, "dom": rng.integers(0, 10, rows),
                                   "w": rng.uniform(50, 150, rows)}
    for i in range(N_MEAN):
        data[f"m{i}"] = rng.normal(10 + i, 2, rows) + psu_effect
    for i in range(N_PROP):
        data[f"b{i}"] = (rng.random(rows) < 1 / (1 + np.exp(-(psu_effect + (i - 5) / 5)))).astype(np.int64)
    return pd.DataFrame(data)


def bootstrap_weights(df: pd.DataFrame, reps: int, seed: int = 11) -> np.ndarray:
    """Rao-Wu rescaling bootstrap (n_h - 1 PSUs drawn with replacement per stratum); columns are replicates."""
    rng = np.random.default_rng(seed)
    key = df["stratum"].to_numpy() * 1000 + df["psu"].to_numpy()
    psus, inv = np.unique(key, return_inverse=True)
    strata = psus // 1000
    out = np.empty((len(df), reps))
    w = df["w"].to_numpy()
    for r in range(reps):
        mult = np.zeros(len(psus))
        for h in np.unique(strata):
            idx = np.flatnonzero(strata == h)
            nh = len(idx)
            counts = np.bincount(rng.integers(0, nh, nh - 1), minlength=nh)
            mult[idx] = counts * nh / (nh - 1)
        out[:, r] = w * mult[inv]
    return out


def time_ours(df: pd.DataFrame, replicate: bool) -> float:
    from surveymod.estimation import Design, estimate

    design = (Design(weight="w", repweights=r"bw\d+", reptype="bootstrap", mse=False) if replicate
              else Design(strata="stratum", psu="psu", weight="w"))
    t0 = time.perf_counter()
    res = estimate(df, design, mean=[f"m{i}" for i in range(N_MEAN)], prop=[f"b{i}" for i in range(N_PROP)],
                   by=["dom"])
    dt = time.perf_counter() - t0
    assert len(res) == 10 * (N_MEAN + 2 * N_PROP)
    return dt


def time_svy(df: pd.DataFrame, replicate: bool) -> float:
    import polars as pl
    import svy

    t0 = time.perf_counter()
    data = pl.from_pandas(df).with_columns([pl.col(f"b{i}").cast(pl.Utf8) for i in range(N_PROP)]
                                           + [pl.col("dom").cast(pl.Utf8)])
    if replicate:
        design = svy.Design(wgt="w", rep_wgts=svy.BootstrapWgts(prefix="bw", n_reps=N_REPS))
        kw: dict[str, object] = {"method": "replication"}
    else:
        design = svy.Design(stratum="stratum", psu="psu", wgt="w")
        kw = {}
    sample = svy.Sample(data=data, design=design)
    for i in range(N_MEAN):
        sample.estimation.mean(f"m{i}", by="dom", **kw)  # type: ignore[arg-type]
    for i in range(N_PROP):
        sample.estimation.prop(f"b{i}", by="dom", **kw)  # type: ignore[arg-type]
    return time.perf_counter() - t0


R_SCRIPT = r"""
suppressMessages({library(survey); library(data.table)})
args <- commandArgs(TRUE)
d <- as.data.frame(fread(args[1]))
rep <- args[2] == "rep"
f <- as.formula(paste("~", paste(c(paste0("m", 0:9), paste0("b", 0:9)), collapse = "+")))
t0 <- Sys.time()
if (rep) {
  des <- svrepdesign(data = d, weights = ~w, repweights = "bw[0-9]+", type = "bootstrap", scale = 1/100,
                     combined.weights = TRUE)
} else {
  des <- svydesign(id = ~psu, strata = ~stratum, weights = ~w, nest = TRUE, data = d)
}
r <- svyby(f, ~dom, des, svymean)
cat(as.numeric(difftime(Sys.time(), t0, units = "secs")), "\n")
"""


def time_r(df: pd.DataFrame, replicate: bool, workdir: Path) -> float | None:
    if shutil.which("Rscript") is None:
        print("  R: skipped (Rscript not found; install r-cran-survey to compare)")
        return None
    csv = workdir / ("rep.csv" if replicate else "taylor.csv")
    if not csv.exists():
        df.to_csv(csv, index=False)
    script = workdir / "bench.R"
    script.write_text(R_SCRIPT)
    out = subprocess.run(["Rscript", str(script), str(csv), "rep" if replicate else "taylor"],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        print(f"  R: failed ({out.stderr.strip().splitlines()[-1] if out.stderr.strip() else 'no output'})")
        return None
    return float(out.stdout.split()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000, help="number of synthetic respondents")
    ap.add_argument("--skip-r", action="store_true", help="do not run R")
    ap.add_argument("--repeat", type=int, default=2, help="runs per tool; the fastest is reported")
    ap.add_argument("--only", choices=["taylor", "replicate"], help="run one of the two variants")
    args = ap.parse_args()
    import importlib.util

    import scipy.stats  # noqa: F401  (warm imports so no timing includes them)

    has_svy = all(importlib.util.find_spec(m) is not None for m in ("svy", "polars"))
    if has_svy:
        import svy  # noqa: F401
    import surveymod.estimation  # noqa: F401

    df = synthetic(args.rows)
    print(f"{args.rows:,} respondents, {N_MEAN + N_PROP} estimates x 10 domains")
    with tempfile.TemporaryDirectory() as tmp:
        for replicate in (False, True):
            name = "replicate (100 bootstrap)" if replicate else "Taylor"
            if args.only and args.only != ("replicate" if replicate else "taylor"):
                continue
            data = df
            if replicate:
                bw = bootstrap_weights(df, N_REPS)
                data = pd.concat([df, pd.DataFrame(bw, columns=[f"bw{r + 1}" for r in range(N_REPS)])], axis=1)
            print(f"{name}:")
            ours = min(time_ours(data, replicate) for _ in range(args.repeat))
            print(f"  surveymod: {ours:8.2f} s")
            if has_svy:
                sv = min(time_svy(data, replicate) for _ in range(args.repeat))
                print(f"  svy:       {sv:8.2f} s   surveymod/svy = {ours / sv:.2f} (goal <= 1.5)")
            else:
                print("  svy: skipped (not installed; pip install svy polars to time it)")
            r = None if args.skip_r else time_r(data, replicate, Path(tmp))
            if args.skip_r:
                print("  R: skipped (--skip-r)")
            if r is not None:
                print(f"  R svyby:   {r:8.2f} s   R/surveymod = {r / ours:.1f}x (goal >= 10)")


if __name__ == "__main__":
    main()
