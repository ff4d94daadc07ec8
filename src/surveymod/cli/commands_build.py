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
@click.option("--notes", type=click.Path(dir_okay=False, exists=True),
              help="translations: fill the TRAPD review columns from this notes file (kept by `translations "
                   "import --notes`).")
@force_option
@handles_errors
def build_cmd(file: str, targets: tuple[str, ...], langs: tuple[str, ...], outdir: str, notes: str | None,
              force: bool) -> None:
    """Build instruments from questionnaire FILE (it must validate without errors).

    Prints each file written; warnings (e.g. labels shortened to SPSS/Stata limits) go to stderr.
    """
    from ..atomic import output_folder
    from ..instruments.build import build, write_build
    from ..questionnaire import load_valid

    output_folder(outdir, force)
    qn = load_valid(file)
    out = build(qn, targets, langs or None)
    sheet = f"{qn.id}_translations.xlsx"
    if notes and sheet in out.files:
        from ..instruments.translations import build_translation_sheet, read_notes

        out.files[sheet] = build_translation_sheet(qn, read_notes(notes))
    echo_problems(out.problems)
    for path in write_build(out, outdir, inputs=[file, *([notes] if notes else [])]):
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
@click.option("--notes", type=click.Path(dir_okay=False),
              help="Keep the sheet's TRAPD review columns (translator 1/2, review comment, adjudication) in this "
                   "YAML file, merged with what it already holds.")
@handles_errors
def translations_import_cmd(sheet: str, file: str, output: str | None, in_place: bool, strict: bool,
                            notes: str | None) -> None:
    """Merge the translations of a filled SHEET (.xlsx) into questionnaire FILE (YAML).

    Only the changed texts are edited; comments and layout of FILE are kept. Reports, on stderr, every text still
    missing a translation. FILE is never overwritten unless --in-place is given. The adjudicated text of each
    language is its own column; the TRAPD review columns are kept with --notes (a warning says how many cells
    would otherwise not be kept).
    """
    from pathlib import Path

    from ..atomic import note_input, refuse_overwriting_inputs, release_input, write_text
    from ..errors import Location, Problem, SurveyError
    from ..instruments.translations import import_translations
    from ..questionnaire import loads

    if in_place and output:
        raise SurveyError("use either --in-place or -o/--output, not both")
    text = Path(file).read_text(encoding="utf-8-sig")
    note_input(file)
    res = import_translations(sheet, text, file)
    echo_problems(res.problems)
    echo_problems(res.missing, limit=50)
    cells = sum(len(roles) for langs in res.notes.values() for roles in langs.values())
    if notes:
        from ..instruments.translations import merge_notes, notes_yaml, read_notes

        refuse_overwriting_inputs(notes, [file, sheet, *([output] if output else [])])
        merged = notes_yaml(loads(text, file).id, merge_notes(read_notes(notes), res.notes))
        release_input(notes)  # the notes file is kept up to date in place: earlier notes are merged into it
        write_text(notes, merged)
        click.echo(f"{cells} TRAPD review cell(s) kept in {notes}", err=True)
    elif cells:
        echo_problems([Problem(f"{cells} TRAPD review cell(s) (translator 1/2, review comment, adjudication) are "
                               "not kept: give --notes NOTES.yaml to keep them", "translation-notes", "warning",
                               Location(sheet))])
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
