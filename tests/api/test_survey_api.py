"""The flat API (``import surveymod as sm``): a Survey read, weighted, estimated and written, against R survey.

Reference numbers were computed with R survey 4.x (Rscript, 2026-12-05) on tests/data/api/apiclus1.csv::

    dclus1 <- svydesign(id=~dnum, weights=~pw, data=d, fpc=~fpc)
    svymean(~api00, dclus1)                               # 644.1693989071  SE 23.5422406938
    svyby(~api00, ~stype, dclus1, svymean)                # E 648.8680555556 (22.3624088938) H 618.5714285714
                                                          # (38.0202493594) M 631.4400000000 (31.6094652272)
    ps <- postStratify(dclus1, ~stype, data.frame(stype=c("E","H","M"), Freq=c(4421,755,1018)))
    svymean(~api00, ps)                                   # 642.3107882116  SE 23.9204864451
    svytotal(~enroll, ps)                                 # 3680892.9451190475  SE 406292.6362948019
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest

import surveymod as sm

API = Path(__file__).resolve().parents[1] / "data" / "api" / "apiclus1.csv"
PS_SPEC = ("design:\n  weight: pw\n  psu: dnum\n  fpc: fpc\nsteps:\n  - step: poststratify\n    margin:\n"
           "      variables: stype\n      targets: {E: 4421, H: 755, M: 1018}\n")


def close(a: float, b: float, digits: int = 9) -> bool:
    return abs(a - b) <= 0.5 * 10 ** (1 - digits) * abs(b)


def test_read_with_a_design_estimates_as_r_svydesign() -> None:
    s = sm.read(API, design=sm.Design(weight="pw", psu="dnum", fpc="fpc"))
    one = sm.estimate(s, mean=["api00"]).iloc[0]
    assert close(one.estimate, 644.1693989071) and close(one.se, 23.5422406938)
    by = sm.estimate(s, mean=["api00"], by=["stype"]).set_index("domain")
    for stype, est, se in (("E", 648.8680555556, 22.3624088938), ("H", 618.5714285714, 38.0202493594),
                           ("M", 631.44, 31.6094652272)):
        assert close(by.loc[f"stype={stype}", "estimate"], est) and close(by.loc[f"stype={stype}", "se"], se)


def test_survey_of_a_frame_and_with_design_are_the_same_declaration() -> None:
    frame = pd.read_csv(API)
    a = sm.Survey.of(frame, weight="pw", psu="dnum", fpc="fpc")
    b = sm.Survey.of(frame).with_design(weight="pw", psu="dnum", fpc="fpc")
    assert a.design == b.design == sm.Design(weight="pw", psu="dnum", fpc="fpc")
    assert close(sm.estimate(a, mean=["api00"]).se[0], 23.5422406938)
    with pytest.raises(TypeError):
        sm.Survey.of(frame, sm.Design(), weight="pw")


def test_weight_carries_the_calibration_into_estimates_as_r_poststratify(tmp_path: Path) -> None:
    spec = tmp_path / "ps.yaml"
    spec.write_text(PS_SPEC)
    w = sm.weight(sm.read(API), spec)
    assert w.design.weight == "final_weight" and len(w.calibration) == 1 and w.weighting is not None
    out = sm.estimate(w, mean=["api00"], total=["enroll"]).set_index("variable")
    assert close(out.loc["api00", "estimate"], 642.3107882116) and close(out.loc["api00", "se"], 23.9204864451)
    assert close(out.loc["enroll", "estimate"], 3680892.9451190475)
    assert close(out.loc["enroll", "se"], 406292.6362948019)
    # another weight: the records no longer describe it, so they go; the same weight keeps them
    assert w.with_design(weight="pw").calibration == ()
    assert len(w.with_design(mse=False).calibration) == 1


def test_write_sav_keeps_every_row_and_the_weight_and_declares_the_design(tmp_path: Path) -> None:
    spec = tmp_path / "ps.yaml"
    spec.write_text(PS_SPEC)
    w = sm.weight(sm.read(API), spec)
    result = w.write(tmp_path / "out.sav")
    names = sorted(p.name for p in result.files)
    assert names == ["out.sav", "out_design.R", "out_design.do", "out_design.sps"]
    back, meta = pyreadstat.read_sav(tmp_path / "out.sav")
    assert len(back) == len(w.data) and set(w.data.columns) <= set(back.columns) | set(result.renamed)
    assert meta.column_names_to_labels["final_weight"].startswith("Final weight (surveymod weight, ps.yaml)")
    with pytest.raises(sm.SurveyError):
        w.write(API)  # never over an input


@pytest.mark.client
@pytest.mark.skipif(shutil.which("Rscript") is None, reason="needs R with survey and haven")
def test_the_written_design_script_gives_r_the_same_estimate(tmp_path: Path) -> None:
    """R reads the .sav and its design script on its own and gets the poststratified mean's point estimate
    (the script declares the final weight; R's SE there ignores the calibration, ours credits it)."""
    spec = tmp_path / "ps.yaml"
    spec.write_text(PS_SPEC)
    sm.weight(sm.read(API), spec).write(tmp_path / "out.sav")
    script = (tmp_path / "out_design.R").read_text() + '\ncat(sprintf("%.10f\\n", coef(svymean(~api00, des))))\n'
    (tmp_path / "run.R").write_text(script)
    r = subprocess.run(["Rscript", "run.R"], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert close(float(r.stdout.strip().splitlines()[-1]), 642.3107882116)


def test_change_between_two_surveys_is_each_waves_estimate_and_their_difference() -> None:
    d = pd.read_csv(API)
    base = sm.Survey.of(d, weight="pw", psu="dnum", fpc="fpc")
    end = sm.Survey.of(d.assign(api00=d["api99"]), weight="pw", psu="dnum", fpc="fpc")
    row = sm.change(base, end, mean=["api00"]).iloc[0]
    assert close(row.baseline, 644.1693989071) and close(row.baseline_se, 23.5422406938)
    assert close(row["diff"], row.endline - row.baseline)
    assert close(row.diff_se, (row.baseline_se ** 2 + row.endline_se ** 2) ** 0.5)  # independent waves


def test_rosters_beside_a_file_are_its_levels_without_a_questionnaire(tmp_path: Path) -> None:
    pd.DataFrame({"hh": [1, 2], "w": [10.0, 20.0]}).to_csv(tmp_path / "hh.csv", index=False)
    pd.DataFrame({"hh": [1, 1, 2], "age": [30, 5, 50]}).to_csv(tmp_path / "hh_person.csv", index=False)
    alone = sm.read(tmp_path / "hh.csv")
    both = sm.read(tmp_path, rosters=True)  # a folder: its shortest name is the top level
    assert list(alone.dataset.frames) == ["main"]
    assert list(both.dataset.frames) == ["main", "person"] and len(both.level("person")) == 3
    assert sm.read(tmp_path / "hh.csv", missing=[50], rosters=True).dataset.valid(["age"], "person")["age"].isna().sum() == 1


def test_import_loads_no_numerical_library_until_a_name_is_used() -> None:
    code = ("import sys, surveymod as sm\n"
            "heavy = ('numpy', 'pandas', 'scipy', 'pydantic', 'pyarrow', 'pyreadstat', 'openpyxl', 'matplotlib')\n"
            "loaded = lambda: sorted({m.split('.')[0] for m in sys.modules} & set(heavy))\n"
            "print(loaded()); sm.SurveyError; print(loaded()); sm.read; print(loaded())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0] == out[1] == "[]"
    assert "pandas" in out[2] and "numpy" in out[2]


def test_namespace_lists_its_names_and_none_is_a_subpackage() -> None:
    import pkgutil

    assert dir(sm) == sorted(sm.__all__)
    for name in sm.__all__:
        assert getattr(sm, name) is not None, name
    subpackages = {m.name for m in pkgutil.iter_modules(sm.__path__)}
    assert not subpackages & set(sm.__all__), "a subpackage's import would replace the API name"
    with pytest.raises(AttributeError):
        sm.no_such_name  # noqa: B018
