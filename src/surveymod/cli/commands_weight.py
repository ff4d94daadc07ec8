"""``surveymod weight``: run a weighting spec on a data file and write the weighted data and a report.

The data is read the one way every command reads it (with the questionnaire's or the file's own labels and missing
codes). A .sav/.dta output is fully labelled (from the questionnaire, or the input's own labels and missing
values), carries the final and replicate weights with variable labels, and is written with the lines that declare
its design in R, Stata and SPSS (``<stem>_design.R/.do/.sps``). Stata allows only letters, digits and '_' in
names, so a .dta output renames other columns.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pandas as pd

from ..atomic import refuse_overwriting_inputs, write_text
from ..data.meta import Metadata
from ..errors import SurveyError
from ..survey import weight_labels
from ..tabular import STREAMED, DataLabels, write_data
from ..weighting import load_spec, run_weighting
from ..weighting.declare import STATA_NAME, declarations, renamed_design
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
    loaded = load_spec(spec_path)
    ds = open_dataset(str(data), questionnaire, missing_codes)
    frame = ds.main
    say = progress_lines(len(frame))
    ext = output.suffix.lower()
    stream = ext in STREAMED  # replicate weights written a block of rows at a time, never held whole
    result = run_weighting(ds, loaded, progress=say, stream_to=output.parent if stream else None)
    report_dir = report_dir or output.parent
    stem = output.stem
    html_path = report_dir / f"{stem}_weighting_report.html"
    json_path = report_dir / f"{stem}_weighting_report.json"
    refuse_overwriting_inputs(html_path, [data, spec_path])
    refuse_overwriting_inputs(json_path, [data, spec_path])
    rep = result.replicate_weights
    out_data = result.data.main  # with the replicate columns, unless they are streamed (then they come from rep)
    added = [c for c in out_data.columns if c not in frame.columns] + (rep.names if rep is not None and stream else [])
    added_labels = weight_labels(added, result.diagnostics.output, spec_path.name)
    if ds.questionnaire is not None and ext in (".sav", ".dta"):
        from ..data.exporter import export

        exported = export(result.data, to=ext[1:], out=output, added=added_labels, syntax=False, progress=say)
        echo_problems([w for w in exported.warnings if w.rule != "unknown-column"])
        renamed = exported.renamed
    else:
        _refuse_losing_missing_values(ds.meta, Path(data).suffix.lower(), ext)
        labels = DataLabels.of(ds.meta, out_data, ext).with_added(added_labels, dict.fromkeys(added, "scale"))
        renamed = {}
        if ext == ".dta":
            out_data, labels, renamed = _for_stata(out_data, labels)
            if renamed:
                click.echo("note: renamed for Stata (original name kept as the variable label when it had none): "
                           + ", ".join(f"{a} -> {b}" for a, b in renamed.items()), err=True)
        if say is not None:
            width = len(out_data.columns) + (len(rep.names) if rep is not None and stream else 0)
            say(f"writing {output.name} ({len(out_data):,} rows, {width} columns)")
        notes: list = []
        write_data(out_data, output, labels, more=rep if stream else None, notes=notes)
        echo_problems(notes)
    if ext in (".sav", ".dta") and result.design is not None:
        design = renamed_design(result.design, renamed)  # the names the file was written with
        columns = [renamed.get(str(c), str(c)) for c in out_data.columns]
        for suffix, text in declarations(design, output.name, columns).items():
            target = output.with_name(f"{output.stem}_design.{suffix}")
            refuse_overwriting_inputs(target, [data, spec_path])
            write_text(target, text)
    write_text(json_path, result.diagnostics.to_json())
    write_text(html_path, result.diagnostics.to_html())
    warnings = [p for p in result.diagnostics.problems if p.severity != "error"]
    if warnings:
        echo_problems(warnings)
    f = result.diagnostics.final
    click.echo(f"wrote {output} ({len(out_data)} rows); weights min {f.min:.4g} max {f.max:.4g} "
               f"Kish deff {f.kish_deff:.3f} effective n {f.effective_n:.1f}; report {html_path}")


def _refuse_losing_missing_values(meta: Metadata, ext_in: str, ext_out: str) -> None:
    """A .dta's extended missing values cannot be written to a .sav, nor a .sav's user-missing values to a .dta,
    without knowing what each one means: refuse, naming the variables, instead of writing them changed."""
    if {ext_in, ext_out} != {".sav", ".dta"}:
        return
    if ext_in == ".dta":
        names = [n for n, i in meta.variables.items() if i.stata_letters]
        what = "Stata extended missing values (.a-.z), which SPSS cannot hold"
    else:
        names = [n for n, i in meta.variables.items() if i.missing or i.missing_ranges or i.missing_text]
        what = "SPSS user-missing values, which would become ordinary numbers in Stata"
    if names:
        shown = ", ".join(names[:8]) + (" ..." if len(names) > 8 else "")
        raise SurveyError(f"the input has {what} in {len(names)} variable(s) ({shown}); write a {ext_in} output, or "
                          f"give the questionnaire with -q so that every missing code is declared in {ext_out}",
                          rule="weight-output-format")


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


_STATA_NAME = STATA_NAME


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
