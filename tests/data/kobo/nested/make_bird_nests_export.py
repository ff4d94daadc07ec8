"""Make bird_nests_export.xlsx: the submissions of formpack's fixture ``nested_grouped_repeatable`` (a Kobo form:
repeat group_tree > repeat group_nest > repeat group_egg, with the submissions stored with it) exported by
formpack as KoboToolbox's server exports them (``force_index=True``, XML values and headers, ``/``). The form is
tests/data/xlsform_wild/kobo_bird_nests.xlsx (the same v1.json, by kobo_content_to_xlsx.py).

Run with formpack's source on PYTHONPATH (https://github.com/kobotoolbox/formpack, GPL-3.0; not a surveymod
dependency):  PYTHONPATH=formpack/src python make_bird_nests_export.py formpack/tests/fixtures/nested_grouped_repeatable/v1.json .
"""
import json
import sys
from pathlib import Path

from formpack import FormPack

src, out = Path(sys.argv[1]), Path(sys.argv[2])
v1 = json.loads(src.read_text(encoding="utf-8"))
fp = FormPack([{"content": v1["content"], "version": v1["version"]}], title="Bird nest survey")
opts = {"versions": fp.versions, "multiple_select": "both", "lang": "_xml", "hierarchy_in_labels": True,
        "group_sep": "/", "force_index": True, "copy_fields": ("_id", "_uuid", "_submission_time")}
fp.export(**opts).to_xlsx(str(out / "bird_nests_export.xlsx"), v1["submissions"])
print("wrote bird_nests_export.xlsx")
