"""Import an XLSForm (.xlsx, .xls, or the .csv/.md forms pyxform reads) as a surveymod questionnaire.

The inverse of :mod:`surveymod.instruments.xlsform`. pyxform reads the workbook (its own readers) and must accept the
form; each row then becomes a group, roster or question. XPath is translated into the condition language where the
grammar says the same thing (:mod:`.xpath`); what it cannot say is kept verbatim in the item's ``xlsform`` cells,
reported as a warning with its sheet, row and column, and written back unchanged by ``build --to xlsform``. Types,
columns and settings surveymod does not model are kept the same way, so nothing is dropped.

Names that are not valid SPSS/Stata variable names become valid ones by one rule (:func:`variable_name`); the
XLSForm name is kept in ``xlsform.name`` and is what the builder writes and what the data reader matches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..atomic import note_input
from ..errors import Location, Problem, SurveyError
from ..limits import MAX_FORM_CHOICES, MAX_FORM_ROWS, MAX_NESTING, check_sheets, read_capped, regular_file
from .names import SPSS_RESERVED, STATA_RESERVED, name_problem
from .xpath import translate

FORM_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv", ".md")
"""Files ``validate``, ``diff``, ``check`` and ``export`` import on the fly as XLSForms."""

_SURVEY_ALIASES = {
    "relevance": "relevant", "bind:relevant": "relevant", "bind::relevant": "relevant",
    "bind:constraint": "constraint", "bind::constraint": "constraint",
    "constraining_message": "constraint_message", "bind:jr:constraintmsg": "constraint_message",
    "bind::jr:constraintmsg": "constraint_message", "jr:constraintmsg": "constraint_message",
    "calculate": "calculation", "bind:calculate": "calculation", "bind::calculate": "calculation",
    "bind:required": "required", "bind::required": "required",
    "control:appearance": "appearance", "control::appearance": "appearance", "body:appearance": "appearance",
    "count": "repeat_count", "jr:count": "repeat_count", "control:jr:count": "repeat_count",
    "control::jr:count": "repeat_count", "caption": "label", "command": "type", "tag": "name", "value": "name",
    "guidance hint": "guidance_hint",
}
_TEXT = {"label": "label", "hint": "hint", "guidance_hint": "instruction", "constraint_message": "constraint_message"}
_XPATH_CELLS = ("relevant", "constraint", "calculation", "repeat_count", "choice_filter", "required", "readonly",
                "trigger")
_TYPE_ALIASES = {"int": "integer", "string": "text", "select1": "select_one", "select one": "select_one",
                 "select all that apply": "select_multiple", "select multiple": "select_multiple",
                 "begin group": "begin_group", "begin repeat": "begin_repeat", "end group": "end_group",
                 "end repeat": "end_repeat", "begin lgroup": "begin_repeat", "end lgroup": "end_repeat"}
_TRANSLATABLE = {"label", "hint", "guidance_hint", "constraint_message", "required_message", "image", "audio",
                 "video", "big-image", "caption"}
_NO = {"no", "false", "false()", "0", ""}
_KEYWORDS = {"and", "or", "not", "in", "mod", "div", "true", "false"}


@dataclass
class XLSFormImport:
    """The questionnaire as plain data (what the YAML holds), the located warnings, and the form it came from."""

    data: dict[str, Any]
    warnings: list[Problem] = field(default_factory=list)
    rows: dict[str, tuple[str, int]] = field(default_factory=dict)
    """YAML path of each item → (sheet, row) it came from, to locate validation messages in the form."""


# ------------------------------------------------------------------------------------------------------ names


def variable_name(xlsform_name: str, taken: set[str], room: int = 0) -> str:
    """The variable name an XLSForm name becomes (the one rule, listed in the syntax files):

    every character other than a letter, digit or '_' becomes '_'; a name that does not start with a letter gets
    the prefix 'v'; an SPSS/Stata reserved word or condition-language keyword gets a trailing '_'; a name longer
    than 31 characters (minus *room*, kept free for select_multiple dummy suffixes such as '_12') is cut; a name
    already taken (case-insensitive) is cut further and numbered '_2', '_3' ... (listed by :data:`NAME_RULE`).
    """
    name = re.sub(r"[^A-Za-z0-9_]", "_", xlsform_name.strip())
    if not re.match(r"[A-Za-z]", name):
        name = "v" + name
    if name.upper() in SPSS_RESERVED or name in STATA_RESERVED or name.lower() in _KEYWORDS \
            or name.lower() in {"byte", "double", "float", "int", "long", "if", "in", "using", "with", "strl"}:
        name += "_"
    limit = 31 - room  # 31: ReadStat refuses a 32-character Stata value-label name, named after the variable
    name = name[:limit]
    out, i = name, 2
    while out.lower() in taken:
        suffix = f"_{i}"
        out, i = name[:limit - len(suffix)] + suffix, i + 1
    taken.add(out.lower())
    return out


NAME_RULE = ("XLSForm names that are not SPSS/Stata variable names were renamed by one rule: characters other "
             "than letters, digits and '_' become '_'; 'v' is put before a name that does not start with a letter; "
             "'_' is added to a reserved word; names are cut to 31 characters (fewer for select_multiple, so that "
             "the dummies '<name>_<code>' fit); a name already taken gets '_2', '_3' and so on")


def renamed(qn: Any) -> list[tuple[str, str]]:
    """(XLSForm name, variable name) of every renamed item of an imported questionnaire, in document order."""
    return [(it.xlsform["name"], it.name) for it, _ in qn.walk() if it.xlsform and it.xlsform.get("name")]


def syntax_note(qn: Any) -> list[str]:
    """Comment lines (without the comment marker) listing the renamed variables, for the .sps/.do files."""
    pairs = renamed(qn)
    if not pairs:
        return []
    return [NAME_RULE, *(f"  {old} -> {new}" for old, new in pairs)]


# ------------------------------------------------------------------------------------------------------ reading


def _question_types() -> set[str]:
    from pyxform.question_type_dictionary import QUESTION_TYPE_DICT as types

    return set(types)


def _read(path: Path) -> Any:
    """The form as pyxform reads it; a form pyxform refuses is a SurveyError located at its sheet and row."""
    from pyxform.builder import create_survey_element_from_dict
    from pyxform.errors import PyXFormError
    from pyxform.xls2json import workbook_to_json
    from pyxform.xls2json_backends import get_xlsform

    _refuse_oversized(path)
    book = None
    try:
        book = get_xlsform(str(path))
        js = workbook_to_json(book, form_name=None, fallback_form_name=path.stem, warnings=[])
        create_survey_element_from_dict(js)  # what pyxform refuses when it builds the XForm (unknown types ...)
    except PyXFormError as exc:
        problem = _pyxform_problem(path, str(exc))
        typ = re.search(r"Unknown question type '([^']*)'", str(exc))
        if typ and book is not None and problem.location.row is None:  # pyxform gives no row: find it
            row = next((i + 2 for i, r in enumerate(book.survey or [])
                        if r and str(r.get("type", "")).strip() == typ.group(1)), None)
            problem = Problem(problem.message, problem.rule, "error",
                              Location(file=str(path), path="survey", row=row, variable="type"))
        raise SurveyError([problem]) from None
    except Exception as exc:  # noqa: BLE001 - xlrd/openpyxl/csv errors on a damaged file
        raise SurveyError([Problem(f"pyxform cannot read this form: {exc}", "xlsform-refused", "error",
                                   Location(file=str(path)))]) from None
    return book


def _refuse_oversized(path: Path) -> None:
    """Refuse, before pyxform reads it, a form with more rows than ``MAX_FORM_ROWS`` questions or
    ``MAX_FORM_CHOICES`` choices, a zip bomb, a sheet spanning too many cells or a FIFO (time and memory stay
    bounded)."""
    from openpyxl import load_workbook

    regular_file(path, "form")
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        if path.suffix.lower() in (".csv", ".md"):
            lines = read_capped(path, 64 * 1024 * 1024, "form").count(b"\n")
            if lines > MAX_FORM_ROWS + MAX_FORM_CHOICES:
                raise SurveyError(Problem(f"the form has {lines:,} lines, more than the {MAX_FORM_ROWS:,} questions "
                                          f"and {MAX_FORM_CHOICES:,} choices a form may have", "xlsform-too-large",
                                          location=Location(file=str(path))))
        return
    check_sheets(path, str(path))
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - a damaged workbook: pyxform says why, located, below
        return
    try:
        for ws in wb.worksheets:
            limit = {"survey": MAX_FORM_ROWS, "choices": MAX_FORM_CHOICES}.get(ws.title.strip().lower())
            if limit is None:
                continue
            ws.reset_dimensions()  # the declared <dimension> is not trusted
            filled = 0
            for n, row in enumerate(ws.iter_rows(values_only=True), start=1):
                if any(v is not None and str(v).strip() for v in row):
                    filled += 1
                    if filled > limit + 1:
                        raise SurveyError(Problem(
                            f"the {ws.title} sheet has more than {limit:,} rows, the most a form may have; split "
                            "the form", "xlsform-too-large", location=Location(file=str(path), path=ws.title,
                                                                               row=n)))
    finally:
        wb.close()


def _pyxform_problem(path: Path, message: str) -> Problem:
    # pyxform's "[row : N]" is a survey row unless the message names another sheet as its place ("On the
    # 'choices' sheet ..."); "List name not in choices sheet" is said of a survey row
    sheet = re.search(r"(?:on|in) the '?(survey|choices|settings|external_choices|entities)'? sheet", message,
                      re.IGNORECASE) or re.search(r"sheet:? '(survey|choices|settings|external_choices|entities)'",
                                                  message, re.IGNORECASE)
    row = re.search(r"row\s*[:#]?\s*'?(\d+)", message, re.IGNORECASE)
    return Problem(f"pyxform refuses the form: {' '.join(message.split())}", "xlsform-refused", "error",
                   Location(file=str(path), path=sheet.group(1) if sheet else "survey",
                            row=int(row.group(1)) if row else None))


def _split(column: str) -> tuple[str, str | None]:
    """``label::English (en)`` → ('label', 'English (en)'); ``bind:relevant`` → ('relevant', None)."""
    col = column.strip()
    base, sep, lang = col.partition("::")
    if not sep and ":" in col and col.split(":", 1)[0].strip().lower() in _TRANSLATABLE:
        base, sep, lang = col.partition(":")  # label:english, as older forms write it
    low = base.strip().lower()
    if sep and low in ("bind", "control", "body") and lang:  # bind::relevant
        low, lang, sep = f"{low}::{lang.strip().lower()}", "", ""
    low = _SURVEY_ALIASES.get(low, low)
    if low in ("media", "media:image", "media:audio", "media:video"):
        return col, None
    return low, (lang.strip() if sep else None)


def _language_code(suffix: str) -> str:
    m = re.search(r"\(([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)*)\)\s*$", suffix)
    if m:
        return m.group(1)
    try:
        import pycountry

        found = pycountry.languages.lookup(suffix.strip())
        return getattr(found, "alpha_2", None) or found.alpha_3
    except LookupError:
        return re.sub(r"[^a-z0-9]+", "_", suffix.lower()).strip("_") or "und"


# ------------------------------------------------------------------------------------------------------ import


class _Importer:
    def __init__(self, path: Path, book: Any) -> None:
        self.path = path
        self.book = book
        self.warnings: list[Problem] = []
        self.rows: dict[str, tuple[str, int]] = {}
        self.settings = {str(k).strip().lower(): str(v) for k, v in ((book.settings or [{}])[0] or {}).items()
                         if v is not None and str(v).strip() != ""}
        self.lang_of: dict[str, str] = {}  # column suffix ('' = none) → language code
        self.taken: set[str] = set()
        self.names: dict[str, str] = {}  # XLSForm name → variable name
        self.lists: dict[str, list[dict[str, Any]]] = {}
        self.list_names: dict[str, dict[str, int]] = {}  # list → choice name → code
        self.verbatim_columns: dict[str, int] = {}
        self.same_texts: dict[tuple[str, str, str], int] = {}  # (sheet, column dropped, column kept) → rows
        self.item_rows: dict[int, int] = {}
        self.declared: dict[int, str] = {}  # id(item dict) → its bind::type
        self.first_row: dict[str, int] = {}  # XLSForm name → the survey row that first uses it
        self.row_names: dict[int, str] = {}  # survey row → variable name, for a name used a second time
        self.respondent = ""
        self.pending: list[tuple[dict[str, Any], str, str, str, int, str]] = []
        # ^ (item dict, field, condition text, xpath, row, column) to translate once every name is known

    def warn(self, sheet: str, row: int | None, column: str | None, message: str, rule: str,
             severity: str = "warning") -> None:
        self.warnings.append(Problem(message, rule, severity,  # type: ignore[arg-type]
                                     Location(file=str(self.path), path=sheet, row=row, variable=column)))

    # ---- languages
    def language(self, suffix: str | None) -> str:
        key = suffix or ""
        if key not in self.lang_of:
            default = self.settings.get("default_language", "")
            if key == "" or key == default:
                self.lang_of[key] = _language_code(default) if default and default != "default" else "und"
                if key == "" and default:
                    self.lang_of.setdefault(default, self.lang_of[key])
            else:
                self.lang_of[key] = _language_code(key)
        return self.lang_of[key]

    # ---- choices
    def choices(self) -> dict[str, Any]:
        raw: dict[str, list[tuple[int, dict[str, Any]]]] = {}
        for i, row in enumerate(self.book.choices or []):
            if not row:
                continue
            cells = {str(k): str(v) for k, v in row.items() if v is not None and str(v).strip() != ""}
            list_name = next((v for k, v in cells.items() if k.strip().lower() in ("list_name", "list name")), None)
            if list_name is None:
                continue
            raw.setdefault(list_name.strip(), []).append((i + 2, cells))
        out: dict[str, Any] = {}
        for list_name, rows in raw.items():
            names = [next((v for k, v in c.items() if _split(k)[0] == "name"), "") for _, c in rows]
            numeric = all(re.fullmatch(r"-?\d+", n.strip()) for n in names)
            used = {int(n) for n in names if re.fullmatch(r"-?\d+", n.strip())}
            nxt = max([0, *used]) + 1
            choices = []
            seen_codes: set[int] = set()
            self.list_names[list_name] = {}
            for (row, cells), name in zip(rows, names, strict=True):
                if re.fullmatch(r"-?\d+", name.strip()) and int(name) not in seen_codes:
                    code = int(name)
                else:
                    code, nxt = nxt, nxt + 1
                seen_codes.add(code)
                self.list_names[list_name].setdefault(name, code)
                choice: dict[str, Any] = {"code": code}
                if not numeric or str(code) != name.strip():
                    choice["name"] = name
                label, extra = self.texts(cells, "choices", row, skip={"list_name", "list name", "name"})
                choice["label"] = label.get("label") or {self.language(None): name}
                if "label" not in label:
                    self.warn("choices", row, "label", f"choice '{name}' of list '{list_name}' has no label; "
                              "its name is used as the label", "xlsform-no-label", "info")
                if extra:
                    choice["xlsform"] = extra
                if "label" in label and self.plain_label(cells):  # pyxform keeps it in no language
                    choice.setdefault("xlsform", {})["label"] = next(iter(label["label"].values()))
                choices.append(choice)
                self.rows[f"choices.{list_name}[{len(choices) - 1}]"] = ("choices", row)
            out[list_name] = choices
        self.lists = out
        return out

    def plain_label(self, cells: dict[str, str]) -> bool:
        """True for a choices row labelled only in the plain ``label`` column of a form whose survey is labelled
        per language: pyxform keeps that label in no language, and so does the rebuilt form."""
        if any(_split(k)[0] == "label" and _split(k)[1] for k in cells):
            return False
        return any(_split(str(k))[0] == "label" and _split(str(k))[1] for r in (self.book.survey or []) if r
                   for k in r)

    def mark_missing(self, spec: str | dict[str, str]) -> None:
        """Mark 'don't know' / 'refused' choices as missing values, one warning per list saying which."""
        used: set[str] = set()
        marked: dict[tuple[str, str], list[tuple[str, int | None]]] = {}  # (name, kind) → lists, rows
        labels: dict[tuple[str, str], str] = {}
        for lst, choices in self.lists.items():
            numeric = all("name" not in c for c in choices)
            for i, c in enumerate(choices):
                name = c.get("name", str(c["code"]))
                kind = _missing_kind(name, c["code"], numeric, spec, lst)
                if kind:
                    c["missing"] = kind
                    used |= {name, f"{lst}:{name}"}
                    row = self.rows.get(f"choices.{lst}[{i}]", ("choices", None))[1]
                    marked.setdefault((name, kind), []).append((lst, row))
                    labels.setdefault((name, kind), self.label_of(c))
        how = "as --missing asked" if isinstance(spec, dict) else "by name or code (--missing auto)"
        for (name, kind), where in marked.items():
            label = labels[(name, kind)]
            lists = ", ".join(f"'{lst}' (row {row})" for lst, row in where)
            self.warn("choices", where[0][1], "name", f"choice '{name}' ({label}) is marked as missing value "
                      f"'{kind}' {how} in list(s) {lists}; import with --missing none (or NAME=KIND,...) to choose",
                      "missing-marked")
        if isinstance(spec, dict):
            for name in sorted(set(spec) - used):
                self.warn("choices", None, "name", f"--missing names '{name}', which is no choice of any list",
                          "missing-marked")

    def label_of(self, choice: dict[str, Any]) -> str:
        label = choice.get("label") or {}
        return next(iter(label.values()), "") if isinstance(label, dict) else str(label)

    def texts(self, cells: dict[str, str], sheet: str, row: int, skip: set[str],
              fields: set[str] | None = None) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
        """Language texts of a row by model field, and the other cells (verbatim)."""
        texts: dict[str, dict[str, str]] = {}
        extra: dict[str, str] = {}
        source: dict[tuple[str, str], tuple[str, str | None]] = {}  # (field, language) → (column, its suffix)
        for col, val in cells.items():
            base, lang = _split(col)
            if base in skip or col.strip().lower() in skip:
                continue
            if base in _TEXT and (fields is None or base in fields):
                code, fld = self.language(lang), _TEXT[base]
                if (fld, code) in source and not self.same_text(sheet, row, texts[fld][code], source[(fld, code)],
                                                                val, (col, lang)):
                    continue
                texts.setdefault(fld, {})[code] = val
                source[(fld, code)] = (col, lang)
            else:
                extra[col.strip()] = val
        return texts, extra

    def same_text(self, sheet: str, row: int, old: str, old_col: tuple[str, str | None], new: str,
                  new_col: tuple[str, str | None]) -> bool:
        """Two columns give one text in the same language (``label`` and ``label::<default language>``): the
        language-specific one is kept, and the other is reported. True to take *new*, False to keep *old*."""
        take_new = new_col[1] is not None or old_col[1] is None
        kept, dropped = (new_col[0], old_col[0]) if take_new else (old_col[0], new_col[0])
        kept_val, dropped_val = (new, old) if take_new else (old, new)
        if kept_val.strip() == dropped_val.strip():  # nothing lost: said once per column (see import_xlsform)
            key = (sheet, dropped, kept)
            self.same_texts[key] = self.same_texts.get(key, 0) + 1
        else:
            self.warn(sheet, row, dropped, f"'{dropped}' ({dropped_val!r}) and '{kept}' ({kept_val!r}) are both "
                      f"the default language's text; '{kept}' is kept, '{dropped}' is not imported",
                      "xlsform-duplicate-text")
        return take_new

    # ---- survey
    def survey(self) -> list[dict[str, Any]]:
        rows = [(i + 2, {str(k): str(v) for k, v in r.items() if v is not None and str(v).strip() != ""})
                for i, r in enumerate(self.book.survey or [])]
        rows = [(n, r) for n, r in rows if r]
        # names first, so that references to later questions translate too
        for row, cells in rows:
            self._claim(cells, row)
        root: list[dict[str, Any]] = []
        stack: list[tuple[dict[str, Any] | None, list[dict[str, Any]]]] = [(None, root)]
        for row, cells in rows:
            typ = self.type_of(cells)
            low = typ.lower()
            if not typ:  # pyxform accepted the form, so a row without a type holds only comment cells ('_x')
                self.warn("survey", row, None, f"row without a type (comment cells {', '.join(cells)}) is not "
                          "imported", "xlsform-comment-row", "info")
                continue
            if low.startswith(("begin_", "begin ")):
                if len(stack) > MAX_NESTING:
                    raise SurveyError(Problem(
                        f"groups and repeats are nested more than {MAX_NESTING} deep here; flatten the form",
                        "xlsform-nesting", location=Location(file=str(self.path), path="survey", row=row,
                                                             variable="type")))
                nested = any(g is not None and g["type"] == "roster" for g, _ in stack)
                group = self.group(row, cells, typ, nested)
                stack[-1][1].append(group)
                stack.append((group, group["items"]))
            elif low.startswith(("end_", "end ")) and low not in ("end", "end time"):
                if len(stack) > 1:
                    stack.pop()
            else:
                for q in self.question(row, cells, typ):
                    stack[-1][1].append(q)
        return self.sections(self.data_only(root))

    def data_only(self, root: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Variables that are in the exports but not in the form (``xlsform.type: ''``, never built): Kobo's
        submission number ``_index`` as the respondent id, and a line number in each repeat, so that repeat
        sheets link to their submission (``_parent_index`` → ``_index``) and each row has a key."""
        lang = self.language(None)
        self.respondent = variable_name("kobo_index", self.taken)
        index = {"name": self.respondent, "type": "integer", "xlsform": {"name": "_index", "type": ""},
                 "label": {lang: "Submission number in the export (_index)"}}

        def rec(items: list[dict[str, Any]]) -> None:
            for it in items:
                if it.get("type") == "roster":
                    line = variable_name(f"{it['name']}_line", self.taken)
                    it["key"] = line
                    it["items"].insert(0, {"name": line, "type": "integer", "xlsform": {"type": ""},
                                           "label": {lang: f"Line number in repeat '{it['name']}'"}})
                if it.get("type") in ("roster", "group"):
                    rec(it.get("items", []))

        rec(root)
        return [index, *root]

    def _claim(self, cells: dict[str, str], row: int) -> None:
        name = self.cell(cells, "name")
        if not name:
            return
        typ = self.type_of(cells).lower()
        if typ.startswith(("end_", "end ")) and typ not in ("end", "end time"):
            return
        room = 0
        if typ.startswith("select_multiple") or typ.startswith("select all that apply"):
            lst = typ.split()[1] if len(typ.split()) > 1 else ""
            width = max((len(str(c["code"])) + (1 if c["code"] < 0 else 0)
                         for c in self.lists.get(lst, [])), default=1)
            room = width + 1 + (2 if typ.endswith("other") else 0)
        if name not in self.names:
            self.names[name] = variable_name(name, self.taken, room)
            self.first_row[name] = row
        else:  # pyxform allows one name in two groups; each becomes a variable of its own
            self.row_names[row] = variable_name(name, self.taken, room)
            self.warn("survey", row, "name", f"'{name}' is also the name of row {self.first_row[name]} (pyxform "
                      f"allows it in another group); this one becomes '{self.row_names[row]}' (the XLSForm keeps "
                      f"'{name}'; ${{{name}}} refers to row {self.first_row[name]})", "xlsform-renamed")

    def var(self, name: str, row: int) -> str:
        """The variable name of the item named *name* on survey row *row*."""
        return self.row_names.get(row) or self.names.get(name, name)

    def cell(self, cells: dict[str, str], wanted: str) -> str | None:
        for col, val in cells.items():
            if _split(col)[0] == wanted and _split(col)[1] is None:
                return val.strip()
        return None

    def type_of(self, cells: dict[str, str]) -> str:
        typ = " ".join((self.cell(cells, "type") or "").split())
        low = typ.lower()
        for alias, canon in sorted(_TYPE_ALIASES.items(), key=lambda kv: -len(kv[0])):
            if low == alias or low.startswith(alias + " "):
                rest = typ[len(alias):].split()
                if rest and rest[0].lower() in ("from", "using"):
                    rest = rest[1:]
                return " ".join([canon, *rest])
        for canon in ("select_one", "select_multiple"):
            if low.startswith(canon + " from ") or low.startswith(canon + " using "):
                return canon + " " + typ.split(None, 2)[2]
        return typ

    def common(self, item: dict[str, Any], row: int, cells: dict[str, str], typ: str,
               skip: set[str]) -> dict[str, str]:
        """Texts, relevance, appearance; returns the cells still to place."""
        name = self.cell(cells, "name") or ""
        if name and item["name"] != name:
            item.setdefault("xlsform", {})["name"] = name
        if name and item["name"] != name and self.row_names.get(row) != item["name"]:  # (else said by _claim)
            new = item["name"]
            why = name_problem(name) or (
                f"'{name}' is a word of the condition language" if name.lower() in _KEYWORDS
                else f"'{name}' is longer than {len(new)} characters (room for Stata's value-label name and the "
                     "dummies' suffixes)" if len(name) > len(new) else f"'{name}' is already used")
            self.warn("survey", row, "name", f"{why}; it becomes '{item['name']}' (the XLSForm keeps '{name}')",
                      "xlsform-renamed", "info")
        group = item.get("type") in ("group", "roster")
        texts, extra = self.texts(cells, "survey", row, skip={"type", "name", *skip},
                                  fields={"label"} if group else None)
        for fld, text in texts.items():
            item["title" if group else fld] = text
        return extra

    def expression(self, item: dict[str, Any], fld: str, xpath: str, row: int, column: str,
                   cells: dict[str, str]) -> None:
        text = translate(xpath, self.names)
        if text is None:
            self.verbatim(item, column, xpath, row, cells)
        else:
            item[fld] = text
            self.pending.append((item, fld, text, xpath, row, column))

    def verbatim(self, item: dict[str, Any], column: str, xpath: str, row: int, cells: dict[str, str],
                 why: str = "cannot be written in the condition language") -> None:
        original = next((c for c in cells if _split(c)[0] == column), column)
        item.setdefault("xlsform", {})[original] = xpath
        self.warn("survey", row, column, f"{column} '{xpath}' {why}; kept verbatim for the XLSForm, not used by "
                  "check/simulate", "xpath-verbatim")

    def group(self, row: int, cells: dict[str, str], typ: str, nested: bool) -> dict[str, Any]:
        name = self.cell(cells, "name") or f"group_row{row}"
        if name not in self.names:
            self.names[name] = variable_name(name, self.taken)
        kind = "roster" if re.match(r"begin[ _](repeat|lgroup|loop)", typ.lower()) else "group"
        if kind == "roster" and nested:  # a level of its own, under the enclosing roster's rows
            self.warn("survey", row, "type", f"repeat '{name}' is inside another repeat: its rows are a level of "
                      "their own, each linked to a row of the enclosing repeat", "nested-repeat", "info")
        item: dict[str, Any] = {"name": self.var(name, row), "type": kind}
        self.item_rows[id(item)] = row
        if typ not in ("begin_group", "begin_repeat") or (kind == "group" and typ != "begin_group"):
            item["xlsform"] = {"type": typ}
        extra = self.common(item, row, cells, typ, skip=set())
        for col, val in extra.items():
            base = _split(col)[0]
            if base == "relevant":
                self.expression(item, "relevant", val, row, "relevant", cells)
            elif base == "repeat_count" and item["type"] == "roster":
                if re.fullmatch(r"\d+", val.strip()):
                    item["max_rows"] = int(val)  # written back as repeat_count
                else:
                    self.expression(item, "count", val, row, "repeat_count", cells)
            else:
                self.keep(item, col, val, row)
        item["items"] = []
        return item

    def keep(self, item: dict[str, Any], col: str, val: str, row: int) -> None:
        item.setdefault("xlsform", {})[col] = val
        base = _split(col)[0]
        if base in _XPATH_CELLS and not (base in ("required", "readonly") and val.strip().lower() in _NO):
            self.warn("survey", row, base, f"{base} '{val}' is kept verbatim for the XLSForm; surveymod does not "
                      "model it", "xpath-verbatim")
        else:
            self.verbatim_columns[base] = self.verbatim_columns.get(base, 0) + 1

    def question(self, row: int, cells: dict[str, str], typ: str) -> list[dict[str, Any]]:
        name = self.cell(cells, "name")
        if not name:  # pyxform names an unnamed note itself (generated_note_name_<row>)
            item = {"name": variable_name(f"note_row{row}", self.taken), "type": "note", "xlsform": {"name": ""}}
            self.item_rows[id(item)] = row
            for col, val in self.common(item, row, cells, typ, skip=set()).items():  # its relevance too
                if _split(col)[0] == "relevant":
                    self.expression(item, "relevant", val, row, "relevant", cells)
                else:
                    self.keep(item, col, val, row)
            return [item]
        words = typ.split()
        base = words[0].lower() if words else ""
        QUESTION_TYPE_DICT = _question_types()  # noqa: N806
        item: dict[str, Any] = {"name": self.var(name, row)}
        self.item_rows[id(item)] = row
        out = [item]
        if base in ("select_one", "select_multiple") and len(words) >= 2:
            lst = words[1]
            item["type"] = base
            item["choices"] = lst
            if lst not in self.lists:
                self.warn("survey", row, "type", f"choice list '{lst}' is not on the choices sheet", "xlsform-list")
            if " ".join(words[2:]).lower() in ("or_other", "or specify other"):
                item["choices"] = self.or_other(lst)
                other = self.other_question(item, name)
                out.append(other)
            elif len(words) > 2:
                item.setdefault("xlsform", {})["type"] = typ
        elif base in ("integer", "decimal", "text", "date", "note"):
            item["type"] = base
        elif base == "calculate":
            item["type"] = "calculate"
        else:
            item["type"] = "date" if base == "today" else "decimal" if base == "range" else "text"
            item["xlsform"] = {"type": typ}
            severity = "info" if typ in QUESTION_TYPE_DICT or typ.lower() in QUESTION_TYPE_DICT else "warning"
            self.warn("survey", row, "type", f"XLSForm type '{typ}' has no surveymod equivalent; kept for the "
                      f"XLSForm, read and exported as {item['type']}", "xlsform-type", severity)
        extra = self.common(item, row, cells, typ, skip=set())
        for col, val in extra.items():
            b = _split(col)[0]
            if b == "relevant":
                self.expression(item, "relevant", val, row, "relevant", cells)
            elif b == "constraint":
                self.expression(item, "constraint", val, row, "constraint", cells)
            elif b == "calculation":
                if item["type"] == "calculate":
                    self.expression(item, "calculation", val, row, "calculation", cells)
                    if "calculation" not in item:
                        item["type"] = "text"
                        item.setdefault("xlsform", {})["type"] = "calculate"
                else:
                    self.keep(item, col, val, row)
            elif b == "required" and (item["type"] == "note" or base == "calculate"):
                self.keep(item, col, val, row)  # a required note stops the form ('no consent'); Kobo's builder
                # writes required on calculates: both kept for the XLSForm, neither is an answer to ask for
            elif b == "required" and val.strip().lower() in ("yes", "true", "true()", "1"):
                item["required"] = True
            elif b == "required" and val.strip().lower() in ("no", "false", "false()", "0"):
                continue
            elif b in ("bind::type", "bind:type"):  # a calculate's declared type (int, decimal, string ...)
                self.declared[id(item)] = val.strip().lower()
                self.keep(item, col, val, row)
            elif b == "appearance":
                item["appearance"] = val
            else:
                self.keep(item, col, val, row)
        if item["type"] == "calculate" and "calculation" not in item:
            item["type"] = "text"
            item.setdefault("xlsform", {})["type"] = "calculate"
        if (item.get("xlsform") or {}).get("type") == "calculate":
            item["type"] = _verbatim_calculate_type(self.declared.get(id(item)))
        if item["type"] not in ("note", "calculate") and "label" not in item and "type" not in item.get(
                "xlsform", {}):
            item["label"] = {self.language(None): name}
            self.warn("survey", row, "label", f"'{name}' has no label; its name is used", "xlsform-no-label", "info")
        if item.get("type") == "note" and item.get("required"):
            del item["required"]
        return out

    def or_other(self, lst: str) -> str:
        """``select_one x or_other`` as pyxform expands it: list x itself gains the choice 'other' (label 'Other'),
        which every question using x then offers."""
        base = self.lists.setdefault(lst, [])
        if not any(c.get("name", str(c["code"])) == "other" for c in base):
            code = max([0, *(c["code"] for c in base)]) + 1
            for c in base:
                c.setdefault("name", str(c["code"]))
            langs = {lang for c in base for lang in c.get("label", {})} or {self.language(None)}
            other = {"code": code, "name": "other", "label": {lang: "Other" for lang in sorted(langs)}}
            if base and all("label" in (c.get("xlsform") or {}) for c in base):
                other["xlsform"] = {"label": "Other"}  # pyxform's "Other" is in no language when the list's are
            base.append(other)
        return lst

    def other_question(self, item: dict[str, Any], name: str) -> dict[str, Any]:
        other = f"{name}_other"
        self.names.setdefault(other, variable_name(other, self.taken))
        langs = sorted(item.get("label") or {self.language(None): ""})
        # pyxform labels it in no language (the form's default): the plain label column is written back
        return {"name": self.names[other], "type": "text", "label": {lang: "Specify other." for lang in langs},
                "relevant": f"selected({item['name']}, 'other')", "xlsform": {"label": "Specify other."}}

    def sections(self, root: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Top-level rows outside any group go into sections without a group row (``xlsform.type: ''``)."""
        out: list[dict[str, Any]] = []
        loose: list[dict[str, Any]] = []
        for it in root:
            if it.get("type") in ("group", "roster"):
                if loose:
                    out.append(self.loose_section(loose))
                    loose = []
                out.append(it)
            else:
                loose.append(it)
        if loose:
            out.append(self.loose_section(loose))
        return out

    def loose_section(self, items: list[dict[str, Any]]) -> dict[str, Any]:
        name = variable_name("top_level", self.taken)
        return {"name": name, "type": "group", "xlsform": {"type": ""}, "items": items}


# ------------------------------------------------------------------------------------------- missing codes

_DK_NAMES = re.compile(r"^(dk|dnk|dont_?know|do_?not_?know|don_?t_?know|not_?sure|unknown|idk|ns|nsp|nesp)$")
_REFUSAL_NAMES = re.compile(r"^(refuse[ds]?|refusal|ref|rf|pnta|no_?answer|no_?response|declined?(_to_(answer|say))?|"
                            r"prefer_?not(_to)?_?(answer|say|respond|disclose|tell|reply)|"
                            r"(dont|do_not)_?want_to_(answer|say|respond))$")
_DK_CODES = {88, -88, 98, -98, 998, -998}
_REFUSAL_CODES = {99, -99, 999, -999}
MISSING_KINDS = ("dont_know", "refusal", "not_applicable", "no_answer", "not_stated")
MISSING_HELP = ("how 'don't know' / 'refused' choices become missing values: 'auto' (default) marks choices by "
                "their common names (dk, dont_know, refused, prefer_not_to_answer ...) and codes (88/98/-88/-98 "
                "don't know; 99/999/-99 refusal), 'none' marks nothing, or a list NAME=KIND[,NAME=KIND ...] "
                f"(NAME a choice name, or list:name; KIND one of {', '.join(MISSING_KINDS)})")


def parse_missing(spec: str | None) -> str | dict[str, str]:
    """The ``--missing`` option: 'auto', 'none', or {choice name or 'list:name' → missing kind}."""
    spec = (spec or "auto").strip()
    if spec.lower() in ("auto", "none"):
        return spec.lower()
    out: dict[str, str] = {}
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        name, sep, kind = part.rpartition("=")
        if not sep or not name.strip() or kind.strip() not in MISSING_KINDS:
            raise SurveyError(f"--missing: '{part}' is not NAME=KIND (KIND one of {', '.join(MISSING_KINDS)}); "
                              "use 'auto', 'none' or NAME=KIND,...", rule="usage")
        out[name.strip()] = kind.strip()
    return out


def _missing_kind(name: str, code: int, numeric: bool, spec: str | dict[str, str], lst: str) -> str | None:
    """The missing kind a choice gets under *spec* (None: a substantive answer)."""
    if isinstance(spec, dict):
        return spec.get(f"{lst}:{name}") or spec.get(name)
    if spec == "none":
        return None
    key = re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")
    if _DK_NAMES.match(key):
        return "dont_know"
    if _REFUSAL_NAMES.match(key):
        return "refusal"
    if numeric and code in _DK_CODES:
        return "dont_know"
    if numeric and code in _REFUSAL_CODES:
        return "refusal"
    return None


def import_xlsform(path: str | Path, missing: str | dict[str, str] | None = "auto") -> XLSFormImport:
    """Read the XLSForm at *path* and return the questionnaire data (validated) and located warnings.

    *missing* says which choices become missing values (see :data:`MISSING_HELP`, :func:`parse_missing`)."""
    from .lint import lint
    from .loader import from_data

    path = Path(path)
    if not path.exists():
        raise SurveyError(f"form not found: {path}", location=Location(file=str(path)), rule="file-not-found")
    book = _read(path)
    note_input(path)
    imp = _Importer(path, book)
    imp.choices()
    imp.mark_missing(missing if isinstance(missing, dict) else parse_missing(missing))
    sections = imp.survey()
    used = {v for v in imp.lang_of.values()}
    default_suffix = imp.settings.get("default_language", "")
    default = imp.lang_of.get(default_suffix) or imp.lang_of.get("") or next(iter(used), "und")
    others = sorted(used - {default})
    settings = dict(imp.settings)
    title_col = next((k for k in settings if k.lower() in ("form_title", "title", "set_form_title")), None)
    id_col = next((k for k in settings if k.lower() in ("form_id", "id_string", "set_form_id")), None)
    form_id = settings.pop(id_col) if id_col else path.stem
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.\-]{0,63}", form_id):
        settings[id_col or "form_id"] = form_id
        form_id = re.sub(r"[^A-Za-z0-9_.\-]", "_", form_id)
        form_id = (form_id if re.match(r"[A-Za-z_]", form_id) else "f" + form_id)[:64]
    title = settings.pop(title_col) if title_col else form_id
    version = settings.pop("version", "")
    settings.pop("default_language", None)
    languages: dict[str, str] = {}
    for suffix, code in imp.lang_of.items():
        if code not in languages or (suffix and not languages[code]):
            languages[code] = suffix
    data: dict[str, Any] = {
        "id": form_id, "title": {default: title}, "version": version, "respondent_id": imp.respondent,
        "languages": {"default": default, "others": others, "pending": [default, *others] if others else []},
        "choices": {k: {"choices": v} for k, v in imp.lists.items()},
        "sections": sections,
        "xlsform": {"languages": languages, "settings": settings, "sheets": _other_sheets(book)},
    }
    for (sheet, dropped, kept), n in imp.same_texts.items():
        imp.warn(sheet, None, dropped, f"'{dropped}' repeats '{kept}' (the default language) in {n} row(s); the "
                 f"texts are kept once, in '{kept}'", "xlsform-duplicate-text", "info")
    for col, n in sorted(imp.verbatim_columns.items()):
        imp.warn("survey", None, col, f"column '{col}' ({n} row(s)) is kept verbatim for the XLSForm",
                 "xlsform-verbatim", "info")
    # check translated expressions against the whole questionnaire; what lint refuses is kept verbatim instead
    for _ in range(5):
        qn = from_data(data, {}, str(path))
        bad = _refused(data, lint(qn))
        for item, fld, _text, _xpath, _row, _col in imp.pending:
            why = _text_result(qn, item, imp.declared.get(id(item))) if fld == "calculation" else None
            if why:
                bad.setdefault(id(item), {})["calculation"] = why
        reverted = False
        for item, fld, text, xpath, row, column in list(imp.pending):
            if id(item) in bad and fld in bad[id(item)]:
                del item[fld]
                imp.pending.remove((item, fld, text, xpath, row, column))
                why = bad[id(item)][fld]
                imp.verbatim(item, column, xpath, row, {}, why if why.startswith("gives text")
                             else f"is refused by validation ({why})")
                if fld == "calculation":
                    item["type"] = _verbatim_calculate_type(imp.declared.get(id(item)))
                    item.setdefault("xlsform", {})["type"] = "calculate"
                reverted = True
        if not reverted:
            break
    rows = dict(imp.rows)
    for path, item in _item_paths(data).items():
        if id(item) in imp.item_rows:
            rows[path] = ("survey", imp.item_rows[id(item)])
    return XLSFormImport(data, imp.warnings, rows)


_NUMERIC_BIND = {"int", "integer", "decimal", "double", "float"}


def _verbatim_calculate_type(declared: str | None) -> str:
    """The type a calculate kept verbatim is read as: a number when its ``bind::type`` says so (``int`` whole,
    ``decimal`` ...), otherwise text (an XForm calculate is a string)."""
    if declared in ("int", "integer"):
        return "integer"
    return "decimal" if declared in _NUMERIC_BIND else "text"


def _text_result(qn: Any, item: dict[str, Any], declared: str | None) -> str | None:
    """Why a translated calculate gives text rather than a number (None if it gives a number).

    An XForm calculate is a string unless its ``bind::type`` says otherwise, so its value in the data is what the
    expression yields as text: a comparison gives 'true'/'false', a select's answer its choice name. Only a
    calculate declared numeric, or whose expression can only yield a number, is read as one."""
    from . import expr as E

    if declared is not None:
        return None if declared in _NUMERIC_BIND else f"gives text (bind::type '{declared}')"
    try:
        node = E.parse(item.get("calculation", ""))
    except E.ExprSyntaxError:
        return None

    def text_of(n: E.Node) -> str | None:
        if isinstance(n, E.Num):
            return None
        if isinstance(n, E.Str):
            return "a quoted text"
        if isinstance(n, E.Ref):
            try:
                q = qn.question(n.name)
            except KeyError:
                return None
            if q.type in ("text", "date", "select_multiple"):
                return f"'{n.name}' is {q.type}"
            if q.type == "select_one" and any(c.name and not re.fullmatch(r"-?\d+", c.name)
                                              for c in qn.choice_list(q)):
                return f"'{n.name}' answers with its choice names"
            return None
        if isinstance(n, E.Compare | E.In) or (isinstance(n, E.Unary) and n.op == "not") \
                or (isinstance(n, E.Binary) and n.op in ("and", "or")):
            return "a condition gives 'true'/'false'"
        if isinstance(n, E.Unary):
            return text_of(n.operand)
        if isinstance(n, E.Binary):
            return None
        if isinstance(n, E.Call):
            if n.name in ("selected", "answered"):
                return "a condition gives 'true'/'false'"
            if n.name in ("if", "coalesce"):
                branches = n.args[1:] if n.name == "if" else n.args
                return next((w for w in map(text_of, branches) if w), None)
        return None

    why = text_of(node)
    return f"gives text, not a number ({why}); it is read and exported as text" if why else None


def _other_sheets(book: Any) -> dict[str, list[dict[str, str]]]:
    """external_choices, entities and osm sheets, row by row as pyxform read them (kept for the XLSForm)."""
    out: dict[str, list[dict[str, str]]] = {}
    for sheet in ("external_choices", "entities", "osm"):
        rows = getattr(book, sheet, None) or []
        kept = [{str(k): str(v) for k, v in r.items() if v is not None and str(v) != ""} for r in rows if r]
        if kept:
            out[sheet] = kept
    return out


def _item_paths(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """YAML path (``sections[0].items[2]``) → item dict, as the loader assigns them."""
    out: dict[str, dict[str, Any]] = {}

    def rec(items: list[dict[str, Any]], base: str) -> None:
        for j, it in enumerate(items):
            path = f"{base}.items[{j}]"
            out[path] = it
            rec(it.get("items", []), path)

    for i, sec in enumerate(data["sections"]):
        out[f"sections[{i}]"] = sec
        rec(sec.get("items", []), f"sections[{i}]")
    return out


def _refused(data: dict[str, Any], problems: list[Problem]) -> dict[int, dict[str, str]]:
    """id(item dict) → expression field → the first error lint reports on it."""
    paths = _item_paths(data)
    out: dict[int, dict[str, str]] = {}
    for p in problems:
        if p.severity != "error" or not p.location.path:
            continue
        m = re.match(r"(.*)\.(relevant|constraint|calculation|count)$", p.location.path)
        if m and m.group(1) in paths:
            out.setdefault(id(paths[m.group(1)]), {}).setdefault(m.group(2), p.message)
    return out


def positions(result: XLSFormImport) -> dict[str, tuple[int, int]]:
    """YAML paths → (row, 1) of the sheet row each item came from, so validation messages point into the form."""
    return {path: (row, 1) for path, (_, row) in result.rows.items()}


def to_yaml(data: dict[str, Any]) -> str:
    """The questionnaire data as YAML text (key order kept, Unicode as is)."""
    import yaml

    head = ("# Imported from an XLSForm by `surveymod import`. 'xlsform' entries hold what surveymod keeps verbatim\n"
            "# (names, types, XPath and columns it does not model); `build --to xlsform` writes them back.\n")
    return head + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110, default_flow_style=False)


def load_xlsform(path: str | Path, missing: str | dict[str, str] | None = "auto") -> tuple[Any, list[Problem]]:
    """Import *path* on the fly: the Questionnaire (validated structurally, located at sheet rows) and warnings."""
    from .loader import from_data

    result = import_xlsform(path, missing)
    qn = from_data(result.data, positions(result), str(path))
    return qn, result.warnings
