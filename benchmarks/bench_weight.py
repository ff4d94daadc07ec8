"""Benchmark: rake N synthetic respondents on sex x age, region and urban/rural.

Times (1) our API ``surveymod.weighting.run_weighting``, (2) svy's ``Sample.weighting.rake`` called directly (a
reference only: skipped with a message when svy is not installed, as it no longer is a dependency) and
(3) R ``survey::rake`` via Rscript on the same data (skipped with a message if Rscript or the package is absent),
and prints the ratios. Usage: python benchmarks/bench_weight.py --rows 1000000
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from surveymod.weighting import parse_spec, run_weighting

AGES = ["15-24", "25-34", "35-44", "45-54", "55-64", "65+"]


def synthetic(n: int, seed: int = 1) -> pd.DataFrame:
    """Respondents with a design weight and the three raking variables."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "w": rng.uniform(0.5, 2.0, n),
        "sexage": pd.Series(rng.choice(["male", "female"], n)) + "|" + pd.Series(rng.choice(AGES, n)),
        "region": rng.choice([f"MK00{i}" for i in range(1, 9)], n),
        "urban": rng.choice(["urban", "rural"], n, p=[0.6, 0.4]),
    })


def targets(df: pd.DataFrame, total: float) -> dict[str, dict[str, float]]:
    """Population margins that differ from the sample's (so raking has work to do)."""
    out = {}
    rng = np.random.default_rng(7)
    for col in ("sexage", "region", "urban"):
        levels = sorted(df[col].unique())
        p = rng.dirichlet(np.full(len(levels), 20.0))
        out[col] = {lv: float(total * pi) for lv, pi in zip(levels, p, strict=True)}
    return out


def spec_text(tdir: Path, tg: dict[str, dict[str, float]]) -> str:
    margins = []
    for col, t in tg.items():
        f = tdir / f"{col}.csv"
        f.write_text(f"{col},count\n" + "".join(f"{k},{v!r}\n" for k, v in t.items()))
        margins.append(f"      - variables: {col}\n        targets: {f}\n")
    return ("design:\n  weight: w\nsteps:\n  - step: rake\n    tolerance: 1.0e-6\n    max_iter: 100\n"
            "    margins:\n" + "".join(margins))


def time_ours(df: pd.DataFrame, spec: str) -> float:
    loaded = parse_spec(spec)
    t = time.perf_counter()
    run_weighting(df, loaded)
    return time.perf_counter() - t


def svy_installed() -> bool:
    """Whether the svy reference can run (svy and polars importable)."""
    import importlib.util

    return all(importlib.util.find_spec(m) is not None for m in ("svy", "polars"))


def time_svy(df: pd.DataFrame, tg: dict[str, dict[str, float]]) -> float:
    t = time.perf_counter()
    import polars as pl
    import svy

    s = svy.Sample(pl.from_pandas(df), svy.Design(wgt="w"))
    s.weighting.rake(controls=tg, tol=1e-6, max_iter=100)
    return time.perf_counter() - t


def time_r(df: pd.DataFrame, tg: dict[str, dict[str, float]], tdir: Path) -> float | None:
    if shutil.which("Rscript") is None:
        print("R: skipped (Rscript not found; install r-cran-survey)")
        return None
    data = tdir / "data.csv"
    df.to_csv(data, index=False)
    pops = []
    for col, t in tg.items():
        f = tdir / f"r_{col}.csv"
        pd.DataFrame({col: list(t), "Freq": list(t.values())}).to_csv(f, index=False)
        pops.append(f"read.csv('{f}')")
    script = f"""
suppressMessages(library(survey))
d <- read.csv('{data}')
des <- svydesign(id=~1, weights=~w, data=d)
pops <- list({', '.join(pops)})
t0 <- Sys.time()
r <- rake(des, list(~sexage, ~region, ~urban), pops, control=list(maxit=100, epsilon=1e-6))
cat(as.numeric(difftime(Sys.time(), t0, units='secs')), "\\n")
"""
    res = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True)
    if res.returncode != 0:
        print(f"R: skipped ({res.stderr.strip().splitlines()[-1] if res.stderr.strip() else 'failed'})")
        return None
    return float(res.stdout.split()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="Number of synthetic respondents.")
    args = ap.parse_args(argv)
    df = synthetic(args.rows)
    tg = targets(df, float(df.w.sum()))
    with tempfile.TemporaryDirectory() as tmp:
        tdir = Path(tmp)
        spec = spec_text(tdir, tg)
        small = synthetic(2000)  # warm up both paths (imports, first svy call) before timing
        time_ours(small, spec)
        has_svy = svy_installed()
        if has_svy:
            time_svy(small, tg)
        ours = time_ours(df, spec)
        direct = time_svy(df, tg) if has_svy else None
        r = time_r(df, tg, tdir)
    if direct is None:
        print(f"rows {args.rows:,}: surveymod {ours:.2f}s; svy: skipped (not installed; pip install svy polars to "
              "time it)")
    else:
        print(f"rows {args.rows:,}: surveymod {ours:.2f}s, svy direct {direct:.2f}s "
              f"(ratio {ours / direct:.2f}; goal <= 1.5)")
    if r is not None:
        print(f"R survey::rake {r:.2f}s (R excludes reading the CSV); R / surveymod = {r / ours:.1f}x (goal >= 5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
