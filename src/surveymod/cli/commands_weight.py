"""``surveymod weight``: run a weighting spec on a data file and write the weighted data and a report."""

from __future__ import annotations

from pathlib import Path

import click

from ..atomic import refuse_overwriting_inputs, write_text
from ..tabular import read_data, write_data
from ..weighting import load_spec, run_weighting
from .common import echo_problems, handles_errors
from .main import cli


@cli.command("weight")
@click.argument("data", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--spec", "spec_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Weighting spec (YAML): design and ordered steps; see docs/weighting.md.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Output data file (.csv/.xlsx/.sav/.dta/.parquet): every input row and column plus the "
                   "final weight and any replicate weights.")
@click.option("--report", "report_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Directory for the diagnostics report (<OUTPUT stem>_weighting_report.html and .json); "
                   "default: next to the output.")
@handles_errors
def weight_cmd(data: Path, spec_path: Path, output: Path, report_dir: Path | None) -> None:
    """Weight DATA as SPEC says: nonresponse, post-stratification, raking, calibration, trimming, replicates.

    Non-convergence or a margin not met is an error (exit 1) and nothing is written.
    """
    refuse_overwriting_inputs(output, [data, spec_path])
    loaded = load_spec(spec_path)
    frame = read_data(data)
    result = run_weighting(frame, loaded)
    report_dir = report_dir or output.parent
    stem = output.stem
    html_path = report_dir / f"{stem}_weighting_report.html"
    json_path = report_dir / f"{stem}_weighting_report.json"
    refuse_overwriting_inputs(html_path, [data, spec_path])
    refuse_overwriting_inputs(json_path, [data, spec_path])
    write_data(result.data, output)
    write_text(json_path, result.diagnostics.to_json())
    write_text(html_path, result.diagnostics.to_html())
    warnings = [p for p in result.diagnostics.problems if p.severity != "error"]
    if warnings:
        echo_problems(warnings)
    f = result.diagnostics.final
    click.echo(f"wrote {output} ({len(result.data)} rows); weights min {f.min:.4g} max {f.max:.4g} "
               f"Kish deff {f.kish_deff:.3f} effective n {f.effective_n:.1f}; report {html_path}")
