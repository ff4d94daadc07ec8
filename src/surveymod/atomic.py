"""Atomic file writing: write to a temporary file beside the target, then rename.

A failed write never leaves a truncated or empty file, and an input file is never overwritten.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from .errors import SurveyError


def refuse_overwriting_inputs(target: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]]) -> None:
    """Raise if *target* is one of *inputs* (resolved paths), so no command can clobber its own input."""
    t = Path(target).resolve()
    for src in inputs:
        if Path(src).resolve() == t:
            raise SurveyError(f"refusing to overwrite the input file {src}; choose another output path")


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str], suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path next to *target*; on success it is renamed onto *target*, on failure removed."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix or target.suffix or ".tmp",
                               dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        if not tmp_path.exists() or tmp_path.stat().st_size == 0 and target.suffix not in {".csv", ".txt", ".md"}:
            raise SurveyError(f"writing {target} produced no data; nothing was written")
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text(target: str | os.PathLike[str], text: str, encoding: str = "utf-8", newline: str | None = None) -> Path:
    """Write text atomically."""
    with atomic_path(target) as tmp:
        with open(tmp, "w", encoding=encoding, newline=newline) as fh:
            fh.write(text)
    return Path(target)


def write_bytes(target: str | os.PathLike[str], data: bytes) -> Path:
    """Write bytes atomically."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def write_with(target: str | os.PathLike[str], writer: Callable[[Path], object]) -> Path:
    """Call ``writer(tmp_path)`` and move the result onto *target* atomically."""
    with atomic_path(target) as tmp:
        writer(tmp)
    return Path(target)
