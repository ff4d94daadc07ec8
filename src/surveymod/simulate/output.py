"""Write simulated data (one file per level, labelled through ``surveymod.data.export``) and its truth JSON.

The only place the simulator touches files: everything is written atomically and an input is never overwritten.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..atomic import refuse_overwriting_inputs, write_text
from ..data.export import export
from ..data.read import Dataset
from ..errors import Problem
from ..questionnaire.model import Questionnaire
from .run import Simulated


def truth_path(out: Path) -> Path:
    """The truth file next to the data: ``OUT.csv`` → ``OUT.truth.json``."""
    return out.with_name(f"{out.stem}.truth.json")


def write_simulated(sim: Simulated, qn: Questionnaire, out: str | Path,
                    inputs: list[str | Path] | None = None) -> tuple[list[Path], list[Problem]]:
    """Write every level (format from OUT's suffix: csv, sav, dta, xlsx, parquet) and the truth JSON."""
    out = Path(out)
    ins = [*(inputs or []), *([qn.file] if qn.file else [])]
    refuse_overwriting_inputs(truth_path(out), ins)
    design_cols = set()
    if "design" in sim.truth:
        design_cols = {c for c in sim.main.columns if c not in {q.name for q in qn.questions()}}
    result = export(Dataset(frames=sim.frames, questionnaire=qn, inputs=[Path(p) for p in ins]), out=out,
                    syntax=False)
    warnings = [w for w in result.warnings
                if not (w.rule == "unknown-column" and w.location.variable in design_cols)]
    text = json.dumps(sim.truth, indent=2, ensure_ascii=False) + "\n"
    return [*result.files, write_text(truth_path(out), text)], warnings
