"""Write a KoboToolbox asset's form content (the JSON Kobo's form builder stores and formpack's test fixtures
hold) as the XLSForm workbook Kobo's "Download XLS" gives: translated columns (label, hint ...) become
``label::<translation>``, every other key a column of its own. Usage: python kobo_content_to_xlsx.py V1.JSON OUT.xlsx
"""
import json
import sys

import openpyxl

src, out = sys.argv[1], sys.argv[2]
content = json.load(open(src, encoding="utf-8"))["content"]
translations = content.get("translations") or [None]
translated = set(content.get("translated", []))
book = openpyxl.Workbook()
book.remove(book.active)
for sheet in ("survey", "choices"):
    rows = content.get(sheet) or []
    if not rows:
        continue
    flat = []
    for r in rows:
        cells = {}
        for k, v in r.items():
            if k == "select_from_list_name":  # Kobo's builder keeps the list apart; its XLS has it in the type
                continue
            if k == "type" and r.get("select_from_list_name"):
                v = f"{v} {r['select_from_list_name']}"
            if (k in translated or not translated) and isinstance(v, list):  # older assets list no 'translated'
                for lang, text in zip(translations, v, strict=False):
                    if text is not None:
                        cells[f"{k}::{lang}" if lang else k] = text
            else:
                cells[k] = v if not isinstance(v, bool) else str(v).lower()
        flat.append(cells)
    columns = list(dict.fromkeys(k for r in flat for k in r))
    ws = book.create_sheet(sheet)
    ws.append(columns)
    for r in flat:
        ws.append([r.get(c) for c in columns])
settings = content.get("settings") or {}
if settings:
    ws = book.create_sheet("settings")
    ws.append(list(settings))
    ws.append(list(settings.values()))
book.save(out)
