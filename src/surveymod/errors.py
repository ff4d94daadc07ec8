"""One error type for everything the user got wrong, carrying where it happened.

Library code raises :class:`SurveyError` (or returns :class:`Problem` lists); only the CLI turns them into text
and an exit code, so users never see a traceback for their own input.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True)
class Location:
    """Where a problem is: a file position (line/column/path) or a data cell (row/variable)."""

    file: str | None = None
    line: int | None = None
    column: int | None = None
    path: str | None = None
    row: int | None = None
    variable: str | None = None

    def __str__(self) -> str:
        parts: list[str] = []
        if self.file:
            pos = self.file
            if self.line is not None:
                pos += f":{self.line}"
                if self.column is not None:
                    pos += f":{self.column}"
            parts.append(pos)
        if self.path:
            parts.append(self.path)
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.variable:
            parts.append(f"column {self.variable}")
        return " ".join(parts)


@dataclass(frozen=True)
class Problem:
    """One finding: a message written for the user, its rule id, severity and location."""

    message: str
    rule: str = "error"
    severity: Severity = "error"
    location: Location = field(default_factory=Location)
    count: int | None = field(default=None, compare=False)
    """How many values the finding is about, when its message starts with that number ("12 values written as
    labels ..."): a file read in blocks of rows adds the blocks' counts up into one finding."""

    def __str__(self) -> str:
        where = str(self.location)
        sev = "" if self.severity == "error" else f"{self.severity}: "
        return f"{where}: {sev}{self.message} [{self.rule}]" if where else f"{sev}{self.message} [{self.rule}]"


def added_up(problems: list[Problem]) -> list[Problem]:
    """The problems of the blocks of one file, each once; one that counts values (:attr:`Problem.count`) with the
    count of them all."""
    found: dict[tuple[object, ...], Problem] = {}
    for p in problems:
        text = p.message.removeprefix(f"{p.count} ") if p.count is not None else p.message
        key = (p.rule, p.severity, p.location.file, p.location.variable, p.location.row, text)
        first = found.get(key)
        if first is None:
            found[key] = p
        elif p.count is not None and first.count is not None:
            n = first.count + p.count
            found[key] = replace(first, message=f"{n} {text}", count=n)
    return list(found.values())


class SurveyError(Exception):
    """A problem in the user's input (file, spec, data); carries one or more located problems."""

    def __init__(self, problems: Problem | str | list[Problem], *, location: Location | None = None,
                 rule: str = "error") -> None:
        if isinstance(problems, str):
            problems = [Problem(problems, rule=rule, location=location or Location())]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]
