"""What the tests against tests/data/estimation/r_replicate.csv share: the api margins as spec text and R's
reference values (make_replicate_reference.R, R survey 4.1.1)."""

from __future__ import annotations

import csv
from pathlib import Path

from click.testing import CliRunner

from surveymod.cli.main import _register, cli

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


def sig(a: float, b: float, digits: int = 6) -> bool:
    """*a* equals *b* to *digits* significant digits."""
    return abs(a - b) <= 0.5 * 10 ** (1 - digits) * abs(b)


def clus1_spec(mse: str = "", steps: str = JK1 + RAKE + STYPE + SCHWIDE, design: str = "  weight: pw\n") -> str:
    """A weighting spec on apiclus1 (PSU dnum, fpc): JK1 replicates then raking to stype and sch.wide by default."""
    return f"design:\n{design}  psu: dnum\n  fpc: fpc\n{mse}steps:\n{steps}"


def run(*args: str) -> tuple[int, str]:
    """The CLI's exit code and output."""
    _register()
    res = CliRunner().invoke(cli, list(args))
    return res.exit_code, res.output + (res.stderr if hasattr(res, "stderr") else "")
