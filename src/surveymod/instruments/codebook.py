"""Human codebook in Markdown and HTML: every variable with its label, question, codes, missing values, universe
(routing in words) and source, grouped by data file (top level, then each roster).

Both renderers read one neutral structure (:func:`codebook_entries`) so the two formats always agree. Every frame
word (headings, "Universe", "All respondents", missing-value kinds ...) comes from
:mod:`surveymod.questionnaire.phrases` in the codebook's language, so a Macedonian or Albanian codebook has no
English frame text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..questionnaire.dictionary import NO_LIMITS, VariableMeta, data_dictionary
from ..questionnaire.model import Questionnaire
from ..questionnaire.phrases import PHRASES, phrase
from ..syntax.markdown import md_text
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


def build_codebook_html(qn: Questionnaire, lang: str | None = None) -> str:
    """The codebook as one self-contained HTML page."""
    from ..templates import render

    lang = lang or qn.languages.default
    w = {k: phrase(k, lang) for k in ("description", "source", "variable", "label", "type", "format", "code",
                                      "missing", "universe")}
    sections = [{"file": sec.file, "description": sec.description, "entries": sec.entries,
                 "heading": phrase("file", lang, file="\0").split("\0")} for sec in codebook_entries(qn, lang)]
    return render("codebook.html", page="codebook", lang=lang,
                  title=phrase("codebook", lang, title=qn.text(qn.title, lang)), w=w, form_id=qn.id,
                  form_line=phrase("form_line", lang, id="\0", version=qn.version, langs=", ".join(qn.languages.all),
                                   this=lang).split("\0"),
                  description=qn.text(qn.description, lang) if qn.description else None, sources=qn.sources,
                  missing_kinds=phrase("missing_kinds", lang), sections=sections,
                  type_line=lambda e: phrase("type_line", lang, type=e.type, format=e.format, measure=e.measure))
