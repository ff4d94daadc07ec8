"""A repeat inside a repeat (trips of each household member) is a level of its own, linked to the enclosing
repeat's rows, verified. tests/data/kobo/nested/kobo_nested_export.xlsx was written by KoboToolbox's own exporter,
formpack, from nested_submissions.json (make_nested_export.py): the trip sheet's ``_parent_index`` points at the
member sheet's ``_index`` and ``_parent_table_name`` names it. Every expected link comes from the submissions JSON
(the nesting of the lists), not from surveymod."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest
from export_edit import edited_export

from surveymod.data import check, read
from surveymod.data.levels import level_keys
from surveymod.errors import SurveyError
from surveymod.questionnaire import load_valid

NESTED = Path(__file__).parents[1] / "data" / "kobo" / "nested"
EXPORT = NESTED / "kobo_nested_export.xlsx"


@pytest.fixture(scope="module")
def qn():
    return load_valid(NESTED / "nested_hh.xlsx")


@pytest.fixture(scope="module")
def subs() -> list[dict]:
    return json.loads((NESTED / "nested_submissions.json").read_text(encoding="utf-8"))


def _expected_trips(subs: list[dict]) -> list[tuple[int, int, int, str, float]]:
    """(household, member line, trip line, member name, months) of every trip, from the submissions' nesting."""
    return [(h + 1, m + 1, t + 1, mem["member/m_name"], float(trip["member/trip/t_months"]))
            for h, s in enumerate(subs) for m, mem in enumerate(s["member"])
            for t, trip in enumerate(mem.get("member/trip", []))]


def test_the_inner_repeat_is_a_level_under_the_outer_one(qn) -> None:
    assert level_keys(qn, "trip") == ["kobo_index", "member_line", "trip_line"]


def test_trips_get_their_household_and_member(qn, subs) -> None:
    ds = read(EXPORT, qn)
    trips, members = ds.frames["trip"], ds.frames["member"]
    name = {(h, m): n for h, m, n in zip(members["kobo_index"], members["member_line"], members["m_name"],
                                         strict=True)}
    got = [(int(h), int(m), int(t), name[(h, m)], mo) for h, m, t, mo in
           zip(trips["kobo_index"], trips["member_line"], trips["trip_line"], trips["t_months"], strict=True)]
    assert got == _expected_trips(subs)
    assert any(p.rule == "linked" and "level 'member'" in p.message for p in ds.problems)
    assert check(ds).count("error") == 0


def test_a_trip_linked_into_another_household_is_refused_located(qn, tmp_path: Path) -> None:
    # trip 5 belongs to member _index 7 (household 2); pointing it at member 1 (household 1) is a valid _index,
    # so only the submission check can catch it
    book = openpyxl.load_workbook(EXPORT, read_only=True)
    rows = list(book["trip"].iter_rows(values_only=True))
    assert rows[5][rows[0].index("_parent_index")] == 7
    with pytest.raises(SurveyError) as exc:
        read(edited_export(EXPORT, tmp_path, "trip", "_parent_index", {5: 1}), qn)
    p = exc.value.problems[0]
    assert p.rule == "link-ambiguous" and p.location.row == 5 and p.location.variable == "_submission__uuid"
    assert p.location.file.endswith("export.xlsx#trip") and "another submission" in p.message


def test_a_trip_pointing_at_no_member_is_refused_located(qn, tmp_path: Path) -> None:
    with pytest.raises(SurveyError) as exc:
        read(edited_export(EXPORT, tmp_path, "trip", "_parent_index", {3: 999}), qn)
    p = exc.value.problems[0]
    assert p.rule == "link-missing" and p.location.row == 3 and "999" in p.message


def test_a_row_naming_another_parent_sheet_is_refused(qn, tmp_path: Path) -> None:
    with pytest.raises(SurveyError) as exc:
        read(edited_export(EXPORT, tmp_path, "trip", "_parent_table_name", {2: "Nested repeats"}), qn)
    p = exc.value.problems[0]
    assert p.rule == "link-ambiguous" and p.location.row == 2 and p.location.variable == "_parent_table_name"


def _central(tmp_path: Path, subs: list[dict], swap: bool = False) -> Path:
    """The submissions in ODK Central's CSV layout: KEY/PARENT_KEY, a repeat row's KEY is
    ``<PARENT_KEY>/<repeat>[n]`` (ODK Central's documented naming)."""
    out = tmp_path / "central"
    out.mkdir()
    mains, members, trips = [], [], []
    for s in subs:
        key = f"uuid:{s['_uuid']}"
        mains.append({"hh_size": s["hh_size"], "KEY": key})
        for m, mem in enumerate(s["member"]):
            mkey = f"{key}/member[{m + 1}]"
            members.append({"m_name": mem["member/m_name"], "n_trips": mem["member/n_trips"], "PARENT_KEY": key,
                            "KEY": mkey})
            for t, trip in enumerate(mem.get("member/trip", [])):
                trips.append({"t_country": trip["member/trip/t_country"], "t_months": trip["member/trip/t_months"],
                              "PARENT_KEY": mkey, "KEY": f"{mkey}/trip[{t + 1}]"})
    if swap:  # the third trip's row claims a member of another household, its KEY left as it was
        trips[2]["PARENT_KEY"] = members[-1]["KEY"]
    for name, rows in (("nested_hh.csv", mains), ("nested_hh-member.csv", members), ("nested_hh-trip.csv", trips)):
        with (out / name).open("w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    return out


def test_odk_central_nested_repeat_links_by_parent_key(qn, subs, tmp_path: Path) -> None:
    ds = read(_central(tmp_path, subs), qn)
    trips = ds.frames["trip"]
    got = [(int(m), int(t), mo) for m, t, mo in zip(trips["member_line"], trips["trip_line"], trips["t_months"],
                                                    strict=True)]
    assert got == [(m, t, mo) for _, m, t, _, mo in _expected_trips(subs)]


def test_odk_central_key_outside_its_parent_member_is_refused(qn, subs, tmp_path: Path) -> None:
    with pytest.raises(SurveyError) as exc:
        read(_central(tmp_path, subs, swap=True), qn)
    p = exc.value.problems[0]
    assert p.location.row == 3 and "not under its PARENT_KEY" in p.message


# ---- a real Kobo form with three nested repeats (formpack's fixture nested_grouped_repeatable, see SOURCES.md)

BIRDS = Path(__file__).parents[1] / "data" / "xlsform_wild" / "kobo_bird_nests.xlsx"
BIRD_EXPORT = NESTED / "bird_nests_export.xlsx"
# (submission, tree, nest, egg, description) as the fixture's submissions nest them (v1.json, read by hand)
EGGS = [(1, 1, 1, 1, "brown and speckled; medium"), (1, 1, 1, 2, "brown and speckled; large; cracked"),
        (1, 1, 1, 3, "light tan; small"), (1, 1, 2, 1, "cream-colored"), (1, 2, 1, 1, "reddish-brown; medium"),
        (1, 2, 1, 2, "reddish-brown; small"), (2, 1, 1, 1, "grey and speckled")]


def test_kobo_bird_nests_eggs_find_their_nest_tree_and_submission() -> None:
    qn = load_valid(BIRDS)
    ds = read(BIRD_EXPORT, qn)
    eggs = ds.frames["group_egg"]
    got = [(int(s), int(t), int(n), int(e), d) for s, t, n, e, d in zip(
        eggs["kobo_index"], eggs["group_tree_line"], eggs["group_nest_line"], eggs["group_egg_line"],
        eggs["Describe_the_egg"], strict=True)]
    assert got == EGGS
    nests = ds.frames["group_nest"]
    assert [(int(s), int(t), int(n)) for s, t, n in zip(nests["kobo_index"], nests["group_tree_line"],
                                                         nests["group_nest_line"], strict=True)] == [
        (1, 1, 1), (1, 1, 2), (1, 2, 1), (2, 1, 1)]
    assert check(ds).count("error") == 0  # every nest has as many eggs as it says


def test_kobo_bird_nests_egg_moved_to_another_submissions_nest_is_refused(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(BIRD_EXPORT)
    ws = book["group_egg"]
    col = [c.value for c in ws[1]].index("_parent_index") + 1
    assert ws.cell(row=5, column=col).value == 2  # the cream-coloured egg, in nest 2 (submission 1)
    ws.cell(row=5, column=col).value = 4  # nest 4 exists, but is submission 2's
    bad = tmp_path / "birds.xlsx"
    book.save(bad)
    with pytest.raises(SurveyError) as exc:
        read(bad, load_valid(BIRDS))
    p = exc.value.problems[0]
    assert p.rule == "link-ambiguous" and p.location.row == 4 and p.location.file.endswith("birds.xlsx#group_egg")


def test_a_repeat_name_cut_to_a_sheet_name_still_names_its_sheet() -> None:
    from surveymod.data.reader.link import _names_sheet

    # the examples of formpack's unique_name_for_xls (Kobo's exporter names its worksheets so)
    long = "This string has more than 31 characters!"
    assert _names_sheet(long, "This string has more than 31...")
    assert _names_sheet(long, "This string has more tha... (1)")
    assert not _names_sheet("another repeat with a long name here", "This string has more than 31...")
    assert not _names_sheet("member", "trip")
