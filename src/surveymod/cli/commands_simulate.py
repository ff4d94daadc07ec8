"""``surveymod simulate`` (synthetic data from a questionnaire) and ``surveymod plan`` (sample size and power)."""

from __future__ import annotations

import json

import click

from .common import echo_problems, force_option, handles_errors
from .main import cli


@cli.command("simulate")
@click.argument("questionnaire", type=click.Path(dir_okay=False))
@click.option("-n", "--n", "n", type=click.IntRange(min=1), required=True, help="Number of responding units.")
@click.option("--seed", type=click.IntRange(0, 2**63 - 1), default=1, show_default=True,
              help="Random seed (0 or more); the same seed gives the same data.")
@click.option("--design", type=click.Path(dir_okay=False),
              help="Sample design YAML (population cells, strata, PSUs, nonresponse); adds design columns.")
@click.option("--effects", type=click.Path(dir_okay=False),
              help="Scenario YAML (answer distributions, batteries, known change between waves).")
@click.option("--wave", help="Wave name (default: the questionnaire's 'wave'); endline waves get the change.")
@click.option("-o", "--output", required=True, type=click.Path(),
              help="Output file: .csv, .sav, .dta, .xlsx or .parquet; rosters go to OUT_<level>.<ext>, the truth "
                   "to OUT.truth.json. A folder (no extension) receives <id>.csv, <id>_<level>.csv per roster and "
                   "<id>.truth.json.")
@click.option("--format", "fmt", type=click.Choice(["csv", "sav", "dta", "xlsx", "parquet"]),
              help="File format when OUT is a folder (default csv).")
@force_option
@handles_errors
def simulate_cmd(questionnaire: str, n: int, seed: int, design: str | None, effects: str | None, wave: str | None,
                 output: str, fmt: str | None, force: bool) -> None:
    """Simulate N respondents of QUESTIONNAIRE that follow its routing and constraints exactly."""
    from ..simulate.output import is_folder, simulate_files

    made = simulate_files(questionnaire, n, seed, output, design=design, effects=effects, wave=wave, fmt=fmt,
                          force=force)
    echo_problems(made.warnings)
    sim = made.simulated
    rows = ", ".join(f"{k} {len(v):,}" for k, v in sim.frames.items())
    click.echo(f"simulated {made.questionnaire.id} ({sim.truth['wave']}), seed {seed}: {rows} rows")
    if is_folder(output):
        click.echo(f"{output} is a folder: one {(fmt or 'csv').upper()} file per level ({', '.join(sim.frames)}) "
                   "and the truth JSON")
    for f in made.files:
        click.echo(f"wrote {f}")


@cli.group("plan")
def plan_group() -> None:
    """Sample size, power and minimum detectable change (one proportion or mean; two waves or two domains)."""


_design_options = [
    click.option("--deff", type=float, help="Design effect (default 1, or from --take and --icc)."),
    click.option("--take", type=float, help="Interviews per PSU, to compute deff = 1 + (take - 1) * icc."),
    click.option("--icc", type=float, help="Intra-cluster correlation, with --take."),
]


def _with_design(f):  # type: ignore[no-untyped-def]
    """Add --deff/--take/--icc to a plan command."""
    for opt in reversed(_design_options):
        f = opt(f)
    return f


_margin_options = [
    click.option("--conf", type=float, default=0.95, show_default=True, help="Confidence level."),
    *_design_options,
    click.option("--population", type=float, help="Population size N for the finite population correction."),
    click.option("--rr", type=float, default=1.0, show_default=True, help="Expected response rate (0-1]."),
    click.option("--json", "as_json", is_flag=True, help="Print JSON."),
]


def _with_margin_options(f):  # type: ignore[no-untyped-def]
    """Add the options shared by the margin-of-error commands (confidence, design effect, N, response, JSON)."""
    for opt in reversed(_margin_options):
        f = opt(f)
    return f


def _show(title: str, values: dict[str, object], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(values, indent=2))
        return
    click.echo(title)
    for k, v in values.items():
        click.echo(f"  {k:<16} {v:.6g}" if isinstance(v, float) else f"  {k:<16} {v}")


@plan_group.command("proportion")
@click.option("--p", "p", type=float, default=0.5, show_default=True, help="Expected proportion (0-1).")
@click.option("--moe", type=float, required=True, help="Margin of error as a fraction, e.g. 0.05 for ±5 points.")
@_with_margin_options
@handles_errors
def plan_proportion(p: float, moe: float, conf: float, deff: float | None, take: float | None, icc: float | None,
                    population: float | None, rr: float, as_json: bool) -> None:
    """Interviews needed to estimate one proportion within a margin of error."""
    from ..simulate.plan import deff_from, n_proportion

    r = n_proportion(p, moe, conf, deff_from(deff, take, icc), population, rr)
    _show(f"proportion {p:g} ± {moe:g} at {conf:.0%}: {r.n} completed interviews, issue {r.issued}",
          r.as_dict(), as_json)


@plan_group.command("mean")
@click.option("--sd", type=float, required=True, help="Standard deviation of the variable.")
@click.option("--moe", type=float, required=True, help="Margin of error in the variable's units.")
@_with_margin_options
@handles_errors
def plan_mean(sd: float, moe: float, conf: float, deff: float | None, take: float | None, icc: float | None,
              population: float | None, rr: float, as_json: bool) -> None:
    """Interviews needed to estimate one mean within a margin of error."""
    from ..simulate.plan import deff_from, n_mean

    r = n_mean(sd, moe, conf, deff_from(deff, take, icc), population, rr)
    _show(f"mean ± {moe:g} (sd {sd:g}) at {conf:.0%}: {r.n} completed interviews, issue {r.issued}",
          r.as_dict(), as_json)


@plan_group.command("change")
@click.option("--p1", type=float, help="Baseline (or first domain) proportion.")
@click.option("--p2", type=float, help="Endline (or second domain) proportion to detect.")
@click.option("--sd", type=float, help="For means: standard deviation (with --delta).")
@click.option("--delta", type=float, help="For means: difference to detect.")
@click.option("--alpha", type=float, default=0.05, show_default=True, help="Significance level.")
@click.option("--power", type=float, default=0.8, show_default=True, help="Power.")
@click.option("--one-sided", is_flag=True, help="One-sided test.")
@click.option("--continuity", is_flag=True, help="Fleiss continuity correction (proportions).")
@_with_design
@click.option("--rr", type=float, default=1.0, show_default=True, help="Expected response rate (0-1].")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@handles_errors
def plan_change(p1: float | None, p2: float | None, sd: float | None, delta: float | None, alpha: float,
                power: float, one_sided: bool, continuity: bool, deff: float | None, take: float | None,
                icc: float | None, rr: float, as_json: bool) -> None:
    """Interviews per wave (or domain) to detect a change between two independent samples."""
    from ..simulate.plan import deff_from, n_change

    d = deff_from(deff, take, icc)
    r = n_change(p1, p2, sd, delta, alpha, power, d, rr, continuity, not one_sided)
    title = (f"change {p1:g} → {p2:g}" if p1 is not None and p2 is not None
             else f"difference in means {delta:g} (sd {sd:g})")
    _show(f"{title}, alpha {alpha:g}, power {power:g}: {r.n} completed interviews per group, issue {r.issued}",
          r.as_dict(), as_json)


@plan_group.command("mdc")
@click.option("-n", "--n", "n", type=float, required=True, help="Completed interviews per wave (or domain).")
@click.option("--p1", type=float, help="Baseline proportion.")
@click.option("--sd", type=float, help="For means: standard deviation.")
@click.option("--alpha", type=float, default=0.05, show_default=True, help="Significance level.")
@click.option("--power", type=float, default=0.8, show_default=True, help="Power.")
@click.option("--one-sided", is_flag=True, help="One-sided test.")
@_with_design
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@handles_errors
def plan_mdc(n: float, p1: float | None, sd: float | None, alpha: float, power: float, one_sided: bool,
             deff: float | None, take: float | None, icc: float | None, as_json: bool) -> None:
    """Minimum detectable change between two independent samples of N completed interviews each."""
    from ..simulate.plan import deff_from, mdc

    values = mdc(n, p1, sd, alpha, power, deff_from(deff, take, icc), not one_sided)
    if "p1" in values:
        title = f"n {n:g} per group, p1 {p1:g}: detectable increase {values['increase'] * 100:.2f} points"
    else:
        title = f"n {n:g} per group, sd {sd:g}: detectable difference {values['difference']:.4g}"
    _show(title, values, as_json)
