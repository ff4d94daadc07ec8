"""`surveymod estimate` and `surveymod change`: design-based estimates and baseline->endline change to CSV/XLSX."""

from __future__ import annotations

from typing import Any

import click

from ..design.load import load_design, used_columns
from ..estimation import FlagRules
from ..estimation.estimate import analysed_variables
from ..survey import Survey, change, estimate, weight
from .analysis import (
    codes,
    design_from_options,
    design_options,
    given_design_options,
    notes,
    quantile,
    ratio,
    split_by,
    write_result,
)
from .common import dataset_options, handles_errors, open_dataset
from .main import cli


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
    stats: dict[str, Any] = {"mean": list(means), "prop": list(props), "total": list(totals),
                             "ratio": [ratio(r) for r in ratios], "quantile": [quantile(q) for q in quantiles],
                             "by": split_by(by)}
    if weighting_spec:
        if design_spec or given_design_options(design_opts):
            raise click.UsageError("--weighting brings its own design; do not also give --design or design options")
        # the spec may use any column; the weighted survey has its design and calibration
        survey = weight(Survey(open_dataset(data, questionnaire, missing_codes)), weighting_spec)
        if design_opts.get("mse") is not None:  # --mse/--no-mse overrides the spec's `design: mse:`
            survey = survey.with_design(mse=design_opts["mse"])
    else:
        design = design_from_options(design_spec, design_opts)
        keep = used_columns([design], analysed_variables(**stats))
        survey = Survey(open_dataset(data, questionnaire, missing_codes, keep=keep), design)
    res = estimate(survey, **stats, ci=ci, conf_level=level, deff=deff_ref,
                   flags=FlagRules(min_n=min_n, cv_warn=cv_warn, cv_suppress=cv_suppress),
                   category=codes(categories) if categories else None, quantile_interval=quantile_interval)
    notes(res)
    write_result(res, output, [data] + [p for p in (design_spec, weighting_spec) if p])
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
    keep = used_columns([base_design, end], [*props, *means, *(split_by(by) or []), *([panel_id] if panel_id else [])])
    b = open_dataset(baseline, questionnaire, missing_codes, keep=keep)
    e = open_dataset(endline, questionnaire, missing_codes, keep=keep)
    res = change(Survey(b, base_design), Survey(e, end), prop=list(props), mean=list(means), category=codes(category),
                 by=split_by(by), panel_id=panel_id, conf_level=level)
    notes(res)
    write_result(res, output, [baseline, endline] + [x for x in (design_spec, end_design) if x])
    click.echo(f"wrote {len(res)} comparisons to {output}", err=True)
