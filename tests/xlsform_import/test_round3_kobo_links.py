"""Repeat sheets of real-shaped Kobo exports are linked to their submission by _parent_index (-> the main sheet's
_index) and checked against _submission__uuid (-> _uuid); a broken, empty or ambiguous link is refused, located.

tests/data/kobo/kobo_export_kpi.xlsx was made by KoboToolbox's own exporter, formpack, with the options the Kobo
server passes (``force_index=True``), so the repeat sheet has its own ``_index`` 1..91 next to ``_parent_index``
(see make_kpi_export.py). The expected household of every member comes from submissions.json (the submissions
formpack exported), not from surveymod.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from export_edit import edited_export

from surveymod.cli.main import cli
from surveymod.data import check, read
from surveymod.errors import SurveyError
from surveymod.questionnaire import load_valid

KOBO = Path(__file__).parents[1] / "data" / "kobo"
EXPORT = KOBO / "kobo_export_kpi.xlsx"
SHEET = "hh_members"


@pytest.fixture(scope="module")
def qn():
    return load_valid(KOBO / "migration_hh.xlsx")


@pytest.fixture(scope="module")
def expected() -> list[tuple[int, str]]:
    subs = json.loads((KOBO / "submissions.json").read_text(encoding="utf-8"))
    return [(i + 1, m["household/hh_members/m_name"]) for i, s in enumerate(subs)
            for m in s.get("household/hh_members", [])]


def test_the_repeat_sheet_has_its_own_index_that_is_not_the_household(expected) -> None:
    # what makes this export a test: linking by the repeat sheet's own _index gives most members a wrong household
    book = openpyxl.load_workbook(EXPORT, read_only=True)
    rows = list(book[SHEET].iter_rows(values_only=True))
    head = rows[0]
    own = [r[head.index("_index")] for r in rows[1:]]
    assert own == list(range(1, 92))
    wrong = sum(o != hh for o, (hh, _) in zip(own, expected, strict=True))
    assert wrong == 90  # only the first member, household 1, would be right


def test_members_get_their_own_household(qn, expected) -> None:
    ds = read(EXPORT, qn)
    m = ds.frames["hh_members"]
    got = list(zip(m["kobo_index"].astype(int), m["m_name"], strict=True))
    assert got == expected
    # each member's household is the submission whose uuid the row carries
    uuid = dict(zip(ds.main["kobo_index"].astype(int), ds.main["_uuid"], strict=True))
    assert all(uuid[k] == u for k, u in zip(m["kobo_index"].astype(int), m["_submission__uuid"], strict=True))
    assert "_index" in m.columns  # the sheet's own numbers stay, as bookkeeping
    linked = [p for p in ds.problems if p.rule == "linked"]
    assert linked and "_parent_index" in linked[0].message and "_submission__uuid" in linked[0].message
    assert check(ds).count("error") == 0


def test_a_child_pointing_at_no_household_is_refused_located(qn, tmp_path: Path) -> None:
    bad = edited_export(EXPORT, tmp_path, SHEET, "_parent_index", {7: 99})
    with pytest.raises(SurveyError) as exc:
        read(bad, qn)
    p = exc.value.problems[0]
    assert p.rule == "link-missing" and p.location.row == 7 and p.location.variable == "_parent_index"
    assert p.location.file.endswith("export.xlsx#hh_members") and "99" in p.message


def test_an_empty_link_is_refused_located(qn, tmp_path: Path) -> None:
    bad = edited_export(EXPORT, tmp_path, SHEET, "_parent_index", {3: None})
    with pytest.raises(SurveyError) as exc:
        read(bad, qn)
    p = exc.value.problems[0]
    assert p.rule == "link-missing" and p.location.row == 3 and "empty" in p.message


def test_a_household_number_given_twice_is_refused_as_ambiguous(qn, tmp_path: Path) -> None:
    bad = edited_export(EXPORT, tmp_path, "main", "_index", {5: 4})  # submissions 4 and 5 both numbered 4
    with pytest.raises(SurveyError) as exc:
        read(bad, qn)
    p = exc.value.problems[0]
    assert p.rule == "link-ambiguous" and p.location.row == 4 and p.location.variable == "_index"


def test_links_that_disagree_are_refused(qn, tmp_path: Path) -> None:
    # member 3 (household 2) carries household 1's uuid: _parent_index and _submission__uuid disagree
    bad = edited_export(EXPORT, tmp_path, SHEET, "_submission__uuid", {3: "00000000-0000-4000-8000-000000000001"})
    with pytest.raises(SurveyError) as exc:
        read(bad, qn)
    p = exc.value.problems[0]
    assert p.rule == "link-ambiguous" and p.location.row == 3


def test_export_exits_1_with_the_location_on_a_broken_link(qn, tmp_path: Path) -> None:
    bad = edited_export(EXPORT, tmp_path, SHEET, "_parent_index", {7: 99})
    res = CliRunner().invoke(cli, ["export", str(bad), "-q", str(KOBO / "migration_hh.xlsx"),
                                   "-o", str(tmp_path / "out.sav")])
    assert res.exit_code == 1, res.output
    assert "export.xlsx#hh_members" in res.output and "row 7" in res.output and "_parent_index" in res.output
    assert not (tmp_path / "out.sav").exists()


def test_odk_central_key_outside_its_parent_key_is_refused(qn, tmp_path: Path) -> None:
    # Central names a repeat row <PARENT_KEY>/household/hh_members[n]; member 3 (household 2) gets household 1's
    import shutil

    odk = tmp_path / "odk"
    shutil.copytree(KOBO / "odk_central", odk)
    members = odk / "migration_hh-hh_members.csv"
    lines = members.read_text(encoding="utf-8").splitlines()
    assert "000000000002/household/hh_members[1]" in lines[3]
    lines[3] = lines[3].replace("000000000002/household", "000000000001/household")
    members.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SurveyError) as exc:
        read(odk, qn)
    p = exc.value.problems[0]
    assert p.location.row == 3 and p.location.variable == "PARENT_KEY" and "not under its PARENT_KEY" in p.message
