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
    from . import commands_questionnaire  # noqa: F401  (validate, schema, build, translations, diff)
    from . import commands_simulate  # noqa: F401  (simulate, plan)
    from . import commands_build  # noqa: F401  (build, translations import)
    from . import commands_diff  # noqa: F401  (diff)
    from . import commands_data  # noqa: F401  (check, export)
    from . import commands_weight  # noqa: F401  (weight)
    from . import commands_estimate  # noqa: F401  (estimate, change)
    from . import commands_indicators  # noqa: F401  (indicators)
    from . import commands_demo  # noqa: F401  (demo)
    from . import commands_tables  # noqa: F401  (tables)


def main() -> None:
    """Console-script entry point."""
    _register()
    cli(prog_name="surveymod")
