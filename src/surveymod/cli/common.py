"""Shared CLI plumbing: every error becomes one message and an exit code (0 ok, 1 input problem, 2 usage,
3 internal error); no traceback reaches the user."""

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
EXIT_INTERNAL = 3
REPORT_TO = "the surveymod maintainers (the project's issue tracker)"


def echo_problems(problems: list[Problem], *, limit: int | None = 200) -> None:
    """Print problems to stderr, one per line, errors first."""
    ordered = sorted(problems, key=lambda p: {"error": 0, "warning": 1}.get(p.severity, 2))
    shown = ordered if limit is None else ordered[:limit]
    for p in shown:
        click.echo(str(p), err=True)
    if limit is not None and len(ordered) > limit:
        click.echo(f"... and {len(ordered) - limit} more", err=True)


def handles_errors(func: F) -> F:
    """Decorator for commands: a SurveyError (or an OS error on a user path) becomes a message and exit 1;
    anything unexpected becomes an "internal error" line (traceback saved to a file to report) and exit 3."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SurveyError as exc:
            echo_problems(exc.problems)
            sys.exit(EXIT_PROBLEM)
        except OSError as exc:
            where = f": {exc.filename}" if exc.filename else ""
            click.echo(f"error: {exc.strerror or exc}{where}", err=True)
            sys.exit(EXIT_PROBLEM)
        except MemoryError:
            click.echo("error: out of memory; the input is too large for this machine (see the command's "
                       "--help for options that read fewer columns or rows)", err=True)
            sys.exit(EXIT_PROBLEM)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:  # noqa: BLE001 - the boundary: nothing unexpected reaches the user as a traceback
            internal_error(exc)
            sys.exit(EXIT_INTERNAL)

    return wrapper  # type: ignore[return-value]


def internal_error(exc: BaseException) -> None:
    """Say that surveymod itself failed, where the details are, and whom to tell."""
    import tempfile
    import traceback

    detail = "".join(traceback.format_exception(exc))
    try:
        fd, path = tempfile.mkstemp(prefix="surveymod-internal-error-", suffix=".txt")
        with open(fd, "w", encoding="utf-8") as fh:
            fh.write(f"surveymod {_version()}\ncommand: {' '.join(sys.argv)}\n\n{detail}")
        saved = f"; details saved in {path}"
    except OSError:
        saved = ""
    click.echo(f"internal error: {type(exc).__name__}: {str(exc)[:300]} — this is a bug in surveymod, not in "
               f"your input{saved}. Please report it to {REPORT_TO}.", err=True)


def _version() -> str:
    from .. import __version__

    return __version__
