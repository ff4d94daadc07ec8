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
@click.option("--missing", "missing", default="auto", show_default=True,
              help="Which choices become missing values: 'auto' (don't know / refused / prefer not to answer by "
                   "their common names and codes 88/98/99/999/-88/-98/-99), 'none', or NAME=KIND,... (NAME a "
                   "choice name or list:name; KIND dont_know, refusal, not_applicable, no_answer or not_stated).")
@handles_errors
def import_cmd(form: str, output: str, missing: str) -> None:
    """Import XLSForm FORM (.xlsx, .xls, or pyxform's .csv/.md) as a questionnaire YAML.

    Groups, repeats, every question type, choice lists, or_other, relevance, constraints, calculations, defaults,
    appearances, hints and every label language are kept. XPath the condition language cannot express is kept
    verbatim (and written back by `build --to xlsform`); each such case is printed as a warning with its sheet,
    row and column.
    """
    from ..atomic import refuse_overwriting_inputs, write_text
    from ..errors import SurveyError
    from ..questionnaire.lint import lint
    from ..questionnaire.loader import from_data, loads
    from ..questionnaire.xlsform_import import import_xlsform, parse_missing, positions, to_yaml

    try:
        spec = parse_missing(missing)
    except SurveyError as exc:
        raise click.BadParameter(exc.problems[0].message, param_hint="--missing") from None
    refuse_overwriting_inputs(output, [form])
    result = import_xlsform(form, spec)
    text = to_yaml(result.data)
    qn = loads(text, output)  # what is written must load back
    if [p for p in lint(qn) if p.severity == "error"]:  # refused, located at the form's rows; nothing written
        errors = [p for p in lint(from_data(result.data, positions(result), form)) if p.severity == "error"]
        echo_problems(result.warnings, limit=None)
        raise SurveyError(errors)
    echo_problems(result.warnings, limit=None)
    write_text(output, text)
    n_warn = sum(p.severity == "warning" for p in result.warnings)
    click.echo(f"wrote {output}: {len(qn.questions())} variables, {len(qn.choices)} choice lists, "
               f"{n_warn} warning(s) from {Path(form).name}")
