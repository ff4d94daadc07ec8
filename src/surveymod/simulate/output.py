"""Write simulated data (one file per level, labelled through ``surveymod.data.write``) and its truth JSON.

The only place the simulator touches files: everything is written atomically and an input is never overwritten.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..atomic import inside, output_folder, refuse_overwriting_inputs, write_text
from ..data.reader import Dataset
from ..data.writer import write
from ..errors import Location, Problem, SurveyError
from ..questionnaire.model import Questionnaire
from .run import Simulated, simulate


def truth_path(out: Path) -> Path:
    """The truth file next to the data: ``OUT.csv`` → ``OUT.truth.json``."""
    return out.with_name(f"{out.stem}.truth.json")


def is_folder(out: str | Path) -> bool:
    """OUT names a folder: an existing directory, a path ending in a separator, or a name without an extension."""
    text = str(out)
    p = Path(out)
    return p.is_dir() or text.endswith(("/", os.sep)) or (not p.suffix and not p.exists())


def output_file(qn: Questionnaire, out: str | Path, fmt: str | None = None) -> Path:
    """The top-level data file for OUT: OUT itself, or ``OUT/<questionnaire id>.<fmt>`` (csv by default) when OUT
    is a folder; a *fmt* that contradicts OUT's extension is an error rather than a silent choice."""
    p = Path(out)
    if is_folder(p):
        return inside(p, f"{qn.id}.{(fmt or 'csv').lower()}")
    if fmt and p.suffix.lower() != f".{fmt.lower()}":
        raise SurveyError(f"--format {fmt} does not match the extension of {p} (give a folder, or a file ending in "
                          f".{fmt.lower()})", location=Location(file=str(p)), rule="format")
    return p


def write_simulated(sim: Simulated, qn: Questionnaire, out: str | Path,
                    inputs: list[str | Path] | None = None, fmt: str | None = None) -> tuple[list[Path], list[Problem]]:
    """Write every level and the truth JSON. OUT is a file (format from its suffix: csv, sav, dta, xlsx, parquet;
    rosters beside it as OUT_<level>) or a folder, which receives ``<id>.<fmt>``, ``<id>_<level>.<fmt>`` per roster
    and ``<id>.truth.json`` (csv unless *fmt* says otherwise)."""
    out = output_file(qn, out, fmt)
    ins = [*(inputs or []), *([qn.file] if qn.file else [])]
    refuse_overwriting_inputs(truth_path(out), ins)
    design_cols = set()
    if "design" in sim.truth:
        design_cols = {c for c in sim.main.columns if c not in {q.name for q in qn.questions()}}
    result = write(Dataset(frames=sim.frames, questionnaire=qn, inputs=[Path(p) for p in ins]), None, out)
    warnings = [w for w in result.warnings
                if not (w.rule == "unknown-column" and w.location.variable in design_cols)]
    text = json.dumps(sim.truth, indent=2, ensure_ascii=False) + "\n"
    return [*result.files, write_text(truth_path(out), text)], warnings


@dataclass
class SimulatedFiles:
    """What :func:`simulate_files` made: the questionnaire, the simulated data, the files written and the writer's
    warnings."""

    questionnaire: Questionnaire
    simulated: Simulated
    files: list[Path]
    warnings: list[Problem]


def simulate_files(questionnaire: str | Path, n: int, seed: int, out: str | Path, *, design: str | Path | None = None,
                   effects: str | Path | None = None, wave: str | None = None, fmt: str | None = None,
                   force: bool = False) -> SimulatedFiles:
    """Simulate *n* respondents of the questionnaire file (it must validate) under the sample design and scenario
    files, and write them to OUT as :func:`write_simulated` does; a folder OUT holding files surveymod did not
    write there is refused unless *force*."""
    from ..questionnaire import load_valid
    from .design import load_sample_design
    from .effects import load_effects

    if is_folder(out):
        output_folder(str(out), force)
    qn = load_valid(questionnaire)
    sim = simulate(qn, n, seed, design=load_sample_design(design) if design else None,
                   effects=load_effects(effects) if effects else None, wave=wave)
    files, warnings = write_simulated(sim, qn, out, [p for p in (design, effects) if p], fmt)
    return SimulatedFiles(qn, sim, files, warnings)
