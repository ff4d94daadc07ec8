"""``surveymod build`` (every instrument from one questionnaire) and ``surveymod translations import``."""

from __future__ import annotations

import sys

import click

from .common import EXIT_PROBLEM, echo_problems, force_option, handles_errors
from .main import cli

TARGET_NAMES = ["xlsform", "paper", "pdf", "spss", "stata", "codebook", "ddi", "translations", "all"]


@cli.command("build")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--to", "targets", multiple=True, required=True, type=click.Choice(TARGET_NAMES),
              help="What to build (repeatable): xlsform, paper (HTML), pdf (the paper questionnaire as PDF; needs "
                   "the optional WeasyPrint: pip install 'surveymod[pdf]'), spss, stata, codebook (Markdown + "
                   "HTML), ddi (DDI-Codebook 2.5), translations (XLSX sheet) or all.")
@click.option("--lang", "langs", multiple=True, metavar="CODE",
              help="Language of per-language outputs (paper, pdf, spss, codebook); repeatable; default: every "
                   "questionnaire language.")
@click.option("-o", "--output", "outdir", required=True, type=click.Path(file_okay=False),
              help="Directory to write the files into (created if missing).")
@force_option
@handles_errors
def build_cmd(file: str, targets: tuple[str, ...], langs: tuple[str, ...], outdir: str, force: bool) -> None:
    """Build instruments from questionnaire FILE (it must validate without errors).

    Prints each file written; warnings (e.g. labels shortened to SPSS/Stata limits) go to stderr.
    """
    from ..atomic import output_folder
    from ..instruments.build import build, write_outputs
    from ..questionnaire import load_valid

    output_folder(outdir, force)
    qn = load_valid(file)
    out = build(qn, targets, langs or None)
    echo_problems(out.problems)
    for path in write_outputs(out, outdir, inputs=[file]):
        click.echo(f"wrote {path}")


@cli.group("translations")
def translations_group() -> None:
    """Translation sheets: export with `surveymod build --to translations`, merge back with `import`."""


@translations_group.command("import")
@click.argument("sheet", type=click.Path(dir_okay=False))
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the merged questionnaire here (default: print it on stdout).")
@click.option("--in-place", is_flag=True, help="Overwrite FILE with the merged questionnaire.")
@click.option("--strict", is_flag=True, help="Exit 1 if any text is still untranslated after the merge.")
@handles_errors
def translations_import_cmd(sheet: str, file: str, output: str | None, in_place: bool, strict: bool) -> None:
    """Merge the translations of a filled SHEET (.xlsx) into questionnaire FILE (YAML).

    Only the changed texts are edited; comments and layout of FILE are kept. Reports, on stderr, every text still
    missing a translation. FILE is never overwritten unless --in-place is given.
    """
    from pathlib import Path

    from ..atomic import note_input, refuse_overwriting_inputs, release_input, write_text
    from ..errors import SurveyError
    from ..instruments.translations import import_translations

    if in_place and output:
        raise SurveyError("use either --in-place or -o/--output, not both")
    text = Path(file).read_text(encoding="utf-8-sig")
    note_input(file)
    res = import_translations(sheet, text, file)
    echo_problems(res.problems)
    echo_problems(res.missing, limit=50)
    if in_place:
        release_input(file)  # asked for: FILE is the output
        write_text(file, res.text)
        target = file
    elif output:
        refuse_overwriting_inputs(output, [file, sheet])
        write_text(output, res.text)
        target = output
    else:
        click.echo(res.text, nl=False)
        target = "stdout"
    click.echo(f"{res.updated} text(s) added or changed; {len(res.missing)} still missing; written to {target}",
               err=True)
    if strict and res.missing:
        sys.exit(EXIT_PROBLEM)
