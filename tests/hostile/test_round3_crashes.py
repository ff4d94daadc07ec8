"""Round 3 (issue 23): crashes (exit 3), hangs and misleading messages on hostile input. Each case expects a clear
located error (exit 1) or a usage error (exit 2). See README.md here."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_hostile_inputs import BASE, HEADER, HH, base_with, run, write


@pytest.mark.parametrize("target", ["xlsform", "ddi", "translations"])
def test_control_character_label_is_refused_by_validate_and_build(tmp_path: Path, target: str) -> None:
    q = base_with(tmp_path, "label: {en: 'Yes', mk: Да}", 'label: {en: "Ye\\x01s", mk: Да}')
    code, out = run("validate", str(q))
    assert code == 1 and "q.yaml:9" in out and "control character" in out, out
    code, out = run("build", str(q), "--to", target, "-o", str(tmp_path / "o"))
    assert code == 1 and "control character" in out, out


@pytest.mark.parametrize("value", [".nan", ".inf"])
def test_non_finite_min_is_refused(tmp_path: Path, value: str) -> None:
    q = base_with(tmp_path, "min: 1, max: 30", f"min: {value}, max: 30")
    code, out = run("build", str(q), "--to", "ddi", "-o", str(tmp_path / "o"))
    assert code == 1 and "finite" in out and ".min" in out, out


def test_fifo_questionnaire_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "q.yaml"
    os.mkfifo(fifo)
    code, out = run("validate", str(fifo), timeout=10)
    assert code == 1 and "FIFO" in out, out


def test_fifo_data_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "d.csv"
    os.mkfifo(fifo)
    code, out = run("check", str(fifo), "-q", str(HH), timeout=10)
    assert code == 1 and "FIFO" in out, out


def test_dev_zero_is_refused() -> None:
    code, out = run("validate", "/dev/zero", timeout=10)
    assert code == 1 and "device" in out, out


def test_encoding_utf16_on_utf8_file(tmp_path: Path) -> None:
    data = write(tmp_path / "d.csv", HEADER + "701,2026-11-22,1,Ana,4,2,,100\n")
    code, out = run("check", str(data), "-q", str(HH), "--encoding", "utf-16")
    assert code == 1 and "utf-16" in out and "[encoding]" in out, out


def test_negative_seed_and_limit_are_usage_errors(tmp_path: Path) -> None:
    code, out = run("simulate", str(BASE), "-n", "5", "--seed", "-1", "-o", str(tmp_path / "s.csv"))
    assert code == 2, out
    data = write(tmp_path / "d.csv", HEADER + "701,2026-11-22,1,Ana,4,2,,100\n")
    code, out = run("check", str(data), "-q", str(HH), "--limit", "-1")
    assert code == 2, out


@pytest.mark.parametrize("args", [
    ["proportion", "--moe", "0.05", "--population", "0.5"],
    ["proportion", "--moe", "1e-300"],
    ["mean", "--sd", "1e308", "--moe", "1e-308"],
    ["mean", "--sd", "1", "--moe", "1e-200"],
    ["mdc", "-n", "1e308", "--p1", "0.5"],
    ["mdc", "-n", "1e308", "--sd", "1"],
    ["mdc", "-n", "3", "--sd", "1", "--deff", "100"],
    ["change", "--sd", "1", "--delta", "1e-300"],
    ["proportion", "--moe", "0.05", "--rr", "1e-320"],
])
def test_plan_extremes_are_located_errors(args: list[str]) -> None:
    code, out = run("plan", *args)
    assert code == 1 and "[plan-" in out, out


def test_plan_extreme_effect_still_matches_r() -> None:
    # R: power.t.test(delta = 1, sd = 1, power = 0.8)$n = 16.71477
    code, out = run("plan", "change", "--sd", "1e300", "--delta", "1e300")
    assert code == 0 and "17 completed interviews" in out, out


def _weight(tmp: Path, data: str, step: str, design: str = "{weight: w}") -> tuple[int, str]:
    d = write(tmp / "w.csv", data)
    spec = write(tmp / "s.yaml", f"design: {design}\nsteps:\n  - {step}\noutput: fw\n")
    return run("weight", str(d), "--spec", str(spec), "-o", str(tmp / "out.csv"))


def test_weight_1e308_is_refused(tmp_path: Path) -> None:
    code, out = _weight(tmp_path, "w,y\n1e308,1\n1e308,2\n1,3\n", "{step: trim, upper: '3.5 median'}")
    assert code == 1 and "1e+12" in out and "RuntimeWarning" not in out, out


@pytest.mark.parametrize("step", ["{step: calibrate, totals: {y: 1e300}}",
                                  "{step: rake, margins: [{variables: [g], targets: {1: 1e300, 2: 1e300}}]}"])
def test_weighting_to_huge_targets_is_refused(tmp_path: Path, step: str) -> None:
    code, out = _weight(tmp_path, "w,y,g\n1,1,1\n1,2,1\n1,3,2\n2,4,2\n", step)
    assert code == 1 and "weight-too-large" in out, out


def test_tiny_targets_do_not_crash(tmp_path: Path) -> None:
    code, out = _weight(tmp_path, "w,y,g\n1,1,1\n1,2,1\n1,3,2\n2,4,2\n",
                        "{step: rake, margins: [{variables: [g], targets: {1: 1e-300, 2: 1e-300}}]}")
    assert code == 0, out


def test_raking_to_infeasible_margins_stops_early(tmp_path: Path) -> None:
    step = ("{step: rake, max_iter: 100000000, margins: [{variables: [a], targets: {1: 50, 2: 50}}, "
            "{variables: [b], targets: {1: 30, 2: 70}}]}")
    code, out = _weight(tmp_path, "w,a,b\n1,1,1\n1,2,2\n", step)
    assert code == 1 and "cannot all be met" in out, out


LONELY = "st,psu,w,y\n1,1,1,2\n1,1,2,3\n1,2,1,4\n1,2,3,5\n2,3,1,6\n2,3,2,7\n"


@pytest.mark.parametrize("method", ["bootstrap", "brr"])
def test_lonely_psu_advice_names_surveymod_option(tmp_path: Path, method: str) -> None:
    code, out = _weight(tmp_path, LONELY, f"{{step: replicates, method: {method}, n: 4, seed: 1}}",
                        "{strata: st, psu: psu, weight: w, lonely_psu: certainty}")
    assert code == 1 and "stratum 2" in out and "lonely_psu" in out and "svy" not in out, out


def test_lonely_psu_certainty_is_honoured_by_jkn(tmp_path: Path) -> None:
    code, out = _weight(tmp_path, LONELY, "{step: replicates, method: jkn}",
                        "{strata: st, psu: psu, weight: w, lonely_psu: certainty}")
    assert code == 0, out


def test_disk_full_is_a_clean_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    import openpyxl.workbook.workbook as wbmod

    def full(self, filename):  # noqa: ANN001
        raise OSError(errno.ENOSPC, "No space left on device", str(filename))

    monkeypatch.setattr(wbmod.Workbook, "save", full)
    code, out = run("build", str(BASE), "--to", "xlsform", "-o", str(tmp_path / "o"))
    assert code == 1 and "No space left" in out, out
    assert not list((tmp_path / "o").glob("*.xlsx"))


@pytest.mark.parametrize("policy,se", [("certainty", 0.5519418013), ("remove", 0.5519418013),
                                       ("adjust", 0.5520474372), ("average", 0.6046219500)])
def test_lonely_psu_jkn_matches_r(tmp_path: Path, policy: str, se: float) -> None:
    """SEs from R: tests/data/hostile/lonely_psu_jkn.R (as.svrepdesign(type="JKn", mse=TRUE) under
    options(survey.lonely.psu = policy)) on tests/data/hostile/lonely_psu.csv (stratum 2 has one PSU)."""
    import csv

    data = Path(__file__).resolve().parents[1] / "data" / "hostile" / "lonely_psu.csv"
    spec = write(tmp_path / "s.yaml", f"design: {{strata: st, psu: psu, weight: w, lonely_psu: {policy}}}\n"
                                      "steps:\n  - {step: replicates, method: jkn}\noutput: fw\n")
    code, out = run("estimate", str(data), "--weighting", str(spec), "--mean", "y", "-o", str(tmp_path / "e.csv"))
    assert code == 0, out
    row = next(csv.DictReader((tmp_path / "e.csv").open()))
    assert float(row["se"]) == pytest.approx(se, rel=1e-8)
