"""Target registry: a questionnaire in, named file contents out; only :func:`write_build` touches the disk.

Targets: ``xlsform`` (``<id>.xlsx``, plus ``<id>_sample_template.csv`` when the form preloads from a sample file),
``paper`` (``<id>_paper[_<lang>].html``), ``pdf`` (``<id>_paper[_<lang>].pdf``, needs the optional WeasyPrint; ``all`` skips it with a warning when missing), ``spss`` (``<id>[_<lang>].sps``),
``stata`` (``<id>.do``), ``codebook`` (``<id>_codebook[_<lang>].md`` and ``.html``), ``ddi`` (``<id>_ddi.xml``),
``translations`` (``<id>_translations.xlsx``) and ``all``. Per-language targets build every questionnaire language
unless languages are given; file names carry the language code except for the default language.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..atomic import inside, refuse_overwriting_inputs, write_bytes, write_text
from ..errors import Location, Problem, SurveyError
from ..questionnaire.model import Questionnaire


@dataclass
class BuildOutput:
    """Files produced by a build (name → text or bytes) and the warnings to show the user."""

    files: dict[str, str | bytes] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def merge(self, other: BuildOutput) -> BuildOutput:
        self.files.update(other.files)
        self.problems += other.problems
        return self


def _suffix(qn: Questionnaire, lang: str) -> str:
    return "" if lang == qn.languages.default else f"_{lang}"


def _located(qn: Questionnaire, problems: list[Problem]) -> list[Problem]:
    """Give problems that only name a variable the YAML file/line of that variable."""
    out = []
    for p in problems:
        loc = p.location
        if loc.file is None and loc.variable:
            base = loc.variable
            for q in qn.questions():
                if base == q.name or base.startswith(q.name + "_") or base == q.choices:
                    file, line, col = qn.locate(q.path)
                    loc = Location(file, line, col, q.path, variable=loc.variable)
                    break
        out.append(Problem(p.message, p.rule, p.severity, loc))
    return out


def _xlsform(qn: Questionnaire, langs: list[str]) -> BuildOutput:
    from .xlsform import build_xlsform, sample_template

    out = BuildOutput({f"{qn.id}.xlsx": build_xlsform(qn)})
    if qn.sample:  # the header of the media file the preloads read (fill it, attach it as sample.file)
        out.files[f"{qn.id}_{qn.sample.file[:-4]}_template.csv"] = sample_template(qn)
    return out


def _paper(qn: Questionnaire, langs: list[str]) -> BuildOutput:
    from .paper import build_paper

    return BuildOutput({f"{qn.id}_paper{_suffix(qn, lang)}.html": build_paper(qn, lang) for lang in langs})


def _pdf(qn: Questionnaire, langs: list[str]) -> BuildOutput:
    from .pdf import build_pdf

    return BuildOutput({f"{qn.id}_paper{_suffix(qn, lang)}.pdf": build_pdf(qn, lang) for lang in langs})


def _spss(qn: Questionnaire, langs: list[str]) -> BuildOutput:
    from .spss import build_spss

    out = BuildOutput()
    for lang in langs:
        s = build_spss(qn, lang)
        out.files[f"{qn.id}{_suffix(qn, lang)}.sps"] = s.text
        out.problems += _located(qn, s.problems)
    return out


def _stata(qn: Questionnaire, langs: list[str]) -> BuildOutput:
    from .stata import build_stata

    s = build_stata(qn)
    return BuildOutput({f"{qn.id}.do": s.text}, _located(qn, s.problems))


def _codebook(qn: Questionnaire, langs: list[str]) -> BuildOutput:
    from .codebook import build_codebook_html, build_codebook_markdown

    out = BuildOutput()
    for lang in langs:
        out.files[f"{qn.id}_codebook{_suffix(qn, lang)}.md"] = build_codebook_markdown(qn, lang)
        out.files[f"{qn.id}_codebook{_suffix(qn, lang)}.html"] = build_codebook_html(qn, lang)
    return out


def _ddi(qn: Questionnaire, langs: list[str]) -> BuildOutput:
    from .ddi import build_ddi

    return BuildOutput({f"{qn.id}_ddi.xml": build_ddi(qn)})


def _translations(qn: Questionnaire, langs: list[str]) -> BuildOutput:
    from .translations import build_translation_sheet

    return BuildOutput({f"{qn.id}_translations.xlsx": build_translation_sheet(qn)})


TARGETS: dict[str, Callable[[Questionnaire, list[str]], BuildOutput]] = {
    "xlsform": _xlsform,
    "paper": _paper,
    "pdf": _pdf,
    "spss": _spss,
    "stata": _stata,
    "codebook": _codebook,
    "ddi": _ddi,
    "translations": _translations,
}
"""Builder of each target: ``(questionnaire, languages) -> BuildOutput``."""


def build(qn: Questionnaire, targets: Iterable[str], langs: Iterable[str] | None = None) -> BuildOutput:
    """Build *targets* (``all`` for every one) in *langs* (default: every questionnaire language)."""
    names = list(targets)
    every = "all" in names
    if every:
        names = list(TARGETS)
    chosen = list(langs) if langs else qn.languages.all
    for lang in chosen:
        if lang not in qn.languages.all:
            raise SurveyError(f"language '{lang}' is not declared in {qn.file or qn.id} "
                              f"(languages: {', '.join(qn.languages.all)})", rule="unknown-language")
    out = BuildOutput()
    for name in names:
        if name not in TARGETS:
            raise SurveyError(f"unknown build target '{name}' (targets: {', '.join(TARGETS)}, all)",
                              rule="unknown-target")
        try:
            out.merge(TARGETS[name](qn, chosen))
        except SurveyError as exc:  # `all` on a base install: every other target, and say how to get the PDF
            if not (name == "pdf" and every and exc.problems[0].rule == "pdf-renderer-missing"):
                raise
            out.problems.append(Problem(f"PDF not built: {exc.problems[0].message}", "pdf-renderer-missing",
                                        "warning"))
    unique: dict[str, Problem] = {}
    for p in out.problems:  # the same shortened label in several languages (untranslated texts) is shown once
        unique.setdefault(str(p), p)
    out.problems = list(unique.values())
    return out


def write_build(out: BuildOutput, directory: str | Path, inputs: Iterable[str | Path] = ()) -> list[Path]:
    """Write every file of *out* into *directory* atomically, never over one of *inputs*."""
    d = Path(directory)
    written = []
    for name, content in out.files.items():
        target = inside(d, name)
        refuse_overwriting_inputs(target, inputs)
        if isinstance(content, bytes):
            write_bytes(target, content)
        else:
            write_text(target, content)
        written.append(target)
    return written
