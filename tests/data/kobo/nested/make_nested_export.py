"""Make nested_submissions.json and kobo_nested_export.xlsx: submissions of nested_hh.xlsx (members, each with trips
abroad: a repeat inside a repeat) in the JSON shape KoboToolbox stores, exported by KoboToolbox's own exporter,
formpack, with the options Kobo's server passes (``force_index=True``, XML values and headers, ``/``): the trip
sheet's ``_parent_index`` points at the member sheet's ``_index`` and ``_parent_table_name`` names it.

Run with formpack's source on PYTHONPATH (https://github.com/kobotoolbox/formpack, GPL-3.0; not a surveymod
dependency):  PYTHONPATH=formpack/src python make_nested_export.py nested_hh.xlsx .
"""
import json
import random
import sys
from pathlib import Path

from formpack import FormPack
from pyxform.xls2json_backends import get_xlsform

form, out = Path(sys.argv[1]), Path(sys.argv[2])
book = get_xlsform(str(form))
survey = [{k: v for k, v in r.items() if v not in (None, "")} for r in book.survey if r]
choices = [{k: v for k, v in r.items() if v not in (None, "")} for r in book.choices if r]
settings = (book.settings or [{}])[0]
content = {"survey": survey, "choices": choices, "settings": settings}

rng = random.Random(24)
subs = []
for i in range(1, 13):
    members = []
    for m in range(rng.randint(1, 4)):
        trips = [{"member/trip/t_country": rng.choice(["DE", "AT"]), "member/trip/t_months": str(rng.randint(1, 24))}
                 for _ in range(rng.choice([0, 0, 1, 2, 3]))]
        member = {"member/m_name": f"H{i}M{m + 1}", "member/n_trips": str(len(trips))}
        if trips:
            member["member/trip"] = trips
        members.append(member)
    subs.append({"_id": 1000 + i, "_uuid": f"00000000-0000-4000-8000-{i:012d}", "hh_size": str(len(members)),
                 "member": members, "_submission_time": f"2026-03-{i:02d}T10:00:00", "__version__": "1",
                 "meta/instanceID": f"uuid:00000000-0000-4000-8000-{i:012d}", "_status": "submitted_via_web",
                 "_submitted_by": None})
(out / "nested_submissions.json").write_text(json.dumps(subs, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

fp = FormPack([{"content": content, "version": str(settings.get("version", "v1"))}], title="Nested repeats")
opts = {"versions": fp.versions, "multiple_select": "both", "lang": "_xml", "hierarchy_in_labels": True,
        "group_sep": "/", "force_index": True,
        "copy_fields": ("_id", "_uuid", "_submission_time", "_status", "_submitted_by")}
fp.export(**opts).to_xlsx(str(out / "kobo_nested_export.xlsx"), subs)
print("wrote kobo_nested_export.xlsx")
