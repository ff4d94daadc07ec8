"""Translation glossary: one rendering per term and language, and the check that instrument texts follow it.

The glossary (e.g. ``questionnaires/translation/glossary.yaml``) maps an English term to its rendering in each
language. A term with ``check: true`` carries ``en_match`` (a case-insensitive, word-bounded regular expression
that marks an English text as using the term), ``<lang>_match`` (a stem the translation must contain: Macedonian
and Albanian inflect nouns, so "бегал" covers бегалец/бегалци/бегалците) and optionally ``<lang>_avoid`` (a stem
that must *not* appear, e.g. the calque "migracion" where the stem "migr" alone would accept it). A term without
an explicit stem is matched on its rendering's words cut to their stems (see :func:`stem`).

The ``review`` block records, per language, the sign-off (status, reviewer, date) and a ``log`` of who reviewed
what and with which result.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..yamlpos import load_model

_DATE = r"^\d{4}-\d{2}-\d{2}$"


class ReviewEntry(BaseModel):
    """One review: who, when, what was reviewed (terms, items, a sample) and the result."""

    model_config = ConfigDict(extra="forbid")
    by: str = Field(min_length=1)
    date: str = Field(pattern=_DATE)
    what: str = Field(min_length=1, description="What was reviewed, e.g. 'terms migrant..refugee' or 'a sample'.")
    result: str | None = None

    @field_validator("date", mode="before")
    @classmethod
    def _date_text(cls, v: Any) -> Any:
        return str(v) if v is not None and not isinstance(v, str) else v


class LanguageReview(BaseModel):
    """The sign-off of one language and the log of its reviews."""

    model_config = ConfigDict(extra="forbid")
    status: Literal["draft", "reviewed"] = "draft"
    reviewer: str | None = None
    date: str | None = Field(None, pattern=_DATE)
    log: list[ReviewEntry] = Field(default_factory=list)

    @field_validator("date", mode="before")
    @classmethod
    def _date_text(cls, v: Any) -> Any:
        return str(v) if v is not None and not isinstance(v, str) else v

    @model_validator(mode="after")
    def _signed(self) -> LanguageReview:
        if self.status == "reviewed" and not (self.reviewer and self.date):
            raise ValueError("a 'reviewed' language needs the reviewer's name and the date (YYYY-MM-DD)")
        return self


class Term(BaseModel):
    """A glossary term: its rendering per language and, for checked terms, the patterns of the check."""

    model_config = ConfigDict(extra="forbid")
    render: dict[str, str] = Field(default_factory=dict)
    match: dict[str, str] = Field(default_factory=dict)
    avoid: dict[str, str] = Field(default_factory=dict)
    en_match: str | None = None
    check: bool = False
    note: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _flat_keys(cls, data: Any) -> Any:
        """``mk: ..., mk_match: ..., sq_avoid: ...`` (the file's flat layout) into render/match/avoid."""
        if not isinstance(data, dict):
            return data
        out: dict[str, Any] = {"render": {}, "match": {}, "avoid": {}}
        for k, v in data.items():
            key = str(k)
            if key in ("en_match", "check", "note"):
                out[key] = v
            elif key.endswith("_match"):
                out["match"][key[:-6]] = v
            elif key.endswith("_avoid"):
                out["avoid"][key[:-6]] = v
            else:
                out["render"][key] = v
        return out

    @field_validator("en_match")
    @classmethod
    def _regex(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                re.compile(v)
            except re.error as exc:
                raise ValueError(f"en_match is not a valid regular expression ({exc})") from None
        return v

    @model_validator(mode="after")
    def _checkable(self) -> Term:
        if self.check and not self.en_match:
            raise ValueError("a term with 'check: true' needs 'en_match' (the English pattern)")
        return self

    def stems(self, lang: str) -> list[str]:
        """What a *lang* text using the term must contain: the explicit stem, or the rendering's word stems."""
        if lang in self.match:
            return [self.match[lang].lower()]
        rendering = re.sub(r"\(.*?\)", " ", self.render.get(lang, ""))
        return [stem(w) for w in re.findall(r"\w+", rendering.lower()) if len(w) > 2]


class Glossary(BaseModel):
    """The whole glossary file."""

    model_config = ConfigDict(extra="forbid")
    review: dict[str, LanguageReview] = Field(default_factory=dict)
    terms: dict[str, Term] = Field(default_factory=dict)

    @property
    def checked(self) -> dict[str, Term]:
        return {k: t for k, t in self.terms.items() if t.check}


def stem(word: str) -> str:
    """A crude stem that survives Macedonian and Albanian inflection: the word minus up to two final letters,
    never shorter than four letters (бегалец -> бегал, migrantët -> migrant)."""
    return word if len(word) <= 4 else word[: max(4, len(word) - 2)]


@cache
def _load(path: str, mtime: float) -> Glossary:
    return load_model(Glossary, path)[0]


def load_glossary(path: str | Path) -> Glossary:
    """Load and validate a glossary file (SurveyError with located problems if it is malformed)."""
    p = Path(path)
    return _load(str(p), p.stat().st_mtime)


def term_problems(glossary: Glossary, english: str, texts: dict[str, str]) -> list[tuple[str, str]]:
    """``(language, message)`` for every checked term *english* uses that a translation in *texts* renders
    differently (no stem of the glossary's rendering, or a stem the glossary says to avoid)."""
    out: list[tuple[str, str]] = []
    for name, term in glossary.checked.items():
        assert term.en_match is not None
        if not re.search(rf"\b(?:{term.en_match})\b", english, re.IGNORECASE):
            continue
        for lang, text in texts.items():
            if not text or lang not in term.render:
                continue
            low = text.lower()
            missing = [s for s in term.stems(lang) if s not in low]
            avoided = term.avoid.get(lang)
            if missing:
                out.append((lang, f"'{name}' is not rendered as the glossary's '{term.render[lang]}' in {lang}"))
            elif avoided and avoided.lower() in low:
                out.append((lang, f"'{name}' is rendered with '{avoided}' in {lang}; the glossary has "
                                  f"'{term.render[lang]}'"))
    return out

