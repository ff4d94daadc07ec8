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


def printable(text: str) -> str:
    """*text* with control characters (C0, C1) and bidi overrides shown as escapes, so no input can write raw NULs,
    escape sequences or reordered text to the terminal (``syntax.terminal``)."""
    from ..syntax.terminal import terminal_text

    return terminal_text(text)


def echo_problems(problems: list[Problem], *, limit: int | None = 200) -> None:
    """Print problems to stderr, one per line, errors first."""
    ordered = sorted(problems, key=lambda p: {"error": 0, "warning": 1}.get(p.severity, 2))
    shown = ordered if limit is None else ordered[:limit]
    for p in shown:
        click.echo(printable(str(p)), err=True)
    if limit is not None and len(ordered) > limit:
        click.echo(f"... and {len(ordered) - limit} more", err=True)


def handles_errors(func: F) -> F:
    """Decorator for commands: a SurveyError (or an OS error on a user path) becomes a message and exit 1;
    anything unexpected becomes an "internal error" line (traceback saved to a file to report) and exit 3."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from ..atomic import command_guard

        try:
            with command_guard():  # no output of the command may replace a file it read
                return func(*args, **kwargs)
        except SurveyError as exc:
            echo_problems(exc.problems)
            sys.exit(EXIT_PROBLEM)
        except OSError as exc:
            where = f": {exc.filename}" if exc.filename else ""
            click.echo(printable(f"error: {exc.strerror or exc}{where}"), err=True)
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
    click.echo(printable(f"internal error: {type(exc).__name__}: {str(exc)[:300]} — this is a bug in surveymod, "
                         f"not in your input{saved}. Please report it to {REPORT_TO}."), err=True)


def _version() -> str:
    from .. import __version__

    return __version__


def force_option(func: F) -> F:
    """``--force`` for commands that write into an output folder (see ``atomic.output_folder``)."""
    return click.option("--force", is_flag=True,
                        help="Replace files already in the output folder that surveymod did not write there (or "
                             "that were changed since); without it such a file stops the command.")(func)


def dataset_options(func: F) -> F:
    """The options every analysis command reads its data with: the questionnaire and hand-declared codes."""
    opts = [
        click.option("-q", "--questionnaire", type=click.Path(dir_okay=False),
                     help="Questionnaire (YAML or XLSForm) the data was collected with: its missing codes (don't "
                          "know, refusal, no answer, not applicable) never enter a statistic, and its labels name "
                          "categories and domains. A .sav/.dta file brings its own labels and missing values."),
        click.option("--missing", "missing_codes", metavar="CODES",
                     help="Codes that are missing in every numeric column, e.g. 77,88,99 (for a plain CSV "
                          "without a questionnaire)."),
    ]
    for o in reversed(opts):
        func = o(func)
    return func


def parse_codes(text: str | None, option: str = "--missing") -> list[float]:
    """'77,88,99' -> [77.0, 88.0, 99.0]; anything else is a usage error naming the option."""
    if not text:
        return []
    out = []
    for part in text.split(","):
        try:
            out.append(float(part.strip()))
        except ValueError:
            raise click.BadParameter(f"'{part.strip()}' is not a number (give codes as 77,88,99)",
                                     param_hint=option) from None
    return out


def open_dataset(path: str, questionnaire: str | None = None, missing_codes: str | None = None,
                 keep: Callable[[str], bool] | None = None, rosters: bool = False, narrow: bool = False) -> Any:
    """Read DATA the one way every command does (``surveymod.read``), with its metadata, and print the reader's
    warnings. Problems that would change a number (a truncated file, values it could not read) stop the command.
    *keep* limits the read to the columns the command uses; *rosters* reads the roster files beside DATA as
    ``surveymod tables`` does, and *narrow* holds whole-number columns as float32 (see ``surveymod.survey.read``).
    """
    from ..survey import read

    ds = read(path, questionnaire, missing=parse_codes(missing_codes), keep=keep, rosters=rosters,
              progress=reading_bar(), narrow=narrow).dataset
    echo_problems([p for p in ds.problems if p.severity == "warning" and p.rule != "unknown-column"])
    return ds


def reading_bar() -> Callable[[str, int, int], None] | None:
    """The reader's progress drawn as a bar on stderr (one per large file), or None when stderr is no terminal."""
    if not sys.stderr.isatty():
        return None
    bars: dict[str, Any] = {}

    def tick(name: str, done: int, total: int) -> None:
        bar = bars.get(name)
        if bar is None:
            bar = bars[name] = click.progressbar(length=total, label=f"reading {name}", file=sys.stderr)
            bar.__enter__()
        bar.update(done - bar.pos)
        if done >= total:
            bar.__exit__(None, None, None)

    return tick


def progress_lines(rows: int, at_least: int = 200_000) -> Callable[[str], None] | None:
    """A printer of long steps for a terminal (stderr, each line with the seconds since the printer was made), or
    None when stderr is not a terminal or the data has fewer than *at_least* rows."""
    if rows < at_least or not sys.stderr.isatty():
        return None
    import time

    start = time.perf_counter()
    return lambda text: click.echo(f"[{time.perf_counter() - start:6.1f} s] {text}", err=True)
