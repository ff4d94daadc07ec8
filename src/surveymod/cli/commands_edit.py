"""``surveymod edit``: declared edits and imputations applied to checked data, with flags and an edit log."""

from __future__ import annotations

import click

from .common import echo_problems, handles_errors
from .main import cli


@cli.command("edit")
@click.argument("data", type=click.Path(exists=True))
@click.option("-q", "--questionnaire", required=True, type=click.Path(exists=True, dir_okay=False),
              help="Questionnaire YAML the data was collected with.")
@click.option("--rules", "rules", required=True, type=click.Path(exists=True, dir_okay=False),
              help="Edit-rules YAML: seed, edits (when/set) and imputations (hot-deck within classes).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Edited top-level CSV; rosters, flags and the edit log are written next to it.")
@click.option("--encoding", help="Text encoding of CSV input (default: detect UTF-8 / Windows-1251).")
@handles_errors
def edit_cmd(data: str, questionnaire: str, rules: str, output: str, encoding: str | None) -> None:
    """Apply the edits and imputations of RULES to DATA: flags per changed cell and an edit log.

    Deterministic edits first (where a condition holds, set a variable), then random hot-deck imputation of item
    nonresponse within imputation classes (seeded), then derived variables whose inputs changed are recomputed.
    Every changed cell is flagged (<stem>_<level>.flags.csv: 1 edited, 2 imputed, 3 derived) and logged
    (<stem>.editlog.csv: row, household, variable, old, new, rule). The input is never overwritten.
    """
    from ..data.edit import edit

    res, files = edit(data, questionnaire, rules, output, encoding=encoding)
    echo_problems(res.notes, limit=None)
    for f in files:
        click.echo(f"wrote {f}")
    by_rule = res.log.groupby(["rule", "variable"], sort=False).size() if len(res.log) else {}
    for (rule, var), k in dict(by_rule).items():
        click.echo(f"  {rule:<28} {var:<12} {k} cell(s) changed")
    click.echo(f"{len(res.log)} cell(s) changed in total")
