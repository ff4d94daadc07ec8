"""Atomic file writing: write to a temporary file beside the target, then rename.

A failed write never leaves a truncated or empty file, and an input file is never overwritten. The file gets
the permissions any new file of the user gets (0666 less the umask, not mkstemp's private 0600), and its data
reaches the disk before the rename, so a crash right after a command cannot leave an empty output.

This is the one output edge of every command: while a command runs (``command_guard``), each file any reader
opens is noted (``note_input``) and no write may replace it, compared as the same file on disk (so a symlink or
a hard link to an input is refused too). In an output folder (``output_folder``) a file that already exists is
replaced only if this program wrote it there and nobody changed it since (the folder's ``MANIFEST`` says so), or
with ``--force``: a user's own ``programme.yaml`` or ``report.html`` in that folder is never lost silently.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
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


MANIFEST = ".surveymod-outputs.json"
"""The file in an output folder listing what surveymod wrote there (name -> size and modification time)."""

_FileId = tuple[int, int]


@dataclass
class _Guard:
    """What the running command has read and written, and the output folders it writes into."""

    inputs: dict[_FileId, str] = field(default_factory=dict)
    written: set[_FileId] = field(default_factory=set)
    folders: dict[Path, bool] = field(default_factory=dict)  # resolved folder -> --force given


_GUARD: ContextVar[_Guard | None] = ContextVar("surveymod_output_guard", default=None)


@contextlib.contextmanager
def command_guard() -> Iterator[None]:
    """Track the inputs and outputs of one command (the CLI wraps every command in this)."""
    token = _GUARD.set(_Guard())
    try:
        yield
    finally:
        _GUARD.reset(token)


def _file_id(path: str | os.PathLike[str]) -> _FileId | None:
    """The (device, inode) of the file *path* leads to (through links), or None if there is none."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return (st.st_dev, st.st_ino)


def note_input(path: str | os.PathLike[str]) -> None:
    """Remember that the running command read *path*: no output of the command may replace it."""
    guard = _GUARD.get()
    fid = _file_id(path)
    if guard is not None and fid is not None and fid not in guard.written and not os.path.isdir(path):
        guard.inputs.setdefault(fid, str(path))


def release_input(path: str | os.PathLike[str]) -> None:
    """Allow the running command to replace the input *path* (only for an explicit ``--in-place``)."""
    guard = _GUARD.get()
    fid = _file_id(path)
    if guard is not None and fid is not None:
        guard.inputs.pop(fid, None)


def output_folder(path: str | os.PathLike[str], force: bool = False) -> Path:
    """Declare *path* the running command's output folder: files already in it that surveymod did not write there
    (or that changed since) are replaced only with *force*. Returns the path."""
    guard = _GUARD.get()
    if guard is not None:
        guard.folders[Path(path).resolve()] = force
    return Path(path)


def refuse_overwriting_inputs(target: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]] = ()) -> None:
    """Raise if *target* is one of *inputs* or of the files the running command has read (the same file on disk,
    however it is reached), so no command can clobber its own input. Commands call it early, before the work;
    every write calls it again."""
    fid = _file_id(target)
    if fid is None:
        return
    guard = _GUARD.get()
    known = dict(guard.inputs) if guard is not None else {}
    for src in inputs:
        if src is not None:
            known.setdefault(_file_id(src) or (-1, -1), str(src))
    if fid in known:
        same = "" if os.path.abspath(known[fid]) == os.path.abspath(target) else f" ({target} is the same file)"
        raise SurveyError(f"refusing to overwrite the input file {known[fid]}{same}; choose another output path",
                          rule="overwrite-input")


def _folder_of(target: Path, guard: _Guard | None) -> tuple[Path, bool] | None:
    """The declared output folder *target* lies in (the innermost) and whether --force was given."""
    if guard is None or not guard.folders:
        return None
    t = target.parent.resolve() / target.name
    roots = [f for f in guard.folders if t.is_relative_to(f)]
    if not roots:
        return None
    root = max(roots, key=lambda f: len(f.parts))
    return root, guard.folders[root]


def _manifest(root: Path) -> dict[str, list[int]]:
    try:
        data = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data.get("files", {}) if isinstance(data, dict) else {}


def _stamp(path: Path) -> list[int]:
    st = os.stat(path)
    return [st.st_size, st.st_mtime_ns]


def _refuse_replacing_users_file(target: Path, guard: _Guard | None) -> None:
    """In an output folder, an existing file that surveymod did not write there (or that changed since) needs
    --force."""
    found = _folder_of(target, guard)
    if found is None or not os.path.lexists(target):
        return
    root, force = found
    name = (target.parent.resolve() / target.name).relative_to(root).as_posix()
    if force or _file_id(target) in guard.written:  # type: ignore[union-attr]
        return
    if os.path.isfile(target) and not os.path.islink(target) and _manifest(root).get(name) == _stamp(target):
        return
    raise SurveyError(f"{target} already exists and was not written by surveymod in {root} (or was changed "
                      "since); refusing to replace it. Choose another output folder, move the file, or give "
                      "--force to replace it", rule="overwrite-existing")


def _record_written(target: Path, guard: _Guard | None) -> None:
    """Remember *target* as this command's output (and in its folder's manifest)."""
    if guard is None:
        return
    fid = _file_id(target)
    if fid is not None:
        guard.written.add(fid)
    found = _folder_of(target, guard)
    if found is None:
        return
    root = found[0]
    files = _manifest(root)
    files[(target.parent.resolve() / target.name).relative_to(root).as_posix()] = _stamp(target)
    text = json.dumps({"note": "files surveymod wrote in this folder (size, modification time); a file listed "
                               "here and unchanged is replaced by the next run without --force",
                       "files": dict(sorted(files.items()))}, indent=1)
    fd, tmp = tempfile.mkstemp(prefix=f".{MANIFEST}.", dir=root)
    with open(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, _file_mode())
    os.replace(tmp, root / MANIFEST)


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
    guard = _GUARD.get()
    refuse_overwriting_inputs(target)
    _refuse_replacing_users_file(target, guard)
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
        _record_written(target, guard)
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
