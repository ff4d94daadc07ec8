"""The ``surveymod`` command group; each subcommand lives in its own small module, imported only when run.

``surveymod --help`` and ``--version`` import no numerical library: the group knows each command's module and
one-line help from the table below, and imports a command's module (with pandas, scipy …) only when that command
is invoked or its own ``--help`` is asked for.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from .. import __version__

COMMANDS: dict[str, tuple[str, str]] = {
    # name: (module under surveymod.cli, the command's short help as `surveymod --help` shows it), in data-flow
    # order; tests/test_cli_startup.py keeps the help text equal to the command's own.
    "validate": ("commands_questionnaire", "Validate questionnaire YAML FILES: schema, references, routing, codes, "
                                           "names and translations."),
    "schema": ("commands_questionnaire", "Print the JSON Schema of the questionnaire YAML format (for editor "
                                         "autocompletion)."),
    "import": ("commands_import", "Import XLSForm FORM (.xlsx, .xls, or pyxform's .csv/.md) as a questionnaire YAML."),
    "build": ("commands_build", "Build instruments from questionnaire FILE (it must validate without errors)."),
    "translations": ("commands_build", "Translation sheets: export with `surveymod build --to translations`, "
                                       "merge back with `import`."),
    "diff": ("commands_diff", "Report every change from questionnaire OLD to NEW: items added or removed, wording, "
                              "codes, routing."),
    "simulate": ("commands_simulate", "Simulate N respondents of QUESTIONNAIRE that follow its routing and "
                                      "constraints exactly."),
    "plan": ("commands_simulate", "Sample size, power and minimum detectable change (one proportion or mean; two "
                                  "waves or two domains)."),
    "check": ("commands_data", "Check DATA (CSV/XLSX/SAV/DTA/Parquet file, folder or zip) against QUESTIONNAIRE."),
    "edit": ("commands_edit", "Apply the edits and imputations of RULES to DATA: flags per changed cell and an edit "
                              "log."),
    "export": ("commands_data", "Export DATA as labelled SPSS/Stata (or CSV/XLSX/Parquet) files, one per level, "
                                "linked by their keys."),
    "weight": ("commands_weight", "Weight DATA as SPEC says: nonresponse, post-stratification, raking, "
                                  "calibration, trimming, replicates."),
    "estimate": ("commands_estimate", "Estimate means, proportions, totals, ratios and quantiles with SE, CI, df, "
                                      "deff, CV, n and flags."),
    "change": ("commands_estimate", "Baseline -> endline difference (points) and % change with delta-method SEs, "
                                    "CIs and p-values."),
    "test": ("commands_compare", "Compare within one survey: domain contrasts, a t test or a Rao-Scott chi-squared "
                                 "test, as R survey."),
    "model": ("commands_compare", "Linear or logistic regression with design-based standard errors, as R svyglm."),
    "tables": ("commands_tables", "Compute every table of a tabulation plan from DATA, with SE and reliability "
                                  "flag per cell."),
    "indicators": ("commands_indicators", "Compute every indicator of SPEC (survey, training and monitoring) and "
                                          "write the results framework."),
    "monitor": ("commands_monitor", "Fieldwork monitoring report of DATA: progress, AAPOR rates, interviewer "
                                    "quality, selection, back-checks."),
    "demo": ("commands_demo", "Run the programme example end to end on simulated data, from weights to report."),
}


class LazyGroup(click.Group):
    """A group that imports a command's module when the command is first needed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS) + sorted(n for n in self.commands if n not in COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            importlib.import_module(f"{__package__}.{COMMANDS[cmd_name][0]}")
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1] if name in COMMANDS else self.commands[name].get_short_help_str())
                for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="surveymod")
def cli() -> None:
    """surveymod: migration surveys from YAML questionnaires to instruments, clean labelled data,
    weights, estimates and programme indicators."""


def _register() -> None:
    """Import every command module (for tests and tools that walk all commands)."""
    for module in dict.fromkeys(m for m, _ in COMMANDS.values()):
        importlib.import_module(f"{__package__}.{module}")


def main(argv: list[str] | None = None) -> Any:
    """Console-script entry point: an error outside any command (e.g. while parsing) is no traceback either.

    The process ends with the command's exit code as soon as the command is done (its outputs are already written
    and closed, atomically): Python's teardown would otherwise destroy the native thread pools of pyarrow
    while they are still winding down, which now and then aborts the process ("terminate called without
    an active exception", exit 134) after a clean exit 0 or 1."""
    import os

    from .common import EXIT_INTERNAL, internal_error

    code: Any = 0
    try:
        cli(args=argv, prog_name="surveymod")
    except SystemExit as exc:
        code = exc.code
    except Exception as exc:  # noqa: BLE001 - the outermost boundary
        internal_error(exc)
        code = EXIT_INTERNAL
    if code is not None and not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code or 0)
