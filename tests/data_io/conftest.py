"""Shared fixtures for the data read/check/export tests: the fixture questionnaire, the broken-file corpus, clients."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from surveymod.questionnaire import load_valid

DATA = Path(__file__).resolve().parents[1] / "data"
FIELD = DATA / "fielddata"
QN_PATH = DATA / "questionnaires_data" / "household.yaml"


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """pyarrow parses 8 KB at a time, so the few thousand rows of a block-path test come in many batches and
    blocks."""
    from surveymod.data.reader import text_files

    monkeypatch.setattr(text_files, "ARROW_BLOCK", 8 * 1024)


@pytest.fixture
def block_path(monkeypatch: pytest.MonkeyPatch) -> Callable[[ModuleType, str], list[bool]]:
    """``used = block_path(module, name)``: every file goes to *module*'s block path (its threshold 1 byte), and
    *used* records, call by call, whether the block function *name* took the file (False: it went whole)."""
    def force(module: ModuleType, name: str) -> list[bool]:
        used: list[bool] = []
        real = getattr(module, name)

        def spy(*args: Any, **kwargs: Any) -> Any:
            got = real(*args, **kwargs)
            used.append(got is not None)
            return got

        monkeypatch.setattr(module, "STREAM_BYTES", 1)
        monkeypatch.setattr(module, name, spy)
        return used

    return force


@pytest.fixture(scope="session")
def qn():
    return load_valid(QN_PATH)


@pytest.fixture(scope="session")
def field() -> Path:
    return FIELD


def run_pspp(tmp_path: Path, syntax: str) -> str:
    """Run PSPP on *syntax*; returns its text output (stdout + listing). Skips when PSPP is absent."""
    if shutil.which("pspp") is None:
        pytest.skip("PSPP (pspp) is not installed")
    sps = tmp_path / "judge.sps"
    sps.write_text(syntax, encoding="utf-8")
    out = tmp_path / "judge.txt"
    proc = subprocess.run(["pspp", str(sps), "-o", str(out)], capture_output=True, text=True, timeout=120)
    listing = out.read_text(encoding="utf-8") if out.exists() else ""
    return proc.stdout + proc.stderr + listing


def run_r(code: str) -> str:
    """Run R code with haven loaded; returns stdout. Skips when R or haven is absent."""
    if shutil.which("Rscript") is None:
        pytest.skip("R (Rscript) is not installed")
    proc = subprocess.run(["Rscript", "-e", "suppressMessages(library(haven)); " + code], capture_output=True,
                          text=True, timeout=120)
    if "there is no package called" in proc.stderr:
        pytest.skip("R package haven is not installed")
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


R_DUMP = r"""
dump <- function(d) {
  for (v in names(d)) {
    x <- d[[v]]
    lab <- attr(x, "label"); if (is.null(lab)) lab <- ""
    fmt <- attr(x, "format.spss"); if (is.null(fmt)) fmt <- attr(x, "format.stata"); if (is.null(fmt)) fmt <- ""
    cat("VAR", v, gsub("\n", " ", lab), fmt, class(x)[1], sep = "\t"); cat("\n")
    labs <- attr(x, "labels")
    if (!is.null(labs)) for (i in seq_along(labs)) {
      val <- labs[[i]]; tag <- if (is.double(val) && is.na(val)) na_tag(val) else NA
      cat("LAB", v, if (is.na(tag)) format(val, scientific = FALSE) else paste0(".", tag), names(labs)[i], sep = "\t")
      cat("\n")
    }
    nav <- attr(x, "na_values"); if (!is.null(nav)) { cat("NAV", v, paste(nav, collapse = ";"), sep = "\t"); cat("\n") }
    nar <- attr(x, "na_range"); if (!is.null(nar)) { cat("NAR", v, paste(nar, collapse = ";"), sep = "\t"); cat("\n") }
    if (is.double(x)) { tags <- na_tag(x); for (i in which(!is.na(tags))) { cat("TAG", v, i, tags[i], sep = "\t"); cat("\n") } }
    vals <- if (inherits(x, "Date")) format(x) else if (is.double(x)) format(unclass(x), scientific = FALSE, trim = TRUE, drop0trailing = TRUE) else as.character(x)
    vals[is.na(unclass(x))] <- "<NA>"
    cat("VAL", v, paste(vals, collapse = "\x1f"), sep = "\t"); cat("\n")
  }
}
"""


def haven_dump(path: Path) -> dict:
    """What haven sees in a .sav/.dta: variables (label, format, class), value labels, missing values, values."""
    reader = "read_sav(f, user_na = TRUE)" if path.suffix == ".sav" else "read_dta(f)"
    out = run_r(R_DUMP + f'f <- "{path}"; dump({reader})')
    info: dict = {"var": {}, "labels": {}, "na_values": {}, "na_range": {}, "tags": {}, "values": {}}
    for line in out.splitlines():
        parts = line.split("\t")
        kind, var = parts[0], parts[1]
        if kind == "VAR":
            info["var"][var] = {"label": parts[2], "format": parts[3], "class": parts[4]}
        elif kind == "LAB":
            info["labels"].setdefault(var, {})[parts[2]] = parts[3]
        elif kind == "NAV":
            info["na_values"][var] = parts[2]
        elif kind == "NAR":
            info["na_range"][var] = parts[2]
        elif kind == "TAG":
            info["tags"].setdefault(var, {})[int(parts[2])] = parts[3]
        elif kind == "VAL":
            info["values"][var] = parts[2].split("\x1f") if len(parts) > 2 else []
    return info


def pspp_dictionary(tmp_path: Path, sav: Path) -> tuple[list[dict], list[list[str]], str]:
    """PSPP's DISPLAY DICTIONARY of *sav*: variable rows, value-label rows and the whole output text."""
    import csv
    import io

    out = tmp_path / f"{sav.stem}_dict.csv"
    if shutil.which("pspp") is None:
        pytest.skip("PSPP (pspp) is not installed")
    sps = tmp_path / f"{sav.stem}_dict.sps"
    sps.write_text(f"GET FILE='{sav}'.\nDISPLAY DICTIONARY.\n", encoding="utf-8")
    proc = subprocess.run(["pspp", str(sps), "-o", str(out)], capture_output=True, text=True, timeout=120)
    text = proc.stdout + proc.stderr + (out.read_text(encoding="utf-8") if out.exists() else "")
    variables: list[dict] = []
    labels: list[list[str]] = []
    section = None
    header: list[str] = []
    for row in csv.reader(io.StringIO(out.read_text(encoding="utf-8") if out.exists() else "")):
        if row and row[0].startswith("Table: "):
            section, header = row[0][7:], []
            continue
        if not row:
            continue
        if not header:
            header = row
            continue
        if section == "Variables":
            variables.append(dict(zip(header, row, strict=False)))
        elif section == "Value Labels":
            labels.append(row)
    return variables, labels, text
