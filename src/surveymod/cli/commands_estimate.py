"""`surveymod estimate` and `surveymod change`: design-based estimates and baseline->endline change to CSV/XLSX."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..atomic import refuse_overwriting_inputs, write_with
from ..data.writer import write_table
from ..design.load import design_from_fields, load_design, used_columns
from ..estimation import Design, FlagRules, change, estimate
from .common import dataset_options, handles_errors, open_dataset
from .main import cli

DESIGN_OPTIONS = ("strata", "psu", "ssu", "weight", "fpc", "fpc2", "prob", "repweights", "reptype", "fay_rho",
                  "scale", "lonely_psu", "pps")


def design_from_options(spec: str | None, opts: dict[str, Any]) -> Design:
    """A Design from --design SPEC.yaml or from the individual design options (not both)."""
    given = {k: v for k, v in opts.items() if k in DESIGN_OPTIONS and v is not None}
    mse = opts.get("mse")
    if spec:
        if given:
            raise click.UsageError(f"give the design either as --design or as options, not both "
                                   f"(also given: {', '.join('--' + k.replace('_', '-') for k in given)})")
        design = load_design(spec)
        return design if mse is None else design.model_copy(update={"mse": mse})
    if mse is not None:
        given["mse"] = mse
    return design_from_fields(given)


def design_options(func: Any) -> Any:
    """The design options shared by `estimate` and `change`."""
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


def _split_by(by: str | None) -> list[str] | None:
    return [b.strip() for b in by.split(",") if b.strip()] if by else None


def _ratio(spec: str) -> tuple[str, str]:
    if spec.count("/") != 1 or not all(spec.split("/")):
        raise click.BadParameter(f"'{spec}' is not NUM/DEN", param_hint="--ratio")
    num, den = spec.split("/")
    return num, den


def _quantile(spec: str) -> tuple[str, float]:
    var, _, p = spec.rpartition(":")
    try:
        return var, float(p)
    except ValueError:
        raise click.BadParameter(f"'{spec}' is not VAR:P (e.g. income:0.5)", param_hint="--quantile") from None


def _codes(text: str) -> list[object]:
    """'1,2' -> [1, 2]; text codes stay text."""
    return [int(c) if c.strip().lstrip("-").isdigit() else c.strip() for c in text.split(",") if c.strip()]


def _notes(res: Any) -> None:
    """Say where labels and missing codes came from, what was left out, and what looks like an undeclared code."""
    if res.attrs.get("metadata"):
        click.echo(f"note: labels and missing codes from {res.attrs['metadata']}", err=True)
    for var, k in res.attrs.get("missing", {}).items():
        if k:
            click.echo(f"note: {var}: {k} missing value(s) left out of its estimates (rows zero-weighted)", err=True)
    for w in res.attrs.get("warnings", []):
        click.echo(f"warning: {w}", err=True)


def _write(df: Any, out: str, inputs: list[str]) -> None:
    target = Path(out)
    if target.suffix.lower() not in (".csv", ".xlsx"):
        raise click.BadParameter("the output must end in .csv or .xlsx", param_hint="-o")
    refuse_overwriting_inputs(target, inputs)
    write_with(target, lambda tmp: write_table(df, tmp, xlsx=target.suffix.lower() == ".xlsx"))


@cli.command("estimate")
@click.argument("data", type=click.Path(dir_okay=False))
@design_options
@click.option("--mean", "means", multiple=True, help="Estimate the mean of this variable (repeatable).")
@click.option("--prop", "props", multiple=True, help="Estimate the share of every category (repeatable).")
@click.option("--total", "totals", multiple=True,
              help="Estimate the population total (repeatable); of a categorical variable (text, or a select_one / "
                   "nominal variable), the count of every category.")
@click.option("--ratio", "ratios", multiple=True, help="Estimate the ratio NUM/DEN of two totals (repeatable).")
@click.option("--quantile", "quantiles", multiple=True, help="Estimate a quantile, VAR:P e.g. income:0.5.")
@click.option("--category", "categories", metavar="CODES",
              help="With --prop: one share of these categories together, e.g. 1,2 (very good or good); the base "
                   "is the substantive answers.")
@click.option("--by", help="Comma-separated domain variables, e.g. sex,agegrp.")
@click.option("--quantile-interval", type=click.Choice(["mean", "quantile"]), default="mean", show_default=True,
              help="Quantile CI as R svyquantile interval.type: Woodruff (mean) or, with replicate weights, the "
                   "quantile's own replicate variance (quantile).")
@click.option("--ci", type=click.Choice(["logit", "beta", "wilson"]), default="logit", show_default=True,
              help="CI method for proportions (beta = Korn-Graubard).")
@click.option("--level", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.95,
              show_default=True, help="Confidence level.")
@click.option("--deff", "deff_ref", type=click.Choice(["wor", "wr"]), default="wor", show_default=True,
              help="SRS reference of the design effect: without (R deff=TRUE) or with replacement.")
@click.option("--min-n", type=click.IntRange(min=0), help="Flag 'suppress' below this unweighted n.")
@click.option("--cv-warn", type=click.FloatRange(min=0), default=0.15, show_default=True,
              help="Flag 'warn' above this CV.")
@click.option("--cv-suppress", type=click.FloatRange(min=0), default=0.30, show_default=True,
              help="Flag 'suppress' above this CV.")
@click.option("--weighting", "weighting_spec", type=click.Path(dir_okay=False),
              help="Weighting spec to run on DATA first (instead of a design): the estimates use its final weight "
                   "(or its replicate weights), and Taylor SEs credit its post-stratification, raking and "
                   "calibration as R survey does.")
@dataset_options
@click.option("-o", "--output", required=True, help="Output table, .csv or .xlsx.")
@handles_errors
def estimate_cmd(data: str, design_spec: str | None, means: tuple[str, ...], props: tuple[str, ...],
                 totals: tuple[str, ...], ratios: tuple[str, ...], quantiles: tuple[str, ...], by: str | None,
                 ci: str, level: float, deff_ref: str, min_n: int | None, cv_warn: float, cv_suppress: float,
                 output: str, weighting_spec: str | None, categories: str | None, questionnaire: str | None,
                 missing_codes: str | None, quantile_interval: str, **design_opts: Any) -> None:
    """Estimate means, proportions, totals, ratios and quantiles with SE, CI, df, deff, CV, n and flags.

    Missing values: codes the questionnaire (-q) declares missing (don't know, refusal, no answer, not applicable),
    SPSS user-missing values and Stata extended missing values of a .sav/.dta, and codes given with --missing never
    enter an estimate. Results show each category and domain with its code and its label (level_label,
    domain_label).
    """
    if not (means or props or totals or ratios or quantiles):
        raise click.UsageError("give at least one of --mean, --prop, --total, --ratio, --quantile")
    if categories and not props:
        raise click.UsageError("--category goes with --prop")
    calibration: list[Any] = []
    analysed = [*means, *props, *totals, *(x for r in ratios for x in _ratio(r)),
                *(var for var, _p in map(_quantile, quantiles)), *(_split_by(by) or [])]
    if weighting_spec:
        given = [k for k, v in design_opts.items() if k in DESIGN_OPTIONS and v is not None]
        if design_spec or given:
            raise click.UsageError("--weighting brings its own design; do not also give --design or design options")
        from ..weighting import load_weighting_spec, run_weighting

        ds = open_dataset(data, questionnaire, missing_codes)  # the spec may use any column
        result = run_weighting(ds, load_weighting_spec(weighting_spec))
        ds, calibration = result.data, result.calibration
        design = result.design  # its mse is the spec's `design: mse:`; --mse/--no-mse overrides it
        if design_opts.get("mse") is not None:
            design = design.model_copy(update={"mse": design_opts["mse"]})
    else:
        design = design_from_options(design_spec, design_opts)
        ds = open_dataset(data, questionnaire, missing_codes, keep=used_columns([design], analysed))
    res = estimate(ds, design, calibration=calibration, mean=list(means), prop=list(props), total=list(totals),
                   ratio=[_ratio(r) for r in ratios], quantile=[_quantile(q) for q in quantiles],
                   by=_split_by(by), ci=ci, conf_level=level, deff=deff_ref,  # type: ignore[arg-type]
                   flags=FlagRules(min_n=min_n, cv_warn=cv_warn, cv_suppress=cv_suppress),
                   category=_codes(categories) if categories else None,
                   quantile_interval=quantile_interval)  # type: ignore[arg-type]
    _notes(res)
    _write(res, output, [data] + [p for p in (design_spec, weighting_spec) if p])
    click.echo(f"wrote {len(res)} estimates to {output}", err=True)


@cli.command("change")
@click.argument("baseline", type=click.Path(dir_okay=False))
@click.argument("endline", type=click.Path(dir_okay=False))
@design_options
@click.option("--end-design", type=click.Path(dir_okay=False),
              help="YAML design of the endline if it differs from the baseline's (independent waves).")
@click.option("--end-weight", help="Weight column of the endline, if named differently.")
@click.option("--prop", "props", multiple=True, help="Compare the share of --category of this variable.")
@click.option("--mean", "means", multiple=True, help="Compare the mean of this variable.")
@click.option("--category", default="1", show_default=True, metavar="CODES",
              help="The category whose share is compared, or several together, e.g. 1,2 (very good or good).")
@click.option("--by", help="Comma-separated domain variables.")
@click.option("--panel-id", help="Column identifying the same respondent (or unit) in both waves: a panel.")
@click.option("--level", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.95,
              show_default=True, help="Confidence level.")
@dataset_options
@click.option("-o", "--output", required=True, help="Output table, .csv or .xlsx.")
@handles_errors
def change_cmd(baseline: str, endline: str, design_spec: str | None, end_design: str | None,
               end_weight: str | None, props: tuple[str, ...], means: tuple[str, ...], category: str,
               by: str | None, panel_id: str | None, level: float, output: str, questionnaire: str | None,
               missing_codes: str | None, **design_opts: Any) -> None:
    """Baseline -> endline difference (points) and % change with delta-method SEs, CIs and p-values.

    Missing codes (from -q, the .sav/.dta metadata or --missing) never enter either wave's estimate.
    """
    if not (props or means):
        raise click.UsageError("give at least one --prop or --mean")
    base_design = design_from_options(design_spec, design_opts)
    end = load_design(end_design) if end_design else base_design
    if end_weight:
        end = end.model_copy(update={"weight": end_weight})
    keep = used_columns([base_design, end], [*props, *means, *(_split_by(by) or []), *([panel_id] if panel_id else [])])
    b = open_dataset(baseline, questionnaire, missing_codes, keep=keep)
    e = open_dataset(endline, questionnaire, missing_codes, keep=keep)
    res = change(b, base_design, e, end, prop=list(props), mean=list(means), category=_codes(category),
                 by=_split_by(by), panel_id=panel_id, conf_level=level)
    _notes(res)
    _write(res, output, [baseline, endline] + [x for x in (design_spec, end_design) if x])
    click.echo(f"wrote {len(res)} comparisons to {output}", err=True)
