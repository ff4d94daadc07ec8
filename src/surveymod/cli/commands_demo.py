"""``surveymod demo``: the programme's whole results framework on simulated data from the shipped instruments."""

from __future__ import annotations

import click

from .common import force_option, handles_errors
from .main import cli


@cli.command("demo")
@click.option("-o", "--output", "out_dir", default="demo_out", show_default=True, type=click.Path(file_okay=False),
              help="Folder for the simulated data, specs, exports, results framework and report.")
@click.option("-n", "--respondents", default=1500, show_default=True, type=click.IntRange(min=200),
              help="Respondents per general-public survey wave.")
@click.option("--policymakers", default=500, show_default=True, type=click.IntRange(min=50),
              help="Respondents per policy and opinion makers' survey wave.")
@click.option("--trainees", default=None, type=click.IntRange(min=5),
              help="Trainees per training (default: each training's own size, 24-36).")
@click.option("--seed", default=2026, show_default=True, type=click.IntRange(min=0),
              help="Random seed, 0 or more (same seed, same results).")
@click.option("--replicates", default=100, show_default=True, type=click.IntRange(min=10),
              help="Bootstrap replicate weights for the variance.")
@force_option
@handles_errors
def demo_cmd(out_dir: str, respondents: int, policymakers: int, trainees: int | None, seed: int,
             replicates: int, force: bool) -> None:
    """Run the programme example end to end on simulated data, from weights to report.

    Runs the programme's whole results framework (examples/programme): simulates the general-public and the policy
    and opinion makers' surveys (baseline and endline) and the training tests, weights the public survey to the
    Census 2021 margins and the policy and opinion makers' list samples to the list totals, computes every indicator
    (with the monitoring register), exports .sav/.dta, and writes the report; the Year 1 and Year 2 reports
    (reports/year1, reports/year2) are made first, before the endline data exist."""
    from ..atomic import output_folder
    from ..demo import run_demo

    output_folder(out_dir, force)

    res = run_demo(out_dir, n=respondents, n_pm=policymakers, trainees=trainees, seed=seed, replicates=replicates,
                   echo=lambda s: click.echo(s, err=True))
    p = res["paths"]
    row = next(r for r in res["rows"] if r.id == "3a")
    click.echo("")
    if row.change is not None:
        t = res["truth"]["3a"]
        click.echo(f"{row.id} {row.text}:")
        click.echo(f"  {row.change.increase_text()}")
        click.echo(f"  simulated truth: {t['relative_change_pct']:+.1f}% ({t['baseline']:.1f}% → "
                   f"{t['endline']:.1f}% positive)")
    click.echo("")
    click.echo(f"report:              {p['report.html']}")
    click.echo(f"results framework:   {p['framework.docx']}, {p['framework.xlsx']}, {p['framework.md']}, "
               f"{p['framework.html']}")
    for period, files in res["reports"].items():
        click.echo(f"{period} report:        {files['framework.docx']} (made before the endline data existed)")
    click.echo(f"charts:              {p['report.html'].parent / 'charts'}")
    click.echo(f"monitoring report:   {p['monitoring/monitor.html']} (three bad interviewers planted)")
    click.echo(f"labelled data:       {len(res['exports'])} files in {p['report.html'].parent / 'export'}")
    click.echo(f"simulated data:      {p['public_baseline.csv'].parent} (truth.json holds the known effects)")
    click.echo(f"specs:               {p['programme.yaml']}, {p['weighting.yaml']}, {p['monitoring_register.csv']}")
    click.echo(f"rerun the indicators: surveymod indicators --spec {p['programme.yaml']} -o {out_dir}/again")
