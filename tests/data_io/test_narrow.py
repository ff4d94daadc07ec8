"""Whole-number columns held as float32 (``read(narrow=True)``, used by ``surveymod tables``): the same values in
half the memory, and the same tables. The reference for every comparison is the ordinary float64 read or the
plain numpy/pandas computation, which do not go through the narrowed code."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from surveymod.data import read
from surveymod.data.reader.narrow import FLOAT32_WHOLE, is_narrowed, narrowed, widened
from surveymod.data.reader.text_files import empty_as_missing
from surveymod.data.whole_numbers import whole_number_codes
from surveymod.design import Design
from surveymod.design.prepare import prepare
from surveymod.errors import SurveyError
from surveymod.estimation import estimate
from surveymod.estimation.estimate import domain_column, labels
from surveymod.questionnaire import load_valid
from surveymod.simulate import load_sample_design, simulate
from surveymod.tables import load_plan, plan_columns, run_plan

ROOT = Path(__file__).resolve().parents[2]
QN = ROOT / "questionnaires" / "lfs_migration.yaml"
PLAN = ROOT / "questionnaires" / "tabulation" / "lfs_migration_tables.yaml"
DESIGN = ROOT / "examples" / "designs" / "lfs_design.yaml"


@pytest.mark.parametrize(("values", "narrow"), [
    ([1.0, 2.0, np.nan, -7.0], True),
    ([FLOAT32_WHOLE - 1.0, -(FLOAT32_WHOLE - 1.0)], True),
    ([float(FLOAT32_WHOLE)], False),  # 2**24 + 1 would round to it: the limit is kept out
    ([1.0, 0.5], False),
    ([1.0, np.inf], False),
    ([np.nan, np.nan], True),
])
def test_only_whole_numbers_below_two_to_the_24_are_narrowed(values: list[float], narrow: bool) -> None:
    col = pd.Series(values, dtype="float64", name="x")
    out = narrowed(col)
    assert (out.dtype == np.float32) is narrow
    assert is_narrowed(out) is narrow
    pd.testing.assert_series_equal(widened(out), col)


def test_a_native_float32_column_with_fractions_is_not_taken_as_narrowed() -> None:
    assert not is_narrowed(pd.Series([0.1, 1.0], dtype="float32"))


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_a_narrow_read_holds_the_same_values(tmp_path: Path, suffix: str) -> None:
    frames = simulate(load_valid(QN), 60, seed=3, design=load_sample_design(DESIGN)).frames
    for level, f in frames.items():
        name = "lfs" if level == "main" else f"lfs_{level}"
        if suffix == ".parquet":
            f.to_parquet(tmp_path / f"{name}.parquet", index=False)
        else:
            f.to_csv(tmp_path / f"{name}.csv", index=False)
    plain = read(tmp_path / f"lfs{suffix}", QN)
    narrow = read(tmp_path / f"lfs{suffix}", QN, narrow=True)
    assert list(plain.frames) == list(narrow.frames) == ["main", "person", "emigrant"]
    narrowed_somewhere = 0
    for level, f in plain.frames.items():
        g = narrow.frames[level]
        assert list(g.columns) == list(f.columns)
        for c in f.columns:
            if g[c].dtype == np.float32:
                narrowed_somewhere += 1
                assert f[c].dtype == np.float64, (level, c)
            pd.testing.assert_series_equal(widened(g[c]), f[c], obj=f"{level}.{c}")
    assert narrowed_somewhere > 20
    assert narrow.frames["main"]["dweight"].dtype == np.float64  # weights are no whole numbers


def test_a_parquet_file_with_its_own_index_keeps_it(tmp_path: Path) -> None:
    df = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [0.5, 1.5, 2.5]}, index=pd.Index([10, 20, 30], name="row"))
    df.to_parquet(tmp_path / "d.parquet")
    got = read(tmp_path / "d.parquet", narrow=True).main
    assert list(got.index) == [10, 20, 30]
    assert got["x"].dtype == np.float32 and got["y"].dtype == np.float64


def test_whole_numbers_written_as_text_match_pandas() -> None:
    for s in [pd.Series([1.0, np.nan, -12.0, 2.0**40]).astype("Int64"), pd.Series([2**63 - 1, -(2**63)]),
              pd.Series(np.array([1, 2], dtype=np.uint8)), pd.Series([1, None], dtype="Int8")]:
        pd.testing.assert_series_equal(empty_as_missing(s), s.astype("str"))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_whole_number_codes_match_numpy_unique(dtype: str) -> None:
    rng = np.random.default_rng(5)
    v = np.where(rng.random(2_500_000) < 0.1, np.nan, rng.integers(-40, 60, 2_500_000)).astype(dtype)
    found = whole_number_codes(v)
    assert found is not None
    codes, values = found
    ok = ~np.isnan(v)
    uniq, inv = np.unique(v[ok], return_inverse=True)
    assert np.array_equal(values, uniq.astype(np.int64))
    assert np.array_equal(codes[ok], inv) and (codes[~ok] == -1).all()
    assert whole_number_codes(np.array([1.0, 1.5], dtype=dtype)) is None
    assert whole_number_codes(np.array([np.nan], dtype=dtype)) is None


def test_text_groups_are_coded_as_their_objects_would_be() -> None:
    x = pd.Series([3.0, 17, 40, np.nan, 70, 17, 22])
    cat = pd.cut(x, bins=[0, 15, 25, 65, 100], right=False, labels=["0-14", "15-24", "25-64", "65+"])
    as_objects = cat.astype(object).where(cat.notna(), None)
    a, b = labels(cat), labels(as_objects)
    assert list(a.cat.categories) == list(b.cat.categories)
    assert np.array_equal(a.cat.codes.to_numpy(), b.cat.codes.to_numpy())
    df = pd.DataFrame({"g": cat, "s": [1.0, 2, 1, 2, 1, np.nan, 2]})
    dg = domain_column(df, ["g", "s"])
    do = domain_column(df.assign(g=as_objects), ["g", "s"])
    assert dg is not None and do is not None
    assert list(dg.cat.categories) == list(do.cat.categories)
    assert np.array_equal(dg.cat.codes.to_numpy(), do.cat.codes.to_numpy())


def test_domain_codes_of_a_wide_combination_take_the_sort() -> None:
    rng = np.random.default_rng(2)
    df = pd.DataFrame({"a": rng.integers(0, 900, 5000).astype(float), "b": rng.integers(0, 900, 5000).astype(float)})
    df.loc[3, "a"] = np.nan
    dom = domain_column(df, ["a", "b"])
    assert dom is not None
    expected = df["a"].map(lambda v: f"{v:g}") + "|" + df["b"].map(lambda v: f"{v:g}")
    names = [c.replace("a=", "").replace("; b=", "|") for c in dom.cat.categories]
    got = pd.Series([names[c] if c >= 0 else None for c in dom.cat.codes])
    assert pd.isna(got[3])
    assert (got.drop(3) == expected.drop(3)).all()


def test_a_prepared_design_gives_the_same_estimates_and_refuses_other_rows() -> None:
    rng = np.random.default_rng(8)
    n = 3000
    df = pd.DataFrame({"st": rng.integers(1, 5, n).astype(float), "w": rng.uniform(50, 150, n),
                       "y": rng.integers(1, 4, n).astype(float), "sex": rng.integers(1, 3, n).astype(float)})
    df["psu"] = df["st"] * 100 + rng.integers(1, 8, n)
    design = Design(strata="st", psu="psu", weight="w")
    plain = estimate(df, design, prop=["y"], by=["sex"])
    prep = prepare(df[["st", "psu", "w"]], design)
    again = estimate(df[["y", "sex"]], design, prop=["y"], by=["sex"], prepared=prep)
    pd.testing.assert_frame_equal(plain, again)
    with pytest.raises(SurveyError, match="prepared design has 3000 rows"):
        estimate(df.iloc[:10][["y", "sex"]], design, prop=["y"], by=["sex"], prepared=prep)


def test_the_shipped_tables_are_the_same_from_a_narrow_read(tmp_path: Path) -> None:
    frames = simulate(load_valid(QN), 300, seed=21, design=load_sample_design(DESIGN)).frames
    for level, f in frames.items():
        f.to_parquet(tmp_path / ("lfs.parquet" if level == "main" else f"lfs_{level}.parquet"), index=False)
    plan, pos = load_plan(PLAN)
    keep = plan_columns(plan)
    wide = run_plan(plan, read(tmp_path / "lfs.parquet", QN, keep=keep), file=str(PLAN), positions=pos)
    ds = read(tmp_path / "lfs.parquet", QN, keep=keep, narrow=True)
    before = {lv: f.copy() for lv, f in ds.frames.items()}
    narrow = run_plan(plan, ds, file=str(PLAN), positions=pos)
    assert list(wide) == list(narrow)
    for tid in wide:
        pd.testing.assert_frame_equal(wide[tid], narrow[tid], obj=tid)
    for lv, f in before.items():  # the dataset handed in is not changed (the plan's own frames drop columns)
        pd.testing.assert_frame_equal(ds.frames[lv], f)


def test_taylor_sums_in_row_blocks_are_bincounts_to_the_last_bit() -> None:
    from surveymod.data.whole_numbers import BLOCK
    from surveymod.estimation import statistics as stats

    rng = np.random.default_rng(4)
    n, k = 2 * BLOCK + 12_345, 700
    key = rng.integers(0, k, n)
    w = rng.uniform(10, 900, n) * rng.uniform(0.5, 2.0, n)
    y = np.where(rng.random(n) < 0.2, np.nan, rng.normal(50, 20, n))
    x = rng.uniform(1, 3, n)
    col = stats.column("ratio", y, np.zeros(n, dtype=np.int64), x=x)
    sa, sb = stats._sums(key, k, w, col)
    ok = col.valid
    assert np.array_equal(sa[:, 0], np.bincount(key[ok], weights=w[ok] * y[ok], minlength=k))
    assert sb is not None and np.array_equal(sb, np.bincount(key[ok], weights=w[ok] * x[ok], minlength=k))
    codes = rng.integers(-1, 4, n)
    prop = stats.column("prop", codes, np.zeros(n, dtype=np.int64), n_levels=4)
    pa_, pb = stats._sums(key, k, w, prop)
    ok = codes >= 0
    assert np.array_equal(pa_.reshape(-1), np.bincount(key[ok] * 4 + codes[ok], weights=w[ok], minlength=4 * k))
    assert pb is not None and np.array_equal(pb, np.bincount(key[ok], weights=w[ok], minlength=k))


def test_run_plan_reads_with_a_function_and_gives_the_same_tables(tmp_path: Path) -> None:
    frames = simulate(load_valid(QN), 120, seed=9, design=load_sample_design(DESIGN)).frames
    for level, f in frames.items():
        f.to_parquet(tmp_path / ("lfs.parquet" if level == "main" else f"lfs_{level}.parquet"), index=False)
    plan, pos = load_plan(PLAN)
    given = run_plan(plan, read(tmp_path / "lfs.parquet", QN), file=str(PLAN), positions=pos)
    calls: list[int] = []

    def reader():  # noqa: ANN202
        calls.append(1)
        return read(tmp_path / "lfs.parquet", QN, keep=plan_columns(plan), narrow=True)

    read_itself = run_plan(plan, reader, file=str(PLAN), positions=pos)
    assert calls == [1]
    for tid in given:
        pd.testing.assert_frame_equal(given[tid], read_itself[tid], obj=tid)


def test_tables_that_come_back_to_a_level_find_its_design() -> None:
    frames = simulate(load_valid(QN), 200, seed=11, design=load_sample_design(DESIGN)).frames
    plan, pos = load_plan(PLAN)
    grouped = run_plan(plan, frames, file=str(PLAN), positions=pos, questionnaire=QN)
    plan.tables.append(plan.tables[0].model_copy(update={"id": "T12"}))  # the person level again, after main
    again = run_plan(plan, frames, file=str(PLAN), positions=pos, questionnaire=QN)
    expected = grouped["T01"].assign(table="T12")
    pd.testing.assert_frame_equal(again["T12"], expected)


def test_a_prepared_design_of_another_design_is_refused() -> None:
    df = pd.DataFrame({"w": [1.0, 2.0, 3.0], "y": [1.0, 2.0, 1.0]})
    prep = prepare(df[["w"]], Design(weight="w"))
    with pytest.raises(SurveyError, match="not the design given"):
        estimate(df, Design(), prop=["y"], prepared=prep)


def test_a_table_of_a_design_column_under_a_universe() -> None:
    """The design is prepared on the level's rows before a table's universe blanks its variable, so a table may
    analyse a design column (here the stratum) inside a universe; it used to stop on the blanked strata."""
    frames = simulate(load_valid(QN), 200, seed=13, design=load_sample_design(DESIGN)).frames
    plan, pos = load_plan(PLAN)
    extra = plan.tables[0].model_copy(update={"id": "T13", "variable": "stratum", "by": []})
    plan.tables = [extra]
    got = run_plan(plan, frames, file=str(PLAN), positions=pos, questionnaire=QN)["T13"]
    assert got["estimate"].sum() == pytest.approx(1.0)
    p = frames["person"].merge(frames["main"][["HHID", "stratum", "dweight"]], on="HHID")
    p = p[(p["AGE"] >= 15) & (p["AGE"] <= 74)]
    share = p.groupby("stratum")["dweight"].sum() / p["dweight"].sum()
    assert list(got["estimate"]) == pytest.approx(list(share.sort_index()))


@pytest.mark.parametrize(("data", "questionnaire"), [
    ("xlsform_wild/reach_msna_2024_dummy_raw_data.xlsx", "xlsform_wild/reach_msna_2024_kobo_tool_v11.xlsx"),
])
def test_a_narrow_read_of_a_public_kobo_export_holds_the_same_values(data: str, questionnaire: str) -> None:
    """REACH's public 2024 MSNA Kobo export (five levels) read with its Kobo tool: every level, column and value
    as the ordinary read gives them, whole-number columns in float32."""
    here = Path(__file__).resolve().parents[1] / "data"
    plain = read(here / data, here / questionnaire)
    narrow = read(here / data, here / questionnaire, narrow=True)
    assert list(plain.frames) == list(narrow.frames) and len(plain.frames) == 5
    narrowed_columns = 0
    for level, f in plain.frames.items():
        g = narrow.frames[level]
        assert list(g.columns) == list(f.columns)
        for c in f.columns:
            narrowed_columns += g[c].dtype == np.float32
            pd.testing.assert_series_equal(widened(g[c]), f[c], obj=f"{level}.{c}")
    assert narrowed_columns > 100
    assert [str(p) for p in narrow.problems] == [str(p) for p in plain.problems]
