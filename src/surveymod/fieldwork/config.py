"""What ``surveymod monitor`` reads from the optional thresholds YAML (``--thresholds T.yaml``) and the column
names it works with: given in the YAML, else found from the questionnaire and the usual names of ODK/Kobo and
Survey Solutions exports.

Every threshold has a default a field manager can override; a column that is neither given nor found leaves its
check out of the report with a note (nothing is guessed silently).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..questionnaire.model import Questionnaire
from ..yamlpos import load_model

AAPOR_CODE = re.compile(r"^[1-4](\.\d+)?$")


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Thresholds(_Base):
    """Flag limits; an interviewer (or PSU, item) beyond one is flagged in the report."""

    speeder_fraction: float = Field(0.5, gt=0, le=1, description="An interview shorter than this fraction of the "
                                                                 "median duration is a speeder.")
    speeder_minutes: float | None = Field(None, gt=0, description="Fixed speeder limit in minutes (instead of the "
                                                                  "fraction of the median).")
    speeder_share: float = Field(0.2, ge=0, le=1, description="Flag an interviewer with more speeders than this.")
    item_nonresponse: float = Field(0.05, ge=0, le=1, description="Flag: share of asked items left blank.")
    dk_refusal: float = Field(0.10, ge=0, le=1, description="Flag: share of asked items answered don't know or "
                                                            "refused.")
    straightlining: float = Field(0.25, ge=0, le=1, description="Flag: share of grids answered all alike.")
    other_share: float = Field(0.25, ge=0, le=1, description="Flag: share of 'Other' among answers to questions "
                                                             "with an Other code.")
    consent_refusal: float = Field(0.40, ge=0, le=1, description="Flag: share of contacted persons refusing consent.")
    outlier_z: float = Field(3.5, gt=0, description="A numeric answer this many robust SDs (1.4826 MAD) from the "
                                                    "median is an outlier.")
    outlier_share: float = Field(0.10, ge=0, le=1, description="Flag: share of interviews with an outlier.")
    response_rate: float = Field(0.5, ge=0, le=1, description="Flag: AAPOR RR3 below this.")
    rate_z: float = Field(3.5, gt=0, description="Flag an interviewer whose share differs from everyone else's by "
                                                 "more than this many binomial SEs (selection, response, duration).")
    rho_int: float = Field(0.05, ge=0, le=1, description="Flag an item whose interviewer effect rho_int exceeds this.")
    backcheck_error: float = Field(0.10, ge=0, le=1, description="Flag: back-check discrepancy rate (type 1 items; "
                                                                 "two discrepancies at least).")
    selection_mismatch: float = Field(0.10, ge=0, le=1, description="Flag: share of Kish selections whose "
                                                                   "respondent is not the roster's selected person "
                                                                   "(two at least).")
    min_interviews: int = Field(5, ge=1, description="Interviewers with fewer completed interviews are listed but "
                                                     "not flagged on shares.")


class FieldworkColumns(_Base):
    """Column names in the data; each left out is looked for under its usual names."""

    interviewer: str | None = None
    date: str | None = None
    start: str | None = Field(None, description="Start date-time of the interview (ODK `start`).")
    end: str | None = Field(None, description="End date-time of the interview (ODK `end`).")
    start_hm: list[str] | None = Field(None, description="Start hour and minute columns, e.g. [t_start_h, t_start_m].")
    end_hm: list[str] | None = None
    duration: str | None = Field(None, description="Duration in minutes (used when start/end are absent).")
    psu: str | None = None
    region: str | None = None
    household: list[str] | None = Field(None, description="Columns identifying a sampled household.")
    disposition: str | None = None
    consent: str | None = None
    sex: str | None = None
    age: str | None = None
    n_elig: str | None = None
    sel_method: str | None = None
    kish_line: str | None = None

    @field_validator("start_hm", "end_hm")
    @classmethod
    def _pair(cls, v: list[str] | None) -> list[str] | None:
        if v is not None and len(v) != 2:
            raise ValueError("give two columns: hour and minute")
        return v


class Backcheck(_Base):
    """Back-check items as IPA's bcstats: type 1 (should never change: interviewer errors), type 2 (may be hard to
    get right: training), type 3 (stability; by item only); okrange: numeric differences that are no error."""

    id: list[str] | None = Field(None, description="Columns linking a back-check to its original interview "
                                                   "(default: the household columns).")
    backchecker: str | None = Field(None, description="Back-checker id column of the back-check file.")
    type1: list[str] = Field(default_factory=list)
    type2: list[str] = Field(default_factory=list)
    type3: list[str] = Field(default_factory=list)
    okrange: dict[str, tuple[float, float]] = Field(
        default_factory=dict, description="Per numeric item, [low, high] differences (back-check minus original) "
                                          "that count as agreement, e.g. age: [-1, 1].")


class Roster(_Base):
    """The household roster the Kish selection is checked against (a data level other than the top one)."""

    level: str | None = Field(None, description="Data level of the roster (default: the one with age and sex).")
    link: list[str] | None = Field(None, description="Columns linking a roster row to its household's record "
                                                     "(default: the questionnaire's respondent id).")
    age: str = "age"
    sex: str = "sex"
    min_age: float = Field(15, description="Persons of this age or older are eligible.")


class Grid(_Base):
    """A matrix block: items asked with the same answer scale one after the other."""

    name: str
    items: list[str] = Field(min_length=2)


class MonitorConfig(_Base):
    """The whole thresholds file; every part is optional."""

    columns: FieldworkColumns = Field(default_factory=FieldworkColumns)
    thresholds: Thresholds = Field(default_factory=Thresholds)
    dispositions: dict[str, str] | None = Field(
        None, description="Data code -> AAPOR final disposition code (e.g. '1': '1.1', '3': '2.10'); default: "
                          "the '(AAPOR x.y)' in the disposition choices' English labels.")
    eligibility: float | None = Field(None, ge=0, le=1, description="e, the share of cases of unknown eligibility "
                                                                    "taken as eligible (default: estimated).")
    key_items: list[str] | None = Field(None, description="Items for the interviewer effect rho_int (default: the "
                                                          "grid and scale items).")
    grids: list[Grid] | None = Field(None, description="Grids for straightlining (default: found in the "
                                                       "questionnaire).")
    paradata_groups: list[str] = Field(default_factory=lambda: ["fieldwork", "outcome", "metadata"],
                                       description="Questionnaire groups of survey management, left out of the "
                                                   "item nonresponse, outlier and straightlining checks.")
    backcheck: Backcheck = Field(default_factory=Backcheck)
    roster: Roster = Field(default_factory=Roster)

    @field_validator("dispositions")
    @classmethod
    def _aapor(cls, v: dict[str, str] | None) -> dict[str, str] | None:
        for code, aapor in (v or {}).items():
            if not AAPOR_CODE.match(str(aapor).strip()):
                raise ValueError(f"'{aapor}' (for data code {code}) is not an AAPOR disposition code such as 1.1, "
                                 "2.10, 3.20 or 4.0")
        return v


def load_config(path: str | Path | None) -> MonitorConfig:
    """The thresholds YAML (located errors through the one YAML loader), or the defaults."""
    if path is None:
        return MonitorConfig()
    return load_model(MonitorConfig, path)[0]


# The usual names of each column in questionnaires and ODK/Kobo/Survey Solutions exports, in order of preference.
CANDIDATES: dict[str, tuple[str, ...]] = {
    "interviewer": ("intv_id", "interviewer", "interviewer_id", "enumerator", "enum_id", "username", "responsible",
                    "_submitted_by"),
    "date": ("int_date", "interview_date", "today", "date"),
    "start": ("start", "starttime", "start_time"),
    "end": ("end", "endtime", "end_time"),
    "duration": ("duration", "interview__duration"),
    "psu": ("psu", "ea", "cluster", "enumeration_area"),
    "region": ("region",),
    "disposition": ("disposition", "final_disposition", "result_code"),
    "consent": ("consent",),
    "sex": ("sex", "gender", "gndr"),
    "age": ("age", "agea"),
    "n_elig": ("n_elig",),
    "sel_method": ("sel_method",),
    "kish_line": ("kish_line",),
}
HOUSEHOLD = (("psu", "hh_no"), ("hhid",), ("household_id",), ("hh_id",))
HM = {"start_hm": ("t_start_h", "t_start_m"), "end_hm": ("t_end_h", "t_end_m")}


@dataclass
class Fields:
    """The resolved column names (None: not in the data) and what was found automatically."""

    names: dict[str, str | None] = field(default_factory=dict)
    household: list[str] = field(default_factory=list)
    start_hm: list[str] = field(default_factory=list)
    end_hm: list[str] = field(default_factory=list)
    found: list[str] = field(default_factory=list)

    def get(self, key: str) -> str | None:
        return self.names.get(key)

    def used(self) -> set[str]:
        """Every column the fields name (left out of the substantive checks)."""
        return {v for v in self.names.values() if v} | set(self.household) | set(self.start_hm) | set(self.end_hm)


def resolve_fields(cfg: FieldworkColumns, columns: list[str], qn: Questionnaire | None = None) -> Fields:
    """Column names from the config, else the first usual name present in the data. A configured name missing from
    the data is an error for the caller to report (returned as given)."""
    present = {c.lower(): c for c in columns}
    out = Fields()
    for key, names in CANDIDATES.items():
        given = getattr(cfg, key)
        if given:
            out.names[key] = given
            continue
        hit = next((present[n] for n in names if n in present), None)
        out.names[key] = hit
        if hit:
            out.found.append(f"{key}: {hit}")
    if cfg.household:
        out.household = list(cfg.household)
    else:
        for combo in HOUSEHOLD:
            if all(c in present for c in combo):
                out.household = [present[c] for c in combo]
                out.found.append(f"household: {' + '.join(out.household)}")
                break
    for key, pair in HM.items():
        given = getattr(cfg, key)
        if given:
            setattr(out, key, list(given))
        elif all(c in present for c in pair):
            setattr(out, key, [present[c] for c in pair])
            out.found.append(f"{key}: {' + '.join(getattr(out, key))}")
    return out
