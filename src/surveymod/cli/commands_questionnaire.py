"""``surveymod validate`` and ``surveymod schema``: check questionnaire files and publish the YAML schema."""

from __future__ import annotations

import json
import sys

import click

from ..questionnaire import validate as validate_file
from ..questionnaire.model import Questionnaire
from .common import EXIT_PROBLEM, echo_problems, handles_errors
from .main import cli


@cli.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--strict", is_flag=True, help="Treat warnings (e.g. pending translations) as errors.")
@click.option("--quiet", "-q", is_flag=True, help="Print only problems, no summary line.")
@handles_errors
def validate_cmd(files: tuple[str, ...], strict: bool, quiet: bool) -> None:
    """Validate questionnaire YAML FILES: schema, references, routing, codes, names and translations.

    Every problem is printed as FILE:LINE:COLUMN PATH: MESSAGE [RULE]. Exit 1 if any file has an error.
    """
    failed = False
    for f in files:
        qn, problems = validate_file(f)
        echo_problems(problems, limit=None)
        n_err = sum(p.severity == "error" for p in problems)
        n_warn = sum(p.severity == "warning" for p in problems)
        if n_err or (strict and n_warn):
            failed = True
        if not quiet:
            status = "ok" if not n_err else "FAILED"
            extra = f" ({qn.id} v{qn.version}, {len(qn.questions())} variables)" if qn else ""
            click.echo(f"{f}: {status}: {n_err} error(s), {n_warn} warning(s){extra}")
    if failed:
        sys.exit(EXIT_PROBLEM)


@cli.command("schema")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file instead of stdout.")
@handles_errors
def schema_cmd(output: str | None) -> None:
    """Print the JSON Schema of the questionnaire YAML format (for editor autocompletion)."""
    from ..atomic import write_text

    schema = Questionnaire.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "surveymod questionnaire"
    text = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
    if output:
        write_text(output, text)
        click.echo(f"wrote {output}")
    else:
        click.echo(text, nl=False)
