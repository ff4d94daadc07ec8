"""Back-checks as IPA's bcstats: re-interviews of a sample of households compared with the original interviews on
chosen items, discrepancy rates by item and by interviewer.

Type 1 items should never differ (household size, who was interviewed): a difference is the interviewer's error.
Type 2 items can be hard to get right (sensitive or complex): differences call for training. Type 3 items test the
stability of answers and are reported by item only. ``okrange`` sets, per numeric item, the differences
(back-check minus original) that count as agreement. Text is compared trimmed and case-insensitively; an item
missing in one file and answered in the other is a difference, missing in both is agreement.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import Location, SurveyError
from .config import Backcheck
from .keys import key_text

TYPES = {"type1": 1, "type2": 2, "type3": 3}


@dataclass
class BackcheckResult:
    """Comparisons, the rates by item and by interviewer, and what could not be compared."""

    discrepancies: pd.DataFrame
    by_item: pd.DataFrame
    by_interviewer: pd.DataFrame
    matched: int
    notes: list[str] = field(default_factory=list)


def _agree(orig: pd.Series, bc: pd.Series, ok: tuple[float, float] | None) -> np.ndarray:
    a, b = pd.to_numeric(orig, errors="coerce"), pd.to_numeric(bc, errors="coerce")
    numeric = (a.notna() | orig.isna()) & (b.notna() | bc.isna())
    both_missing = (orig.isna() & bc.isna()).to_numpy()
    diff = (b - a).to_numpy(dtype=float)
    lo, hi = ok if ok else (0.0, 0.0)
    num_ok = (diff >= lo - 1e-9) & (diff <= hi + 1e-9)
    text_ok = (orig.astype(str).str.strip().str.lower() == bc.astype(str).str.strip().str.lower()).to_numpy()
    return both_missing | np.where(numeric.to_numpy(), num_ok, text_ok & orig.notna().to_numpy()
                                   & bc.notna().to_numpy())


def compare(original: pd.DataFrame, bc: pd.DataFrame, spec: Backcheck, ids: list[str], interviewer: str | None,
            bc_path: str) -> BackcheckResult:
    """Match back-checks to originals on *ids* and compare every typed item present in both files."""
    missing = [c for c in ids if c not in bc.columns] + [c for c in ids if c not in original.columns]
    if missing:
        raise SurveyError(f"back-check id column(s) {', '.join(dict.fromkeys(missing))} not in both files "
                          "(set backcheck.id in the thresholds file)", location=Location(file=bc_path),
                          rule="backcheck-id")
    notes: list[str] = []
    typed = [(item, t) for key, t in TYPES.items() for item in getattr(spec, key)]
    absent = [i for i, _ in typed if i not in bc.columns or i not in original.columns]
    if absent:
        notes.append(f"not compared (not in both files): {', '.join(absent)}")
    typed = [(i, t) for i, t in typed if i not in absent]
    o = original.assign(_id=key_text(original[ids]))
    b = bc.assign(_id=key_text(bc[ids]))
    dup = o["_id"].duplicated(keep="first")
    if dup.any():
        notes.append(f"{int(dup.sum())} original record(s) share an id with an earlier one; back-checks are "
                     "compared with the first")
    o = o[~dup]
    merged = b.merge(o, on="_id", how="left", suffixes=("_bc", ""), indicator=True)
    unmatched = merged["_merge"] == "left_only"
    if unmatched.any():
        notes.append(f"{int(unmatched.sum())} back-check(s) match no original interview: "
                     f"{', '.join(merged.loc[unmatched, '_id'].head(10))}")
    merged = merged[~unmatched]
    who = merged[interviewer] if interviewer and interviewer in merged.columns else pd.Series("all", index=merged.index)
    checker = spec.backchecker
    rows = []
    for item, t in typed:
        orig_col = item
        bc_col = f"{item}_bc" if f"{item}_bc" in merged.columns else item
        agree = _agree(merged[orig_col], merged[bc_col], spec.okrange.get(item))
        rows.append(pd.DataFrame({
            "id": merged["_id"], "interviewer": who, "backchecker": merged[f"{checker}_bc"] if checker and
            f"{checker}_bc" in merged.columns else merged[checker] if checker and checker in merged.columns else "",
            "item": item, "type": t, "original": merged[orig_col], "backcheck": merged[bc_col],
            "different": ~agree}))
    comp = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
        columns=["id", "interviewer", "backchecker", "item", "type", "original", "backcheck", "different"])
    by_item = comp.groupby(["item", "type"], sort=False).agg(compared=("different", "size"),
                                                             different=("different", "sum")).reset_index()
    by_item["error_rate"] = by_item["different"] / by_item["compared"]
    per = comp[comp["type"] < 3]
    by_int = per.pivot_table(index="interviewer", columns="type", values="different", aggfunc=["size", "sum"],
                             fill_value=0) if len(per) else pd.DataFrame()
    out = pd.DataFrame(index=by_int.index)
    for t in (1, 2):
        if ("size", t) in by_int.columns:
            out[f"type{t}_compared"] = by_int[("size", t)]
            out[f"type{t}_different"] = by_int[("sum", t)]
            out[f"type{t}_error_rate"] = out[f"type{t}_different"] / out[f"type{t}_compared"].where(
                out[f"type{t}_compared"] > 0)
    out = out.reset_index()
    return BackcheckResult(comp[comp["different"]].reset_index(drop=True), by_item, out,
                           int(merged["_id"].nunique()), notes)
