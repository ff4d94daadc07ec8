"""XLSForm workbook (survey / choices / settings sheets) for ODK, KoboToolbox, SurveyCTO and Ona.

Every language gets ``label::English (en)``-style columns; sections become groups, rosters repeats (``repeat_count``
from the roster's count expression); routing is the compiled condition rendered with ``to_xpath`` (quoted choice
names already resolved to codes). Choice names are the numeric codes; there is no ``or_other``. Scales become a
``select_one`` from a generated list of points plus their special codes; years are integers with a range
constraint; numeric questions with special codes (998 = don't know) accept those codes in their constraint.

Tablet-ready (docs/instruments.md): the form opens with the questionnaire's ``metadata`` rows (start, end, today,
deviceid, username, audit); interviewer instructions and show cards are written into the ``hint`` (ODK Collect
hides ``guidance_hint`` unless the device setting is on); lists longer than :data:`LONG_LIST` codes get the
``autocomplete`` appearance unless the question sets one; questions with ``preload`` are filled from the sample file
with ``pulldata`` when the last key variable is entered (an ``odk:setvalue`` trigger, so they stay editable).
"""

from __future__ import annotations

import io
import re
from typing import Any

from ..questionnaire import expr as E
from ..questionnaire.conditions import compile_condition
from ..questionnaire.model import Choice, Group, LangText, Question, Questionnaire
from ..questionnaire.phrases import phrase
from ..xlsx import save

YEAR_MIN, YEAR_MAX = 1900, 2100
LONG_LIST = 25
"""Select questions with more codes than this get the ``autocomplete`` appearance (country lists) by default."""

_RANGE_MSG = {
    "en": "Enter a value from {lo} to {hi}.",
    "mk": "Внесете вредност од {lo} до {hi}.",
    "sq": "Shkruani një vlerë nga {lo} deri në {hi}.",
}
_MIN_MSG = {"en": "Enter a value of at least {lo}.", "mk": "Внесете вредност од најмалку {lo}.",
            "sq": "Shkruani një vlerë të paktën {lo}."}
_MAX_MSG = {"en": "Enter a value of at most {hi}.", "mk": "Внесете вредност од најмногу {hi}.",
            "sq": "Shkruani një vlerë jo më shumë se {hi}."}
_SPECIAL = {"en": "Special codes", "mk": "Посебни кодови", "sq": "Kode të veçanta"}
_UNIT = {"en": "Unit", "mk": "Единица", "sq": "Njësia"}


def language_column(lang: str) -> str:
    """XLSForm language suffix, e.g. ``English (en)`` (name from pycountry, the code if unknown)."""
    import pycountry

    found = pycountry.languages.get(alpha_2=lang) if len(lang) == 2 else pycountry.languages.get(alpha_3=lang)
    return f"{found.name if found else lang} ({lang})"


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def _xpath(qn: Questionnaire, text: str | None, owner: Question | None = None) -> str:
    """*text* as XPath; *owner* is the question whose constraint it is (``.`` compared with its choice names)."""
    if not text:
        return ""
    node = compile_condition(qn, text, owner)
    return E.to_xpath(_as_imported(qn, node, owner) if qn.xlsform is not None else node)


def _as_imported(qn: Questionnaire, node: E.Node, owner: Question | None = None) -> E.Node:
    """For an imported form: references under their XLSForm names, codes compared with a question (or with ``.``,
    the answer to *owner*) as its choice names (the inverse of ``conditions.resolve_names``), so the XPath reads as
    the original form did."""
    index = qn._index()
    names = {q.name.lower(): (q.xlsform or {}).get("name", q.name) for q in index.values()}

    def code_names(ref: E.Node) -> dict[int, str] | None:
        q = index.get(ref.name.lower()) if isinstance(ref, E.Ref) else owner if isinstance(ref, E.Self) else None
        if q is None or not q.is_choice or qn.xlsform is None or not qn.xlsform.choice_names:
            return None
        return {c.code: c.name for c in qn.choice_list(q) if c.name}

    def fix(value: E.Node, table: dict[int, str] | None) -> E.Node:
        if table and isinstance(value, E.Num) and float(value.value).is_integer() and int(value.value) in table:
            return E.Str(value.pos, table[int(value.value)])
        return value

    def as_names(n: E.Node) -> E.Node | None:
        if isinstance(n, E.Compare):
            ops = list(n.operands)
            for i in range(len(ops) - 1):
                a, b = n.operands[i], n.operands[i + 1]
                ops[i + 1] = fix(ops[i + 1], code_names(a))
                ops[i] = fix(ops[i], code_names(b))
            return E.Compare(n.pos, n.ops, tuple(ops))
        if isinstance(n, E.In):
            table = code_names(n.operand)
            return E.In(n.pos, n.operand, tuple(fix(i, table) for i in n.items), n.negate)
        if isinstance(n, E.Call) and n.name == "selected" and len(n.args) == 2:
            return E.Call(n.pos, n.name, (n.args[0], fix(n.args[1], code_names(n.args[0]))))
        return None

    def renamed(n: E.Node) -> E.Node | None:
        return E.Ref(n.pos, names.get(n.name.lower(), n.name)) if isinstance(n, E.Ref) else None

    # codes become names while references still carry the variable names (they find the question and its list);
    # only then are references given their XLSForm names
    return E.transform(E.transform(node, as_names), renamed)


def _end_of(begin: str) -> str:
    """The closing type of a group row as the form spells it: begin_group → end_group, begin loop over x → end loop."""
    m = re.match(r"begin([ _])([A-Za-z]+)", begin.strip())
    return f"end{m.group(1)}{m.group(2)}" if m else "end_group"


class _Builder:
    def __init__(self, qn: Questionnaire) -> None:
        self.qn = qn
        self.langs = qn.languages.all
        given = qn.xlsform.languages if qn.xlsform is not None else {}
        self.cols = {lang: given[lang] if lang in given else language_column(lang) for lang in self.langs}
        self.imported = qn.xlsform is not None
        self.survey: list[dict[str, Any]] = []
        self.choices: list[dict[str, Any]] = []
        self._lists: dict[str, str] = {}  # key -> list name

    def text(self, row: dict[str, Any], column: str, value: LangText | None, fallback: str | None = None) -> None:
        """Fill ``column::Language (xx)`` for every language (default-language text where one is missing)."""
        if not value and fallback is None:
            return
        for lang in self.langs:
            if self.imported and value and lang not in value:
                continue  # an imported form keeps the texts it had, in the languages it had them
            t = self.qn.text(value, lang) if value else ""
            row[self.column(column, lang)] = t or fallback or ""

    def column(self, column: str, lang: str) -> str:
        return f"{column}::{self.cols[lang]}" if self.cols[lang] else column

    def add_list(self, key: str, wanted: str, choices: list[Choice]) -> str:
        if key in self._lists:
            return self._lists[key]
        name, i = wanted, 2
        while name in self._lists.values():
            name, i = f"{wanted}_{i}", i + 1
        self._lists[key] = name
        by_name = self.qn.xlsform is not None and self.qn.xlsform.choice_names
        for c in choices:
            row: dict[str, Any] = {"list_name": name, "name": c.name if by_name and c.name else str(c.code)}
            if "label" not in (c.xlsform or {}):  # an imported label in no language is kept as it was
                self.text(row, "label", c.label, fallback=str(c.code))
            row.update(c.xlsform or {})
            self.choices.append(row)
        return name

    def list_for(self, q: Question) -> str:
        if q.type == "scale":
            return self.add_list(f"scale:{q.name}", f"{q.name}_scale", self.qn.choice_list(q))
        if isinstance(q.choices, str):
            return self.add_list(f"named:{q.choices}", q.choices, self.qn.choice_list(q))
        return self.add_list(f"inline:{q.name}", f"{q.name}_codes", self.qn.choice_list(q))

    # ------------------------------------------------------------------------------------------------ rows
    def group(self, g: Group) -> None:
        kind = "repeat" if g.is_roster else "group"
        cells = dict(g.xlsform or {})
        if cells.get("type") == "":  # an imported form's top-level rows: no group row around them
            for it in g.items:
                self.group(it) if isinstance(it, Group) else self.question(it)
            return
        begin = cells.pop("type", f"begin_{kind}")
        name = cells.pop("name", g.name)
        row: dict[str, Any] = {"type": begin, "name": name}
        self.text(row, "label", g.title, fallback=None if self.imported else g.name)
        if g.relevant:
            row["relevant"] = _xpath(self.qn, g.relevant)
        if g.is_roster and (g.count or g.max_rows):
            row["repeat_count"] = _xpath(self.qn, g.count) if g.count else str(g.max_rows)
        if g.appearance:
            row["appearance"] = g.appearance
        row.update(cells)
        self.survey.append(row)
        for it in g.items:
            if isinstance(it, Group):
                self.group(it)
            else:
                self.question(it)
        self.survey.append({"type": _end_of(begin), "name": name})

    def question(self, q: Question) -> None:
        qn = self.qn
        if (q.xlsform or {}).get("type") == "":  # data-only (an imported form's _index, repeat line numbers)
            return
        cells = dict(q.xlsform or {})
        row: dict[str, Any] = {"name": cells.pop("name", q.name)}
        special = [c for c in qn._named_or_inline(q)] if q.type in ("integer", "decimal", "year", "calculate") else []
        if q.type in ("select_one", "select_multiple", "scale"):
            row["type"] = f"{'select_multiple' if q.type == 'select_multiple' else 'select_one'} {self.list_for(q)}"
        elif q.type == "year":
            row["type"] = "integer"
        else:
            row["type"] = q.type
        if "type" in cells:
            row["type"] = cells.pop("type")
        if q.type == "calculate":
            row["calculation"] = _xpath(qn, q.calculation)
            if self.imported:
                self.text(row, "label", q.label)  # an imported calculate keeps the label it had
        elif "label" not in cells:  # an imported label in no language (or_other's text question) is kept as it was
            self.text(row, "label", q.label, fallback=None if "type" in (q.xlsform or {}) else q.name)
        self.hint(row, q, special)
        if self.imported:
            self.text(row, "guidance_hint", q.instruction)  # an imported form keeps its guidance hints
        if q.relevant:
            row["relevant"] = _xpath(qn, q.relevant)
        if q.required:
            row["required"] = "yes"
        if q.appearance:
            row["appearance"] = q.appearance
        elif not self.imported and q.is_choice and q.type != "scale" and len(qn.choice_list(q)) > LONG_LIST:
            row["appearance"] = "autocomplete"
        if q.preload and qn.sample:
            row["calculation"] = _pulldata(qn, q.preload)
            row["trigger"] = f"${{{qn.sample.key[-1]}}}"
        self.constraint(row, q, special)
        row.update(cells)
        self.survey.append(row)

    def hint(self, row: dict[str, Any], q: Question, special: list[Choice]) -> None:
        """The hint: the question's own, then (native forms) the interviewer instruction and show card, unit and
        special codes."""
        instruction = q.instruction if not self.imported else None
        if not (q.hint or special or q.unit or instruction or q.showcard):
            return
        if self.imported and not (special or q.unit):
            self.text(row, "hint", q.hint)
            return
        for lang in self.langs:
            parts = [self.qn.text(q.hint, lang)] if q.hint else []
            if instruction:
                parts.append(f"{phrase('interviewer', lang)}: {self.qn.text(instruction, lang)}")
            if q.showcard:
                parts.append(phrase("show_card", lang, card=q.showcard))
            if q.unit:
                parts.append(f"{_UNIT.get(lang, _UNIT['en'])}: {self.qn.text(q.unit, lang)}")
            if special:
                codes = "; ".join(f"{c.code} = {self.qn.text(c.label, lang)}" for c in special)
                parts.append(f"{_SPECIAL.get(lang, _SPECIAL['en'])}: {codes}")
            if parts:
                row[self.column("hint", lang)] = " ".join(p for p in parts if p)

    def constraint(self, row: dict[str, Any], q: Question, special: list[Choice]) -> None:
        lo, hi = q.min, q.max
        if q.type == "year":
            lo = YEAR_MIN if lo is None else lo
            hi = YEAR_MAX if hi is None else hi
        parts: list[str] = []
        range_part = ""
        if q.type in ("integer", "decimal", "year") and (lo is not None or hi is not None):
            bounds = ([f". >= {_num(lo)}"] if lo is not None else []) + ([f". <= {_num(hi)}"] if hi is not None else [])
            range_part = " and ".join(bounds)
            if special:
                range_part = f"({range_part}) or " + " or ".join(f". = {c.code}" for c in special)
            parts.append(f"({range_part})" if q.constraint else range_part)
        if q.constraint:
            own = _xpath(self.qn, q.constraint, q)
            parts.append(f"({own})" if range_part else own)
        if not parts:
            if q.constraint_message:  # its constraint is kept verbatim (or the form had a message alone)
                self.text(row, "constraint_message", q.constraint_message)
            return
        row["constraint"] = " and ".join(parts)
        if q.constraint_message:
            self.text(row, "constraint_message", q.constraint_message)
        elif range_part:
            table = _RANGE_MSG if lo is not None and hi is not None else _MIN_MSG if lo is not None else _MAX_MSG
            for lang in self.langs:
                msg = table.get(lang, table["en"])
                row[self.column("constraint_message", lang)] = msg.format(
                    lo=_num(lo) if lo is not None else "", hi=_num(hi) if hi is not None else "")


def _pulldata(qn: Questionnaire, column: str) -> str:
    """``pulldata`` of *column* from the sample file, keyed by the key variables joined with '-'."""
    assert qn.sample is not None
    parts = ", '-', ".join(f"${{{k}}}" for k in qn.sample.key)
    key = f"concat({parts})" if len(qn.sample.key) > 1 else f"${{{qn.sample.key[0]}}}"
    return f"pulldata('{qn.sample.file[:-4]}', '{column}', 'key', {key})"


def sample_template(qn: Questionnaire) -> str:
    """Header of the sample media file the form's ``pulldata`` reads: ``key`` and every preloaded column (a template
    to fill from the sample frame, one row per sample unit, codes not labels)."""
    columns = ["key", *dict.fromkeys(q.preload for q in qn.questions() if q.preload)]
    return ",".join(columns) + "\n"


def _metadata_rows(qn: Questionnaire) -> list[dict[str, Any]]:
    """The metadata rows that open the survey sheet (none for an imported form, which keeps its own)."""
    if qn.xlsform is not None:
        return []
    rows: list[dict[str, Any]] = [{"type": name, "name": name} for name in qn.metadata.rows()]
    for row in rows:
        if row["type"] == "audit" and qn.metadata.audit_parameters:
            row["parameters"] = qn.metadata.audit_parameters
    return rows


def xlsform_rows(qn: Questionnaire) -> dict[str, list[dict[str, Any]]]:
    """The XLSForm as ``{"survey": [...], "choices": [...], "settings": [...]}`` rows (pyxform's dict input)."""
    b = _Builder(qn)
    b.survey.extend(_metadata_rows(qn))
    for sec in qn.sections:
        b.group(sec)
    settings = {"form_title": qn.text(qn.title), "form_id": qn.id, "version": qn.version,
                "default_language": b.cols[qn.languages.default], "name": qn.id}
    if qn.xlsform is not None:
        settings = {k: v for k, v in settings.items() if v and k != "name"}
        settings.update(qn.xlsform.settings)
    if qn.xlsform is not None:  # an imported form keeps every list, also those only loops or external selects use
        for name, cl in qn.choices.items():
            b.add_list(f"named:{name}", name, cl.all())
    sheets = {"survey": b.survey, "choices": b.choices, "settings": [settings]}
    if qn.xlsform is not None:
        sheets.update({k: [dict(r) for r in v] for k, v in qn.xlsform.sheets.items()})
    return sheets


def _columns(rows: list[dict[str, Any]], first: list[str]) -> list[str]:
    cols = [c for c in first if any(c in r for r in rows)]
    for r in rows:
        for c in r:
            if c not in cols:
                cols.append(c)
    return cols


def build_xlsform(qn: Questionnaire) -> bytes:
    """The XLSForm as .xlsx bytes (sheets survey, choices, settings)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    data = xlsform_rows(qn)
    wb = Workbook()
    wb.remove(wb.active)
    order = {"survey": ["type", "name"], "choices": ["list_name", "name"], "settings": []}
    for sheet, rows in data.items():
        ws = wb.create_sheet(sheet)
        cols = _columns(rows, order.get(sheet, []))
        ws.append(cols)
        for c in ws[1]:
            c.font = Font(bold=True)
        for r in rows:
            ws.append([r.get(c, None) for c in cols])
        ws.freeze_panes = "A2"
    buf = io.BytesIO()
    save(wb, buf)
    return buf.getvalue()
