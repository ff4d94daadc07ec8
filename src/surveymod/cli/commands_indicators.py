"""``surveymod indicators``: compute a programme's indicators and write the results framework and report."""

from __future__ import annotations

import click

from .common import force_option, handles_errors
from .main import cli


def _as_of(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A period name or a year/date; whether it falls in the programme is checked against the spec later."""
    from ..indicators.asof import well_formed

    if value is not None and not well_formed(value):
        raise click.BadParameter(f"{value!r}: give year1, year2, year3, year4, a year (2021) or a date (2021-12-31)")
    return value


@cli.command("indicators")
@click.option("--spec", "spec_path", required=True, type=click.Path(dir_okay=False),
              help="Programme spec YAML: waves (data, design or weighting spec, period), monitoring register and "
                   "indicators (e.g. examples/programme/programme.yaml).")
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for framework.docx/.xlsx/.md/.html, charts/, report.html and indicators.json.")
@click.option("--as-of", "as_of", default=None, metavar="PERIOD|DATE", callback=_as_of,
              help="Report as of a reporting year: year1, year2, year3, year4, or a year/date (2021, 2021-12-31) "
                   "matched to the spec's years. Later waves are 'due', later year columns blank; default: the "
                   "last reporting year.")
@force_option
@handles_errors
def indicators_cmd(spec_path: str, out_dir: str, as_of: str | None, force: bool) -> None:
    """Compute every indicator of SPEC (survey, training and monitoring) and write the results framework."""
    from ..atomic import output_folder
    from ..indicators.report import write_indicator_report

    output_folder(out_dir, force)
    report = write_indicator_report(spec_path, out_dir, as_of)
    written = report.paths
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    for name in ("report.html", "framework.docx", "framework.xlsx", "framework.md", "framework.html",
                 "indicators.json"):
        click.echo(f"wrote {written[name]}")
    n_charts = sum(1 for k in written if k.startswith("charts/"))
    if n_charts:
        click.echo(f"wrote {n_charts} chart file(s) in {out_dir}/charts")
