"""`surveymod tables`: run a tabulation plan (e.g. the LFS migration tables) on survey data -> XLSX + HTML."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..atomic import refuse_overwriting_inputs
from ..tables import load_plan, plan_columns, run_plan, sheet_names, write_tables
from .common import dataset_options, handles_errors, open_dataset, printable
from .main import cli

if TYPE_CHECKING:
    from ..data import Dataset


@cli.command("tables")
@click.argument("data", type=click.Path(exists=True, path_type=Path))
@click.option("--plan", "plan_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Tabulation plan (YAML), e.g. questionnaires/tabulation/lfs_migration_tables.yaml.")
@click.option("-o", "--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Output workbook (.xlsx, one sheet per table); an .html file with the same name is written beside it.")
@dataset_options
@handles_errors
def tables_cmd(data: Path, plan_path: Path, out: Path, questionnaire: str | None, missing_codes: str | None) -> None:
    """Compute every table of a tabulation plan from DATA, with SE and reliability flag per cell.

    DATA is a data file or a folder; roster levels are the files named <stem>_<level>, as `surveymod simulate` and
    `export` write them. Tables are weighted with the plan's design weight (carried from the household file to the
    rosters through the plan's key) and each says so; a population total needs a weight."""
    if out.suffix.lower() != ".xlsx":
        raise click.UsageError("-o/--out must end in .xlsx")
    plan, pos = load_plan(plan_path)
    qn = questionnaire or ((plan_path.parent / plan.questionnaire) if plan.questionnaire else None)
    html = out.with_suffix(".html")

    def read_data() -> Dataset:
        """Only the columns the plan uses (without a questionnaire each level's file <stem>_<level> alone),
        whole numbers as float32 (the tables widen what they compute with); run_plan holds the only reference
        and lets go of what it has used."""
        ds = open_dataset(str(data), str(qn) if qn else None, missing_codes, keep=plan_columns(plan), rosters=True,
                          narrow=True)
        for target in (out, html):
            refuse_overwriting_inputs(target, [plan_path, *ds.inputs])
        return ds

    tables = run_plan(plan, read_data, file=str(plan_path), positions=pos)
    for tid, name in sheet_names(list(tables)).items():
        if name != tid:
            click.echo(printable(f"note: table {tid} is on the sheet '{name}' (Excel sheet names are unique, at most "
                                 "31 characters, without []:*?/\\)"), err=True)
    write_tables(tables, out, plan.title)
    cells = sum(len(t) for t in tables.values())
    weighting = sorted({str(t["weight"].iloc[0]) for t in tables.values() if len(t)})
    click.echo(f"{len(tables)} tables, {cells} cells, {' / '.join(weighting)} -> {out} and {html}")
