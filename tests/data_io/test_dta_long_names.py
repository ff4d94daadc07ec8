""".dta export of labelled variables with names up to Stata's 32 characters, judged by R haven and pandas.

pyreadstat names a value-label set ``<variable><n>`` (n counting labelled variables from 0) and ReadStat refuses a
label name over 32 characters, so before the fix a 32-character select_one failed with "A provided name is too long
for the file format", and so did a 31-character one from the 11th labelled variable on. Expected names, labels and
codes below are those of the YAML written here; Stata's 32-character limit on variable and value-label names is from
Stata's manual ([U] 11.3 Naming conventions; [D] label).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from surveymod.data import export

from .conftest import haven_dump

NAME32 = "abcdefghij_abcdefghij_abcdefghij"
NAME31 = "abcdefghij_abcdefghij_abcdefghi"
OTHER32 = "abcdefghij_abcdefghij_abcdefghix"  # same first 31 characters as NAME32


def _form(tmp_path: Path) -> tuple[Path, Path]:
    items = ["      - {name: id, type: integer, label: {en: 'Id'}, min: 1, max: 99, required: true}"]
    items += [f"      - {{name: q{i}, type: select_one, choices: yn, label: {{en: 'Q{i}'}}}}" for i in range(10)]
    items += [f"      - {{name: {n}, type: select_one, choices: yn, label: {{en: 'Label {n[-1]}'}}}}"
              for n in (NAME31, NAME32, OTHER32)]
    qn = tmp_path / "long.yaml"
    qn.write_text("\n".join([
        "id: long_names", "title: {en: 'Long names'}", "version: '2026113001'", "respondent_id: id",
        "choices:", "  yn:", "    - {code: 1, label: {en: 'Yes'}}", "    - {code: 2, label: {en: 'No'}}",
        "sections:", "  - name: main", "    title: {en: 'Main'}", "    items:", *items, ""]), encoding="utf-8")
    rows = ["id," + ",".join([f"q{i}" for i in range(10)] + [NAME31, NAME32, OTHER32])]
    rows += ["1," + ",".join(["1"] * 10 + ["1", "2", "1"]), "2," + ",".join(["2"] * 10 + ["2", "1", "2"])]
    data = tmp_path / "long.csv"
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return qn, data


def test_32_character_labelled_variables_export_to_dta_under_their_own_names(tmp_path: Path) -> None:
    qn, data = _form(tmp_path)
    out = tmp_path / "out" / "long.dta"
    result = export(data, qn, out=out)  # the 11th to 13th labelled variables: 31, 32 and 32 characters
    assert out in result.files
    assert not [w for w in result.warnings if w.rule == "renamed"]
    # pandas' own Stata reader (not ReadStat): names, value-label sets (each at most 32 characters) and codes
    with pd.read_stata(out, iterator=True) as reader:
        sets = reader.value_labels()
        frame = reader.read(convert_categoricals=False)
    assert list(frame.columns) == ["id", *[f"q{i}" for i in range(10)], NAME31, NAME32, OTHER32]
    assert all(len(name) <= 32 for name in sets)
    assert len(sets) == 13 and all(labels == {1: "Yes", 2: "No"} for labels in sets.values())
    assert list(frame[NAME32]) == [2, 1] and list(frame[OTHER32]) == [1, 2] and list(frame[NAME31]) == [1, 2]
    # R haven: every variable with its label and value labels
    seen = haven_dump(out)
    for name, label in ((NAME31, "Label i"), (NAME32, "Label j"), (OTHER32, "Label x")):
        assert seen["var"][name]["label"] == label
        assert seen["labels"][name] == {"1": "Yes", "2": "No"}
    assert seen["values"][NAME32] == ["2", "1"]
