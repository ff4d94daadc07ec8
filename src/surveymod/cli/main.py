"""The ``surveymod`` command group; each subcommand lives in its own small module."""

from __future__ import annotations

import click

from .. import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="surveymod")
def cli() -> None:
    """surveymod: migration surveys from YAML questionnaires to instruments, clean labelled data,
    weights, estimates and programme indicators."""


def _register() -> None:
    """Attach every subcommand (imported here so `surveymod --help` lists them all)."""
    # Each module exposes click commands; keep this list in data-flow order.
    from . import (
        commands_build,  # noqa: F401  (build, translations import)
        commands_data,  # noqa: F401  (check, export)
        commands_demo,  # noqa: F401  (demo)
        commands_diff,  # noqa: F401  (diff)
        commands_estimate,  # noqa: F401  (estimate, change)
        commands_indicators,  # noqa: F401  (indicators)
        commands_questionnaire,  # noqa: F401  (validate, schema, build, translations, diff)
        commands_simulate,  # noqa: F401  (simulate, plan)
        commands_tables,  # noqa: F401  (tables)
        commands_weight,  # noqa: F401  (weight)
    )


def main() -> None:
    """Console-script entry point."""
    _register()
    cli(prog_name="surveymod")
