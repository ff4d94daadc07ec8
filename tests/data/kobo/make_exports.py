"""Make Kobo exports of tests/data/kobo/migration_hh.xlsx with kobotoolbox/formpack (KoboToolbox's own exporter).

Run with formpack's source on PYTHONPATH (https://github.com/kobotoolbox/formpack, GPL-3.0; not a surveymod
dependency):  PYTHONPATH=formpack/src python make_exports.py FORM.xlsx OUTDIR
Submissions are generated deterministically below (a fixed pseudo-random sequence), in the JSON shape Kobo stores.
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
version = str(settings.get("version", "v1"))

rnd = random.Random(20261130)
subs = []
for i in range(1, 41):
    n_members = rnd.randint(1, 4)
    members = []
    for j in range(n_members):
        age = rnd.randint(0, 80)
        m = {"household/hh_members/m_name": f"person {i}-{j + 1}", "household/hh_members/m_sex": rnd.choice(["male", "female"]),
             "household/hh_members/m_age": str(age)}
        if age >= 15:
            m["household/hh_members/m_abroad"] = rnd.choice(["yes", "no"])
            if m["household/hh_members/m_abroad"] == "yes":
                m["household/hh_members/m_country"] = rnd.choice(["DE", "AT", "CH", "IT", "US", "other"])
                if m["household/hh_members/m_country"] == "other":
                    m["household/hh_members/m_country_other"] = "Australia"
        members.append(m)
    reasons = rnd.sample(["work", "family", "study", "safety", "other"], rnd.randint(1, 3))
    sub = {
        "_id": 1000 + i, "_uuid": f"00000000-0000-4000-8000-{i:012d}",
        "_submission_time": f"2026-03-{(i % 28) + 1:02d}T10:{i % 60:02d}:00",
        "_notes": [], "_status": "submitted_via_web", "_submitted_by": None,
        "_tags": [], "_attachments": [], "_geolocation": [None, None], "__version__": version,
        "start": "2026-03-01T09:00:00.000+01:00", "end": "2026-03-01T09:20:00.000+01:00",
        "today": "2026-03-01",
        "consent": "yes" if i % 10 else "no",
        "meta/instanceID": f"uuid:00000000-0000-4000-8000-{i:012d}",
    }
    if sub["consent"] == "yes":
        sub["household/hh_size"] = str(n_members)
        sub["household/municipality"] = rnd.choice(["skopje", "tetovo", "bitola", "kumanovo"])
        sub["household/hh_members"] = members
        sub["migration/any_emigrant"] = rnd.choice(["yes", "no"])
        if sub["migration/any_emigrant"] == "yes":
            sub["migration/reasons"] = " ".join(reasons)
            if "other" in reasons:
                sub["migration/reasons_other"] = "marriage"
            sub["migration/remit_amount"] = str(rnd.choice([0, 50, 100, 250.5, 1000]))
        sub["migration/plan_to_leave_in_the_next_twelve_months_for_work"] = rnd.choice(["1", "2", "98"])
    subs.append(sub)

fp = FormPack([{"content": content, "version": version}], title="Migration household survey")
opts = {"versions": fp.versions, "multiple_select": "both", "lang": "_xml", "hierarchy_in_labels": True,
        "copy_fields": ("_id", "_uuid", "_submission_time", "_status", "_submitted_by")}
out.mkdir(parents=True, exist_ok=True)
fp.export(group_sep="/", **opts).to_xlsx(str(out / "kobo_export.xlsx"), subs)
lines = list(fp.export(group_sep=".", **{**opts, "multiple_select": "summary"}).to_csv(subs))
(out / "kobo_export_dot_single.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
lines = list(fp.export(group_sep="-", **{**opts, "multiple_select": "details"}).to_csv(subs))
(out / "kobo_export_dash_dummies.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
(out / "submissions.json").write_text(json.dumps(subs, indent=1), encoding="utf-8")
print("wrote", sorted(p.name for p in out.iterdir()))

# ---- an ODK Central-style CSV pair of the same submissions (not made by formpack: written here in Central's
# layout as in tests/data/fielddata/odk_central: '-' between groups, select_multiple as one column plus q/option
# dummies, the repeat in <form>-<repeat>.csv linked by PARENT_KEY -> KEY)
import csv  # noqa: E402

main_cols = ["SubmissionDate", "start", "end", "today", "consent", "household-hh_size", "household-municipality",
             "migration-any_emigrant", "migration-reasons"] + [f"migration-reasons/{o}" for o in
                                                               ("work", "family", "study", "safety", "other")] + [
    "migration-reasons_other", "migration-remit_amount",
    "migration-plan_to_leave_in_the_next_twelve_months_for_work", "meta-instanceID", "KEY", "SubmitterID",
    "ReviewState", "FormVersion"]
rep_cols = ["hh_members-m_name", "hh_members-m_sex", "hh_members-m_age", "hh_members-m_abroad",
            "hh_members-m_country", "hh_members-m_country_other", "PARENT_KEY", "KEY"]
(out / "odk_central").mkdir(exist_ok=True)
with open(out / "odk_central" / "migration_hh.csv", "w", newline="", encoding="utf-8") as fh:
    w = csv.writer(fh)
    w.writerow(main_cols)
    for s in subs:
        key = s["meta/instanceID"]
        chosen = (s.get("migration/reasons") or "").split()
        row = {"SubmissionDate": s["_submission_time"] + ".000Z", "KEY": key, "meta-instanceID": key,
               "SubmitterID": "7", "ReviewState": "", "FormVersion": version}
        for k, v in s.items():
            if not k.startswith("_") and not isinstance(v, list):
                row[k.replace("/", "-")] = v
        if "migration/reasons" in s:
            for o in ("work", "family", "study", "safety", "other"):
                row[f"migration-reasons/{o}"] = "1" if o in chosen else "0"
        w.writerow([row.get(c, "") for c in main_cols])
with open(out / "odk_central" / "migration_hh-hh_members.csv", "w", newline="", encoding="utf-8") as fh:
    w = csv.writer(fh)
    w.writerow(rep_cols)
    for s in subs:
        for j, m in enumerate(s.get("household/hh_members", []), start=1):
            row = {k.split("/", 1)[1].replace("/", "-"): v for k, v in m.items()}
            row["PARENT_KEY"] = s["meta/instanceID"]
            row["KEY"] = f"{s['meta/instanceID']}/household/hh_members[{j}]"
            w.writerow([row.get(c, "") for c in rep_cols])
print("wrote odk_central/")
