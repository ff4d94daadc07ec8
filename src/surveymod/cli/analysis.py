"""The options and option parsing shared by the analysis commands (``estimate``, ``change``, ``test``, ``model``):
the design options, the ``NUM/DEN``, ``VAR:P`` and code-list syntax, the notes printed about a result and its
.csv/.xlsx output. A wrong value is a usage error naming its option (exit 2)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..atomic import refuse_overwriting_inputs, write_with
from ..data.writer import write_table
from ..design import Design
from ..design.load import design_of

DESIGN_OPTIONS = ("strata", "psu", "ssu", "weight", "fpc", "fpc2", "prob", "repweights", "reptype", "fay_rho",
                  "scale", "lonely_psu", "pps")


def given_design_options(opts: dict[str, Any]) -> dict[str, Any]:
    """The design options (not --design, not --mse) given on the command line."""
    return {k: v for k, v in opts.items() if k in DESIGN_OPTIONS and v is not None}


def design_from_options(spec: str | None, opts: dict[str, Any]) -> Design:
    """A Design from --design SPEC.yaml or from the individual design options (not both)."""
    given = given_design_options(opts)
    if spec and given:
        raise click.UsageError(f"give the design either as --design or as options, not both "
                               f"(also given: {', '.join('--' + k.replace('_', '-') for k in given)})")
    return design_of(spec, given, opts.get("mse"))


def design_options(func: Any) -> Any:
    """The design options shared by the analysis commands."""
    opts = [
        click.option("--design", "design_spec", type=click.Path(dir_okay=False),
                     help="YAML file whose 'design:' mapping names the design columns (instead of the options)."),
        click.option("--strata", help="Column with stratum ids."),
        click.option("--psu", help="Column with PSU ids (nested in strata)."),
        click.option("--ssu", help="Column with second-stage unit ids (two-stage designs)."),
        click.option("--weight", help="Column with the sampling weight."),
        click.option("--prob", help="Column with selection probabilities (weight = 1/prob)."),
        click.option("--fpc", help="Column with the population size N_h (or sampling fraction) of the stratum."),
        click.option("--fpc2", help="Column with the second-stage population size (or fraction)."),
        click.option("--repweights", help="Regular expression matching the replicate-weight columns."),
        click.option("--reptype", type=click.Choice(["brr", "fay", "jk1", "jkn", "bootstrap"]),
                     help="Replicate method of the --repweights columns."),
        click.option("--fay-rho", type=float, help="Fay coefficient (with --reptype fay)."),
        click.option("--scale", type=float, help="Overall replicate variance scale (R svrepdesign 'scale')."),
        click.option("--mse/--no-mse", default=None,
                     help="Replicate variance around the full-sample estimate (default) or the replicate mean."),
        click.option("--lonely-psu", type=click.Choice(["fail", "remove", "certainty", "adjust", "average"]),
                     help="Policy for strata with one PSU, as R survey.lonely.psu (default fail)."),
        click.option("--pps", type=click.Choice(["brewer", "overton"]),
                     help="Without-replacement PPS first stage (R svydesign pps=); --fpc then names each PSU's "
                          "inclusion probability."),
    ]
    for o in reversed(opts):
        func = o(func)
    return func


def split_by(by: str | None) -> list[str] | None:
    """'sex, agegrp' -> ['sex', 'agegrp']; nothing -> None."""
    return [b.strip() for b in by.split(",") if b.strip()] if by else None


def ratio(spec: str) -> tuple[str, str]:
    """'income/hhsize' -> ('income', 'hhsize')."""
    if spec.count("/") != 1 or not all(spec.split("/")):
        raise click.BadParameter(f"'{spec}' is not NUM/DEN", param_hint="--ratio")
    num, den = spec.split("/")
    return num, den


def quantile(spec: str) -> tuple[str, float]:
    """'income:0.5' -> ('income', 0.5)."""
    var, _, p = spec.rpartition(":")
    try:
        return var, float(p)
    except ValueError:
        raise click.BadParameter(f"'{spec}' is not VAR:P (e.g. income:0.5)", param_hint="--quantile") from None


def codes(text: str) -> list[object]:
    """'1,2' -> [1, 2]; text codes stay text."""
    return [int(c) if c.strip().lstrip("-").isdigit() else c.strip() for c in text.split(",") if c.strip()]


def notes(res: Any) -> None:
    """Say where labels and missing codes came from, what was left out, and what looks like an undeclared code."""
    if res.attrs.get("metadata"):
        click.echo(f"note: labels and missing codes from {res.attrs['metadata']}", err=True)
    for var, k in res.attrs.get("missing", {}).items():
        if k:
            click.echo(f"note: {var}: {k} missing value(s) left out of its estimates (rows zero-weighted)", err=True)
    for w in res.attrs.get("warnings", []):
        click.echo(f"warning: {w}", err=True)


def write_result(df: Any, out: str, inputs: list[str]) -> None:
    """Write a result table to OUT (.csv or .xlsx) atomically, never over an input."""
    target = Path(out)
    if target.suffix.lower() not in (".csv", ".xlsx"):
        raise click.BadParameter("the output must end in .csv or .xlsx", param_hint="-o")
    refuse_overwriting_inputs(target, inputs)
    write_with(target, lambda tmp: write_table(df, tmp, xlsx=target.suffix.lower() == ".xlsx"))
