"""``surveymod weight``: run a weighting spec on a data file and write the weighted data and a report.

The data is read the one way every command reads it (with the questionnaire's or the file's own labels and missing
codes). A .sav/.dta output is fully labelled (from the questionnaire, or the input's own labels and missing
values), carries the final and replicate weights with variable labels, and is written with the lines that declare
its design in R, Stata and SPSS (``<stem>_design.R/.do/.sps``). Stata allows only letters, digits and '_' in
names, so a .dta output renames other columns.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..atomic import refuse_overwriting_inputs
from ..weighting import load_weighting_spec, run_weighting
from ..weighting.output import report_paths, stream_folder, write_report, write_weighted
from .common import dataset_options, echo_problems, handles_errors, open_dataset, progress_lines
from .main import cli


@cli.command("weight")
@click.argument("data", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--spec", "spec_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Weighting spec (YAML): design and ordered steps; see docs/weighting.md.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Output data file (.csv/.xlsx/.sav/.dta/.parquet): every input row and column plus the "
                   "final weight and any replicate weights. A .sav/.dta output keeps the input's variable and "
                   "value labels; .dta renames names Stata refuses (sch.wide -> sch_wide). Must not be DATA.")
@click.option("--report", "report_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Directory for the diagnostics report (<OUTPUT stem>_weighting_report.html and .json); "
                   "default: next to the output.")
@dataset_options
@handles_errors
def weight_cmd(data: Path, spec_path: Path, output: Path, report_dir: Path | None, questionnaire: str | None,
               missing_codes: str | None) -> None:
    """Weight DATA as SPEC says: nonresponse, post-stratification, raking, calibration, trimming, replicates.

    Non-convergence or a margin not met is an error (exit 1) and nothing is written. Missing codes of the
    weighting variables (from -q, the .sav/.dta metadata or --missing) count as missing; the data keep them.
    A .sav/.dta output comes with <stem>_design.R, .do and .sps declaring its design from the exported weights.
    A .csv/.parquet output is written a block of rows at a time, its replicate weights made a few columns at a time
    (through a temporary file in its folder when large), so ten million rows need a few GB of memory.
    """
    refuse_overwriting_inputs(output, [data, spec_path])
    loaded = load_weighting_spec(spec_path)
    ds = open_dataset(str(data), questionnaire, missing_codes)
    say = progress_lines(len(ds.main))
    # records=False: a weights file cannot carry the calibration records, so they are not kept
    result = run_weighting(ds, loaded, progress=say, stream_to=stream_folder(output), records=False)
    for target in report_paths(report_dir or output.parent, output.stem):  # refused before anything is written
        refuse_overwriting_inputs(target, [data, spec_path])
    written = write_weighted(result, output, spec_name=spec_path.name, inputs=[data, spec_path], progress=say)
    echo_problems([w for w in written.warnings if w.rule != "unknown-column"])
    html_path, _ = write_report(result, report_dir or output.parent, output.stem, inputs=[data, spec_path])
    warnings = [p for p in result.diagnostics.problems if p.severity != "error"]
    if warnings:
        echo_problems(warnings)
    f = result.diagnostics.final
    click.echo(f"wrote {output} ({len(result.data.main)} rows); weights min {f.min:.4g} max {f.max:.4g} "
               f"Kish deff {f.kish_deff:.3f} effective n {f.effective_n:.1f}; report {html_path}")

