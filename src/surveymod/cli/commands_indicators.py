"""``surveymod indicators``: compute a programme's indicators and write the results framework and report."""

from __future__ import annotations

import click

from .common import force_option, handles_errors
from .main import cli


@cli.command("indicators")
@click.option("--spec", "spec_path", required=True, type=click.Path(dir_okay=False),
              help="Programme spec YAML: waves (data, design or weighting spec, period), monitoring register and "
                   "indicators (e.g. examples/programme/programme.yaml).")
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for framework.xlsx/.md/.html, charts/, report.html and indicators.json.")
@force_option
@handles_errors
def indicators_cmd(spec_path: str, out_dir: str, force: bool) -> None:
    """Compute every indicator of SPEC (survey, training and monitoring) and write the results framework."""
    from ..atomic import output_folder
    from ..indicators.compute import compute
    from ..indicators.programme import load_programme
    from ..indicators.report import write_outputs

    output_folder(out_dir, force)
    lp = load_programme(spec_path)
    rows, waves = compute(lp)
    sources = [f"{name}: {w.wave.data} ({len(w.frame)} rows, period {w.wave.period})" for name, w in waves.items()]
    if lp.spec.register_path:
        sources.append(f"monitoring register: {lp.spec.register_path} "
                       f"({sum(len(v) for v in lp.records.values())} values)")
    written = write_outputs(rows, out_dir, title=lp.spec.title, sources=sources, years=lp.spec.years)
    for name in ("report.html", "framework.xlsx", "framework.md", "framework.html", "indicators.json"):
        click.echo(f"wrote {written[name]}")
    n_charts = sum(1 for k in written if k.startswith("charts/"))
    if n_charts:
        click.echo(f"wrote {n_charts} chart file(s) in {out_dir}/charts")
