"""Benchmark surveymod.data: read, check and export N rows × 100 variables against a plain pyreadstat write.

Each phase runs in a fresh subprocess so its peak memory (ru_maxrss) is measured alone; the baseline is the
process's memory once the frame is loaded. Prints seconds, extra memory, and the ratios to pyreadstat's own
``write_sav``/``write_dta`` of the same frame (goal: export ≤ 1.3× time, memory ≤ 2× the frame's size).

    .venv/bin/python benchmarks/bench_data.py --rows 1000000
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

N_SELECT, N_INT, N_DEC, N_TEXT, N_MULTI, N_DATE, N_ROUTED = 40, 34, 10, 8, 4, 3, 10


def questionnaire_yaml() -> str:
    """A 100-variable questionnaire: select_one with DK/refusal codes, ranged integers, decimals, text, routing."""
    items = ["      - {name: id, type: integer, label: Identifier, required: true, min: 1}"]
    for i in range(N_SELECT):
        items.append(f"      - {{name: s{i}, type: select_one, choices: yesno, label: 'Question s{i}', required: true}}")
    for i in range(N_ROUTED):
        items.append(f"      - {{name: r{i}, type: integer, min: 0, max: 99, relevant: 's{i} = 1', required: true, "
                     f"label: 'Routed r{i}'}}")
    for i in range(N_INT - N_ROUTED):
        items.append(f"      - {{name: n{i}, type: integer, min: 0, max: 120, label: 'Number n{i}', "
                     f"constraint: '. <= 120'}}")
    for i in range(N_DEC):
        items.append(f"      - {{name: d{i}, type: decimal, min: 0, max: 100000, label: 'Amount d{i}'}}")
    for i in range(N_TEXT):
        items.append(f"      - {{name: t{i}, type: text, label: 'Text t{i}'}}")
    for i in range(N_MULTI):
        items.append(f"      - {{name: m{i}, type: select_multiple, choices: langs, label: 'Multi m{i}'}}")
    for i in range(N_DATE):
        items.append(f"      - {{name: dt{i}, type: date, label: 'Date dt{i}'}}")
    return "\n".join([
        "id: bench", "title: Benchmark", 'version: "1"', "respondent_id: id", "choices:", "  yesno:",
        "    - {code: 1, label: 'Yes'}", "    - {code: 2, label: 'No'}",
        "    - {code: 98, label: \"Don't know\", missing: dont_know}", "    - {code: 99, label: Refused, missing: refusal}",
        "  langs:", *[f"    - {{code: {c}, label: L{c}}}" for c in range(1, 5)],
        "sections:", "  - name: main", "    items:", *items, ""])


def make_frame(rows: int) -> pd.DataFrame:
    """Valid data following the routing (routed questions answered only where s<i> = 1)."""
    rng = np.random.default_rng(7)
    cols: dict[str, object] = {"id": np.arange(1, rows + 1, dtype=np.int64)}
    sel = {}
    for i in range(N_SELECT):
        sel[i] = rng.choice(np.array([1, 2, 98, 99]), size=rows, p=[0.6, 0.35, 0.03, 0.02]).astype(np.float64)
        cols[f"s{i}"] = sel[i]
    for i in range(N_ROUTED):
        v = rng.integers(0, 100, rows).astype(np.float64)
        cols[f"r{i}"] = np.where(sel[i] == 1, v, np.nan)
    for i in range(N_INT - N_ROUTED):
        cols[f"n{i}"] = rng.integers(0, 121, rows).astype(np.float64)
    for i in range(N_DEC):
        cols[f"d{i}"] = rng.uniform(0, 100000, rows).round(2)
    words = np.array(["Скопје", "Тетово", "Bitola", "Ohër", "Kumanovo", "Штип", "", "Prilep"], dtype=object)
    for i in range(N_TEXT):
        cols[f"t{i}"] = pd.array(words[rng.integers(0, len(words), rows)], dtype="str")
    multi = np.array(["1", "2", "1 2", "3", "1 4", "2 3 4"], dtype=object)
    for i in range(N_MULTI):
        cols[f"m{i}"] = pd.array(multi[rng.integers(0, len(multi), rows)], dtype="str")
    base = np.datetime64("2020-01-01")
    for i in range(N_DATE):
        cols[f"dt{i}"] = (base + rng.integers(0, 2000, rows).astype("timedelta64[D]")).astype("datetime64[s]")
    return pd.DataFrame(cols)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def phase(name: str, work: Path) -> dict:
    """Run one phase in this (fresh) process; returns seconds and memory figures."""
    from surveymod.data import check, export, read
    from surveymod.questionnaire import load_valid

    qn = load_valid(work / "bench.yaml")
    source = work / "bench.parquet"
    frame = pd.read_parquet(source)
    frame_mb = frame.memory_usage(deep=True).sum() / 2**20
    ds = read(source, qn) if name in ("check", "export_sav", "export_dta") else None
    base = _rss_mb()
    t0 = time.perf_counter()
    if name == "pyreadstat_sav":
        import pyreadstat

        pyreadstat.write_sav(frame.astype({c: "datetime64[ns]" for c in frame.columns if c.startswith("dt")}),
                             str(work / "plain.sav"))
    elif name == "pyreadstat_dta":
        import pyreadstat

        pyreadstat.write_dta(frame, str(work / "plain.dta"), version=14)
    elif name == "read":
        read(source, qn)
    elif name == "check":
        report = check(ds)
        assert report.n_errors == 0, report.summary()
    elif name == "export_sav":
        export(ds, to="sav", out=work / "ours.sav", syntax=False)
    elif name == "export_dta":
        export(ds, to="dta", out=work / "ours.dta", syntax=False)
    seconds = time.perf_counter() - t0
    return {"phase": name, "seconds": seconds, "extra_mb": max(0.0, _rss_mb() - base), "frame_mb": frame_mb}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="number of rows (default 1,000,000)")
    ap.add_argument("--phase", help=argparse.SUPPRESS)
    ap.add_argument("--work", help=argparse.SUPPRESS)
    ap.add_argument("--phases", default="pyreadstat_sav,export_sav,pyreadstat_dta,export_dta,read,check",
                    help="comma-separated phases to run")
    args = ap.parse_args()
    if args.phase:
        print(json.dumps(phase(args.phase, Path(args.work))))
        return
    with tempfile.TemporaryDirectory(prefix="bench_data_") as tmp:
        work = Path(tmp)
        (work / "bench.yaml").write_text(questionnaire_yaml(), encoding="utf-8")
        frame = make_frame(args.rows)
        frame.to_parquet(work / "bench.parquet")
        print(f"{args.rows:,} rows × {frame.shape[1]} variables; frame {frame.memory_usage(deep=True).sum() / 2**20:,.0f}"
              " MB in memory")
        del frame
        results = {}
        for name in args.phases.split(","):
            proc = subprocess.run([sys.executable, __file__, "--phase", name, "--work", str(work)],
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                print(f"{name}: FAILED\n{proc.stderr[-2000:]}")
                continue
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            results[name] = r
            print(f"{name:<16} {r['seconds']:8.2f} s   +{r['extra_mb']:8.0f} MB   "
                  f"({r['extra_mb'] / r['frame_mb']:.2f}× frame)")
        for ours, plain in (("export_sav", "pyreadstat_sav"), ("export_dta", "pyreadstat_dta")):
            if ours in results and plain in results:
                a, b = results[ours], results[plain]
                print(f"{ours} / {plain}: time {a['seconds'] / b['seconds']:.2f}×, "
                      f"memory {a['extra_mb'] / max(b['extra_mb'], 1):.2f}× (goal ≤ 1.3× time)")


if __name__ == "__main__":
    main()
