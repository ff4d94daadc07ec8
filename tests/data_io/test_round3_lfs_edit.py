"""Issue 26: ``surveymod edit`` (declared edits and hot-deck imputation with flags and an edit log) and the EU-LFS
transmission's validation rules (Implementing Regulation (EU) 2019/2240, Art. 11(1) and Annex I).

The validator's filters are compared with ``tests/data/reference_tables/eulfs_2019_2240.csv`` (typed from the
reference notes on Annex I, not from the code); planted records break the rules by hand.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from surveymod.cli.main import _register, cli
from surveymod.data.eulfs_validation import FILTERS, validation_failures
from surveymod.questionnaire import load_valid
from surveymod.simulate import simulate

from .test_lfs_plausibility import write_frames

ROOT = Path(__file__).resolve().parents[2]
QN = ROOT / "questionnaires" / "lfs_migration.yaml"
DESIGN = ROOT / "examples" / "designs" / "lfs_design.yaml"
REFERENCE = ROOT / "tests" / "data" / "reference_tables" / "eulfs_2019_2240.csv"


def _run(args: list[str]) -> tuple[int, str]:
    _register()
    res = CliRunner().invoke(cli, args)
    return res.exit_code, res.output


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return {k: v.copy() for k, v in simulate(load_valid(QN), 200, seed=2026).frames.items()}


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


RULES = """seed: 11
edits:
  - name: born-here-never-abroad
    when: "COUNTRYB = 807 and not answered(ALWAYSLIVED)"
    set: {ALWAYSLIVED: "1"}
imputations:
  - name: hatpar-hotdeck
    variable: HATPAR
    classes: [SEX, "int(AGE / 20)"]
"""


def test_edit_flags_and_logs_every_change_and_keeps_the_input(frames: dict[str, pd.DataFrame],
                                                              tmp_path: Path) -> None:
    f = {k: v.copy() for k, v in frames.items()}
    p = f["person"]
    blank_hatpar = p.index[p["HATPAR"].notna()][:30]
    p.loc[blank_hatpar, "HATPAR"] = np.nan
    natives = p.index[(p["COUNTRYB"] == 807) & (p["ALWAYSLIVED"] == 1)][:4]
    p.loc[natives, ["ALWAYSLIVED", "YEARESID"]] = np.nan
    data = write_frames(f, tmp_path / "in")
    before = _digest(tmp_path / "in")
    rules = tmp_path / "edits.yaml"
    rules.write_text(RULES, encoding="utf-8")
    out = tmp_path / "out" / "lfs.csv"
    code, text = _run(["edit", str(data), "-q", str(QN), "--rules", str(rules), "-o", str(out)])
    assert code == 0, text
    assert _digest(tmp_path / "in") == before                      # the input is never overwritten
    new = pd.read_csv(tmp_path / "out" / "lfs_person.csv")
    old = pd.read_csv(tmp_path / "in" / "lfs_person.csv")
    flags = pd.read_csv(tmp_path / "out" / "lfs_person.flags.csv")
    log = pd.read_csv(tmp_path / "out" / "lfs.editlog.csv", dtype={"old": str, "new": str})
    changed_cells = 0
    for col in old.columns:
        a, b = old[col], new[col]
        differ = ~((a == b) | (a.isna() & b.isna()))
        changed_cells += int(differ.sum())
        if differ.any():                                           # nothing changes without a flag and a log line
            assert (flags.loc[differ, f"{col}_F"] > 0).all(), col
            logged = log[(log["level"] == "person") & (log["variable"] == col)]
            assert sorted(logged["row"]) == sorted(np.flatnonzero(differ.to_numpy()) + 1), col
    assert changed_cells == len(log) == 30 + 4 + 4
    # hand-checked: the edit sets ALWAYSLIVED 1 on the 4 natives (flag 1), YEARESID is then derived 999 (flag 3)
    assert (new.loc[natives, "ALWAYSLIVED"] == 1).all() and (new.loc[natives, "YEARESID"] == 999).all()
    assert set(flags.loc[natives, "ALWAYSLIVED_F"]) == {1} and set(flags.loc[natives, "YEARESID_F"]) == {3}
    assert set(flags.loc[blank_hatpar, "HATPAR_F"]) == {2}
    # every imputed HATPAR comes from a donor of the same class (sex x 20-year age band) when one exists
    donors = old[old["HATPAR"].notna()]
    for i in blank_hatpar:
        cls = donors[(donors["SEX"] == old.loc[i, "SEX"]) & (donors["AGE"] // 20 == old.loc[i, "AGE"] // 20)]
        assert new.loc[i, "HATPAR"] in set(cls["HATPAR"])
    # the same seed gives the same imputations
    out2 = tmp_path / "out2" / "lfs.csv"
    assert _run(["edit", str(data), "-q", str(QN), "--rules", str(rules), "-o", str(out2)])[0] == 0
    again = pd.read_csv(tmp_path / "out2" / "lfs_person.csv")
    assert again["HATPAR"].equals(new["HATPAR"])
    code, text = _run(["check", str(out), "-q", str(QN)])
    assert code == 0, text


def test_edit_refuses_art9_variables_and_bad_rules(frames: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    data = write_frames(frames, tmp_path / "in")
    rules = tmp_path / "bad.yaml"
    rules.write_text("imputations:\n  - name: x\n    variable: EMPSTAT\n", encoding="utf-8")
    code, text = _run(["edit", str(data), "-q", str(QN), "--rules", str(rules), "-o", str(tmp_path / "o.csv")])
    assert code == 1 and "Art. 9(1)" in text and "bad.yaml:3" in text
    rules.write_text("edits:\n  - name: y\n    when: \"AGEE > 1\"\n    set: {HATPAR: \"1\"}\n", encoding="utf-8")
    code, text = _run(["edit", str(data), "-q", str(QN), "--rules", str(rules), "-o", str(tmp_path / "o.csv")])
    assert code == 1 and "AGEE" in text and "bad.yaml:3" in text
    rules.write_text("edits:\n  - name: z\n    when: \"AGE > 1\"\n    set: {HATPAR: \"7\"}\n", encoding="utf-8")
    code, text = _run(["edit", str(data), "-q", str(QN), "--rules", str(rules), "-o", str(tmp_path / "o.csv")])
    assert code == 1 and "not a code of HATPAR" in text
    rules.write_text("seed: 1\n", encoding="utf-8")
    code, text = _run(["edit", str(data), "-q", str(QN), "--rules", str(rules), "-o", str(data)])
    assert code == 1 and "refusing to overwrite" in text


def test_validator_filters_are_the_regulations() -> None:
    reference = {r["variable"]: r for r in csv.DictReader(REFERENCE.open(encoding="utf-8"))}
    for var, (flt, na) in FILTERS.items():
        if var == "EMPSTAT":
            assert flt == "15 <= AGE <= 89"                        # Annex I, EMPSTAT (read in the regulation)
            continue
        assert flt == reference[var]["filter"], var
        assert na == reference[var]["not_applicable"], var
    assert {v for v, r in reference.items() if r["filter"]} == set(FILTERS) - {"EMPSTAT"}


def test_simulated_eulfs_file_passes_and_broken_records_fail(tmp_path: Path) -> None:
    sim = tmp_path / "sim"
    code, text = _run(["simulate", str(QN), "-n", "400", "--design", str(DESIGN), "--seed", "3", "-o", str(sim)])
    assert code == 0, text
    code, text = _run(["check", str(sim), "-q", str(QN)])
    assert code == 0 and " 0 error(s)" in text, text
    out = tmp_path / "eulfs.csv"
    code, text = _run(["export", str(sim), "-q", str(QN), "--to", "eulfs", "-o", str(out), "--coeff", "dweight"])
    assert code == 0 and "passes the EU-LFS validation rules" in text, text
    report = pd.read_csv(tmp_path / "eulfs.validation.csv")
    assert report.empty
    t = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert t["COEFFQ"].str.fullmatch(r"\d{9}").all()
    # 9 digits, 4 decimals: the design weight 1/prob_sel by hand for the first household
    w = pd.read_csv(sim / "lfs_migration.csv")["dweight"].iloc[0]
    assert t["COEFFQ"].iloc[0] == f"{round(w * 10000):09d}"
    born_abroad = t.index[(t["COUNTRYB"] != "MK") & (t["COUNTRYB"] != "") & t["AGE"].astype(int).between(15, 74)][0]
    native = t.index[t["YEARESID"] == "999"][0]
    bad = t.copy()
    bad.loc[born_abroad, ["YEARESID", "MIGREAS"]] = ["999", "9"]   # 999 only for the native-born; in the filter
    bad.loc[native, "COEFFQ"] = "12345"                             # not 9 digits
    bad.loc[native, "REFQUARTER"] = "5"
    rep = validation_failures(bad)
    got = set(zip(rep["rule"], rep["variable"], rep["row"], strict=True))
    assert ("yearesid-born-here", "YEARESID", born_abroad + 1) in got
    assert ("filter", "MIGREAS", born_abroad + 1) in got
    assert ("format", "COEFFQ", native + 1) in got
    assert ("code", "REFQUARTER", native + 1) in got
