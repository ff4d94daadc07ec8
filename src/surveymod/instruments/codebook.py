"""Human codebook in Markdown and HTML: every variable with its label, question, codes, missing values, universe
(routing in words) and source, grouped by data file (top level, then each roster).

Both renderers read one neutral structure (:func:`codebook_entries`) so the two formats always agree.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from ..questionnaire.model import Questionnaire
from .labels import MISSING_KIND_LABEL, NO_LIMITS, VariableMeta, data_dictionary
from .routing import universe_words


@dataclass
class Entry:
    """One variable as the codebook shows it."""

    name: str
    label: str
    question: str
    type: str
    format: str
    measure: str
    universe: str
    codes: list[tuple[int, str, str]] = field(default_factory=list)  # code, label, missing kind or ''
    details: list[tuple[str, str]] = field(default_factory=list)  # (heading, text)


@dataclass
class FileSection:
    """One data file (level) and its variables."""

    file: str
    description: str
    entries: list[Entry]


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def _entry(qn: Questionnaire, v: VariableMeta, lang: str) -> Entry:
    q = v.question
    details: list[tuple[str, str]] = []
    if v.is_dummy:
        details.append(("Derived", f"1 if code {v.dummy_code} was chosen at {v.dummy_of}, 0 if not; "
                                   "missing if the question was not asked."))
    if (q.min is not None or q.max is not None) and v.qtype not in ("scale", "dummy"):
        rng = f"{_num(q.min) if q.min is not None else '…'} to {_num(q.max) if q.max is not None else '…'}"
        details.append(("Valid range", rng))
    if q.unit and not v.is_dummy:
        details.append(("Unit", qn.text(q.unit, lang)))
    if q.hint and not v.is_dummy:
        details.append(("Hint", qn.text(q.hint, lang)))
    if q.instruction and not v.is_dummy:
        details.append(("Interviewer instruction", qn.text(q.instruction, lang)))
    if q.constraint and not v.is_dummy:
        details.append(("Constraint", q.constraint))
    if q.calculation:
        details.append(("Calculation", q.calculation))
    if q.source:
        parts = [p for p in (q.source.ref, f"variable {q.source.variable}" if q.source.variable else None,
                             q.source.note, None if q.source.standard else "programme-specific") if p]
        details.append(("Source", "; ".join(parts)))
    codes = [(c, lab, v.missing.get(c, "")) for c, lab in v.value_labels.items()]
    qtype = "select_multiple dummy" if v.is_dummy else q.type
    return Entry(
        name=v.name, label=v.label, question=qn.text(q.label, lang) if q.label and not v.is_dummy else "",
        type=qtype, format=v.spss_format, measure=v.measure,
        universe=universe_words(qn, q.name, lang) or "All respondents",
        codes=codes, details=details)


def codebook_entries(qn: Questionnaire, lang: str | None = None) -> list[FileSection]:
    """The codebook content in *lang*: one section per data file with one entry per variable."""
    lang = lang or qn.languages.default
    d = data_dictionary(qn, lang, NO_LIMITS)
    out = []
    for level in d.levels:
        if level.roster is None:
            desc = "One row per respondent (top level)."
        else:
            desc = f"One row per {level.roster} row" + (
                f", linked to the top level by {', '.join(level.ids)}." if level.ids else ".")
        out.append(FileSection(f"{level.name}.csv", desc, [_entry(qn, v, lang) for v in level.variables]))
    return out


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def build_codebook_markdown(qn: Questionnaire, lang: str | None = None) -> str:
    """The codebook as Markdown."""
    lang = lang or qn.languages.default
    lines = [f"# Codebook: {qn.text(qn.title, lang)}", "",
             f"- Form id: `{qn.id}`; version {qn.version}; languages: {', '.join(qn.languages.all)}"
             f" (this codebook: {lang})"]
    if qn.description:
        lines.append(f"- Description: {qn.text(qn.description, lang)}")
    for s in qn.sources:
        lines.append(f"- Source: {s}")
    lines.append("- Missing-value kinds: codes flagged as don't know, refusal, not applicable, no answer or not "
                 "stated are user-missing in SPSS and extended missing (.a, .b, …) in Stata.")
    lines.append("")
    for sec in codebook_entries(qn, lang):
        lines += [f"## File `{sec.file}`", "", sec.description, "",
                  "| Variable | Label | Type | Format |", "|---|---|---|---|"]
        lines += [f"| `{e.name}` | {_md(e.label)} | {e.type} | {e.format} |" for e in sec.entries]
        lines.append("")
        for e in sec.entries:
            lines += [f"### `{e.name}`: {_md(e.label)}", ""]
            if e.question:
                lines += [f"> {_md(e.question)}", ""]
            lines.append(f"- Type: {e.type}; format {e.format}; measurement level {e.measure}")
            lines.append(f"- Universe: {e.universe}")
            lines += [f"- {h}: {_md(t)}" for h, t in e.details]
            lines.append("")
            if e.codes:
                lines += ["| Code | Label | Missing |", "|---:|---|---|"]
                lines += [f"| {c} | {_md(lab)} | {MISSING_KIND_LABEL.get(kind, kind)} |" for c, lab, kind in e.codes]
                lines.append("")
    return "\n".join(lines).rstrip() + "\n"


_CSS = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; line-height: 1.4; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { border: 1px solid #bbb; padding: .2rem .5rem; text-align: left; vertical-align: top; }
td.code { text-align: right; }
tr.missing td { color: #7a4b00; font-style: italic; }
blockquote { margin: .3rem 0; padding-left: .8rem; border-left: 3px solid #ccc; }
h3 code, td code { font-size: 1em; }
@media print { h2 { page-break-before: always; } }
"""


def build_codebook_html(qn: Questionnaire, lang: str | None = None) -> str:
    """The codebook as one self-contained HTML page."""
    lang = lang or qn.languages.default
    esc = html.escape
    title = esc(qn.text(qn.title, lang))
    p = [f'<!DOCTYPE html>\n<html lang="{esc(lang)}">\n<head>\n<meta charset="utf-8">',
         f"<title>Codebook: {title}</title>\n<style>{_CSS}</style>\n</head>\n<body>",
         f"<h1>Codebook: {title}</h1>", "<ul>",
         f"<li>Form id <code>{esc(qn.id)}</code>; version {esc(qn.version)}; languages "
         f"{esc(', '.join(qn.languages.all))} (this codebook: {esc(lang)})</li>"]
    if qn.description:
        p.append(f"<li>Description: {esc(qn.text(qn.description, lang))}</li>")
    p += [f"<li>Source: {esc(s)}</li>" for s in qn.sources]
    p.append("</ul>")
    for sec in codebook_entries(qn, lang):
        p += [f"<h2>File <code>{esc(sec.file)}</code></h2>", f"<p>{esc(sec.description)}</p>",
              "<table><thead><tr><th>Variable</th><th>Label</th><th>Type</th><th>Format</th></tr></thead><tbody>"]
        p += [f'<tr><td><a href="#var-{esc(e.name)}"><code>{esc(e.name)}</code></a></td><td>{esc(e.label)}</td>'
              f"<td>{esc(e.type)}</td><td>{esc(e.format)}</td></tr>" for e in sec.entries]
        p.append("</tbody></table>")
        for e in sec.entries:
            p.append(f'<section id="var-{esc(e.name)}"><h3><code>{esc(e.name)}</code>: {esc(e.label)}</h3>')
            if e.question:
                p.append(f"<blockquote>{esc(e.question)}</blockquote>")
            p.append("<ul>")
            p.append(f"<li>Type: {esc(e.type)}; format {esc(e.format)}; measurement level {esc(e.measure)}</li>")
            p.append(f"<li>Universe: {esc(e.universe)}</li>")
            p += [f"<li>{esc(h)}: {esc(t)}</li>" for h, t in e.details]
            p.append("</ul>")
            if e.codes:
                p.append("<table><thead><tr><th>Code</th><th>Label</th><th>Missing</th></tr></thead><tbody>")
                for c, lab, kind in e.codes:
                    cls = ' class="missing"' if kind else ""
                    p.append(f'<tr{cls}><td class="code">{c}</td><td>{esc(lab)}</td>'
                             f"<td>{esc(MISSING_KIND_LABEL.get(kind, kind))}</td></tr>")
                p.append("</tbody></table>")
            p.append("</section>")
    p.append("</body>\n</html>\n")
    return "\n".join(p)
