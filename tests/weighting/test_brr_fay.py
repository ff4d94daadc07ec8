"""Golden tests for BRR and Fay replicate weights made by a weighting spec's ``replicates`` step (issue #6 gap).

Reference numbers are from R survey 4.1.1, written by tests/data/brr/reference.R (printed in reference.out) and
copied here as literals. Designs: R's ``data(scd)`` (3 strata x 2 ambulances, the ?svrepdesign example) and R's
apiclus2 with its 40 districts paired into pseudo-strata (tests/data/brr/README.md). Hand-worked identities are
used where they hold for any Hadamard matrix: for a total, a full-orthogonal BRR set gives exactly the
with-replacement Taylor variance sum_h (t_h1 - t_h2)^2.

The half-samples are R's: R's Hadamard matrices (stored orders 4, 16, 28, 36, Paley's construction, doubling), pairs
numbered over the strata sorted by name, a stratum's PSUs in data order as R's brrweights takes them (the paired
apiclus2 file lists the higher district first in even pairs, so the pairs15 tests fail if the PSUs are sorted), and
every stratum count gets R's number of replicates.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from surveymod.weighting import run_weighting

DATA = Path(__file__).resolve().parents[1] / "data" / "brr"
PS = "  - step: poststratify\n    margin:\n      variables: stype\n      targets: {E: 4421, H: 755, M: 1018}\n"
RAKE = ("  - step: rake\n    tolerance: 1.0e-10\n    margins:\n"
        "      - variables: stype\n        targets: {E: 4421, H: 755, M: 1018}\n"
        "      - variables: sch.wide\n        targets: {'No': 1072, 'Yes': 5122}\n")


def sig(a: float, b: float, digits: int = 6) -> bool:
    """a and b agree to `digits` significant digits (relative difference below 0.5e-(digits-1))."""
    return abs(a - b) <= 0.5 * 10 ** (1 - digits) * abs(b)


def brr_step(method: str) -> str:
    """The spec text of a BRR (or Fay, rho 0.5) replicates step."""
    return "  - step: replicates\n    method: brr\n" if method == "brr" else \
        "  - step: replicates\n    method: fay\n    fay_rho: 0.5\n"


def rep_matrix(result) -> np.ndarray:
    """The replicate weight columns repw1..R of a weighting result as an n x R array."""
    n = result.diagnostics.replicates["n_replicates"]
    return result.data.main[[f"repw{k}" for k in range(1, n + 1)]].to_numpy(dtype=float)


def rep_se(result, est: Callable[[pd.DataFrame, np.ndarray], float], mse: bool = False) -> float:
    """Replicate SE with the pipeline's scales: scale * sum(rscales * (t_r - c)^2), c = t (mse) or mean(t_r) (R)."""
    d, diag = result.data.main, result.diagnostics
    full = est(d, d["final_weight"].to_numpy(dtype=float))
    reps = np.array([est(d, w) for w in rep_matrix(result).T])
    centre = full if mse else reps.mean()
    rs = np.array(diag.replicates["rscales"])
    return float(np.sqrt(diag.replicates["scale"] * np.sum(rs * (reps - centre) ** 2)))


def mean_of(y: str) -> Callable[[pd.DataFrame, np.ndarray], float]:
    """Weighted mean of column y."""
    return lambda d, w: float(w @ d[y].to_numpy(dtype=float) / w.sum())


def total_of(y: str) -> Callable[[pd.DataFrame, np.ndarray], float]:
    """Weighted total of column y."""
    return lambda d, w: float(w @ d[y].to_numpy(dtype=float))


def same_columns_up_to_order(a: np.ndarray, b: np.ndarray) -> bool:
    """True if a and b hold the same replicate columns, in any order (the order is not part of the check)."""
    key = lambda m: sorted(tuple(np.round(c, 8)) for c in m.T)  # noqa: E731
    return a.shape == b.shape and key(a) == key(b)


def run(data: pd.DataFrame, write_spec, design: str, steps: str):
    return run_weighting(data.reset_index(drop=True), write_spec("design:\n" + design + "steps:\n" + steps))


@pytest.fixture(scope="module")
def scd() -> pd.DataFrame:
    return pd.read_csv(DATA / "scd.csv")


@pytest.fixture(scope="module")
def pairs() -> pd.DataFrame:
    return pd.read_csv(DATA / "apiclus2_pairs.csv")


SCD = "  strata: ESA\n  psu: ambulance\n"
PAIRS = "  weight: pw\n  strata: pair\n  psu: dnum\n"

# R: weights(as.svrepdesign(scdnofpc, type="BRR"), type="analysis") (reference.out); Fay rho 0.5 is 1.5 / 0.5.
R_SCD_BRR = np.array([[2, 0, 2, 0], [0, 2, 0, 2], [2, 2, 0, 0], [0, 0, 2, 2], [2, 0, 0, 2], [0, 2, 2, 0]], float)
R_SCD_FAY = np.where(R_SCD_BRR == 2, 1.5, 0.5)


# ---- scd: the ?svrepdesign example -----------------------------------------------------------------------------
@pytest.mark.parametrize(("method", "r_weights", "r_scale"), [("brr", R_SCD_BRR, 0.25), ("fay", R_SCD_FAY, 1.0)])
def test_scd_replicates_equal_r(scd, write_spec, method, r_weights, r_scale):
    res = run(scd, write_spec, SCD, brr_step(method))
    rep = res.diagnostics.replicates
    assert rep["n_replicates"] == 4 and rep["method"] == method  # R ncol(weights(...)) = 4
    assert rep["scale"] == pytest.approx(r_scale, rel=1e-12)  # R $scale: 1/R, Fay 1/(R(1-rho)^2)
    assert rep["rscales"] == [1.0] * 4
    assert same_columns_up_to_order(rep_matrix(res), r_weights)


@pytest.mark.parametrize("method", ["brr", "fay"])
def test_scd_total_and_mean_se_match_r(scd, write_spec, method):
    res = run(scd, write_spec, SCD, brr_step(method))
    # Hand-worked: (120-78)^2 + (185-228)^2 + (670-530)^2 = 23213; R svytotal SE 152.358130732 (BRR, Fay, Taylor).
    se_total = rep_se(res, total_of("arrests"))
    assert se_total == pytest.approx(np.sqrt(23213), rel=1e-12)
    assert sig(se_total, 152.358130732, 10)
    # R svymean(~alive, scd2brr / scd2fay(rho 0.5)): 46.3333333333, SE 3.58236421003 (both).
    assert sig(mean_of("alive")(res.data.main, res.data.main["final_weight"].to_numpy()), 46.3333333333, 10)
    assert sig(rep_se(res, mean_of("alive")), 3.58236421003, 9)


def test_scd_ratio_se_matches_r(scd, write_spec):
    res = run(scd, write_spec, SCD, brr_step("brr"))
    ratio = lambda d, w: float(w @ d["alive"].to_numpy() / (w @ d["arrests"].to_numpy()))  # noqa: E731
    assert sig(rep_se(res, ratio), 0.00941840066992, 9)  # R SE(svyratio(~alive, ~arrests, scd2brr))


# ---- structure of every BRR / Fay set ----------------------------------------------------------------------------
@pytest.mark.parametrize(("method", "hi", "lo"), [("brr", 2.0, 0.0), ("fay", 1.5, 0.5)])
def test_each_replicate_upweights_exactly_one_psu_per_stratum(pairs, write_spec, method, hi, lo):
    """Replicate factor (2 / 0, Fay 2-rho / rho) is constant within a PSU, high on exactly one PSU of each stratum,
    and each PSU is high in exactly half of the replicates (the balance that makes BRR unbiased for a total)."""
    res = run(pairs, write_spec, PAIRS, brr_step(method))
    f = np.round(rep_matrix(res) / res.data.main["pw"].to_numpy()[:, None], 12)
    n_reps = f.shape[1]
    assert set(np.unique(f)) == {hi, lo}
    for _, g in res.data.main.groupby("pair"):
        psu_f = [f[g.index.to_numpy()[idx]] for idx in g.groupby("dnum").indices.values()]
        assert len(psu_f) == 2
        for m in psu_f:
            assert (m == m[0]).all()  # constant within the PSU
        assert np.array_equal(psu_f[0][0] + psu_f[1][0], np.full(n_reps, hi + lo))  # one high, one low
        assert (psu_f[0][0] == hi).sum() == n_reps // 2


# ---- apiclus2 paired into 15 strata: Hadamard order 16 --------------------------------------------------------------
P15 = {  # R survey 4.1.1, reference.out "pairs15 ..." (as.svrepdesign(t15, "BRR") / ("Fay", fay.rho=0.5))
    "brr": {"scale": 0.0625, "mean": (664.651666667, 29.4356311867), "mean_se_mse": 29.6444430541,
            "ps_mean": (666.011510044, 27.8083650993), "ps_total": (4125275.29321, 172245.013425),
            "rake_mean": (675.480773202, 25.6543040935), "rake_meals": (54.4567201049, 12.0958714704)},
    "fay": {"scale": 0.25, "mean": (664.651666667, 27.6485977214), "mean_se_mse": 27.6983958109,
            "ps_mean": (666.011510044, 25.6040633536), "ps_total": (4125275.29321, 158591.568412),
            "rake_mean": (675.480773202, 24.149035253), "rake_meals": (54.4567201049, 10.9596053849)},
}
TAYLOR_P15 = 858024.404802  # R SE(svytotal(~api00, svydesign(id=~dnum, strata=~pair, weights=~pw))), 15 pairs
TAYLOR_P20 = 870064.955062  # the same on all 20 pairs


def hand_total_se(d: pd.DataFrame, y: str) -> float:
    """sqrt(sum_h (t_h1 - t_h2)^2): the with-replacement Taylor SE of a total with two PSUs per stratum."""
    t = (d["pw"] * d[y]).groupby([d["pair"], d["dnum"]]).sum()
    return float(np.sqrt(sum(float(np.diff(g.to_numpy())[0]) ** 2 for _, g in t.groupby(level=0))))


@pytest.mark.parametrize("method", ["brr", "fay"])
def test_pairs15_replicates_and_se_match_r(pairs, write_spec, method):
    d15 = pairs[pairs["pair"] <= 15]
    res = run(d15, write_spec, PAIRS, brr_step(method))
    ref = P15[method]
    assert res.diagnostics.replicates["n_replicates"] == 16  # R ncol = 16
    assert res.diagnostics.replicates["scale"] == pytest.approx(ref["scale"], rel=1e-12)
    r_w = pd.read_csv(DATA / f"r_{method}15_weights.csv").to_numpy(dtype=float)
    assert same_columns_up_to_order(rep_matrix(res), r_w)
    se_t = rep_se(res, total_of("api00"))
    assert sig(se_t, TAYLOR_P15, 10) and se_t == pytest.approx(hand_total_se(d15, "api00"), rel=1e-10)
    m = mean_of("api00")
    assert sig(m(res.data.main, res.data.main["final_weight"].to_numpy()), ref["mean"][0], 10)
    assert sig(rep_se(res, m), ref["mean"][1], 9)
    assert sig(rep_se(res, m, mse=True), ref["mean_se_mse"], 9)


@pytest.mark.parametrize("method", ["brr", "fay"])
def test_pairs15_poststratified_se_matches_r(pairs, write_spec, method):
    """R: postStratify(as.svrepdesign(...), ~stype, pop.types) re-weights every replicate, as the pipeline does."""
    res = run(pairs[pairs["pair"] <= 15], write_spec, PAIRS, brr_step(method) + PS)
    ref = P15[method]
    w = res.data.main["final_weight"].to_numpy()
    assert sig(mean_of("api00")(res.data.main, w), ref["ps_mean"][0], 9)
    assert sig(rep_se(res, mean_of("api00")), ref["ps_mean"][1])
    assert sig(total_of("api00")(res.data.main, w), ref["ps_total"][0], 9)
    assert sig(rep_se(res, total_of("api00")), ref["ps_total"][1])


@pytest.mark.parametrize("method", ["brr", "fay"])
def test_pairs15_raked_se_matches_r(pairs, write_spec, method):
    """R: rake(svrepdesign, list(~stype, ~sch.wide), ..., control=list(maxit=100, epsilon=1e-10))."""
    res = run(pairs[pairs["pair"] <= 15], write_spec, PAIRS, brr_step(method) + RAKE)
    ref = P15[method]
    w = res.data.main["final_weight"].to_numpy()
    for y, key in (("api00", "rake_mean"), ("meals", "rake_meals")):
        assert sig(mean_of(y)(res.data.main, w), ref[key][0], 8)
        assert sig(rep_se(res, mean_of(y)), ref[key][1])


# ---- apiclus2 paired into 20 strata: Hadamard order 24 (Paley's construction of order 12, doubled) ---------------
def test_pairs20_total_se_is_taylor_for_any_hadamard(pairs, write_spec):
    res = run(pairs, write_spec, PAIRS, brr_step("brr"))
    assert res.diagnostics.replicates["n_replicates"] == 24  # R ncol = 24
    assert res.diagnostics.replicates["scale"] == pytest.approx(1 / 24, rel=1e-12)
    se_t = rep_se(res, total_of("api00"))
    assert sig(se_t, TAYLOR_P20, 10) and se_t == pytest.approx(hand_total_se(pairs, "api00"), rel=1e-10)


def test_pairs20_mean_se_matches_r(pairs, write_spec):
    res = run(pairs, write_spec, PAIRS, brr_step("brr"))
    r_w = pd.read_csv(DATA / "r_brr20_weights.csv").to_numpy(dtype=float)
    assert same_columns_up_to_order(rep_matrix(res), r_w)
    assert sig(rep_se(res, mean_of("api00")), 28.44432802)  # R svymean(~api00, b20) SE


# ---- number of replicates and full orthogonal balance for 1..100 strata -----------------------------------------
# R: ncol(weights(as.svrepdesign(svydesign(ids=~p, strata=~s, data=x, nest=TRUE), type="BRR"))), reference.out
R_NCOL = dict(zip([*range(1, 37), *range(44, 53), *range(72, 77), *range(84, 101)],
                  [4, 4, 4, 8, 8, 8, 8, 12, 12, 12, 12, 16, 16, 16, 16, 20, 20, 20, 20, 24, 24, 24, 24, 28, 28, 28,
                   28, 32, 32, 32, 32, 36, 36, 36, 36, 40, 48, 48, 48, 48, 56, 56, 56, 56, 56, 80, 80, 80, 80, 80,
                   88, 88, 88, 88, 96, 96, 96, 96, 96, 96, 96, 96, 104, 104, 104, 104, 104], strict=True))


def two_psu_design(h: int) -> pd.DataFrame:
    """h strata of two one-row PSUs with distinct y values (so every stratum contributes to the variance)."""
    rng = np.random.default_rng(h)
    return pd.DataFrame({"s": np.repeat(np.arange(1, h + 1), 2), "p": np.arange(2 * h),
                         "y": rng.normal(50, 10, 2 * h).round(3)})


@pytest.mark.parametrize("h", list(R_NCOL))
def test_brr_replicate_count_is_r(write_spec, h):
    res = run(two_psu_design(h), write_spec, "  strata: s\n  psu: p\n", brr_step("brr"))
    assert res.diagnostics.replicates["n_replicates"] == R_NCOL[h]


@pytest.mark.parametrize("h", [1, 2, 3, 7, 11, 19, 24, 26, 35, 48, 75, 84, 90, 95, 100])
def test_brr_sets_are_full_orthogonal(write_spec, h):
    """Whatever the Hadamard matrix: stratum sign rows are orthogonal and balanced (S S' = R I, row sums 0), the
    scale is 1/R, and the BRR variance of a total is exactly sum_h (y_h1 - y_h2)^2 (hand-worked, R's Taylor)."""
    d = two_psu_design(h)
    res = run(d, write_spec, "  strata: s\n  psu: p\n", brr_step("brr"))
    f = rep_matrix(res)
    n_reps = f.shape[1]
    assert n_reps % 4 == 0 or n_reps == 2
    assert res.diagnostics.replicates["scale"] == pytest.approx(1 / n_reps, rel=1e-12)
    signs = f[0::2] - 1.0  # +1 where the stratum's first PSU is in the half-sample, -1 otherwise
    assert np.array_equal(f[0::2] + f[1::2], np.full((h, n_reps), 2.0))
    np.testing.assert_array_equal(signs @ signs.T, n_reps * np.eye(h))
    np.testing.assert_array_equal(signs.sum(axis=1), np.zeros(h))
    y = d["y"].to_numpy()
    expected = float(np.sum((y[0::2] - y[1::2]) ** 2))
    assert rep_se(res, total_of("y"), mse=True) ** 2 == pytest.approx(expected, rel=1e-10)
    assert rep_se(res, total_of("y")) ** 2 == pytest.approx(expected, rel=1e-10)
