"""``surveymod diff OLD NEW``: every change between two versions or waves of an instrument, and comparability."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..indicators.spec import indicator_variables, load_indicator_spec
from ..questionnaire import load_valid
from ..questionnaire.diff import DiffResult, diff
from .common import EXIT_PROBLEM, handles_errors, printable
from .main import cli


def _specs_near(*files: str) -> list[Path]:
    """Indicator specs shipped next to the questionnaires (``<folder>/indicators/*.yaml``)."""
    found: dict[Path, None] = {}
    for f in files:
        folder = Path(f).resolve().parent / "indicators"
        if folder.is_dir():
            for p in sorted(folder.glob("*.yaml")):
                found[p] = None
    return list(found)


def _indicator_items(specs: list[Path], ids: tuple[str, ...]) -> tuple[set[str], list[str]]:
    """Variables read by the indicators of *specs* that use either questionnaire id; and the spec files used."""
    names: set[str] = set()
    used: list[str] = []
    for p in specs:
        spec = load_indicator_spec(p)
        got: set[str] = set()
        for qid in ids:
            got |= indicator_variables(spec, qid)
        if got:
            used.append(str(p))
            names |= got
    return names, used


def render(res: DiffResult, specs: list[str]) -> str:
    """The report as plain text, grouped: metadata, added, removed, changed, then the comparability verdict."""
    lines = [f"old: {res.old_label}", f"new: {res.new_label}"]
    groups = [("Metadata", ("metadata",)), ("Added", ("added",)), ("Removed", ("removed",))]
    for title, kinds in groups:
        ch = res.of_kind(*kinds)
        if ch:
            lines.append(f"\n{title} ({len(ch)}):")
            lines += [f"  {c}" for c in ch]
    other = [c for c in res.changes if c.kind not in ("metadata", "added", "removed")]
    lines.append(f"\nChanged ({len(other)}):" if other else "\nChanged: none")
    lines += [f"  {c}" for c in other]
    lines.append("")
    if not specs:
        lines.append("Indicator items: no indicator definitions found (use --indicators SPEC).")
    else:
        lines.append(f"Indicator items: {len(res.indicator_items)} checked (from {', '.join(specs)}).")
        broken = res.not_comparable
        if broken:
            lines.append(f"NOT COMPARABLE ({len(broken)}): " + ", ".join(
                f"{k} ({', '.join(v)})" for k, v in sorted(broken.items())))
        else:
            lines.append("No break in comparability of the indicator items.")
    return "\n".join(lines)


@cli.command("diff")
@click.argument("old", type=click.Path(dir_okay=False))
@click.argument("new", type=click.Path(dir_okay=False))
@click.option("--indicators", "specs", multiple=True, type=click.Path(dir_okay=False),
              help="Indicator spec YAML whose variables must stay comparable (repeatable). Default: the specs in "
                   "an 'indicators/' folder next to the questionnaires.")
@click.option("--no-indicators", is_flag=True, help="Do not look for indicator specs.")
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON instead of text.")
@click.option("--fail-on-break/--allow-break", default=True, show_default=True,
              help="A break in comparability of an indicator item exits with status 1 (as validate does for "
                   "errors), so scripts stop on it; --allow-break reports it and exits 0.")
@handles_errors
def diff_cmd(old: str, new: str, specs: tuple[str, ...], no_indicators: bool, as_json: bool,
             fail_on_break: bool) -> None:
    """Report every change from questionnaire OLD to NEW: items added or removed, wording, codes, routing.

    Items read by indicator definitions are checked for comparability: a change of question text, codes, missing
    flags, range, routing, type or calculation makes them no longer comparable between the two versions.

    Both versions must validate (as `surveymod validate` checks them): an error in either is reported with its
    file and line. Exit status: 0 when every indicator item stays comparable, 1 when one is NOT COMPARABLE (unless
    --allow-break) or an input is wrong, 2 for a usage error.
    """
    a, b = load_valid(old), load_valid(new)  # an invalid version (unparsable routing ...) is refused, located
    paths = [] if no_indicators else ([Path(s) for s in specs] or _specs_near(old, new))
    names, used = _indicator_items(paths, (a.id, b.id))
    res = diff(a, b, names)
    if as_json:
        click.echo(json.dumps(res.to_dict() | {"indicator_specs": used}, indent=2, ensure_ascii=False))
    else:
        click.echo(printable(render(res, used)))  # wordings are the user's text: no raw controls
    if fail_on_break and res.not_comparable:
        sys.exit(EXIT_PROBLEM)
