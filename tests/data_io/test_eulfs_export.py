"""EU-LFS transmission export (``surveymod export ... --to eulfs``) against the regulation's code lists.

The codes come from ``tests/data/eulfs/transmission_codes.csv`` and the filters from
``tests/data/reference_tables/eulfs_2019_2240.csv``, both typed from the reference notes on Implementing Regulation
(EU) 2019/2240, Annex I -- not from the exporter.  Every exported value must be one of the regulation's codes; the
not-applicable code must appear exactly where the regulation's filter (evaluated on the EXPORTED values, with the
regulation's names) excludes the person, and blank only where the person is in scope but gave no answer.  One
planted person is worked out by hand.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from surveymod.cli.main import _register, cli
from surveymod.questionnaire import expr as E
from surveymod.questionnaire import load_valid
from surveymod.simulate import simulate

from .test_lfs_plausibility import write_frames

ROOT = Path(__file__).resolve().parents[2]
QN = ROOT / "questionnaires" / "lfs_migration.yaml"
CODES = {r["variable"]: r for r in csv.DictReader((ROOT / "tests/data/eulfs/transmission_codes.csv").open())}
FILTERS = {r["variable"]: r["filter"] for r in
           csv.DictReader((ROOT / "tests/data/reference_tables/eulfs_2019_2240.csv").open())}
ALPHA2 = re.compile(r"^[A-Z]{2}$")
GREECE, UK, MK = 300, 826, 807   # ISO 3166-1 numeric codes stored in the data


def _expand(spec: str) -> set[str]:
    out: set[str] = set()
    for part in filter(None, spec.split(";")):
        if "-" in part:
            lo, hi = part.split("-")
            out |= {f"{v:0{len(lo)}d}" for v in range(int(lo), int(hi) + 1)}
        else:
            out.add(part)
    return out


def _export(frames: dict[str, pd.DataFrame], tmp_path: Path) -> tuple[int, str, pd.DataFrame | None]:
    data = write_frames(frames, tmp_path / "in")
    out = tmp_path / "eulfs.csv"
    _register()
    args = ["--coeff", "w"] if "w" in frames["main"].columns else []
    res = CliRunner().invoke(cli, ["export", str(data), "-q", str(QN), "--to", "eulfs", "-o", str(out), *args])
    table = pd.read_csv(out, dtype=str, keep_default_na=False) if res.exit_code == 0 else None
    return res.exit_code, res.output, table


@pytest.fixture(scope="module")
def planted() -> tuple[dict[str, pd.DataFrame], dict[str, int]]:
    """Simulated LFS data with hand-made persons: a Greek-born UK citizen (worked example), a not-stated reason
    for migrating, a not-stated country of birth."""
    f = {k: v.copy() for k, v in simulate(load_valid(QN), 250, seed=5).frames.items()}
    p, main = f["person"], f["main"]
    month = p["HHID"].map(main.set_index("HHID")["INTMONTH"])
    year = p["HHID"].map(main.set_index("HHID")["INTYEAR"])
    movers = p.index[p["COUNTRYB"].notna() & (p["COUNTRYB"] != MK) & p["AGE"].between(20, 74)
                     & (p["EMPSTAT"] == 1)]
    assert len(movers) >= 3, "the seed must give three employed foreign-born adults"
    a, b, c = movers[:3]
    # worked example: born in Greece, UK citizen, arrived 6 years ago in the interview month -> YEARESID 006,
    # previous residence UK, education completed in Greece, qualification recognised (01), did not look for a
    # job (DURFIJOB 09), international protection (MIGREAS 6)
    p.loc[a, ["COUNTRYB", "CITIZENSHIP", "COUNTRPR", "HATCNTR", "ESTQUAL", "DURFIJOB", "MIGREAS"]] = \
        [GREECE, UK, UK, GREECE, 1, 9, 6]
    p.loc[a, ["YEARARRIV", "MONTHARRIV", "YEARESID"]] = [year[a] - 6, month[a], 6]
    p.loc[b, "MIGREAS"] = np.nan          # in scope, no answer: not stated
    p.loc[c, "COUNTRYB"] = np.nan         # country of birth not stated: still in the migrant filter
    main["w"] = 250.5   # a household weight, written as COEFFQ 002505000
    rows = {"worked": int(p.index.get_loc(a)), "no_reason": int(p.index.get_loc(b)), "no_cob": int(p.index.get_loc(c))}
    return f, rows


@pytest.fixture(scope="module")
def exported(planted: tuple[dict[str, pd.DataFrame], dict[str, int]],
             tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    code, output, table = _export(planted[0], tmp_path_factory.mktemp("eulfs"))
    assert code == 0, output
    assert table is not None
    return table


def test_columns_are_the_regulation_names(exported: pd.DataFrame) -> None:
    assert list(CODES) == [c for c in exported.columns if c in CODES] and len(CODES) == 18
    assert set(exported["COUNTRY"]) == {"MK"}


@pytest.mark.parametrize("variable", list(CODES))
def test_values_are_regulation_codes(exported: pd.DataFrame, variable: str) -> None:
    spec = CODES[variable]
    allowed = _expand(spec["codes"]) | _expand(spec["country_specials"]) | _expand(spec["other"])
    if spec["not_applicable"]:
        allowed.add(spec["not_applicable"])
    values = set(exported[variable]) - {""}
    if spec["codes"]:                      # coded / duration: exactly the regulation's codes
        assert values <= allowed, sorted(values - allowed)
    else:                                  # countries: SCL GEO alpha-2 (EL, UK; never GR, GB) or special codes
        odd = {v for v in values if v not in allowed and not ALPHA2.match(v)}
        assert odd == set()
        assert not values & {"GR", "GB"}


def _scope(exported: pd.DataFrame, frames: dict[str, pd.DataFrame], variable: str) -> np.ndarray:
    """The regulation's filter of *variable*, evaluated on the exported values (regulation names, alpha-2)."""
    p = frames["person"]
    n = len(exported)

    def text(col: str) -> np.ndarray:
        return np.array([None if v == "" else v for v in exported[col]], dtype=object)

    env = {"AGE": p["AGE"].to_numpy(float), "EMPSTAT": p["EMPSTAT"].to_numpy(float),
           "COUNTRYB": text("COUNTRYB"), "HATCNTR": text("HATCNTR"),
           "YEARESID": pd.to_numeric(exported["YEARESID"], errors="coerce").to_numpy(float),
           "COUNTRY": np.array(["MK"] * n, dtype=object)}
    flt = FILTERS[variable]
    return np.ones(n, dtype=bool) if not flt else E.truth(E.evaluate(E.parse(flt), env, n))


@pytest.mark.parametrize("variable", list(CODES))
def test_not_applicable_exactly_outside_the_regulation_filter(
        exported: pd.DataFrame, planted: tuple[dict[str, pd.DataFrame], dict[str, int]], variable: str) -> None:
    frames = planted[0]
    na = CODES[variable]["not_applicable"]
    in_scope = _scope(exported, frames, variable)
    values = exported[variable].to_numpy()
    if na:
        assert ((values == na) == ~in_scope).all(), variable
        assert (~in_scope).any()          # the filter really excludes someone in the simulated data
    else:
        assert in_scope.all()
    # blank = not stated: only in scope, and only where the data have no answer
    answered = frames["person"][variable].notna().to_numpy()
    assert ((values == "") == (in_scope & ~answered)).all(), variable


def test_worked_example_and_not_stated(exported: pd.DataFrame,
                                       planted: tuple[dict[str, pd.DataFrame], dict[str, int]]) -> None:
    rows = planted[1]
    r = exported.iloc[rows["worked"]]
    assert (r["COUNTRYB"], r["CITIZENSHIP"], r["COUNTRPR"], r["HATCNTR"]) == ("EL", "UK", "UK", "EL")
    assert (r["YEARESID"], r["ESTQUAL"], r["DURFIJOB"], r["MIGREAS"]) == ("006", "01", "09", "6")
    assert exported.iloc[rows["no_reason"]]["MIGREAS"] == ""          # not stated
    no_cob = exported.iloc[rows["no_cob"]]
    assert no_cob["COUNTRYB"] == ""                                   # not stated ...
    assert no_cob["MIGREAS"] not in ("", "9")                         # ... and still in the migrant filter
    # born here, never abroad: YEARESID 999, previous residence not applicable
    native = exported[(exported["COUNTRYB"] == "MK") & (exported["YEARESID"] == "999")]
    assert len(native) and set(native["COUNTRPR"]) == {"999"} and set(native["MIGREAS"]) <= {"9"}
    assert exported["HHSEQNUM"].str.fullmatch(r"\d\d").all()
    assert exported["HHFATH"].str.fullmatch(r"\d\d").all()


def test_answer_outside_the_filter_is_not_overwritten(planted: tuple[dict[str, pd.DataFrame], dict[str, int]],
                                                     tmp_path: Path) -> None:
    f = {k: v.copy() for k, v in planted[0].items()}
    p = f["person"]
    i = p.index[(p["COUNTRYB"] == MK) & p["AGE"].between(15, 74)][0]
    p.loc[i, "MIGREAS"] = 1                # a native-born person given a reason for immigrating
    code, output, _ = _export(f, tmp_path)
    assert code == 1
    assert "MIGREAS" in output and f"row {int(p.index.get_loc(i)) + 1}" in output
    assert not (tmp_path / "eulfs.csv").exists()
