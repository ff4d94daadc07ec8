"""How the tables of a plan are written: Excel-safe sheet names and the standalone HTML page."""

from __future__ import annotations

import re

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
    from ..syntax.html import html_text as escape

    parts = [f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>",
             "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:2em}"
             "td,th{border:1px solid #ccc;padding:2px 6px;font-size:90%}td.num{text-align:right}"
             "tr.suppress{color:#999}tr.warn{background:#fff6dd}</style></head><body>",
             f"<h1>{escape(title)}</h1>",
             "<p>Each cell: estimate, standard error, 95% confidence interval, coefficient of variation, unweighted n"
             " and reliability flag (<em>warn</em>: use with caution; <em>suppress</em>: not reliable enough to "
             "publish).</p>"]
    cols = ["domain", "label", "estimate", "se", "ci_low", "ci_high", "cv", "n", "flag"]
    for tid, t in tables.items():
        head = t.iloc[0] if len(t) else None
        parts.append(f"<h2 id='{escape(tid)}'>{escape(tid)}: {escape(str(head['title']) if head is not None else '')}"
                     "</h2>")
        if head is not None:
            parts.append(f"<p>Universe: {escape(str(head['universe']))}; variable: {escape(str(head['variable']))}; "
                         f"<strong>{escape(str(head['weight']))}</strong></p>")
        parts.append("<table><tr>" + "".join(f"<th>{c}</th>" for c in cols) + "</tr>")
        for _, r in t.iterrows():
            kind = str(r["flag"]).split(":")[0]
            cells = []
            for c in cols:
                v = r[c]
                if isinstance(v, float):
                    cells.append(f"<td class='num'>{'' if np.isnan(v) else f'{v:.4g}'}</td>")
                else:
                    cells.append(f"<td>{escape(str(v))}</td>")
            parts.append(f"<tr class='{kind}'>" + "".join(cells) + "</tr>")
        parts.append("</table>")
    parts.append("</body></html>\n")
    return "\n".join(parts)
