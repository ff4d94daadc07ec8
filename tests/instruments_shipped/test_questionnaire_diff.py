"""``surveymod diff``: hand-made pairs with one known change each, and the shipped baseline/endline pairs."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from shipped_paths import IDIR, QDIR

from surveymod.cli.main import _register, cli
from surveymod.questionnaire.diff import diff
from surveymod.questionnaire.loader import loads

BASE = """
id: t
title: Test
version: "1"
choices:
  agree:
    - {code: 1, label: Agree}
    - {code: 2, label: Disagree}
    - {code: 8, label: Don't know, missing: dont_know}
sections:
  - name: s1
    type: group
    items:
      - name: age
        type: integer
        label: How old are you?
        min: 15
        max: 99
      - name: agegrp
        type: calculate
        calculation: "min(int((age - 5) / 10), 6)"
      - name: q1
        type: select_one
        label: Migrants help the economy.
        hint: Read slowly.
        choices: agree
      - name: q2
        type: select_one
        label: Migrants enrich culture.
        choices: agree
        relevant: "age >= 18"
  - name: s2
    type: group
    relevant: "q1 = 1"
    items:
      - name: q3
        type: text
        label: Why?
"""


def pair(old: str, new: str, items: tuple[str, ...] = ("q1", "q2", "agegrp")):
    return diff(loads(old, "old.yaml"), loads(new, "new.yaml"), items)


def kinds(res, name: str) -> set[str]:
    return {c.kind for c in res.changes if c.name == name}


def test_identical_versions_have_no_changes() -> None:
    res = pair(BASE, BASE)
    assert res.changes == [] and res.not_comparable == {}


def test_wording_change_breaks_comparability() -> None:
    res = pair(BASE, BASE.replace("Migrants help the economy.", "Migrants are good for the economy."))
    assert kinds(res, "q1") == {"wording"}
    assert res.not_comparable == {"q1": ["wording"]}
    assert "good for the economy" in next(c.detail for c in res.changes if c.name == "q1")


def test_code_added_relabelled_and_missing_flag_changed() -> None:
    new = BASE.replace("    - {code: 8, label: Don't know, missing: dont_know}",
                       "    - {code: 8, label: Don't know}\n    - {code: 9, label: Refused, missing: refusal}")
    new = new.replace("{code: 2, label: Disagree}", "{code: 2, label: Strongly disagree}")
    res = pair(BASE, new)
    details = " | ".join(c.detail for c in res.changes if c.name == "q1")
    assert "codes added: 9" in details
    assert "label of code 2" in details
    assert "code 8 missing-value flag dont_know -> none" in details
    assert set(res.not_comparable) == {"q1", "q2"}  # both use the list


def test_routing_change_own_and_enclosing_group() -> None:
    res = pair(BASE, BASE.replace('relevant: "age >= 18"', 'relevant: "age >= 16"'))
    assert kinds(res, "q2") == {"routing"}
    assert res.not_comparable == {"q2": ["routing"]}
    res = pair(BASE, BASE.replace('relevant: "q1 = 1"', 'relevant: "q1 = 2"'))
    assert kinds(res, "q3") == {"routing"}  # the group's condition is part of q3's universe
    assert res.not_comparable == {}  # q3 is no indicator item


def test_equivalent_spelling_of_a_condition_is_no_change() -> None:
    res = pair(BASE, BASE.replace('relevant: "age >= 18"', 'relevant: "age>=18"'))
    assert res.changes == []


def test_items_added_and_removed() -> None:
    new = BASE.replace("      - name: q3\n        type: text\n        label: Why?\n",
                       "      - name: q4\n        type: text\n        label: Anything else?\n")
    res = pair(BASE, new)
    assert res.added == ["q4"] and res.removed == ["q3"]
    res = pair(BASE, BASE.replace("      - name: q2\n", "      - name: q2x\n"))
    assert res.removed == ["q2"] and res.not_comparable == {"q2": ["removed"]}


def test_hint_and_translation_do_not_break() -> None:
    new = BASE.replace("hint: Read slowly.", "hint: Read slowly and clearly.")
    new = new.replace("label: Migrants help the economy.",
                      "label: {en: Migrants help the economy., mk: Мигрантите му помагаат на економијата.}")
    res = pair(BASE, new)
    assert kinds(res, "q1") == {"label", "translation"}
    assert res.not_comparable == {}


def test_change_in_a_variable_an_indicator_calculation_uses() -> None:
    res = pair(BASE, BASE.replace("min: 15", "min: 18"))
    assert kinds(res, "age") == {"range"}
    assert res.not_comparable == {"age": ["range"]}  # agegrp is an indicator item and derives from age


def test_type_change() -> None:
    res = pair(BASE, BASE.replace("      - name: q3\n        type: text", "      - name: q3\n        type: integer"))
    assert kinds(res, "q3") == {"type"}


def test_metadata_is_reported_but_never_breaks() -> None:
    res = pair(BASE, BASE.replace('version: "1"', 'version: "2"'))
    assert [(c.kind, c.detail) for c in res.changes] == [("metadata", "version: '1' -> '2'")]


# ------------------------------------------------------------------------------------------- shipped waves


@pytest.mark.parametrize(("old", "new"), [("perception_baseline", "perception_endline"),
                                          ("perception_policymakers_baseline", "perception_policymakers_endline")])
def test_baseline_to_endline_has_no_break_in_indicator_items(old: str, new: str) -> None:
    _register()
    res = CliRunner().invoke(cli, ["diff", str(QDIR / f"{old}.yaml"), str(QDIR / f"{new}.yaml"), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["not_comparable"] == {}
    assert sorted(c["name"] for c in out["changes"] if c["kind"] == "added") == ["camp_channel", "camp_seen"]
    assert {c["kind"] for c in out["changes"]} == {"metadata", "added"}
    for var in ("imbgeco", "mai_1", "dev_econ", "devimpact", "sex", "agegrp", "age"):
        assert var in out["indicator_items"]
    assert out["indicator_specs"] == [str(IDIR / "perception.yaml")]


def test_cli_break_exits_1_unless_allowed(tmp_path) -> None:
    """A reworded indicator item (dev_econ) is a comparability break: exit 1 by default, as the README's exit-code
    list says for problems in the input, so a script stops on it; --allow-break reports it and exits 0."""
    base = (QDIR / "perception_baseline.yaml").read_text(encoding="utf-8")
    changed = base.replace("Migrants and refugees help the economy of North Macedonia grow.",
                           "Migrants and refugees are essential to the economy of North Macedonia.")
    assert changed != base
    new = tmp_path / "perception_baseline_v2.yaml"
    new.write_text(changed, encoding="utf-8")
    _register()
    args = ["diff", str(QDIR / "perception_baseline.yaml"), str(new), "--indicators", str(IDIR / "perception.yaml")]
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 1
    assert "NOT COMPARABLE (1): dev_econ (wording)" in res.output
    assert "Traceback" not in res.output
    res = CliRunner().invoke(cli, [*args, "--fail-on-break"])
    assert res.exit_code == 1
    res = CliRunner().invoke(cli, [*args, "--json"])
    assert res.exit_code == 1 and json.loads(res.output)["not_comparable"] == {"dev_econ": ["wording"]}
    res = CliRunner().invoke(cli, [*args, "--allow-break"])
    assert res.exit_code == 0
    assert "NOT COMPARABLE (1): dev_econ (wording)" in res.output


def test_cli_missing_file_is_a_clean_error(tmp_path) -> None:
    _register()
    res = CliRunner().invoke(cli, ["diff", str(tmp_path / "nope.yaml"), str(QDIR / "perception_baseline.yaml")])
    assert res.exit_code == 1
    assert "Traceback" not in res.output
