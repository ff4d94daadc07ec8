"""Taylor-linearisation variance of PSU (and SSU) totals of influence values, as R ``survey::svyrecvar``.

The estimators (``statistics.py``) reduce every estimate to influence values summed by PSU; this module turns
those sums into a variance with R's conventions, so results match R to rounding:
- stage 1: within each stratum, PSU totals centred on the stratum mean, times ``f_h n_h/(n_h-1)`` with
  ``f_h = 1 - n_h/N_h`` (1 without FPC); a stratum whose ``f_h`` is below 1e-7 contributes nothing;
- lonely PSUs (``n_h = 1``): ``remove``/``certainty`` contribute 0, ``adjust`` uses the PSU total uncentred
  (deviation from the grand mean, 0), ``average`` drops them and scales the sum by strata / strata-with-variance
  (counted, as R does after subsetting, over the strata that hold rows of the domain);
- stage 2 (SSUs, only with a first-stage FPC, as R): within each PSU, SSU totals centred on the PSU mean, times
  ``f2_i m_i/(m_i-1)`` and the first-stage fraction ``n_h/N_h``; without a second-stage FPC ``f2 = 1``.
All of it is vectorised over PSUs and over the columns (estimates x domains) with bincount and segment sums.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import SurveyError
from .prepare import FPC, FPC2, PSU, SSU, STRATA, Prepared


@dataclass(frozen=True)
class Stages:
    """Design structure for linearisation: row -> PSU (-> SSU) codes and per-stratum / per-PSU factors."""

    psu: np.ndarray  # row -> PSU code 0..P-1
    stratum_of_psu: np.ndarray  # (P,) stratum code 0..H-1
    n_h: np.ndarray  # (H,) PSUs per stratum in the whole design
    f_h: np.ndarray  # (H,) 1 - n_h/N_h, or 1 without FPC
    lonely: str
    ssu: np.ndarray | None = None  # row -> SSU code 0..S-1 (only when stage 2 enters the variance)
    psu_of_ssu: np.ndarray | None = None  # (S,)
    m_i: np.ndarray | None = None  # (P,) SSUs per PSU
    f2_i: np.ndarray | None = None  # (P,) 1 - m_i/M_i, or 1
    frac_i: np.ndarray | None = None  # (P,) first-stage sampling fraction n_h/N_h
    pps: str | None = None  # "brewer" or "overton": without-replacement PPS first stage
    pi: np.ndarray | None = None  # (P,) PSU inclusion probabilities of a PPS first stage

    @property
    def n_psu(self) -> int:
        return len(self.stratum_of_psu)

    @property
    def n_strata(self) -> int:
        return len(self.n_h)


def first_per_group(values: np.ndarray, group: np.ndarray, k: int) -> np.ndarray:
    """The value of the first row of each of ``k`` groups (groups hold one constant value by construction)."""
    out = np.empty(k, dtype=values.dtype)
    out[group[::-1]] = values[::-1]
    return out


def stages(prep: Prepared) -> Stages:
    """The linearisation structure of a prepared Taylor design (PSU ids nested in strata, SSUs in PSUs)."""
    frame = prep.frame
    psu = frame[PSU].to_numpy().astype(np.int64, copy=False)  # prepare's codes are int64 already: no copy
    strata = frame[STRATA].to_numpy().astype(np.int64, copy=False)
    n_psu = int(psu.max()) + 1
    stratum_of_psu = first_per_group(strata, psu, n_psu)
    n_h = np.bincount(stratum_of_psu, minlength=int(strata.max()) + 1).astype(float)
    f_h = np.ones_like(n_h)
    frac_i = None
    pps, pi = prep.design.pps, None
    if pps:  # FPC holds n_h / pi per row (prepare): the PSU's own factor 1 - pi (R: fpc per PSU, not stratum)
        pi = n_h[stratum_of_psu] / first_per_group(frame[FPC].to_numpy(dtype=float), psu, n_psu)
        frac_i = pi
    elif prep.has_fpc:
        big_n = first_per_group(frame[FPC].to_numpy(dtype=float), strata, len(n_h))
        f_h = np.where(np.isinf(big_n), 1.0, (big_n - n_h) / big_n)
        frac_i = (n_h / big_n)[stratum_of_psu]
    if not (prep.has_ssu and prep.has_fpc):
        return Stages(psu, stratum_of_psu, n_h, f_h, prep.design.lonely_psu, pps=pps, pi=pi)
    ssu = frame[SSU].to_numpy().astype(np.int64, copy=False)
    n_ssu = int(ssu.max()) + 1
    psu_of_ssu = first_per_group(psu, ssu, n_ssu)
    m_i = np.bincount(psu_of_ssu, minlength=n_psu).astype(float)
    f2_i = np.ones(n_psu)
    if prep.has_fpc2:
        big_m = first_per_group(frame[FPC2].to_numpy(dtype=float), psu, n_psu)
        f2_i = np.where(np.isinf(big_m), 1.0, (big_m - m_i) / big_m)
    return Stages(psu, stratum_of_psu, n_h, f_h, prep.design.lonely_psu, ssu, psu_of_ssu, m_i, f2_i, frac_i, pps, pi)


BLOCK_ELEMENTS = 4_000_000
"""Elements of the temporaries a variance works on at a time (32 MB)."""


def group_sums(codes: np.ndarray, k: int, values: np.ndarray) -> np.ndarray:
    """Column sums of ``values`` (rows x m) per group code (0..k-1) -> (k x m): one bincount per column, which
    reads each column once (contiguous in a column-major matrix such as the weights)."""
    out = np.empty((k, values.shape[1]))
    for j in range(values.shape[1]):
        out[:, j] = np.bincount(codes, weights=values[:, j], minlength=k)
    return out


def _stage(z: np.ndarray, group: np.ndarray, n_g: np.ndarray, f_g: np.ndarray, factor: np.ndarray | None,
           lonely: str, where: str, present: np.ndarray | None, covariance: bool,
           f_unit: np.ndarray | None = None) -> np.ndarray:
    """One stage: unit totals ``z`` (units x m) in groups (strata, or PSUs at stage 2) -> variance or covariance."""
    k = len(n_g)
    means = group_sums(group, k, z) / np.maximum(n_g, 1)[:, None]
    single = n_g == 1
    centred = z - means[group]  # units x columns, the one full-size array of a stage
    if lonely == "adjust" and single.any():
        centred[single[group]] = z[single[group]]
    scale = np.where(n_g > 1, f_g * n_g / np.maximum(n_g - 1, 1), f_g)
    scale = np.where(f_g < 1e-7, 0.0, scale)
    if factor is not None:
        scale = scale * factor
    if lonely == "fail" and (single & (f_g >= 1e-7)).any():
        g = int(np.flatnonzero(single & (f_g >= 1e-7))[0])
        raise SurveyError(f"{where} {g + 1} has only one sampling unit, so its variance cannot be estimated; set "
                          "the design's lonely_psu (or --lonely-psu) to certainty, remove, adjust or average", rule="design-lonely-psu")
    dropped = single & (f_g >= 1e-7) if lonely == "average" else np.zeros(k, dtype=bool)
    unit_scale = np.where(dropped, 0.0, scale)[group]
    if f_unit is not None:  # Brewer: each PSU's own 1 - pi_i in place of the stratum's 1 - n_h/N_h
        unit_scale = np.where(dropped[group], 0.0, f_unit * np.where(n_g > 1, n_g / np.maximum(n_g - 1, 1), 1.0)[group])
    if covariance:
        weighted = centred * np.sqrt(unit_scale)[:, None]
        v = weighted.T @ weighted
    else:  # a block of columns at a time: no second units x columns temporary (400k PSUs x 100 cells is 320 MB)
        v = np.empty(centred.shape[1])
        step = max(1, BLOCK_ELEMENTS // max(1, len(centred)))
        for j in range(0, centred.shape[1], step):
            block = centred[:, j:j + step]
            v[j:j + step] = (np.square(block) * unit_scale[:, None]).sum(axis=0)
    if lonely == "average" and dropped.any():
        there = np.ones((k, z.shape[1]), dtype=bool) if present is None else present
        n_all = there.sum(axis=0).astype(float)
        n_ok = (there & ~dropped[:, None]).sum(axis=0).astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = n_all / n_ok
        v = v * (np.sqrt(np.outer(ratio, ratio)) if covariance else ratio)
    return v


def _overton(z: np.ndarray, group: np.ndarray, n_g: np.ndarray, pi: np.ndarray, covariance: bool) -> np.ndarray:
    """Horvitz-Thompson variance z' D z of PSU totals with Overton's approximation (R ``overton2Dcheck``):
    D_ii = 1 - pi_i, D_ij = (fbar_ij - 1) / (n_h - 1) within a stratum, fbar_ij = (pi_i + pi_j) / 2; the
    pairwise sums reduce to per-stratum totals, so no PSU x PSU matrix is made."""
    ch = np.where(n_g > 1, 1 / np.maximum(n_g - 1, 1), 0.0)  # 1 / (n_h - 1) per stratum
    c = ch[group][:, None]
    totals = group_sums(group, len(n_g), z)  # stratum totals Z_h
    rest = totals[group] - z  # Z_h - z_i: the other PSUs of the stratum
    if covariance:
        cross = (z * (pi[:, None] * c)).T @ rest  # sum_i c pi_i z_i (Z_h - z_i)'
        same = (totals * ch[:, None]).T @ totals - (z * c).T @ z  # sum_{i != j} c z_i z_j'
        return (z * (1 - pi)[:, None]).T @ z + (cross + cross.T) / 2 - same
    return ((1 - pi)[:, None] * z * z).sum(axis=0) + (pi[:, None] * c * z * rest).sum(axis=0) \
        - ((ch[:, None] * totals**2).sum(axis=0) - (c * z * z).sum(axis=0))


def variance(st: Stages, z1: np.ndarray, z2: np.ndarray | None = None, *, present: np.ndarray | None = None,
             covariance: bool = False) -> np.ndarray:
    """Variance (m,) or covariance (m x m) from PSU totals ``z1`` (P x m) and SSU totals ``z2`` (S x m).

    ``present`` (H x m, optional) marks the strata holding rows of each column's domain (R's subsetting), used
    only by the ``average`` lonely-PSU policy.
    """
    z1 = z1.reshape(z1.shape[0], -1)
    if st.pps == "overton":
        assert st.pi is not None
        v = _overton(z1, st.stratum_of_psu, st.n_h, st.pi, covariance)
    else:
        v = _stage(z1, st.stratum_of_psu, st.n_h, st.f_h, None, st.lonely, "stratum", present, covariance,
                   None if st.pi is None else 1 - st.pi)
    if z2 is not None and st.psu_of_ssu is not None:
        assert st.m_i is not None and st.f2_i is not None and st.frac_i is not None
        z2 = z2.reshape(z2.shape[0], -1)
        v = v + _stage(z2, st.psu_of_ssu, st.m_i, st.f2_i, st.frac_i, st.lonely, "PSU (at stage 2)", None,
                       covariance)
    return v
