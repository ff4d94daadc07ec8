"""Translation sheet: export every translatable string to XLSX (one row per string, one column per language) and merge
a filled sheet back into the questionnaire YAML, reporting what is still missing.

Row keys are YAML paths (``sections[0].items[2].label``, ``choices.yn[1].label``, ``...anchors.10``). The merge edits
the YAML *text* in place, node by node (found with PyYAML's composer): an existing language value is replaced, a new
language is added to the same mapping (flow ``{en: ..., mk: ...}`` or block style, as written), and a plain string
becomes ``{en: ..., mk: ...}``. Everything else in the file — comments, order, quoting, layout — is kept byte for
byte. Only non-default languages are imported; a default-language cell that differs from the YAML is reported as a
stale sheet (the source text changed after export). Built-in lists (countries) are not exported: pycountry
translates them.

TRAPD (Translation, Review, Adjudication, Pretesting, Documentation; Harkness 2003, the ESS translation guidelines):
after the language columns, each other language has the columns ``<lang> translator 1``, ``<lang> translator 2``
(the two parallel translations), ``<lang> review comment`` and ``<lang> adjudication`` (the adjudicator's decision
and name); the ``<lang>`` column itself holds the adjudicated text that goes into the YAML. On import these cells
are kept in a notes file (YAML, :func:`write_notes`), from which the next export fills them again.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..atomic import note_input
from ..errors import Location, Problem, SurveyError
from ..questionnaire.loader import loads
from ..questionnaire.model import Group, LangText, Question, Questionnaire
from ..xlsx import save
from ..yamlpos import SafeLoader12, join_path

SHEET = "translations"
FIXED = ("key", "variable", "field")
TEXT_FIELDS = ("label", "short", "hint", "instruction", "constraint_message", "unit")
TRAPD_ROLES = ("translator 1", "translator 2", "review comment", "adjudication")
"""The review columns of each non-default language, in sheet order (``mk translator 1`` ...)."""

Notes = dict[str, dict[str, dict[str, str]]]
"""TRAPD notes: YAML key of the text -> language -> role (one of :data:`TRAPD_ROLES`) -> cell text."""


def trapd_role(column: str) -> tuple[str, str] | None:
    """``(language, role)`` of a TRAPD column name such as ``mk review comment``, else None."""
    for role in TRAPD_ROLES:
        if column.endswith(" " + role) and column[: -len(role) - 1].strip():
            return column[: -len(role) - 1].strip(), role
    return None


@dataclass(frozen=True)
class TRow:
    """One translatable string: its YAML path, the variable/group/list it belongs to, the field and its texts."""

    key: str
    variable: str
    field: str
    texts: dict[str, str]


def _list_prefix(qn: Questionnaire, name: str) -> str:
    """YAML path of the codes of named list *name*: ``choices.yn`` (shorthand list) or ``choices.yn.choices``."""
    return f"choices.{name}.choices" if f"choices.{name}.choices" in qn._positions else f"choices.{name}"


def translation_rows(qn: Questionnaire) -> list[TRow]:
    """Every translatable string of *qn*, in document order."""
    rows: list[TRow] = []

    def add(path: str, variable: str, fld: str, text: LangText | None) -> None:
        if text:
            rows.append(TRow(path, variable, fld, dict(text)))

    add("title", qn.id, "title", qn.title)
    add("description", qn.id, "description", qn.description)
    for item, _ in qn.walk():
        if isinstance(item, Group):
            add(f"{item.path}.title", item.name, "title", item.title)
            continue
        assert isinstance(item, Question)
        for fld in TEXT_FIELDS:
            add(f"{item.path}.{fld}", item.name, fld, getattr(item, fld))
        for v, text in (item.anchors or {}).items():
            add(f"{item.path}.anchors.{v}", item.name, f"anchor {v}", text)
        if isinstance(item.choices, list):
            for i, c in enumerate(item.choices):
                add(f"{item.path}.choices[{i}].label", item.name, f"choice {c.code}", c.label)
    for name, cl in qn.choices.items():
        prefix = _list_prefix(qn, name)
        for i, c in enumerate(cl.choices):
            add(f"{prefix}[{i}].label", name, f"choice {c.code}", c.label)
    return rows


def build_translation_sheet(qn: Questionnaire, notes: Notes | None = None) -> bytes:
    """The translation workbook (.xlsx bytes): key, variable, field, one column per language, then the TRAPD
    review columns of each other language (filled from *notes*, e.g. those kept by the last import)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    langs = qn.languages.all
    review = [(lang, role) for lang in langs[1:] for role in TRAPD_ROLES]
    notes = notes or {}
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append([*FIXED, *langs, *[f"{lang} {role}" for lang, role in review]])
    grey = PatternFill("solid", fgColor="EDEDED")
    for j, c in enumerate(ws[1]):
        c.font = Font(bold=True)
        if j >= len(FIXED) + len(langs):
            c.fill = grey
    empty = PatternFill("solid", fgColor="FFF2CC")
    for r in translation_rows(qn):
        kept = notes.get(r.key, {})
        ws.append([r.key, r.variable, r.field, *[r.texts.get(lang, "") for lang in langs],
                   *[kept.get(lang, {}).get(role, "") for lang, role in review]])
        for j in range(len(langs) + len(review)):
            cell = ws.cell(row=ws.max_row, column=len(FIXED) + 1 + j)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if j < len(langs) and not r.texts.get(langs[j]):
                cell.fill = empty
    ws.freeze_panes = "D2"
    for col, width in zip("ABC", (38, 14, 16), strict=True):
        ws.column_dimensions[col].width = width
    for j in range(len(langs) + len(review)):
        ws.column_dimensions[get_column_letter(len(FIXED) + 1 + j)].width = 50 if j < len(langs) else 30
    about = wb.create_sheet("about")
    about.append([f"Translations of {qn.id} version {qn.version}. Fill the empty (yellow) cells, do not change "
                  "the key column, then run: surveymod translations import SHEET.xlsx QUESTIONNAIRE.yaml"])
    about.append([f"Default language: {qn.languages.default}; other languages: {', '.join(langs[1:]) or 'none'}."])
    about.append(["TRAPD review (grey columns): two translators fill '<lang> translator 1' and '<lang> translator 2'; "
                  "the reviewer writes '<lang> review comment'; the adjudicator puts the final text in the '<lang>' "
                  "column and the decision and name in '<lang> adjudication'. Import with --notes NOTES.yaml keeps "
                  "the grey columns; build --to translations --notes NOTES.yaml fills them again."])
    buf = io.BytesIO()
    save(wb, buf)
    return buf.getvalue()


# ------------------------------------------------------------------------------------------------------- import


@dataclass
class TranslationImport:
    """The merged YAML text, how many texts were added or changed, and what is still missing or suspicious."""

    text: str
    updated: int
    missing: list[Problem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: Notes = field(default_factory=dict)
    """The sheet's non-empty TRAPD cells (see :func:`merge_notes`)."""


def read_sheet(source: str | Path | bytes) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Languages and rows ``(sheet row number, {column: text})`` of a translation workbook."""
    from openpyxl import load_workbook

    from ..limits import check_sheets, regular_file

    name = str(source) if not isinstance(source, bytes) else "<sheet>"
    if not isinstance(source, bytes):
        note_input(source)
    src = io.BytesIO(source) if isinstance(source, bytes) else regular_file(source, "translation sheet")
    check_sheets(src, name)
    try:
        wb = load_workbook(src, read_only=True, data_only=True)
    except (OSError, KeyError, ValueError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise SurveyError(f"{name}: not a readable .xlsx workbook ({exc})", rule="translation-sheet") from None
    ws = wb[SHEET] if SHEET in wb.sheetnames else wb.worksheets[0]
    it = ws.iter_rows(values_only=True)
    header = [str(h).strip() if h is not None else "" for h in next(it, ())]
    if "key" not in header:
        raise SurveyError(f"{name}: the first row must hold the column names (key, variable, field, languages...)",
                          location=Location(name, row=1), rule="translation-sheet")
    langs = [h for h in header if h and h not in FIXED and trapd_role(h) is None]
    rows = []
    for n, values in enumerate(it, start=2):
        rec = {h: ("" if v is None else str(v)) for h, v in zip(header, values, strict=False) if h}
        if rec.get("key", "").strip():
            rows.append((n, rec))
    wb.close()
    return langs, rows


def _node_index(text: str) -> dict[str, yaml.Node]:
    """YAML path → composed node, with the same path scheme as the loader."""
    root = yaml.compose(text, Loader=SafeLoader12)
    out: dict[str, yaml.Node] = {}

    def rec(node: yaml.Node, path: str) -> None:
        out[path] = node
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                rec(v, join_path(path, str(k.value)))
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                rec(v, join_path(path, i))

    if root is not None:
        rec(root, "")
    return out


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _edits_for(node: yaml.Node, source: str, changes: dict[str, str], default: str,
               text: str) -> list[tuple[int, int, str]]:
    """Text edits turning *node* (a LangText) into one that holds *changes* (language → new text)."""
    if isinstance(node, yaml.ScalarNode):
        parts = [f"{default}: {_q(source)}"] + [f"{lang}: {_q(t)}" for lang, t in changes.items() if lang != default]
        end = node.end_mark.index
        repl = "{" + ", ".join(parts) + "}"
        if node.style in ("|", ">"):
            repl += "\n"
        return [(node.start_mark.index, end, repl)]
    assert isinstance(node, yaml.MappingNode)
    edits: list[tuple[int, int, str]] = []
    present = {str(k.value): v for k, v in node.value}
    new = [(lang, t) for lang, t in changes.items() if lang not in present]
    for lang, t in changes.items():
        if lang in present:
            v = present[lang]
            end = v.end_mark.index
            repl = _q(t) + ("\n" if v.style in ("|", ">") else "")
            edits.append((v.start_mark.index, end, repl))
    if new:
        if node.flow_style:
            close = text.rindex("}", node.start_mark.index, node.end_mark.index)
            j = close
            while j > node.start_mark.index and text[j - 1] in " \t\n":
                j -= 1
            sep = ", " if node.value else ""
            edits.append((j, j, sep + ", ".join(f"{lang}: {_q(t)}" for lang, t in new)))
        else:
            last = node.value[-1][1]
            at = last.end_mark.index
            indent = " " * node.value[0][0].start_mark.column
            lines = "".join(f"{indent}{lang}: {_q(t)}\n" for lang, t in new)
            if at > 0 and text[at - 1] == "\n":  # after a block scalar: already at a line start
                edits.append((at, at, lines))
            else:  # after the value's line, keeping a trailing comment on its own line
                eol = text.find("\n", at)
                eol = len(text) if eol < 0 else eol
                edits.append((eol, eol, "\n" + lines.rstrip("\n")))
    return edits


def import_translations(sheet: str | Path | bytes, yaml_text: str, file: str = "<yaml>") -> TranslationImport:
    """Merge the non-default-language texts of a filled sheet into *yaml_text*; report what is still missing."""
    sheet_name = str(sheet) if not isinstance(sheet, bytes) else "<sheet>"
    qn = loads(yaml_text, file)
    default = qn.languages.default
    declared = qn.languages.all
    langs, rows = read_sheet(sheet)
    problems: list[Problem] = []
    for lang in langs:
        if lang not in declared:
            problems.append(Problem(f"column '{lang}' is not a declared language ({', '.join(declared)}); ignored",
                                    "translation-sheet", "warning", Location(sheet_name, row=1)))
    known = {r.key: r for r in translation_rows(qn)}
    nodes = _node_index(yaml_text)
    edits: list[tuple[int, int, str]] = []
    updated = 0
    notes: Notes = {}
    for n, rec in rows:
        key = rec["key"].strip()
        for column, value in rec.items():
            role = trapd_role(column)
            if role and value.strip():
                notes.setdefault(key, {}).setdefault(role[0], {})[role[1]] = value.strip()
        row = known.get(key)
        if row is None or key not in nodes:
            problems.append(Problem(f"key '{key}' is not a translatable text of {file} (was the questionnaire "
                                    "restructured? re-export the sheet)", "translation-sheet", "warning",
                                    Location(sheet_name, row=n)))
            continue
        src = rec.get(default, "").strip()
        if default in langs and src and src != row.texts.get(default, "").strip():
            problems.append(Problem(f"the {default} text of '{key}' differs from the questionnaire (the source "
                                    "changed after export?); check the translations of this row",
                                    "translation-stale", "warning", Location(sheet_name, row=n)))
        changes = {}
        for lang in langs:
            if lang == default or lang not in declared:
                continue
            new = rec.get(lang, "").strip()
            if new and new != row.texts.get(lang, ""):
                changes[lang] = new
        if changes:
            updated += len(changes)
            edits += _edits_for(nodes[key], row.texts.get(default, ""), changes, default, yaml_text)
    out = yaml_text
    for start, end, repl in sorted(edits, key=lambda e: e[0], reverse=True):
        out = out[:start] + repl + out[end:]
    merged = loads(out, file)  # proves the result still parses and validates structurally
    missing = missing_translations(merged)
    return TranslationImport(out, updated, missing, problems, notes)


# ----------------------------------------------------------------------------------------------- TRAPD notes


def read_notes(path: str | Path) -> Notes:
    """The TRAPD notes kept by earlier imports (``{}`` if the file does not exist yet)."""
    from ..yamlpos import load_yaml

    if not Path(path).exists():
        return {}
    data, _ = load_yaml(path)
    notes = (data or {}).get("notes", {}) if isinstance(data, dict) else None
    if not isinstance(notes, dict):
        raise SurveyError(f"{path}: not a TRAPD notes file (expected a mapping 'notes: {{key: {{language: "
                          "{role: text}}}}')", rule="translation-notes")
    return {str(k): {str(lang): {str(r): str(t) for r, t in (roles or {}).items()}
                     for lang, roles in (langs or {}).items()} for k, langs in notes.items()}


def merge_notes(old: Notes, new: Notes) -> Notes:
    """*old* with the cells of *new* laid over it (a cell the new sheet leaves empty keeps its old text)."""
    out = {k: {lang: dict(roles) for lang, roles in v.items()} for k, v in old.items()}
    for key, langs in new.items():
        for lang, roles in langs.items():
            out.setdefault(key, {}).setdefault(lang, {}).update(roles)
    return out


def notes_yaml(qn_id: str, notes: Notes) -> str:
    """The notes file text: which form, then ``notes: {key: {language: {role: text}}}`` in key order."""
    body = {"form": qn_id, "notes": {k: notes[k] for k in sorted(notes)}}
    return "# TRAPD review notes of the translation sheet (written by `surveymod translations import --notes`)\n" + \
        yaml.safe_dump(body, allow_unicode=True, sort_keys=False, width=110)


def missing_translations(qn: Questionnaire) -> list[Problem]:
    """One located problem per text that has no translation in a declared language."""
    out = []
    for r in translation_rows(qn):
        for lang in qn.languages.all:
            if not r.texts.get(lang, "").strip():
                f, line, col = qn.locate(r.key)
                out.append(Problem(f"no '{lang}' text for {r.field} of '{r.variable}'", "translation-missing",
                                   "warning", Location(f, line, col, r.key)))
    return out


def sheet_texts(sheet: str | Path | bytes) -> dict[str, dict[str, Any]]:
    """``{key: {column: text}}`` of a sheet (for tests and inspection)."""
    _, rows = read_sheet(sheet)
    return {rec["key"]: rec for _, rec in rows}
