"""``surveymod weight``: run a weighting spec on a data file and write the weighted data and a report.

Variable and value labels of a .sav/.dta input are carried to a .sav/.dta output; the added weight columns get
variable labels too. Stata allows only letters, digits and '_' in names, so a .dta output renames other columns.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pandas as pd

from ..atomic import refuse_overwriting_inputs, write_text
from ..tabular import DataLabels, read_data, read_labels, write_data
from ..weighting import load_spec, run_weighting
from .common import echo_problems, handles_errors
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
    added = [c for c in result.data.columns if c not in frame.columns]
    labels = read_labels(data).with_added(_weight_labels(added, result.diagnostics.output, spec_path.name),
                                          dict.fromkeys(added, "scale"))
    out_data = result.data
    if output.suffix.lower() == ".dta":
        out_data, labels, renamed = _for_stata(out_data, labels)
        if renamed:
            click.echo("note: renamed for Stata (original name kept as the variable label when it had none): "
                       + ", ".join(f"{a} -> {b}" for a, b in renamed.items()), err=True)
    write_data(out_data, output, labels)
    write_text(json_path, result.diagnostics.to_json())
    write_text(html_path, result.diagnostics.to_html())
    warnings = [p for p in result.diagnostics.problems if p.severity != "error"]
    if warnings:
        echo_problems(warnings)
    f = result.diagnostics.final
    click.echo(f"wrote {output} ({len(result.data)} rows); weights min {f.min:.4g} max {f.max:.4g} "
               f"Kish deff {f.kish_deff:.3f} effective n {f.effective_n:.1f}; report {html_path}")


def _weight_labels(added: list[str], final: str, spec_name: str) -> dict[str, str]:
    """Variable labels for the columns the weighting added: the final weight and the replicate weights."""
    return {c: (f"Final weight (surveymod weight, {spec_name})" if c == final
                else f"Replicate weight {c} (surveymod weight, {spec_name})") for c in added}


def stata_names(columns: list[str]) -> dict[str, str]:
    """Map every column name Stata refuses to a legal, unique one (letters, digits, '_'; <= 32 chars)."""
    taken = {c for c in columns if _STATA_NAME.fullmatch(c)}
    out: dict[str, str] = {}
    for c in columns:
        if _STATA_NAME.fullmatch(c):
            continue
        base = re.sub(r"[^A-Za-z0-9_]", "_", c)
        base = base if base and not base[0].isdigit() else f"_{base}"
        base = base[:32]
        new, k = base, 1
        while new in taken:
            k += 1
            new = f"{base[:32 - len(str(k)) - 1]}_{k}"
        taken.add(new)
        out[c] = new
    return out


_STATA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,31}")


def _for_stata(df: pd.DataFrame, labels: DataLabels) -> tuple[pd.DataFrame, DataLabels, dict[str, str]]:
    """Rename columns Stata refuses; labels follow the new names and keep the old name as a variable label."""
    renamed = stata_names([str(c) for c in df.columns])
    if not renamed:
        return df, labels, {}
    variable = {renamed.get(k, k): v for k, v in labels.variable.items()}
    for old, new in renamed.items():
        variable.setdefault(new, old)
    values = {renamed.get(k, k): v for k, v in labels.values.items()}
    measure = {renamed.get(k, k): v for k, v in labels.measure.items()}
    return df.rename(columns=renamed), DataLabels(variable, values, measure), renamed
