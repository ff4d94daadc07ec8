"""``surveymod import``: turn an existing XLSForm into a surveymod questionnaire YAML."""

from __future__ import annotations

from pathlib import Path

import click

from .common import echo_problems, handles_errors
from .main import cli


@cli.command("import")
@click.argument("form", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="The questionnaire YAML to write (never the input form).")
@handles_errors
def import_cmd(form: str, output: str) -> None:
    """Import XLSForm FORM (.xlsx, .xls, or pyxform's .csv/.md) as a questionnaire YAML.

    Groups, repeats, every question type, choice lists, or_other, relevance, constraints, calculations, defaults,
    appearances, hints and every label language are kept. XPath the condition language cannot express is kept
    verbatim (and written back by `build --to xlsform`); each such case is printed as a warning with its sheet,
    row and column.
    """
    from ..atomic import refuse_overwriting_inputs, write_text
    from ..questionnaire.lint import lint
    from ..questionnaire.loader import loads
    from ..questionnaire.xlsform_import import import_xlsform, to_yaml

    refuse_overwriting_inputs(output, [form])
    result = import_xlsform(form)
    text = to_yaml(result.data)
    qn = loads(text, output)  # what is written must load back
    errors = [p for p in lint(qn) if p.severity == "error"]
    echo_problems(result.warnings + errors, limit=None)
    write_text(output, text)
    n_warn = sum(p.severity == "warning" for p in result.warnings)
    click.echo(f"wrote {output}: {len(qn.questions())} variables, {len(qn.choices)} choice lists, "
               f"{n_warn} warning(s) from {Path(form).name}")
