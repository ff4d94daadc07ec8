"""AAPOR Standard Definitions (10th edition, 2023) outcome rates from final disposition codes.

Dispositions fall into I (complete, 1.1), P (partial, 1.2), R (refusal and break-off, 2.1x), NC (non-contact,
2.2x), O (other eligible non-interview, 2.3x-2.9x), UH (unknown if household/occupied, 3.1x), UO (other unknown
eligibility, 3.2x-3.9x) and NE (not eligible, 4.x). The rates are the Standard Definitions' formulas; e, the share
of unknown-eligibility cases taken as eligible, is by default the share eligible among the cases whose
eligibility is known, (I+P+R+NC+O) / (I+P+R+NC+O+NE), as AAPOR suggests for its estimation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..questionnaire.model import Question, Questionnaire
from .keys import code_text

CATEGORIES = ("I", "P", "R", "NC", "O", "UH", "UO", "NE")
RATES = ("RR1", "RR2", "RR3", "RR4", "RR5", "RR6", "COOP1", "COOP2", "COOP3", "COOP4", "REF1", "REF2", "REF3",
         "CON1", "CON2", "CON3")
_LABEL_CODE = re.compile(r"AAPOR\s+([1-4](?:\.\d+)?)")


def category(aapor_code: str) -> str:
    """The Standard Definitions group of a final disposition code: '2.111' -> 'R', '3.10' -> 'UH', '4.0' -> 'NE'."""
    code = str(aapor_code).strip()
    head, _, tail = code.partition(".")
    first = tail[:1]
    if head == "1":
        return "P" if first == "2" else "I"
    if head == "2":
        return {"1": "R", "2": "NC"}.get(first, "O")
    if head == "3":
        return "UH" if first == "1" else "UO"
    return "NE"


def codes_from_labels(qn: Questionnaire, q: Question) -> dict[str, str]:
    """Data code -> AAPOR code read from '(AAPOR 2.10)' in each choice's English (or first) label."""
    out: dict[str, str] = {}
    for c in qn.choice_list(q):
        m = _LABEL_CODE.search(qn.text(c.label, "en") or qn.text(c.label))
        if m:
            out[str(c.code)] = m.group(1)
    return out


def categorize(values: pd.Series, mapping: Mapping[str, str]) -> pd.Series:
    """Each row's category (I, P, …) from its disposition code; codes not in *mapping* become NaN."""
    codes = code_text(pd.Series(list(mapping), dtype=object))
    groups = dict(zip(codes, (category(v) for v in mapping.values()), strict=True))
    return code_text(values).map(groups).where(values.notna())


@dataclass(frozen=True)
class Counts:
    """Cases per Standard Definitions group."""

    I: int = 0  # noqa: E741 - the Standard Definitions' own letter
    P: int = 0
    R: int = 0
    NC: int = 0
    O: int = 0  # noqa: E741
    UH: int = 0
    UO: int = 0
    NE: int = 0

    @classmethod
    def of(cls, cats: pd.Series) -> Counts:
        vc = cats.value_counts()
        return cls(**{c: int(vc.get(c, 0)) for c in CATEGORIES})

    def estimated_e(self) -> float | None:
        """Eligible share among the cases whose eligibility is known; None when none is known."""
        known = self.I + self.P + self.R + self.NC + self.O
        return known / (known + self.NE) if known + self.NE else None


def rates(c: Counts, e: float | None = None) -> dict[str, float]:
    """Every outcome rate of the Standard Definitions (NaN where a denominator is 0). *e* defaults to
    :meth:`Counts.estimated_e`."""
    if e is None:
        e = c.estimated_e()
    e = np.nan if e is None else e
    ip = c.I + c.P
    nonint = c.R + c.NC + c.O
    unknown = c.UH + c.UO

    def div(a: float, b: float) -> float:
        return a / b if b else np.nan

    return {
        "RR1": div(c.I, ip + nonint + unknown),
        "RR2": div(ip, ip + nonint + unknown),
        "RR3": div(c.I, ip + nonint + e * unknown) if unknown else div(c.I, ip + nonint),
        "RR4": div(ip, ip + nonint + e * unknown) if unknown else div(ip, ip + nonint),
        "RR5": div(c.I, ip + nonint),
        "RR6": div(ip, ip + nonint),
        "COOP1": div(c.I, ip + c.R + c.O),
        "COOP2": div(ip, ip + c.R + c.O),
        "COOP3": div(c.I, ip + c.R),
        "COOP4": div(ip, ip + c.R),
        "REF1": div(c.R, ip + nonint + unknown),
        "REF2": div(c.R, ip + nonint + e * unknown) if unknown else div(c.R, ip + nonint),
        "REF3": div(c.R, ip + nonint),
        "CON1": div(ip + c.R + c.O, ip + c.R + c.O + c.NC + unknown),
        "CON2": div(ip + c.R + c.O, ip + c.R + c.O + c.NC + e * unknown) if unknown
        else div(ip + c.R + c.O, ip + c.R + c.O + c.NC),
        "CON3": div(ip + c.R + c.O, ip + c.R + c.O + c.NC),
    }


def rate_table(cats: pd.Series, by: pd.Series | None = None, e: float | None = None) -> pd.DataFrame:
    """Counts, e and every rate: one row overall (*by* None) or one per value of *by*. With *e* None each group's
    e is the overall estimate (a small group's own estimate would be noise)."""
    overall = Counts.of(cats)
    e_used = overall.estimated_e() if e is None else e
    key = pd.Series("all", index=cats.index) if by is None else by
    table = pd.crosstab(key.rename("group"), cats.rename("category"), dropna=False)
    table = table.reindex(columns=list(CATEGORIES), fill_value=0)
    if by is None:
        table = table.reindex(["all"], fill_value=0)
    rows = []
    for group, counts in zip(table.index, table.to_numpy(dtype=int), strict=True):
        c = Counts(*map(int, counts))
        rows.append({"group": group, **{k: getattr(c, k) for k in CATEGORIES}, "cases": int(counts.sum()),
                     "e": e_used, **rates(c, e_used)})
    return pd.DataFrame(rows)
