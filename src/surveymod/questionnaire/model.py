"""The questionnaire model: what a survey designer writes in YAML, as pydantic v2 classes.

One model feeds every instrument (XLSForm, paper, SPSS/Stata syntax, codebook, DDI), the data checks, the exports
and the simulator. Structural rules live here; cross-references (conditions, choice lists, names) are checked by
``lint`` so that all problems are reported at once, each with its YAML line.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    FiniteFloat,
    PrivateAttr,
    Tag,
    field_validator,
    model_validator,
)

LangText = dict[str, str]
"""Text per language code, e.g. ``{"en": "Age", "mk": "Возраст"}``; a plain string means the default language."""

MissingKind = Literal["dont_know", "refusal", "not_applicable", "no_answer", "not_stated"]

QuestionType = Literal[
    "select_one", "select_multiple", "integer", "decimal", "text", "date", "year", "scale", "note", "calculate",
]


XlsformCells = dict[str, str]
"""XLSForm cells kept verbatim from an imported form (column → text), emitted unchanged by the XLSForm builder."""

_XLSFORM_HELP = ("Imported XLSForm cells kept verbatim and written back unchanged by `build --to xlsform`: 'name' "
                 "(the XLSForm name when it is not a valid variable name), 'type' (when surveymod has no such type, "
                 "e.g. geopoint), XPath the condition language cannot express (relevant, constraint, calculation "
                 "...) and columns surveymod does not model (default, choice_filter, parameters, media ...).")


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    _path: str = PrivateAttr(default="")

    @property
    def path(self) -> str:
        """Path of this element inside the YAML document, e.g. ``sections[0].items[3]``."""
        return self._path


def _coerce_text(value: Any) -> Any:
    """Accept a plain string as the default-language text (resolved later by the questionnaire)."""
    if isinstance(value, str):
        return {"_": value}
    return value


class Source(_Base):
    """Provenance of an item: the standard, regulation or survey round it follows."""

    standard: bool = Field(True, description="False for programme-specific items.")
    ref: str | None = Field(None, description="Regulation, survey or document, e.g. 'EU-LFS Reg. (EU) 2019/2240, Annex I'.")
    variable: str | None = Field(None, description="The variable name in the source, e.g. 'COUNTRYB' or 'imbgeco'.")
    note: str | None = None


class Choice(_Base):
    """One answer code: a numeric code, labels per language, an optional short name and a missing-value flag."""

    code: int = Field(description="Numeric code stored in the data.")
    name: str | None = Field(
        None, description="Short name or transmission code, e.g. Eurostat 'EL'; conditions may use it in quotes.")
    label: LangText = Field(description="Label per language.")
    missing: MissingKind | None = Field(
        None, description="Marks a non-substantive code (don't know, refusal, not applicable ...) that becomes a "
                          "missing value downstream.")
    correct: bool = Field(False, description="Correct answer of a knowledge-test item.")
    xlsform: XlsformCells | None = Field(None, description=_XLSFORM_HELP)

    _label_text = field_validator("label", mode="before")(_coerce_text)


class ChoiceList(_Base):
    """A reusable list of codes; ``builtin`` pulls a maintained list (e.g. countries) and ``choices`` adds codes."""

    builtin: Literal["countries"] | None = Field(
        None, description="'countries': ISO 3166-1 countries (pycountry), numeric codes, Eurostat SCL GEO names "
                          "(EL for Greece, UK for the United Kingdom).")
    choices: list[Choice] = Field(default_factory=list)
    _resolved: list[Choice] | None = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _list_shorthand(cls, data: Any) -> Any:
        return {"choices": data} if isinstance(data, list) else data

    def all(self) -> list[Choice]:
        """Every choice, builtin ones first, in order."""
        if self._resolved is None:
            from .codelists import builtin_choices

            base = builtin_choices(self.builtin) if self.builtin else []
            own = {c.code for c in self.choices}
            self._resolved = [c for c in base if c.code not in own] + list(self.choices)
        return self._resolved


class Question(_Base):
    """A question or derived variable."""

    name: str = Field(description="Variable name (letters, digits, underscore; at most 32 characters).")
    type: QuestionType
    label: LangText | None = Field(None, description="Question text per language.")
    short: LangText | None = Field(None, description="Short variable label per language (SPSS/Stata label).")
    hint: LangText | None = None
    instruction: LangText | None = Field(None, description="Interviewer instruction per language.")
    required: bool = False
    relevant: str | None = Field(None, description="Condition under which the question is asked (universe).")
    constraint: str | None = Field(None, description="Condition the answer must satisfy; '.' is the answer.")
    constraint_message: LangText | None = None
    choices: str | list[Choice] | None = Field(
        None, description="Choice list name or inline codes; on numeric questions, labels for special codes.")
    min: FiniteFloat | None = Field(None, description="Smallest valid value (numeric, year and scale questions).")
    max: FiniteFloat | None = Field(None, description="Largest valid value (a number: .inf and .nan are refused, "
                                                      "since the XLSForm constraint would compare with 'inf').")
    anchors: dict[int, LangText] | None = Field(None, description="Scale end-point labels, e.g. {0: ..., 10: ...}.")
    unit: LangText | None = None
    calculation: str | None = Field(None, description="Expression of a calculated (derived) variable.")
    source: Source | None = None
    level: Literal["nominal", "ordinal", "scale"] | None = Field(None, description="Measurement level override.")
    appearance: str | None = Field(
        None, description="XLSForm appearance, e.g. 'autocomplete', 'minimal', 'likert' (lists of more than "
                          "25 codes get 'autocomplete' when none is given).")
    showcard: str | None = Field(None, description="Show card handed to the respondent, e.g. 'C3' (scales, long "
                                                   "lists): printed on paper and shown in the tablet hint.")
    preload: str | None = Field(
        None, pattern=r"^[A-Za-z_][A-Za-z0-9_\-]*$",
        description="Column of the questionnaire's `sample` file that fills this question on the tablet when the "
                    "sample key is entered (the interviewer can still correct it).")
    score: float | None = Field(None, description="Points for a correct answer (knowledge tests).")
    shares: dict[int, float] | None = Field(
        None, description="Expected share of each substantive code (select_one, scale) or value (integer) among those "
                          "asked, summing to 1; codes left out have share 0. `surveymod simulate` draws from it when "
                          "the scenario's `answers:` does not set the item (e.g. contact and consent rates).")
    xlsform: XlsformCells | None = Field(None, description=_XLSFORM_HELP)

    _label_text = field_validator(
        "label", "short", "hint", "instruction", "constraint_message", "unit", mode="before")(_coerce_text)

    @field_validator("anchors", mode="before")
    @classmethod
    def _anchor_text(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {k: _coerce_text(t) for k, t in v.items()}
        return v

    @model_validator(mode="after")
    def _type_rules(self) -> Question:
        if self.type in ("select_one", "select_multiple") and self.choices is None:
            raise ValueError(f"a {self.type} question needs 'choices' (a list name or inline codes)")
        if self.type == "calculate" and not self.calculation:
            raise ValueError("a calculate question needs a 'calculation' expression")
        if self.type != "calculate" and self.calculation:
            raise ValueError("'calculation' is only allowed on calculate questions")
        if self.type == "scale":
            if self.min is None or self.max is None:
                raise ValueError("a scale question needs 'min' and 'max' (e.g. 0 and 10)")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min:g}) is larger than max ({self.max:g})")
        if self.type not in ("note", "calculate") and self.label is None and "type" not in (self.xlsform or {}):
            raise ValueError("a question needs a 'label' (the question text)")
        if self.type == "note" and self.required:
            raise ValueError("a note cannot be required")
        if self.shares is not None:
            if self.type not in ("select_one", "scale", "integer"):
                raise ValueError(f"'shares' is for select_one, scale and integer questions, not {self.type}")
            if not self.shares or any(p < 0 for p in self.shares.values()) or abs(sum(self.shares.values()) - 1) > 1e-6:
                raise ValueError("'shares' must be non-negative and sum to 1")
        return self

    @property
    def stores_data(self) -> bool:
        """False for notes, which hold no value."""
        return self.type != "note"

    @property
    def is_choice(self) -> bool:
        return self.type in ("select_one", "select_multiple", "scale")


class Group(_Base):
    """A section (``type: group``) or a roster/repeat group (``type: roster``) holding questions and groups."""

    name: str
    type: Literal["group", "roster"] = "group"
    title: LangText | None = None
    relevant: str | None = None
    items: list[Item] = Field(default_factory=list)
    # roster-only fields
    count: str | None = Field(None, description="Roster: expression giving the number of rows (e.g. 'hhsize').")
    max_rows: int | None = Field(None, ge=1, description="Roster: largest number of rows.")
    key: str | None = Field(None, description="Roster: the line-number variable inside the roster.")
    level: str | None = Field(None, description="Roster: unit of the rows, e.g. 'person' or 'emigrant'.")
    appearance: str | None = Field(None, description="XLSForm appearance of the group, e.g. 'field-list' (all its "
                                                     "questions on one tablet screen, as the paper form groups them).")
    source: Source | None = None
    xlsform: XlsformCells | None = Field(None, description=_XLSFORM_HELP)

    _title_text = field_validator("title", mode="before")(_coerce_text)

    @model_validator(mode="after")
    def _roster_rules(self) -> Group:
        if self.type == "group" and (self.count or self.max_rows or self.key or self.level):
            raise ValueError("'count', 'max_rows', 'key' and 'level' are only allowed on a roster (type: roster)")
        return self

    @property
    def is_roster(self) -> bool:
        return self.type == "roster"


def _item_discriminator(v: Any) -> str:
    t = v.get("type") if isinstance(v, dict) else getattr(v, "type", None)
    return "group" if t in ("group", "roster") else "question"


Item = Annotated[
    Annotated[Question, Tag("question")] | Annotated[Group, Tag("group")],
    Discriminator(_item_discriminator),
]
Group.model_rebuild()


LangCode = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_\-]{0,34}$")]
"""A language code such as 'mk' or 'sr-Latn' (it becomes part of file names and column headers)."""


class Languages(_Base):
    """The default language and the others every text must be given in."""

    default: LangCode = "en"
    others: list[LangCode] = Field(default_factory=list)
    draft: list[str] = Field(
        default_factory=list, description="Languages whose texts are drafts needing review by a native speaker.")
    pending: list[str] = Field(
        default_factory=list,
        description="Languages still in the translation workflow: missing texts are warnings, not errors.")

    @property
    def all(self) -> list[str]:
        return [self.default, *[lang for lang in self.others if lang != self.default]]


class Rule(_Base):
    """A plausibility rule over the rows of one roster (or the top level), possibly naming related members.

    ``each`` selects the rows the rule is about, ``check`` must hold on them; ``related`` maps a prefix to a
    line-number question (e.g. ``{mother: HHMOTH}``), so ``mother_AGE`` is the AGE on the mother's line of the
    same household.  Both are written in the condition language; ``surveymod check`` reports every row that breaks
    the rule (household and line), ``surveymod simulate`` respects it (see ``questionnaire/rules.py``).
    """

    name: str = Field(pattern=r"^[a-z][a-z0-9\-]{0,63}$", description="Rule id in check reports, e.g. "
                                                                      "'mother-age-gap'.")
    roster: str | None = Field(None, description="Roster whose rows the rule checks (its name); none = top level.")
    each: str | None = Field(None, description="Condition selecting the rows the rule applies to (default: all).")
    related: dict[str, str] = Field(
        default_factory=dict, description="Prefix -> line-number question naming another member of the same "
                                          "household, e.g. {mother: HHMOTH}; the rule then reads mother_AGE.")
    check: str = Field(description="Condition that must hold on every selected row.")
    variable: str | None = Field(None, description="Variable a problem is reported on (default: the first one "
                                                   "'check' names).")
    severity: Literal["error", "warning"] = "error"
    message: LangText = Field(description="What is wrong, for the check report.")
    source: str | None = Field(None, description="Where the rule comes from (regulation, guideline, practice).")

    _message_text = field_validator("message", mode="before")(_coerce_text)


class FormMetadata(_Base):
    """Device metadata the tablet form records (XLSForm metadata rows named as ODK names them, which the data
    reader treats as system columns): interview start and end time, date, device id, user name, and the audit log
    (time spent on each question; its ``audit_parameters`` e.g. ``track-changes=true``)."""

    start: bool = True
    end: bool = True
    today: bool = True
    deviceid: bool = True
    username: bool = True
    audit: bool = False
    audit_parameters: str | None = Field(None, description="XLSForm `parameters` of the audit, e.g. "
                                                           "'track-changes=true location-priority=balanced'.")

    def rows(self) -> list[str]:
        """The metadata types switched on, in XLSForm order."""
        return [name for name in ("start", "end", "today", "deviceid", "username", "audit") if getattr(self, name)]


class SampleFile(_Base):
    """The sample (address list) loaded on the tablets as a CSV media file, looked up with ``pulldata``."""

    file: str = Field(pattern=r"^[A-Za-z0-9_\-]+\.csv$",
                      description="Media file name, e.g. 'sample.csv'; its column `key` identifies a sample unit.")
    key: list[str] = Field(min_length=1, description="Variables whose values joined by '-' give the file's `key`, "
                                                      "e.g. [psu, hh_no] for key '1042-7'.")


class XlsformSource(_Base):
    """What an imported XLSForm needs to be written back as it was (see ``surveymod import``)."""

    languages: dict[str, str] = Field(
        default_factory=dict, description="Language code → the column suffix the form used, e.g. {'en': 'English "
                                          "(en)', 'zh': 'chinese'}; '' for columns without a language.")
    settings: XlsformCells = Field(default_factory=dict, description="Other settings-sheet cells, verbatim.")
    sheets: dict[str, list[XlsformCells]] = Field(
        default_factory=dict, description="Other sheets (external_choices, entities, osm), row by row, verbatim.")
    choice_names: bool = Field(
        True, description="XLSForm choice names are each choice's 'name' where it has one (the form's own names), "
                          "not its numeric code.")


class Questionnaire(_Base):
    """A whole instrument: metadata, languages, choice lists and sections."""

    id: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_.\-]{0,63}$",
                    description="Stable form id, e.g. 'lfs_migration' (letters, digits, _ . -; it names files).")
    title: LangText
    version: str = Field(description="Version string, e.g. '2026112101' (XLSForm yyyymmddrr convention).")
    languages: Languages = Field(default_factory=Languages)
    description: LangText | None = None
    sources: list[str] = Field(default_factory=list, description="Provenance of the items as a whole.")
    wave: str | None = Field(None, description="Wave or round, e.g. 'baseline' or 'endline'.")
    respondent_id: str | None = Field(None, description="Variable identifying a respondent (top level).")
    key: list[str] = Field(default_factory=list, description=(
        "Variables that together identify a top-level record when the respondent id alone does not, e.g. "
        "[trainee_id, test] for a pre/post test with two rows per trainee; `check` reports duplicates of this key "
        "(default: the respondent id)."))
    choices: dict[str, ChoiceList] = Field(default_factory=dict, description="Reusable choice lists by name.")
    glossary: str | None = Field(
        None, description="Translation glossary (YAML), relative to this file; `surveymod validate` warns when a "
                          "text uses a glossary term in English but renders it differently in another language.")
    metadata: FormMetadata = Field(default_factory=FormMetadata,
                                   description="Device metadata the XLSForm records (start, end, today, ...).")
    sample: SampleFile | None = Field(None, description="Sample file preloaded on the tablets (see `preload`).")
    sections: list[Group]
    rules: list[Rule] = Field(default_factory=list, description="Plausibility rules across the rows of a roster "
                                                               "(household), checked by `surveymod check`.")
    xlsform: XlsformSource | None = Field(None, description="Set by `surveymod import`: how to write the form back.")
    _file: str | None = PrivateAttr(default=None)
    _positions: dict[str, tuple[int, int]] = PrivateAttr(default_factory=dict)
    _compiled: dict[str, Any] = PrivateAttr(default_factory=dict)

    _title_text = field_validator("title", "description", mode="before")(_coerce_text)

    @model_validator(mode="after")
    def _resolve_default_language(self) -> Questionnaire:
        """Replace the '_' placeholder of plain-string texts with the default language."""
        lang = self.languages.default
        for obj in self._text_owners():
            for fname in ("label", "short", "hint", "instruction", "constraint_message", "unit", "title",
                          "description", "message"):
                val = getattr(obj, fname, None)
                if isinstance(val, dict) and "_" in val:
                    val[lang] = val.pop("_")
            anchors = getattr(obj, "anchors", None)
            if anchors:
                for text in anchors.values():
                    if "_" in text:
                        text[lang] = text.pop("_")
        return self

    def _text_owners(self) -> Iterator[Any]:
        yield self
        yield from self.rules
        for cl in self.choices.values():
            yield from cl.choices
        for item, _ in self.walk():
            yield item
            if isinstance(item, Question) and isinstance(item.choices, list):
                yield from item.choices

    # ---- navigation -------------------------------------------------------------------------------------------
    def walk(self) -> Iterator[tuple[Question | Group, tuple[Group, ...]]]:
        """Every group and question in document order, with its enclosing groups (outermost first)."""

        def rec(items: list[Any], parents: tuple[Group, ...]) -> Iterator[tuple[Question | Group, tuple[Group, ...]]]:
            for it in items:
                yield it, parents
                if isinstance(it, Group):
                    yield from rec(it.items, (*parents, it))

        yield from rec(self.sections, ())

    def questions(self, include_notes: bool = False) -> list[Question]:
        """All questions in document order (notes excluded unless asked for)."""
        return [q for q, _ in self.walk()
                if isinstance(q, Question) and (include_notes or q.type != "note")]

    def question(self, name: str) -> Question:
        """The question called *name* (case-insensitive); KeyError if absent."""
        found = self._index().get(name.lower())
        if found is None:
            raise KeyError(name)
        return found

    def _index(self) -> dict[str, Question]:
        return {q.name.lower(): q for q in self.questions(include_notes=True)}

    def roster_of(self, name: str) -> Group | None:
        """The innermost roster containing variable/group *name*, or None for top-level (household) items."""
        for it, parents in self.walk():
            if it.name.lower() == name.lower():
                rosters = [g for g in parents if g.is_roster]
                return rosters[-1] if rosters else None
        return None

    def rosters(self) -> list[Group]:
        return [g for g, _ in self.walk() if isinstance(g, Group) and g.is_roster]

    def choice_list(self, q: Question) -> list[Choice]:
        """The codes of a question: its list (named or inline), scale points, and special codes."""
        if q.type == "scale":
            pts: list[Choice] = []
            lo, hi = int(q.min or 0), int(q.max or 0)
            for v in range(lo, hi + 1):
                label = dict((q.anchors or {}).get(v, {})) or {lang: str(v) for lang in self.languages.all}
                if q.anchors and v in q.anchors:
                    label = {k: f"{v} {t}" for k, t in q.anchors[v].items()}
                pts.append(Choice(code=v, label=label))
            return pts + self._named_or_inline(q)
        return self._named_or_inline(q)

    def _named_or_inline(self, q: Question) -> list[Choice]:
        if q.choices is None:
            return []
        if isinstance(q.choices, list):
            return q.choices
        cl = self.choices.get(q.choices)
        return cl.all() if cl else []

    def missing_codes(self, q: Question) -> dict[int, str]:
        """Codes of *q* flagged as non-substantive, with their kind."""
        return {c.code: c.missing for c in self.choice_list(q) if c.missing}

    def text(self, value: LangText | None, lang: str | None = None) -> str:
        """Text in *lang*, falling back to the default language, or ''."""
        if not value:
            return ""
        lang = lang or self.languages.default
        return value.get(lang) or value.get(self.languages.default) or next(iter(value.values()), "")

    def locate(self, path: str) -> tuple[str | None, int | None, int | None]:
        """(file, line, column) of a YAML path such as ``sections[0].items[2].relevant`` (nearest known parent)."""
        p = path
        while p:
            if p in self._positions:
                line, col = self._positions[p]
                return self._file, line, col
            cut = max(p.rfind("."), p.rfind("["))
            p = p[:cut] if cut > 0 else ""
        return self._file, None, None

    @property
    def file(self) -> str | None:
        return self._file


def variable_label(qn: Questionnaire, q: Question, lang: str | None = None) -> str:
    """The short variable label: ``short`` if given, else the question text."""
    return qn.text(q.short, lang) or qn.text(q.label, lang) or q.name
