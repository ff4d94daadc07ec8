"""Atomic file writing: write to a temporary file beside the target, then rename.

A failed write never leaves a truncated or empty file, and an input file is never overwritten. The file gets
the permissions any new file of the user gets (0666 less the umask, not mkstemp's private 0600), and its data
reaches the disk before the rename, so a crash right after a command cannot leave an empty output.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from .errors import SurveyError


def inside(directory: str | os.PathLike[str], name: str) -> Path:
    """``directory / name``, refusing a name that would land outside *directory* (``..``, absolute, links).

    Every output whose file name derives from the user's identifiers (form id, level, language) goes through
    here, so a hostile id such as ``../../x`` cannot make a command write anywhere else on disk.
    """
    base = Path(directory).resolve()
    target = (base / name).resolve()
    if name in ("", ".", "..") or Path(name).is_absolute() or not target.is_relative_to(base) or target == base:
        raise SurveyError(f"refusing to write '{name}': the name would lead outside the output folder {directory}",
                          rule="unsafe-file-name")
    return Path(directory) / name


def refuse_overwriting_inputs(target: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]]) -> None:
    """Raise if *target* is one of *inputs* (resolved paths), so no command can clobber its own input."""
    t = Path(target).resolve()
    for src in inputs:
        if Path(src).resolve() == t:
            raise SurveyError(f"refusing to overwrite the input file {src}; choose another output path")


def _file_mode() -> int:
    """0666 less the process umask: the mode ``open()`` would give a new file."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _finish(tmp: Path) -> None:
    """Give the temporary file its final permissions and flush it to disk."""
    os.chmod(tmp, _file_mode())
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())


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
        try:
            yield tmp_path
        except OSError as exc:  # a full disk or quota while writing: the target is untouched
            if exc.filename is not None and Path(exc.filename) != tmp_path:
                raise
            raise SurveyError(f"writing {target} failed: {exc.strerror or exc}; nothing was written",
                              rule="write-failed") from None
        if not tmp_path.exists() or tmp_path.stat().st_size == 0 and target.suffix not in {".csv", ".txt", ".md"}:
            raise SurveyError(f"writing {target} produced no data; nothing was written")
        _finish(tmp_path)
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
