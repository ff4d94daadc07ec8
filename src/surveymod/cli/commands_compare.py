"""`surveymod test` (domain contrasts, t test, Rao-Scott chi-squared) and `surveymod model` (svyglm): analyses
within one survey, to CSV/XLSX."""

from __future__ import annotations

from typing import Any

import click

from ..design.load import used_columns
from ..estimation.compare import chisq, contrasts, ttest
from ..estimation.glm import parse_formula, svyglm
from .analysis import codes, design_from_options, design_options, split_by, write_result
from .common import dataset_options, handles_errors, open_dataset
from .main import cli


def _pair(text: str) -> tuple[str, str]:
    a, sep, b = text.partition(":")
    if not sep or not a or not b:
        raise click.BadParameter(f"'{text}' is not DOMAIN_A:DOMAIN_B (e.g. 'sex=1:sex=2')", param_hint="--pair")
    return a, b


@cli.command("test")
@click.argument("data", type=click.Path(dir_okay=False))
@design_options
@click.option("--contrast", "contrast_var", metavar="VAR",
              help="Differences between the --by domains of the mean of VAR (of its --category share), with SE from "
                   "the domains' covariance, t, df, p and CI (R svycontrast of svyby covmat=TRUE).")
@click.option("--by", help="With --contrast: comma-separated domain variables.")
@click.option("--category", metavar="CODES", help="With --contrast: compare the share of these categories.")
@click.option("--pair", "pairs", multiple=True, metavar="A:B",
              help="With --contrast: only this pair of domains, e.g. 'sex=1:sex=2' (repeatable; default all pairs).")
@click.option("--ttest", "ttest_var", metavar="VAR", help="Design-based t test of VAR between the two --group values "
                                                          "(R svyttest).")
@click.option("--group", help="With --ttest: the variable with two values.")
@click.option("--chisq", "chisq_vars", metavar="ROW,COL", help="Rao-Scott test of independence of two categorical "
                                                               "variables (R svychisq).")
@click.option("--statistic", type=click.Choice(["F", "Chisq"]), default="F", show_default=True,
              help="With --chisq: second-order Rao-Scott F (R's default) or the first-order corrected chi-squared.")
@click.option("--level", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.95,
              show_default=True, help="Confidence level.")
@dataset_options
@click.option("-o", "--output", required=True, help="Output table, .csv or .xlsx.")
@handles_errors
def test_cmd(data: str, design_spec: str | None, contrast_var: str | None, by: str | None, category: str | None,
             pairs: tuple[str, ...], ttest_var: str | None, group: str | None, chisq_vars: str | None,
             statistic: str, level: float, output: str, questionnaire: str | None, missing_codes: str | None,
             **design_opts: Any) -> None:
    """Compare within one survey: domain contrasts, a t test or a Rao-Scott chi-squared test, as R survey."""
    chosen = [x for x in (contrast_var, ttest_var, chisq_vars) if x]
    if len(chosen) != 1:
        raise click.UsageError("give exactly one of --contrast, --ttest, --chisq")
    design = design_from_options(design_spec, design_opts)
    if contrast_var:
        domains = split_by(by)
        if not domains:
            raise click.UsageError("--contrast needs --by")
        names = [contrast_var, *domains]
    elif ttest_var:
        if not group:
            raise click.UsageError("--ttest needs --group")
        names = [ttest_var, group]
    else:
        assert chisq_vars is not None
        names = [v.strip() for v in chisq_vars.split(",") if v.strip()]
        if len(names) != 2:
            raise click.BadParameter(f"'{chisq_vars}' is not ROW,COL", param_hint="--chisq")
    ds = open_dataset(data, questionnaire, missing_codes, keep=used_columns([design], names))
    if contrast_var:
        res = contrasts(ds, design, contrast_var, names[1:], category=codes(category) if category else None,
                        pairs=[_pair(p) for p in pairs] or None, conf_level=level)
    elif ttest_var:
        res = ttest(ds, design, ttest_var, names[1], conf_level=level)
    else:
        res = chisq(ds, design, names[0], names[1], statistic=statistic)  # type: ignore[arg-type]
    write_result(res, output, [data] + ([design_spec] if design_spec else []))
    click.echo(f"wrote {len(res)} row(s) to {output}", err=True)


@cli.command("model")
@click.argument("data", type=click.Path(dir_okay=False))
@design_options
@click.option("--formula", required=True, help="The model, 'y ~ x1 + x2' (names joined by +; text and nominal "
                                               "variables enter as dummies of their 2nd, 3rd, ... level).")
@click.option("--family", type=click.Choice(["gaussian", "binomial"]), default="gaussian", show_default=True,
              help="Linear (gaussian) or logistic (binomial: a 0/1 response; R family=quasibinomial).")
@click.option("--level", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.95,
              show_default=True, help="Confidence level.")
@dataset_options
@click.option("-o", "--output", required=True, help="Output table, .csv or .xlsx.")
@handles_errors
def model_cmd(data: str, design_spec: str | None, formula: str, family: str, level: float, output: str,
              questionnaire: str | None, missing_codes: str | None, **design_opts: Any) -> None:
    """Linear or logistic regression with design-based standard errors, as R svyglm."""
    design = design_from_options(design_spec, design_opts)
    y, xs = parse_formula(formula)
    ds = open_dataset(data, questionnaire, missing_codes, keep=used_columns([design], [y, *xs]))
    res = svyglm(ds, design, y, xs, family=family, conf_level=level)  # type: ignore[arg-type]
    write_result(res, output, [data] + ([design_spec] if design_spec else []))
    click.echo(f"wrote {len(res)} coefficients ({res.attrs['n']} rows with every model variable) to {output}",
               err=True)
