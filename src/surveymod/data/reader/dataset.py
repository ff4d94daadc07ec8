"""The reader's result: :class:`Dataset`, one frame per level, and the export bookkeeping columns."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ...errors import Problem, SurveyError
from ..levels import TOP_LEVEL, level_keys
from ..meta import Metadata

if TYPE_CHECKING:  # the questionnaire machinery is imported only when a questionnaire is given
    from ...questionnaire.model import Questionnaire




_SYSTEM_EXACT = {
    "key", "parent_key", "submissiondate", "submitterid", "submittername", "attachmentspresent",
    "attachmentsexpected", "status", "reviewstate", "deviceid", "edits", "formversion", "instanceid", "start",
    "end", "today", "username", "simserial", "subscriberid", "phonenumber", "audit", "instancename",
}


def is_system_column(name: str) -> bool:
    """True for export bookkeeping columns (ODK Central KEY/SubmissionDate, Kobo _index/_uuid, meta/…)."""
    low = name.strip().lower()
    last = re.split(r"[/\-]", low)[-1]
    return low.startswith("_") or low.startswith("meta") or low in _SYSTEM_EXACT or last in _SYSTEM_EXACT \
        or low.startswith("formhub")


@dataclass
class Dataset:
    """Field data: one frame per level ('main' plus one per roster), linked by key columns.

    ``problems`` holds what reading noticed (encoding guessed, labels mapped, truncated file, unknown columns);
    ``unknown`` lists per level the columns the questionnaire does not know (kept in the frames).
    """

    frames: dict[str, pd.DataFrame]
    questionnaire: Questionnaire | None = None
    sources: dict[str, str] = field(default_factory=dict)
    unknown: dict[str, list[str]] = field(default_factory=dict)
    system: dict[str, list[str]] = field(default_factory=dict)
    renamed: dict[str, dict[str, str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    inputs: list[Path] = field(default_factory=list)
    meta: Metadata = field(default_factory=Metadata)
    """Labels and missing codes (questionnaire, the file's own metadata, or --missing); see ``data.meta``."""

    @property
    def main(self) -> pd.DataFrame:
        """The top-level frame."""
        return self.frames[TOP_LEVEL]

    def level(self, name: str | None = None) -> pd.DataFrame:
        """The frame of level *name* (the top level by default); an unknown level is a located error."""
        name = name or TOP_LEVEL
        if name not in self.frames:
            raise SurveyError(f"the data has no level '{name}' (levels: {', '.join(self.frames)})",
                              rule="data-level")
        return self.frames[name]

    def valid(self, columns: list[str], level: str | None = None) -> pd.DataFrame:
        """The frame of *level* with the missing codes of *columns* as NaN (the data itself is unchanged)."""
        return self.meta.valid(self.level(level), columns)

    def with_frame(self, frame: pd.DataFrame, level: str | None = None) -> Dataset:
        """A copy whose *level* frame is replaced (e.g. by the weighted data), metadata kept."""
        return replace(self, frames={**self.frames, (level or TOP_LEVEL): frame})

    def declare_missing(self, codes: list[float]) -> Dataset:
        """A copy in which *codes* are missing in every numeric column (``--missing 77,88,99``)."""
        cols = [c for f in self.frames.values() for c in f.columns if pd.api.types.is_numeric_dtype(f[c].dtype)
                or f[c].dtype == object]
        return replace(self, meta=self.meta.with_missing(codes, cols))

    def keys(self, level: str) -> list[str]:
        """Key columns of *level* (respondent id, then roster line numbers)."""
        if self.questionnaire is None:
            return []
        return level_keys(self.questionnaire, level)

    def __repr__(self) -> str:
        shapes = ", ".join(f"{k}: {len(v)}×{v.shape[1]}" for k, v in self.frames.items())
        return f"Dataset({shapes})"


@dataclass
class _Raw:
    """One table as found in the input, before it is assigned to a level."""

    frame: pd.DataFrame
    source: str
    hint: str | None
    text_file: Path | None = None
    problems: list[Problem] = field(default_factory=list)

