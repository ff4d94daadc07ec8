"""A weighting result written to disk: the weighted data through the one writer, and its design declarations.

Which writer and which labels: a .sav/.dta of data read with its questionnaire is the labelled export (formats,
missing values and labels from the questionnaire); any other output is the weighted frame labelled from the input's
own metadata, its replicate weights streamed a block of rows at a time to .csv/.parquet. The final and replicate
weights get variable labels, and a .sav/.dta output comes with ``<stem>_design.R/.do/.sps`` declaring its design
under the names the file was written with.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..atomic import refuse_overwriting_inputs, write_text
from ..data.levels import TOP_LEVEL
from ..data.writer import STREAMED, write
from ..errors import SurveyError
from .declare import declarations, renamed_design

if TYPE_CHECKING:
    from ..data.exporter import ExportResult
    from ..data.meta import Metadata
    from .pipeline import WeightingResult


def stream_folder(path: str | Path) -> Path | None:
    """The folder replicate weights are made in while an output of *path*'s format is written a block of rows at
    a time (``run_weighting(stream_to=...)``); None when the format is written whole."""
    p = Path(path)
    return p.parent if p.suffix.lower() in STREAMED else None


def weight_labels(added: Sequence[str], final: str, spec_name: str) -> dict[str, str]:
    """Variable labels for the columns a weighting added: the final weight and the replicate weights."""
    return {c: (f"Final weight (surveymod weight, {spec_name})" if c == final
                else f"Replicate weight {c} (surveymod weight, {spec_name})") for c in added}


def write_weighted(result: WeightingResult, path: str | Path, *, spec_name: str, inputs: Sequence[str | Path] = (),
                   progress: Callable[[str], None] | None = None) -> ExportResult:
    """Write the weighted data of *result* to *path* (format from its suffix) and, for .sav/.dta, the design
    declarations next to it; the files written, the warnings and the columns renamed for SPSS/Stata.

    *result* must come from ``run_weighting(..., stream_to=stream_folder(path))``; *inputs* are never overwritten.
    """
    out = Path(path)
    ext = out.suffix.lower()
    source = result.data
    rep = result.replicate_weights
    weights = [result.diagnostics.output, *(rep.names if rep is not None else [])]
    labels = weight_labels(weights, result.diagnostics.output, spec_name)
    streamed = rep is not None and ext in STREAMED
    if source.questionnaire is not None and ext in (".sav", ".dta"):
        written = write(source, None, out, added=labels, progress=progress)
    else:
        _refuse_losing_missing_values(source.meta, Path(str(source.sources.get(TOP_LEVEL, ""))).suffix.lower(), ext)
        written = write(source.main, source.meta, out, added=labels, more=rep if streamed else None,
                        progress=progress)
    if ext in (".sav", ".dta") and result.design is not None:
        design = renamed_design(result.design, written.renamed)  # the names the file was written with
        columns = [written.renamed.get(str(c), str(c)) for c in source.main.columns]
        columns += [written.renamed.get(c, c) for c in (rep.names if streamed else [])]
        for suffix, text in declarations(design, out.name, columns).items():
            target = out.with_name(f"{out.stem}_design.{suffix}")
            refuse_overwriting_inputs(target, inputs)
            written.files.append(write_text(target, text))
    return written


def report_paths(folder: str | Path, stem: str) -> tuple[Path, Path]:
    """Where the diagnostics report of an output named *stem* goes in *folder*: its HTML and JSON files."""
    return Path(folder) / f"{stem}_weighting_report.html", Path(folder) / f"{stem}_weighting_report.json"


def write_report(result: WeightingResult, folder: str | Path, stem: str, *,
                 inputs: Sequence[str | Path] = ()) -> tuple[Path, Path]:
    """Write the diagnostics report of *result* (:func:`report_paths`), never over one of *inputs*; its paths."""
    html_path, json_path = report_paths(folder, stem)
    for target in (html_path, json_path):
        refuse_overwriting_inputs(target, inputs)
    write_text(json_path, result.diagnostics.to_json())
    write_text(html_path, result.diagnostics.to_html())
    return html_path, json_path


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
