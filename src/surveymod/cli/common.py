"""Shared CLI plumbing: turn SurveyError into located messages and exit codes (0 ok, 1 input problem, 2 usage)."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from ..errors import Problem, SurveyError

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK = 0
EXIT_PROBLEM = 1
EXIT_USAGE = 2


def echo_problems(problems: list[Problem], *, limit: int | None = 200) -> None:
    """Print problems to stderr, one per line, errors first."""
    ordered = sorted(problems, key=lambda p: {"error": 0, "warning": 1}.get(p.severity, 2))
    shown = ordered if limit is None else ordered[:limit]
    for p in shown:
        click.echo(str(p), err=True)
    if limit is not None and len(ordered) > limit:
        click.echo(f"... and {len(ordered) - limit} more", err=True)


def handles_errors(func: F) -> F:
    """Decorator for commands: a SurveyError (or an OS error on a user path) becomes a message and exit 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SurveyError as exc:
            echo_problems(exc.problems)
            sys.exit(EXIT_PROBLEM)
        except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
            click.echo(f"error: {exc.strerror}: {exc.filename}", err=True)
            sys.exit(EXIT_PROBLEM)

    return wrapper  # type: ignore[return-value]
