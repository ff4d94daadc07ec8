"""How the tables of a plan are written: Excel-safe sheet names and the standalone HTML page."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd


def sheet_name(table_id: str) -> str:
    """An Excel-safe sheet name (at most 31 characters, none of []:*?/\\)."""
    return re.sub(r"[\[\]:*?/\\]", "_", table_id)[:31] or "table"


def sheet_names(table_ids: list[str]) -> dict[str, str]:
    """Table id -> its own sheet name: Excel-safe, and unique as Excel compares them (case-insensitively), so
    ``T/1`` and ``T_1`` get ``T_1`` and ``T_1 (2)`` instead of one sheet overwriting the other."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for tid in table_ids:
        name, k = sheet_name(tid), 1
        while name.casefold() in taken:
            k += 1
            name = f"{sheet_name(tid)[:31 - len(f' ({k})')]} ({k})"
        taken.add(name.casefold())
        out[tid] = name
    return out


def tables_html(tables: dict[str, pd.DataFrame], title: str) -> str:
    """One standalone HTML page with every table (estimate, SE, CI, CV, n and flag per cell)."""
    from ..templates import render

    cols = ["domain", "label", "estimate", "se", "ci_low", "ci_high", "cv", "n", "flag"]
    shown = []
    for tid, t in tables.items():
        head = t.iloc[0] if len(t) else None
        rows = [{"kind": str(r["flag"]).split(":")[0],
                 "cells": [{"num": True, "text": "" if np.isnan(v) else f"{v:.4g}"} if isinstance(v, float)
                           else {"num": False, "text": str(v)} for v in (r[c] for c in cols)]}
                for _, r in t.iterrows()]
        shown.append({"id": tid, "title": str(head["title"]) if head is not None else "", "rows": rows,
                      **({k: str(head[k]) for k in ("universe", "variable", "weight")} if head is not None
                         else {"universe": None})})
    return render("tables.html", page="tables", title=title, columns=cols, tables=shown)


def write_tables(tables: dict[str, pd.DataFrame], out: Path, title: str) -> Path:
    """Write the tables atomically as the workbook *out* (one sheet per table, each under its own name, see
    :func:`sheet_names`) and the HTML page beside it (``out`` with .html); returns the page's path."""
    from ..atomic import write_text, write_with
    from ..xlsx import write_frames

    names = sheet_names(list(tables))
    write_with(out, lambda tmp: write_frames(tmp, {names[tid]: t for tid, t in tables.items()}))
    return write_text(out.with_suffix(".html"), tables_html(tables, title))
