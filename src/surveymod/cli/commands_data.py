"""``surveymod check`` and ``surveymod export``: field data checked against the questionnaire, exported labelled."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .common import EXIT_PROBLEM, echo_problems, handles_errors, printable, progress_lines
from .main import cli


@cli.command("check")
@click.argument("data", type=click.Path(exists=True))
@click.option("-q", "--questionnaire", required=True, type=click.Path(exists=True, dir_okay=False),
              help="Questionnaire YAML the data was collected with.")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the full report to a .csv, .xlsx or .html file.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "never"]), default="error", show_default=True,
              help="Exit with code 1 when there are problems at this level or above.")
@click.option("--encoding", help="Text encoding of CSV files (default: detect UTF-8 / Windows-1251).")
@click.option("--limit", type=click.IntRange(min=0), default=50, show_default=True, help="How many problems to print on screen.")
@handles_errors
def check_cmd(data: str, questionnaire: str, output: str | None, fail_on: str, encoding: str | None,
              limit: int) -> None:
    """Check DATA (CSV/XLSX/SAV/DTA/Parquet file, folder or zip) against QUESTIONNAIRE.

    Reports wrong types, codes not in the list, out-of-range values, constraint violations, routing violations,
    missing required answers, duplicate ids, orphan roster rows and unknown columns, with a summary by rule.
    """
    from ..atomic import refuse_overwriting_inputs
    from ..data import check

    if output:  # before the work; the files read (a roster's beside DATA too) are refused again as it is written
        refuse_overwriting_inputs(output, [data, questionnaire])
    report = check(data, questionnaire, encoding=encoding)
    echo_problems(report.as_problems(limit), limit=None)
    if len(report.problems) > limit:
        click.echo(f"... and {len(report.problems) - limit} more (use -o report.xlsx for all)", err=True)
    summary = report.summary()
    if not summary.empty:
        click.echo("Summary by rule and variable:")
        for r in summary.itertuples(index=False):
            click.echo(printable(f"  {r.rule:<26} {r.variable or '-':<20} {r.severity:<8} {r.count}"))
    rows = ", ".join(f"{k} {v}" for k, v in report.rows.items())
    click.echo(f"{data}: {report.n_errors} error(s), {report.n_warnings} warning(s) in {rows} rows")
    if output:
        report.to_file(output)
        click.echo(f"wrote {output}")
    if report.fails(fail_on):  # type: ignore[arg-type]
        sys.exit(EXIT_PROBLEM)


@cli.command("export")
@click.argument("data", type=click.Path(exists=True))
@click.option("-q", "--questionnaire", required=True, type=click.Path(exists=True, dir_okay=False),
              help="Questionnaire YAML giving labels, codes and missing values.")
@click.option("--to", "target", type=click.Choice(["sav", "dta", "csv", "xlsx", "parquet", "eulfs"]),
              help="Output format (default: from the suffix of OUT); eulfs = EU-LFS transmission CSV of the "
                   "migration variables (regulation codes, 9/99/999 not applicable, blank not stated).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Output file of the top level; rosters go to <stem>_<level>.<ext> next to it.")
@click.option("--lang", help="Label language (default: the questionnaire's default language).")
@click.option("--encoding", help="Text encoding of CSV input (default: detect UTF-8 / Windows-1251).")
@click.option("--no-syntax", is_flag=True, help="Do not write the .sps/.do syntax file next to the data.")
@click.option("--coeff", metavar="COLUMN", help="With --to eulfs: the weight column written as COEFFQ (quarterly "
                                                "weighting factor).")
@click.option("--coeffmod", metavar="COLUMN", help="With --to eulfs: the module weight column written as COEFFMOD "
                                                   "(default: --coeff, for persons aged 15-74).")
@handles_errors
def export_cmd(data: str, questionnaire: str, target: str | None, output: str, lang: str | None,
               encoding: str | None, no_syntax: bool, coeff: str | None, coeffmod: str | None) -> None:
    """Export DATA as labelled SPSS/Stata (or CSV/XLSX/Parquet) files, one per level, linked by their keys.

    Variable and value labels, user-missing / extended missing values, measurement levels, formats and
    select_multiple dummies come from QUESTIONNAIRE; nothing in DATA is dropped.
    """

    if target == "eulfs":
        from ..data.eulfs import export_eulfs

        res = export_eulfs(data, questionnaire, output, encoding=encoding, coeff=coeff, coeffmod=coeffmod)
        echo_problems(res.notes, limit=None)
        click.echo(f"wrote {res.path}")
        errors = res.report[res.report["severity"] == "error"]
        if errors.empty:
            click.echo(f"wrote {res.report_path}: the file passes the EU-LFS validation rules")
            return
        click.echo(f"wrote {res.report_path}: {len(errors)} failure(s) of the EU-LFS validation rules", err=True)
        for r in errors.groupby(["rule", "variable"], sort=False).size().reset_index(name="n").itertuples():
            click.echo(f"  {r.rule:<20} {r.variable:<12} {r.n}", err=True)
        sys.exit(EXIT_PROBLEM)
    if coeff or coeffmod:
        raise click.UsageError("--coeff and --coeffmod are for --to eulfs")
    from ..data.exporter import export

    rows = Path(data).stat().st_size // 50 if Path(data).is_file() else 0  # a survey row takes 50 bytes or more
    result = export(data, questionnaire, to=target, out=output, lang=lang, syntax=not no_syntax, encoding=encoding,
                    progress=progress_lines(rows))
    echo_problems([w for w in result.warnings if w.severity != "info"], limit=None)
    for f in result.files:
        click.echo(f"wrote {f}")
