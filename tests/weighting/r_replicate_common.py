"""What the tests against tests/data/estimation/r_replicate.csv share: the api margins as spec text and R's
reference values (make_replicate_reference.R, R survey 4.1.1)."""

from __future__ import annotations

import csv
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data"
API = DATA / "api"
STYPE = "      - variables: stype\n        targets: {E: 4421, H: 755, M: 1018}\n"
SCHWIDE = "      - variables: sch.wide\n        targets: {'No': 1072, 'Yes': 5122}\n"
RAKE = "  - step: rake\n    tolerance: 1.0e-12\n    max_iter: 200\n    margins:\n"
JK1 = "  - step: replicates\n    method: jk1\n"


def r_reference() -> dict[str, float]:
    """R's numbers by name."""
    with open(DATA / "estimation" / "r_replicate.csv", newline="") as fh:
        return {row["name"]: float(row["value"]) for row in csv.DictReader(fh)}
