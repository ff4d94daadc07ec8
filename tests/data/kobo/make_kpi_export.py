"""Make kobo_export_kpi.xlsx: the submissions of submissions.json exported as KoboToolbox's server (kpi) exports
them, with formpack's ``force_index=True`` (kpi's ExportTask passes it), so that every sheet, the repeat sheet too,
has its own ``_index`` column next to ``_parent_index``. A reader that links the repeat by the repeat sheet's own
``_index`` gives most members the wrong household; the right link is ``_parent_index`` -> the main sheet's
``_index`` (and ``_submission__uuid`` -> ``_uuid``).

Run with formpack's source on PYTHONPATH (https://github.com/kobotoolbox/formpack, GPL-3.0; not a surveymod
dependency):  PYTHONPATH=formpack/src python make_kpi_export.py migration_hh.xlsx .
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
opts = {"versions": fp.versions, "multiple_select": "both", "lang": "_xml", "hierarchy_in_labels": True,
        "group_sep": "/", "force_index": True,
        "copy_fields": ("_id", "_uuid", "_submission_time", "_status", "_submitted_by")}
fp.export(**opts).to_xlsx(str(out / "kobo_export_kpi.xlsx"), subs)
print("wrote kobo_export_kpi.xlsx")
