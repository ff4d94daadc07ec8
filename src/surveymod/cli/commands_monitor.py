"""``surveymod monitor``: the daily fieldwork monitoring report (progress, AAPOR rates, interviewer quality,
selection, duplicates and gaps, back-checks)."""

from __future__ import annotations

import click

from .common import handles_errors, open_dataset, progress_lines
from .main import cli


@cli.command("monitor")
@click.argument("data", type=click.Path(exists=True))
@click.option("-q", "--questionnaire", required=True, type=click.Path(dir_okay=False, exists=True),
              help="Questionnaire (YAML or XLSForm) of the data: routing, missing codes, grids, dispositions.")
@click.option("--sample", "sample_path", type=click.Path(dir_okay=False, exists=True),
              help="Sample CSV: one row per PSU with a target column (or one row per issued unit); region and "
                   "interviewer columns give targets by region and interviewer.")
@click.option("--backcheck", "bc_path", type=click.Path(dir_okay=False, exists=True),
              help="Back-check re-interviews (CSV/XLSX/...), compared with the originals on the items the "
                   "thresholds file lists under backcheck.")
@click.option("--thresholds", "thresholds_path", type=click.Path(dir_okay=False, exists=True),
              help="YAML with flag thresholds, column names, disposition codes, grids and back-check items "
                   "(see docs/fieldwork.md).")
@click.option("--title", default="Fieldwork monitoring", show_default=True, help="Title of the report.")
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for monitor.html and tables/*.csv.")
@handles_errors
def monitor_cmd(data: str, questionnaire: str, sample_path: str | None, bc_path: str | None,
                thresholds_path: str | None, title: str, out_dir: str) -> None:
    """Fieldwork monitoring report of DATA: progress, AAPOR rates, interviewer quality, selection, back-checks."""
    from ..data.reader import read
    from ..fieldwork import load_config, run_monitor
    from ..fieldwork.report import write_report

    cfg = load_config(thresholds_path)
    ds = open_dataset(data, questionnaire)
    inputs = [p for p in (data, questionnaire, sample_path, bc_path, thresholds_path) if p]
    sample = read(sample_path).main if sample_path else None
    bc = read(bc_path).main if bc_path else None
    say = progress_lines(len(ds.main), at_least=50_000)
    m = run_monitor(ds, cfg, sample=sample, sample_path=sample_path or "", backchecks=bc,
                    backcheck_path=bc_path or "", data_path=data, echo=say)
    written = write_report(m, out_dir, title=title, data=data, inputs=inputs)
    click.echo(f"wrote {written['monitor.html']} and {len(written) - 1} table(s) in {out_dir}/tables")
    if len(m.flags):
        click.echo(f"{len(m.flags)} flag(s): " + "; ".join(
            f"{r.interviewer}: {r.check}" for r in m.flags.head(8).itertuples()) + (" …" if len(m.flags) > 8 else ""))
