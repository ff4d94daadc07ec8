"""Kobo exports with Kobo's "Labels" option (headers and answers as labels) of submissions.json, by formpack.

Run with formpack's source on PYTHONPATH (https://github.com/kobotoolbox/formpack, GPL-3.0; not a surveymod
dependency):  PYTHONPATH=formpack/src python make_label_exports.py FORM.xlsx OUTDIR
"""
import json
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
version = str(settings.get("version", "v1"))
subs = json.loads((out / "submissions.json").read_text(encoding="utf-8"))

fp = FormPack([{"content": content, "version": version}], title="Migration household survey")
opts = {"versions": fp.versions, "multiple_select": "both", "hierarchy_in_labels": True,
        "copy_fields": ("_id", "_uuid", "_submission_time", "_status", "_submitted_by")}
fp.export(group_sep="/", lang="English (en)", **opts).to_xlsx(str(out / "kobo_export_labels_en.xlsx"), subs)
lines = list(fp.export(group_sep="/", lang="Macedonian (mk)", **{**opts, "multiple_select": "summary"}).to_csv(subs))
(out / "kobo_export_labels_mk.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
print("wrote kobo_export_labels_en.xlsx, kobo_export_labels_mk.csv")
