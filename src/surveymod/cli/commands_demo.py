"""``surveymod demo``: the end-to-end main job on the shipped instruments."""

from __future__ import annotations

import click

from .common import handles_errors
from .main import cli


@cli.command("demo")
@click.option("-o", "--output", "out_dir", default="demo_out", show_default=True, type=click.Path(file_okay=False),
              help="Folder for the simulated data, specs, exports, results framework and report.")
@click.option("-n", "--respondents", default=1500, show_default=True, type=click.IntRange(min=200),
              help="Respondents per survey wave.")
@click.option("--trainees", default=60, show_default=True, type=click.IntRange(min=5), help="Trainees tested.")
@click.option("--seed", default=2026, show_default=True, type=int, help="Random seed (same seed, same results).")
@click.option("--replicates", default=100, show_default=True, type=click.IntRange(min=10),
              help="Bootstrap replicate weights for the variance.")
@handles_errors
def demo_cmd(out_dir: str, respondents: int, trainees: int, seed: int, replicates: int) -> None:
    """Run the programme example end to end on simulated data, from weights to report.

    Simulates baseline/endline perception surveys and a training test, weights them to the Census 2021 margins,
    computes the Outcome 3 indicators and their change, fills the results framework, exports .sav/.dta, and
    writes the report."""
    from ..indicators.demo import run_demo

    res = run_demo(out_dir, n=respondents, trainees=trainees, seed=seed, replicates=replicates,
                   echo=lambda s: click.echo(s, err=True))
    p = res["paths"]
    oc = res["rows"][0]
    click.echo("")
    if oc.change is not None:
        click.echo(f"{oc.id} {oc.text}:")
        click.echo(f"  baseline {oc.cells['baseline'].text()}, endline {oc.cells['year2'].text()}; "
                   f"{oc.change.text()}")
        click.echo(f"  simulated truth: +{res['truth']['endline']['effects'][0].get('change', 8)} points")
    click.echo("")
    click.echo(f"report:              {p['report.html']}")
    click.echo(f"results framework:   {p['framework.xlsx']}, {p['framework.md']}, {p['framework.html']}")
    click.echo(f"charts:              {p['report.html'].parent / 'charts'}")
    click.echo(f"labelled data:       {', '.join(str(f) for f in res['exports'])}")
    click.echo(f"simulated data:      {p['baseline.csv'].parent} (truth.json holds the known effects)")
    click.echo(f"specs:               {p['weighting.yaml']}, {p['programme.yaml']}")
    click.echo(f"rerun the indicators: surveymod indicators --spec {p['programme.yaml']} -o {out_dir}/again")
