"""Human codebook in Markdown and HTML: every variable with its label, question, codes, missing values, universe
(routing in words) and source, grouped by data file (top level, then each roster).

Both renderers read one neutral structure (:func:`codebook_entries`) so the two formats always agree. Every frame
word (headings, "Universe", "All respondents", missing-value kinds ...) comes from :mod:`.phrases` in the
codebook's language, so a Macedonian or Albanian codebook has no English frame text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..questionnaire.model import Questionnaire
from ..syntax.html import html_text
from ..syntax.markdown import md_text
from .labels import NO_LIMITS, VariableMeta, data_dictionary
from .phrases import PHRASES, phrase
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
        details.append((phrase("derived", lang), phrase("dummy_rule", lang, code=v.dummy_code, of=v.dummy_of)))
    if (q.min is not None or q.max is not None) and v.qtype not in ("scale", "dummy"):
        rng = phrase("range", lang, lo=_num(q.min) if q.min is not None else "…",
                     hi=_num(q.max) if q.max is not None else "…")
        details.append((phrase("valid_range", lang), rng))
    if q.unit and not v.is_dummy:
        details.append((phrase("unit", lang), qn.text(q.unit, lang)))
    if q.hint and not v.is_dummy:
        details.append((phrase("hint", lang), qn.text(q.hint, lang)))
    if q.instruction and not v.is_dummy:
        details.append((phrase("instruction", lang), qn.text(q.instruction, lang)))
    if q.constraint and not v.is_dummy:
        details.append((phrase("constraint", lang), q.constraint))
    if q.calculation:
        details.append((phrase("calculation", lang), q.calculation))
    if q.source:
        variable = phrase("source_variable", lang, name=q.source.variable) if q.source.variable else None
        parts = [p for p in (q.source.ref, variable, q.source.note,
                             None if q.source.standard else phrase("programme_specific", lang)) if p]
        details.append((phrase("source", lang), "; ".join(parts)))
    codes = [(c, lab, phrase(kind, lang) if kind in PHRASES else kind) for c, lab in v.value_labels.items()
             for kind in [v.missing.get(c, "")]]
    qtype = phrase("dummy_type", lang) if v.is_dummy else q.type
    measure = phrase(v.measure, lang) if v.measure in PHRASES else v.measure
    return Entry(
        name=v.name, label=v.label, question=qn.text(q.label, lang) if q.label and not v.is_dummy else "",
        type=qtype, format=v.spss_format, measure=measure,
        universe=universe_words(qn, q.name, lang) or phrase("all_respondents", lang),
        codes=codes, details=details)


def codebook_entries(qn: Questionnaire, lang: str | None = None) -> list[FileSection]:
    """The codebook content in *lang*: one section per data file with one entry per variable."""
    lang = lang or qn.languages.default
    d = data_dictionary(qn, lang, NO_LIMITS)
    out = []
    for level in d.levels:
        if level.roster is None:
            desc = phrase("top_level", lang)
        elif level.ids:
            desc = phrase("roster_level_ids", lang, roster=level.roster, ids=", ".join(level.ids))
        else:
            desc = phrase("roster_level", lang, roster=level.roster)
        out.append(FileSection(f"{level.name}.csv", desc, [_entry(qn, v, lang) for v in level.variables]))
    return out


def build_codebook_markdown(qn: Questionnaire, lang: str | None = None) -> str:
    """The codebook as Markdown."""
    lang = lang or qn.languages.default
    w = {k: phrase(k, lang) for k in ("description", "source", "variable", "label", "type", "format", "code",
                                        "missing", "universe")}
    lines = [f"# {phrase('codebook', lang, title=md_text(qn.text(qn.title, lang)))}", "",
             "- " + phrase("form_line", lang, id=f"`{qn.id}`", version=qn.version,
                           langs=", ".join(qn.languages.all), this=lang)]
    if qn.description:
        lines.append(f"- {w['description']}: {md_text(qn.text(qn.description, lang))}")
    for s in qn.sources:
        lines.append(f"- {w['source']}: {md_text(s)}")
    lines.append("- " + phrase("missing_kinds", lang))
    lines.append("")
    for sec in codebook_entries(qn, lang):
        lines += [f"## {phrase('file', lang, file=f'`{sec.file}`')}", "", md_text(sec.description), "",
                  f"| {w['variable']} | {w['label']} | {w['type']} | {w['format']} |", "|---|---|---|---|"]
        lines += [f"| `{e.name}` | {md_text(e.label)} | {e.type} | {e.format} |" for e in sec.entries]
        lines.append("")
        for e in sec.entries:
            lines += [f"### `{e.name}`: {md_text(e.label)}", ""]
            if e.question:
                lines += [f"> {md_text(e.question)}", ""]
            lines.append("- " + phrase("type_line", lang, type=e.type, format=e.format, measure=e.measure))
            lines.append(f"- {w['universe']}: {md_text(e.universe)}")
            lines += [f"- {h}: {md_text(t)}" for h, t in e.details]
            lines.append("")
            if e.codes:
                lines += [f"| {w['code']} | {w['label']} | {w['missing']} |", "|---:|---|---|"]
                lines += [f"| {c} | {md_text(lab)} | {kind} |" for c, lab, kind in e.codes]
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
    esc = html_text
    title = esc(qn.text(qn.title, lang))
    w = {k: esc(phrase(k, lang)) for k in ("description", "source", "variable", "label", "type", "format", "code",
                                             "missing", "universe")}
    heading = phrase("codebook", lang, title=title)  # title is escaped already
    p = [f'<!DOCTYPE html>\n<html lang="{esc(lang)}">\n<head>\n<meta charset="utf-8">',
         f"<title>{heading}</title>\n<style>{_CSS}</style>\n</head>\n<body>",
         f"<h1>{heading}</h1>", "<ul>",
         "<li>" + f"<code>{esc(qn.id)}</code>".join(esc(part) for part in phrase(
             "form_line", lang, id="\0", version=qn.version, langs=", ".join(qn.languages.all), this=lang).split("\0"))
         + "</li>"]
    if qn.description:
        p.append(f"<li>{w['description']}: {esc(qn.text(qn.description, lang))}</li>")
    p += [f"<li>{w['source']}: {esc(s)}</li>" for s in qn.sources]
    p.append(f"<li>{esc(phrase('missing_kinds', lang))}</li>")
    p.append("</ul>")
    for sec in codebook_entries(qn, lang):
        file_heading = f"<code>{esc(sec.file)}</code>".join(esc(part) for part in phrase("file", lang, file="\0")
                                                             .split("\0"))
        p += [f"<h2>{file_heading}</h2>", f"<p>{esc(sec.description)}</p>",
              f"<table><thead><tr><th>{w['variable']}</th><th>{w['label']}</th><th>{w['type']}</th>"
              f"<th>{w['format']}</th></tr></thead><tbody>"]
        p += [f'<tr><td><a href="#var-{esc(e.name)}"><code>{esc(e.name)}</code></a></td><td>{esc(e.label)}</td>'
              f"<td>{esc(e.type)}</td><td>{esc(e.format)}</td></tr>" for e in sec.entries]
        p.append("</tbody></table>")
        for e in sec.entries:
            p.append(f'<section id="var-{esc(e.name)}"><h3><code>{esc(e.name)}</code>: {esc(e.label)}</h3>')
            if e.question:
                p.append(f"<blockquote>{esc(e.question)}</blockquote>")
            p.append("<ul>")
            p.append(f"<li>{esc(phrase('type_line', lang, type=e.type, format=e.format, measure=e.measure))}</li>")
            p.append(f"<li>{w['universe']}: {esc(e.universe)}</li>")
            p += [f"<li>{esc(h)}: {esc(t)}</li>" for h, t in e.details]
            p.append("</ul>")
            if e.codes:
                p.append(f"<table><thead><tr><th>{w['code']}</th><th>{w['label']}</th><th>{w['missing']}</th>"
                         "</tr></thead><tbody>")
                for c, lab, kind in e.codes:
                    cls = ' class="missing"' if kind else ""
                    p.append(f'<tr{cls}><td class="code">{c}</td><td>{esc(lab)}</td>'
                             f"<td>{esc(kind)}</td></tr>")
                p.append("</tbody></table>")
            p.append("</section>")
    p.append("</body>\n</html>\n")
    return "\n".join(p)
