"""Bad input to ``surveymod monitor`` gets a located message and exit 1; text from the data is escaped in the
HTML page and made inert in the CSV tables; a form without dispositions or times degrades to the checks it
allows."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from surveymod.data.reader import read
from surveymod.fieldwork import MonitorConfig, run_monitor
from surveymod.fieldwork.demo import simulate_fieldwork
from surveymod.fieldwork.report import write_report
from surveymod.questionnaire import load
from surveymod.resources import shipped
from surveymod.simulate import simulate

FORM = shipped("questionnaires", "perception_endline.yaml")


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("inputs")
    fw = simulate_fieldwork(simulate(load(FORM), 300, 3).main, 3)
    fw["data"].to_csv(d / "data.csv", index=False)
    fw["sample"].to_csv(d / "sample.csv", index=False)
    return {"data": d / "data.csv", "sample": d / "sample.csv", "dir": d}


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "surveymod", "monitor", *args], capture_output=True, text=True,
                          timeout=300)


@pytest.mark.parametrize(("yaml_text", "message"), [
    ("thresholds:\n  speeders: 0.2\n", "thresholds.yaml:2"),
    ("columns:\n  interviewer: nope\n", "column 'nope' named in the thresholds file is not in the data"),
    ("dispositions:\n  '1': '7.1'\n", "is not an AAPOR disposition code"),
    ("thresholds:\n  speeder_share: 2\n", "thresholds.yaml:2"),
])
def test_a_bad_thresholds_file_is_a_located_error(files, tmp_path, yaml_text, message) -> None:
    (tmp_path / "thresholds.yaml").write_text(yaml_text, encoding="utf-8")
    p = _run(str(files["data"]), "-q", str(FORM), "--thresholds", str(tmp_path / "thresholds.yaml"),
             "-o", str(tmp_path / "out"))
    assert p.returncode == 1, p.stderr
    assert message in p.stderr and "Traceback" not in p.stderr
    assert not (tmp_path / "out" / "monitor.html").exists()


def test_a_sample_without_psus_is_a_located_error(files, tmp_path) -> None:
    (tmp_path / "s.csv").write_text("area,target\n1,5\n", encoding="utf-8")
    p = _run(str(files["data"]), "-q", str(FORM), "--sample", str(tmp_path / "s.csv"), "-o", str(tmp_path / "o"))
    assert p.returncode == 1 and "no PSU column" in p.stderr and "s.csv" in p.stderr


def test_a_non_numeric_target_names_its_row(files, tmp_path) -> None:
    (tmp_path / "s.csv").write_text("psu,target\n1,5\n2,many\n", encoding="utf-8")
    p = _run(str(files["data"]), "-q", str(FORM), "--sample", str(tmp_path / "s.csv"), "-o", str(tmp_path / "o"))
    assert p.returncode == 1 and "row 3" in p.stderr and "target" in p.stderr


def test_the_report_runs_and_lists_targets(files, tmp_path) -> None:
    p = _run(str(files["data"]), "-q", str(FORM), "--sample", str(files["sample"]), "-o", str(tmp_path / "o"))
    assert p.returncode == 0, p.stderr
    region = pd.read_csv(tmp_path / "o" / "tables" / "progress_region.csv")
    assert region["target"].sum() == pd.read_csv(files["sample"])["target"].sum()
    assert "Skopje" in set(region["label"])


def test_text_from_the_data_is_escaped_and_inert(tmp_path) -> None:
    """No questionnaire: AAPOR codes in the data, interviewer names with markup and a spreadsheet formula."""
    rows = []
    for k in range(40):
        who = ["<b>Ana</b>", "=HYPERLINK(\"http://x\")", "Ben & Co"][k % 3]
        rows.append({"interviewer": who, "disposition": ["1.1", "1.1", "2.10", "3.10"][k % 4], "psu": k % 5,
                     "hh_no": k, "int_date": f"2026-10-{1 + k % 9:02d}", "duration": 20 + k % 7,
                     "q1": k % 4, "q2": (k * 7) % 5})
    pd.DataFrame(rows).to_csv(tmp_path / "d.csv", index=False)
    m = run_monitor(read(tmp_path / "d.csv"), MonitorConfig())
    assert m.tables["outcomes_overall"]["UH"].iloc[0] == 10  # 3.10 is unknown eligibility
    written = write_report(m, tmp_path / "out", title="T <i>x</i>", data="d.csv")
    html = written["monitor.html"].read_text(encoding="utf-8")
    assert "<b>Ana</b>" not in html and "&lt;b&gt;Ana&lt;/b&gt;" in html and "T &lt;i&gt;x&lt;/i&gt;" in html
    assert "Ben &amp; Co" in html
    csv = (tmp_path / "out" / "tables" / "progress_interviewer.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in csv and "\n=HYPERLINK" not in csv


def test_without_dispositions_or_times_the_report_says_what_it_left_out(tmp_path) -> None:
    pd.DataFrame({"intv_id": [1, 1, 2, 2, 2], "q1": [1, 2, 3, 4, 5]}).to_csv(tmp_path / "d.csv", index=False)
    m = run_monitor(read(tmp_path / "d.csv"), MonitorConfig())
    notes = " ".join(m.notes)
    assert "No disposition column" in notes and "durations and speeders are not reported" in notes
    assert "outcomes_overall" not in m.tables and m.summary["completed"] == 5


def test_odk_start_and_end_give_durations_and_days(tmp_path) -> None:
    """ODK/Kobo metadata: start/end date-times with the device's offset (as Kobo exports them)."""
    rows = []
    for k in range(12):
        minutes = 6 if k % 4 == 0 else 30  # every fourth interview is a speeder (limit: half the median, 15)
        rows.append({"username": "enum1" if k < 6 else "enum2",
                     "start": f"2026-10-0{1 + k % 3}T23:50:00.000+02:00",
                     "end": (pd.Timestamp(f"2026-10-0{1 + k % 3}T23:50:00+02:00")
                             + pd.Timedelta(minutes=minutes)).isoformat(),
                     "q1": k % 3})
    pd.DataFrame(rows).to_csv(tmp_path / "d.csv", index=False)
    m = run_monitor(read(tmp_path / "d.csv"), MonitorConfig())
    assert m.fields.get("interviewer") == "username" and m.summary["median_duration"] == 30
    iv = m.tables["interviews"]
    assert iv["duration"].tolist() == [6 if k % 4 == 0 else 30 for k in range(12)]
    # interviews started just before local midnight count on the local day
    assert m.tables["progress_day"]["date"].tolist() == ["2026-10-01", "2026-10-02", "2026-10-03"]
    q = m.tables["quality_interviewer"].set_index("interviewer")
    assert q.loc["enum1", "speeder_share"] == pytest.approx(2 / 6)  # k = 0, 4
