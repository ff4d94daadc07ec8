"""Time ``surveymod.simulate`` on the LFS migration module (default 1,000,000 households) and print the result.

Usage: .venv/bin/python benchmarks/bench_simulate.py [--rows N] [--seed S] [--questionnaire PATH] [--design PATH]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from surveymod.questionnaire import load_valid
from surveymod.simulate import load_sample_design, simulate

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    """Run one simulation and report rows per level, seconds and rows per second."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000, help="Respondents (top-level units) to simulate.")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--questionnaire", default=str(ROOT / "questionnaires" / "lfs_migration.yaml"))
    ap.add_argument("--design", help="Optional design YAML.")
    args = ap.parse_args()
    qn = load_valid(args.questionnaire)
    design = load_sample_design(args.design) if args.design else None
    t0 = time.perf_counter()
    sim = simulate(qn, args.rows, args.seed, design=design)
    dt = time.perf_counter() - t0
    total = sum(len(f) for f in sim.frames.values())
    levels = ", ".join(f"{k} {len(v):,}" for k, v in sim.frames.items())
    print(f"{qn.id}: {levels} rows ({total:,} in all), {sum(f.shape[1] for f in sim.frames.values())} columns")
    print(f"simulated in {dt:.2f} s ({args.rows / dt:,.0f} respondents/s)")


if __name__ == "__main__":
    main()
