"""Validation of an EU-LFS transmission table of the migration variables, before it is sent.

Implementing Regulation (EU) 2019/2240, Art. 11(1): datasets must "comply with validation rules according to the
specification of variables for their coding and filter conditions set out in Annex I".  The rules here are those
of Annex I that apply to the transmitted migration variables, typed from the regulation (not from the
questionnaire): every value is one of the variable's codes; the not-applicable code appears exactly outside the
filter and blank (not stated) only inside it; the technical items (reference period, keys, weights) are present and
well formed; and the cross-variable conditions the codes imply (YEARESID 999 only for the native-born, a duration of
stay no longer than the age, a previous residence abroad).  One row per failure; an empty report means valid.
Filters are written in the condition language over the transmitted columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..questionnaire import expr as E

REG = "Reg. (EU) 2019/2240, Annex I"
COLUMNS = ["rule", "variable", "severity", "row", "HHNUM", "HHSEQNUM", "value", "message", "source"]

CODES: dict[str, str] = {
    # variable: allowed codes ('a-b' ranges keep the width), countries are alpha-2 plus the specials listed
    "REFWEEK": "01-53", "REFMONTH": "01-12", "REFQUARTER": "1-4", "HHSEQNUM": "01-98", "SEX": "1-2",
    "AGE": "000-120", "EMPSTAT": "1-2;9", "HHFATH": "00-98;99", "HHMOTH": "00-98;99",
    "CITIZENSHIP": "country;STLS;FOR", "COUNTRYB": "country;FOR", "COBFATH": "country;FOR;999",
    "COBMOTH": "country;FOR;999", "YEARESID": "000-150;999", "COUNTRPR": "country;FOR;999",
    "MIGREAS": "1-7;9", "HATCNTR": "country;FOR;998;999", "ESTQUAL": "01-09;99", "HATPAR": "1-3;9",
    "JOBSATISF": "1-4;9", "SKILLEQ": "1-4;9", "DISCRIMI": "1-6;9", "JOBOBSTA": "1-8;9", "DURFIJOB": "01-09;99",
    "PRKNLANG": "1-6;9", "LANGHOST": "1-5;9", "LANGCOUR": "1-5;9",
}
"""Annex I codes of each transmitted variable (blank = not stated is allowed where the filter includes)."""

MIGRANT = "COUNTRYB != COUNTRY and 15 <= AGE <= 74"
FILTERS: dict[str, tuple[str, str]] = {
    # variable: (filter in the condition language over the transmitted columns, not-applicable code)
    "EMPSTAT": ("15 <= AGE <= 89", "9"),
    "COBFATH": ("AGE <= 74", "999"), "COBMOTH": ("AGE <= 74", "999"),
    "COUNTRPR": ("0 <= YEARESID <= 10", "999"),
    "MIGREAS": (MIGRANT, "9"),
    "HATCNTR": ("15 <= AGE <= 74", "999"),
    "ESTQUAL": ("HATCNTR != COUNTRY and 15 <= AGE <= 74", "99"),
    "HATPAR": ("15 <= AGE <= 74", "9"),
    "JOBSATISF": ("EMPSTAT = 1 and 15 <= AGE <= 74", "9"),
    "SKILLEQ": ("EMPSTAT = 1 and COUNTRYB != COUNTRY and 15 <= AGE <= 74", "9"),
    "DISCRIMI": ("EMPSTAT = 1 and 15 <= AGE <= 74", "9"),
    "JOBOBSTA": (MIGRANT, "9"), "DURFIJOB": (MIGRANT, "99"), "PRKNLANG": (MIGRANT, "9"),
    "LANGHOST": (MIGRANT, "9"), "LANGCOUR": (MIGRANT, "9"),
}
"""Annex I filters (column 'Filter') of the transmitted variables that have one."""

REQUIRED = ("REFYEAR", "REFWEEK", "REFMONTH", "HHNUM", "HHSEQNUM", "COUNTRY", "SEX", "AGE", "COEFFQ")
"""Technical and minimum-set items that are never blank (Annex I: 'Not blank' / no blank code)."""


@dataclass(frozen=True)
class Cross:
    """A condition between variables: where *when* holds, *must* holds too."""

    rule: str
    variable: str
    when: str
    must: str
    message: str
    source: str


CROSS: tuple[Cross, ...] = (
    Cross("yearesid-born-here", "YEARESID", "YEARESID = 999", "COUNTRYB = COUNTRY",
          "YEARESID 999 (born here, never abroad) but the country of birth is not the country of residence",
          f"{REG}, YEARESID code 999"),
    Cross("yearesid-age", "YEARESID", "YEARESID <= 150", "YEARESID <= AGE",
          "the duration of stay is longer than the age", f"{REG}, YEARESID 001-150 (years since last arrival)"),
    Cross("countrpr-abroad", "COUNTRPR", "0 <= YEARESID <= 10 and answered(COUNTRPR) and COUNTRPR != 'FOR'",
          "COUNTRPR != COUNTRY", "the country of previous residence is the country of residence",
          f"{REG}, COUNTRPR (country of previous residence)"),
    Cross("refquarter", "REFQUARTER", "answered(REFMONTH)", "REFQUARTER = int((REFMONTH - 1) / 3) + 1",
          "REFQUARTER is not the quarter of REFMONTH", f"{REG}, REFMONTH (derived); quarter of the reference month"),
    Cross("refweek-exists", "REFWEEK", "answered(REFWEEK) and answered(REFYEAR)", "answered(REFMONTH)",
          "REFWEEK is not an ISO week of REFYEAR (week 53 exists only in 53-week years)", f"{REG}, REFWEEK 01-53"),
    Cross("coeffq-positive", "COEFFQ", "answered(COEFFQ)", "COEFFQ > 0", "the quarterly weight is 0",
          f"{REG}, COEFFQ"),
    Cross("coeffmod-module", "COEFFMOD", "15 <= AGE <= 74", "answered(COEFFMOD) and COEFFMOD > 0",
          "no module weight for a person of the module's target population (aged 15-74)",
          "Reg. (EU) 2019/2240, Art. 4(3)(d) and Annex I, COEFFMOD"),
    Cross("coeffmod-outside", "COEFFMOD", "AGE < 15 or AGE > 74", "not answered(COEFFMOD)",
          "a module weight for a person outside the module's target population (aged 15-74)",
          "Reg. (EU) 2019/2240, Art. 4(3)(d) and Annex I, COEFFMOD"),
)
"""Cross-variable validation rules implied by the codes and filters of Annex I."""

_ALPHA2 = re.compile(r"^[A-Z]{2}$")
_NUMERIC_TEXT = re.compile(r"^\d+$")


def _allowed(spec: str) -> tuple[set[str], bool]:
    """The codes of a CODES entry, and whether SCL GEO alpha-2 country codes are allowed."""
    codes: set[str] = set()
    country = False
    for part in spec.split(";"):
        if part == "country":
            country = True
        elif "-" in part:
            lo, hi = part.split("-")
            codes |= {f"{v:0{len(lo)}d}" for v in range(int(lo), int(hi) + 1)}
        else:
            codes.add(part)
    return codes, country


def _env(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Transmitted columns for the condition language: digit-only columns as numbers, others as text (blank =
    missing)."""
    env: dict[str, np.ndarray] = {}
    for c in frame.columns:
        col = frame[c].fillna("").astype(str)
        filled = col[col != ""]
        if len(filled) and filled.str.fullmatch(_NUMERIC_TEXT).all():
            env[c] = pd.to_numeric(col.where(col != ""), errors="coerce").to_numpy(dtype="float64")
        else:
            env[c] = np.array([None if v == "" else v for v in col], dtype=object)
    return env


class _Report:
    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.hh = frame["HHNUM"].astype(str).to_numpy() if "HHNUM" in frame.columns else np.full(len(frame), "")
        self.seq = frame["HHSEQNUM"].astype(str).to_numpy() if "HHSEQNUM" in frame.columns \
            else np.full(len(frame), "")
        self.rows: list[dict[str, object]] = []

    def add(self, mask: np.ndarray, rule: str, variable: str, message: str, source: str,
            severity: str = "error") -> None:
        vals = self.frame[variable].astype(str).to_numpy() if variable in self.frame.columns \
            else np.full(len(self.frame), "")
        for i in np.flatnonzero(mask):
            self.rows.append({"rule": rule, "variable": variable, "severity": severity, "row": int(i) + 1,
                              "HHNUM": self.hh[i], "HHSEQNUM": self.seq[i], "value": vals[i], "message": message,
                              "source": source})

    def one(self, rule: str, variable: str, message: str, source: str) -> None:
        self.rows.append({"rule": rule, "variable": variable, "severity": "error", "row": None, "HHNUM": "",
                          "HHSEQNUM": "", "value": "", "message": message, "source": source})


def validation_failures(frame: pd.DataFrame) -> pd.DataFrame:
    """Every failure of the validation rules in the transmission *frame* (all text, '' = blank)."""
    rep = _Report(frame)
    n = len(frame)
    text = {c: frame[c].fillna("").astype(str).to_numpy() for c in frame.columns}
    env = _env(frame)
    for var in REQUIRED:
        if var not in frame.columns:
            rep.one("missing-variable", var, f"the transmission has no column {var}", REG)
            continue
        rep.add(text[var] == "", "not-blank", var, f"{var} is blank; the regulation has no blank code for it", REG)
    for var, spec in CODES.items():
        if var not in frame.columns:
            rep.one("missing-variable", var, f"the transmission has no column {var}", REG)
            continue
        codes, country = _allowed(spec)
        v = text[var]
        ok = (v == "") | np.isin(v, list(codes))
        if country:
            ok |= np.array([bool(_ALPHA2.match(x)) and x not in ("GR", "GB") for x in v])
        rep.add(~ok, "code", var, f"not an Annex I code of {var} ({spec})", f"{REG}, {var}")
    for var, (flt, na) in FILTERS.items():
        if var not in frame.columns:
            continue
        try:
            scope = E.truth(E.evaluate(E.parse(flt), env, n))
        except KeyError as exc:
            rep.one("filter", var, f"the filter of {var} ({flt}) needs column {exc}", f"{REG}, {var}")
            continue
        v = text[var]
        rep.add(scope & (v == na), "filter", var, f"'not applicable' ({na}) although the filter {flt} includes "
                                                  "the person", f"{REG}, {var} filter")
        rep.add(~scope & (v != na), "filter", var, f"must be {na} (not applicable): the filter {flt} excludes "
                                                   "the person", f"{REG}, {var} filter")
    for c in CROSS:
        try:
            when = E.truth(E.evaluate(E.parse(c.when), env, n))
            must = E.truth(E.evaluate(E.parse(c.must), env, n))
        except KeyError as exc:
            rep.one(c.rule, c.variable, f"not checked: no column {exc}", c.source)
            continue
        rep.add(when & ~must, c.rule, c.variable, c.message, c.source)
    _keys(rep, text)
    _formats(rep, text)
    return pd.DataFrame(rep.rows, columns=COLUMNS)


def _keys(rep: _Report, text: dict[str, np.ndarray]) -> None:
    """HHNUM of at most 8 characters; HHNUM + HHSEQNUM unique; HHFATH/HHMOTH name another member."""
    if "HHNUM" not in text or "HHSEQNUM" not in text:
        return
    hh, seq = text["HHNUM"], text["HHSEQNUM"]
    rep.add(np.array([len(x) > 8 for x in hh]), "hhnum-length", "HHNUM",
            "the household number is longer than 8 characters", f"{REG}, HHNUM")
    dup = pd.DataFrame({"h": hh, "s": seq}).duplicated(keep=False).to_numpy() & (seq != "")
    rep.add(dup, "key-unique", "HHSEQNUM", "HHNUM + HHSEQNUM identify more than one person", f"{REG}, HHSEQNUM")
    members = set(zip(hh, seq, strict=True))
    for var in ("HHFATH", "HHMOTH"):
        if var not in text:
            continue
        ptr = text[var]
        bad = np.array([p not in ("", "00", "99") and (p == s or (h, p) not in members)
                        for h, s, p in zip(hh, seq, ptr, strict=True)])
        rep.add(bad, "parent-member", var, f"{var} names no other member (HHSEQNUM) of the household",
                f"{REG}, {var}")


def _formats(rep: _Report, text: dict[str, np.ndarray]) -> None:
    """REFYEAR four digits; weights nine digits (5 whole + 4 decimal places)."""
    if "REFYEAR" in text:
        rep.add(np.array([x != "" and not re.fullmatch(r"\d{4}", x) for x in text["REFYEAR"]]), "format",
                "REFYEAR", "not a 4-digit year", f"{REG}, REFYEAR")
    for var in ("COEFFQ", "COEFFMOD"):
        if var in text:
            rep.add(np.array([x != "" and not re.fullmatch(r"\d{9}", x) for x in text[var]]), "format", var,
                    "not 9 digits (5 whole, 4 decimals): the weight is 100000 or more, or not a number",
                    f"{REG}, {var}")
