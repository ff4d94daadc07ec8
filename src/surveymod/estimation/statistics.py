"""Means, proportions, totals and ratios by domain, with Taylor or replicate variances: our numpy engine.

Every statistic is a ratio of two weighted sums, ``A/B`` (mean: y over 1; proportion: the level's indicator over
1; ratio: y over x) or a total ``A``; its influence value per row is ``w (a - est b) / B`` (total: ``w a``), as in
R ``svymean``/``svyratio``/``svytotal``. Domains zero-weight the rows outside them (never delete), so every PSU
stays in the variance. Without calibration records the influence values are summed straight into PSU x domain
cells with ``bincount`` (no row-level matrix); with records they are built per row and projected first
(``calibration.project``). Replicate designs reweight the same sums with every replicate in one matrix product per
domain. Degrees of freedom: PSUs minus strata among the domain's weighted rows (R ``degf`` of the subset); for
replicate weights the rank of the domain's replicate-weight matrix minus 1 (R ``degf.svyrep.design``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..data.whole_numbers import BLOCK
from ..design.calibration import Record, project
from ..design.prepare import Replicates
from ..design.taylor import Stages, group_sums, variance

Kind = Literal["mean", "total", "prop", "ratio"]

CELL_ELEMENTS = 8_000_000
"""Sampling unit x domain x level cells a Taylor variance holds at once (64 MB; three arrays of that size at
most): beyond, it works a block of levels or of domains at a time."""


@dataclass(frozen=True)
class Column:
    """One statistic's data: numerator ``a`` (rows x L), denominator ``b`` (rows) or None, and the valid rows.

    Proportions keep only their level codes (``codes``); the indicator matrix is built when needed (``a``).
    """

    kind: Kind
    values: np.ndarray | None  # numerator values (rows,), 0 where not valid; None for proportions
    b: np.ndarray | None
    valid: np.ndarray  # rows with a usable value (and a domain)
    codes: np.ndarray | None = None  # proportions: level code per row (-1 missing)
    levels: int = 1

    @property
    def a(self) -> np.ndarray:
        """The numerator as a (rows x L) matrix (proportions: level indicators of the valid rows)."""
        if self.codes is None:
            assert self.values is not None
            return self.values[:, None]
        out = np.zeros((len(self.codes), self.levels))
        rows = np.flatnonzero(self.valid)
        out[rows, self.codes[rows]] = 1.0
        return out


@dataclass(frozen=True)
class DomainEstimates:
    """Estimates and variances per domain (rows) and level (columns), and the df per domain."""

    est: np.ndarray  # (K, L)
    var: np.ndarray  # (K, L)
    df: np.ndarray  # (K,)
    logit_var: np.ndarray | None = None  # (K, L) replicate designs, proportions: variance of the replicate logits


def column(kind: Kind, y: np.ndarray, dom: np.ndarray, *, x: np.ndarray | None = None, n_levels: int = 0
           ) -> Column:
    """Prepare one statistic: ``y`` floats (prop: level codes 0..L-1, -1 missing); ``dom`` codes (-1 = none)."""
    if kind == "prop":
        codes = y if y.dtype.kind in "iu" else y.astype(np.int64)  # integer codes as given (int32: half the size)
        valid = (codes >= 0) & (dom >= 0)
        return Column(kind, None, valid.astype(float), valid, codes, n_levels)
    valid = ~np.isnan(y) & (dom >= 0)
    if x is not None:
        valid &= ~np.isnan(x)
    every = bool(valid.all())
    a = y if every else np.where(valid, y, 0.0)
    if kind == "total":
        return Column(kind, a, None, valid)
    if x is not None:
        return Column(kind, a, x if every else np.where(valid, x, 0.0), valid)
    return Column(kind, a, valid.astype(float), valid)


def _sums(key: np.ndarray, k: int, w: np.ndarray, col: Column) -> tuple[np.ndarray, np.ndarray | None]:
    """Weighted sums of a (k x L) and b (k,) over the cells ``key`` (valid rows only). A block of rows at a time,
    each added in row order (``add.at``, as ``bincount`` adds: the same sums to the last bit), so ten million
    rows make no row-length temporaries."""
    n_lev = col.levels if col.codes is not None else 1
    sa = np.zeros(k * n_lev)
    sb = None if col.b is None else np.zeros(k)
    every = bool(col.valid.all())
    for i in range(0, len(key), BLOCK):
        part = slice(i, i + BLOCK)
        sel = slice(None) if every else col.valid[part]
        kv, wv = key[part][sel], w[part][sel]
        if col.codes is not None:
            np.add.at(sa, kv * n_lev + col.codes[part][sel], wv)
            if sb is not None:  # in row order, however the levels are grouped
                np.add.at(sb, kv, wv)
            continue
        assert col.values is not None
        np.add.at(sa, kv, wv * col.values[part][sel])
        if sb is not None:
            assert col.b is not None
            np.add.at(sb, kv, wv * col.b[part][sel])
    return sa.reshape(k, n_lev), sb


def _estimates(a_tot: np.ndarray, b_tot: np.ndarray | None) -> np.ndarray:
    if b_tot is None:
        return a_tot
    with np.errstate(divide="ignore", invalid="ignore"):
        return a_tot / b_tot[:, None]


def taylor_df(st: Stages, w: np.ndarray, dom: np.ndarray, k: int, valid: np.ndarray | None = None) -> np.ndarray:
    """PSUs minus strata among the weighted rows of each domain (R ``degf`` after subsetting), counting only the
    *valid* rows if given (those with a value)."""
    psu_in = np.zeros(st.n_psu * k, dtype=bool)
    for i in range(0, len(dom), BLOCK):  # a block of rows at a time: no row-length temporaries
        d, use = dom[i:i + BLOCK], (dom[i:i + BLOCK] >= 0) & (w[i:i + BLOCK] > 0)
        if valid is not None:
            use &= valid[i:i + BLOCK]
        psu_in[st.psu[i:i + BLOCK][use] * k + d[use]] = True
    psu_in = psu_in.reshape(st.n_psu, k)
    strata_in = np.zeros((st.n_strata, k))
    np.add.at(strata_in, st.stratum_of_psu, psu_in.astype(float))
    return psu_in.sum(axis=0) - (strata_in > 0).sum(axis=0)


def taylor(col: Column, w: np.ndarray, dom: np.ndarray, k: int, st: Stages,
           records: Sequence[Record] = (), *, covariance: bool = False, df: np.ndarray | None = None,
           cell_key: np.ndarray | None = None) -> tuple[DomainEstimates, np.ndarray | None]:
    """Estimates and Taylor variances of one statistic in ``k`` domains (and the covariance if asked).

    ``df`` (from :func:`taylor_df`) and ``cell_key`` (``psu * k + dom``) may be computed once for several
    statistics on the same domains.
    """
    n_lev = col.levels
    if not records and not covariance:  # a block of levels or domains at a time when the cells are many
        units = st.n_psu + (0 if st.psu_of_ssu is None else len(st.psu_of_ssu))
        levels = max(1, CELL_ELEMENTS // units - 1)  # levels of a block, beside the one for the others
        if col.codes is not None and levels + 1 < n_lev:
            return _taylor_by_levels(col, w, dom, k, st, levels, df), None
        per = max(1, CELL_ELEMENTS // max(1, units * n_lev))  # domains whose unit cells fit in CELL_ELEMENTS
        if per < k:
            return _taylor_by_domains(col, w, dom, k, st, per, df), None
    # Sums per PSU x domain cell, and per domain (the estimates).
    cells = _sums(st.psu * k + dom if cell_key is None else cell_key, st.n_psu * k, w, col)
    a_dom, b_dom = _sums(dom, k, w, col)  # in row order: the same sums however the domains are split in blocks
    est = _estimates(a_dom, b_dom)
    if records:
        z1, z2 = _projected_totals(col, w, dom, k, est, b_dom, st, records)
    else:
        z1 = _cell_influence(cells, st.n_psu, k, col, est, b_dom)
        z2 = (None if st.ssu is None else
              _cell_influence(_sums(st.ssu * k + dom, len(st.psu_of_ssu) * k, w, col), len(st.psu_of_ssu), k,
                              col, est, b_dom))
    present = None
    if st.lonely == "average":
        strata_rows = st.stratum_of_psu[st.psu]
        v = col.valid
        present = np.bincount(strata_rows[v] * k + dom[v], minlength=st.n_strata * k).reshape(st.n_strata, k) > 0
        present = np.repeat(present, n_lev, axis=1)
    full = variance(st, z1, z2, present=present, covariance=covariance)
    var = np.diag(full) if covariance else full
    df = taylor_df(st, w, dom, k).astype(float) if df is None else df
    return DomainEstimates(est, var.reshape(k, n_lev), df), (full if covariance else None)


def _taylor_by_domains(col: Column, w: np.ndarray, dom: np.ndarray, k: int, st: Stages, per: int,
                       df: np.ndarray | None) -> DomainEstimates:
    """:func:`taylor` a block of ``per`` domains at a time: a domain's estimate and variance use its own rows
    only, so the blocks give the numbers of one pass (estimates exactly, variances to rounding), while the PSU x
    domain cells (PSUs x domains x levels, with the influence and centred copies of the same size) stay within
    ``CELL_ELEMENTS``."""
    df = taylor_df(st, w, dom, k).astype(float) if df is None else df
    parts = []
    for d0 in range(0, k, per):
        kb = min(per, k - d0)
        inside = (dom >= d0) & (dom < d0 + kb)
        sub = Column(col.kind, col.values, col.b, col.valid & inside, col.codes, col.levels)
        part, _ = taylor(sub, w, np.where(inside, dom - d0, -1), kb, st, df=df[d0:d0 + kb])
        parts.append(part)
    return DomainEstimates(np.concatenate([p.est for p in parts]), np.concatenate([p.var for p in parts]), df)


def _taylor_by_levels(col: Column, w: np.ndarray, dom: np.ndarray, k: int, st: Stages, per: int,
                      df: np.ndarray | None) -> DomainEstimates:
    """:func:`taylor` of a proportion ``per`` levels at a time (a country of birth has some 250): the other
    levels of a block count as one more level, so every level's share and influence keep their denominator."""
    assert col.codes is not None
    df = taylor_df(st, w, dom, k).astype(float) if df is None else df
    est, var = [], []
    for l0 in range(0, col.levels, per):
        nb = min(per, col.levels - l0)
        inside = (col.codes >= l0) & (col.codes < l0 + nb)
        sub = Column(col.kind, None, col.b, col.valid, np.where(inside, col.codes - l0, nb), nb + 1)
        part, _ = taylor(sub, w, dom, k, st, df=df)
        est.append(part.est[:, :nb])
        var.append(part.var[:, :nb])
    return DomainEstimates(np.concatenate(est, axis=1), np.concatenate(var, axis=1), df)


def _cell_influence(cells: tuple[np.ndarray, np.ndarray | None], units: int, k: int, col: Column, est: np.ndarray,
                    b_dom: np.ndarray | None) -> np.ndarray:
    """Influence totals per sampling unit and domain (units x k*L), from cell sums (no row-level matrix)."""
    sa, sb = cells
    sa = sa.reshape(units, k, col.levels)
    if sb is None:
        return sa.reshape(units, -1)
    sb = sb.reshape(units, k)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = sa - est[None, :, :] * sb[:, :, None]
        z /= b_dom[None, :, None]
    return np.nan_to_num(z, copy=False, nan=0.0, posinf=0.0, neginf=0.0).reshape(units, -1)


def _projected_totals(col: Column, w: np.ndarray, dom: np.ndarray, k: int, est: np.ndarray,
                      b_dom: np.ndarray | None, st: Stages, records: Sequence[Record]
                      ) -> tuple[np.ndarray, np.ndarray | None]:
    """Row-level influence values (rows x k*L), projected on the calibration records, summed by PSU and SSU."""
    n, n_lev = len(w), col.levels
    x = np.zeros((n, k * n_lev))
    rows = np.flatnonzero(col.valid)
    d = dom[rows]
    wa = w[rows, None] * col.a[rows]
    if b_dom is None:
        contrib = wa
    else:
        assert col.b is not None
        with np.errstate(divide="ignore", invalid="ignore"):
            contrib = (wa - est[d] * (w[rows] * col.b[rows])[:, None]) / b_dom[d][:, None]
        contrib = np.nan_to_num(contrib, nan=0.0, posinf=0.0, neginf=0.0)
    for lev in range(n_lev):
        x[rows, d * n_lev + lev] = contrib[:, lev]
    x = project(x, records)
    z1 = group_sums(st.psu, st.n_psu, x)
    z2 = None
    if st.ssu is not None:
        assert st.psu_of_ssu is not None
        z2 = group_sums(st.ssu, len(st.psu_of_ssu), x)
    return z1, z2


# -- replicate weights -------------------------------------------------------------------------------------------

def _rank_of(block: np.ndarray) -> int:
    """Numerical rank of a block of replicate-weight rows (R: ``qr(., tol = 1e-5)$rank``)."""
    if block.shape[0] == 0:
        return 0
    s = (np.linalg.svd(block, compute_uv=False) if block.shape[0] <= 20 * block.shape[1]
         else np.sqrt(np.maximum(np.linalg.eigvalsh(block.T @ block)[::-1], 0.0)))
    return int((s > 1e-5 * s[0]).sum()) if s[0] > 0 else 0


def _domain_rank(head: np.ndarray, reps: Sequence[np.ndarray], rows: np.ndarray, w: np.ndarray) -> int:
    """Rank of a domain's replicate weights (rows with positive weight): from its leading rows when those
    already have full column rank (the usual case), else from all its rows."""
    n_reps = len(reps)
    if (w[: head.shape[0]] > 0).all() and _rank_of(head) == n_reps:
        return n_reps
    keep = rows[w > 0]
    return _rank_of(np.column_stack([r[keep] for r in reps]))


def replicate(cols: Sequence[Column], w: np.ndarray, reps: Sequence[np.ndarray], dom: np.ndarray, k: int,
              rep: Replicates) -> list[DomainEstimates]:
    """Estimates and replicate variances of several statistics in ``k`` domains (one product per domain).

    ``reps`` holds one array of weights per replicate (columns of the data, not copied).
    """
    n_reps = len(reps)
    scales = rep.factors()
    widths = [c.levels + (0 if c.b is None else 1) for c in cols]
    starts = np.concatenate([[0], np.cumsum(widths)])
    full = np.zeros((k, starts[-1]))
    by_rep = np.zeros((k, n_reps, starts[-1]))
    df = np.zeros(k)
    # Rows sorted by domain once (column by column: each replicate column is contiguous), so that every domain
    # is a contiguous block and its replicate sums are one matrix product.
    order = np.argsort(dom, kind="stable")
    bounds = np.searchsorted(dom[order], np.arange(k + 1) - 0.5)
    block = np.empty((len(order), int(starts[-1])), order="F")
    for c, s in zip(cols, starts[:-1], strict=True):  # a and b are 0 on rows that are not valid
        if c.codes is not None:
            block[:, s:s + c.levels] = c.a[order]
        else:
            assert c.values is not None
            np.take(c.values, order, out=block[:, s])
        if c.b is not None:
            np.take(c.b, order, out=block[:, s + c.levels])
    w_sorted = w[order]
    for d in range(k):
        lo, hi = int(bounds[d]), int(bounds[d + 1])
        full[d] = w_sorted[lo:hi] @ block[lo:hi]
    # Replicates in chunks of about 128 MB, sorted into one reused buffer (fresh memory is slow to fault in).
    chunk = max(1, min(n_reps, (1 << 27) // max(8 * len(order), 1)))
    buffer = np.empty((len(order), chunk), order="F")
    head = np.empty((k, min(len(order), 8 * n_reps), n_reps))  # leading rows of each domain, for the rank
    for r0 in range(0, n_reps, chunk):
        r1 = min(n_reps, r0 + chunk)
        part = buffer[:, : r1 - r0]
        for r in range(r0, r1):
            np.take(reps[r], order, out=part[:, r - r0])
        for d in range(k):
            lo, hi = int(bounds[d]), int(bounds[d + 1])
            by_rep[d, r0:r1] = part[lo:hi].T @ block[lo:hi]
            m = min(hi - lo, head.shape[1])
            head[d, :m, r0:r1] = part[lo:lo + m]
    for d in range(k):
        lo, hi = int(bounds[d]), int(bounds[d + 1])
        if hi == lo:
            continue
        df[d] = _domain_rank(head[d, : min(hi - lo, head.shape[1])], reps, order[lo:hi], w_sorted[lo:hi]) - 1
    out = []
    for c, s in zip(cols, starts[:-1], strict=True):
        a_full, a_rep = full[:, s:s + c.levels], by_rep[:, :, s:s + c.levels]
        if c.b is None:
            est, est_r = a_full, a_rep
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                est = a_full / full[:, s + c.levels][:, None]
                est_r = a_rep / by_rep[:, :, s + c.levels][:, :, None]
        centre = est[:, None, :] if rep.mse else est_r.mean(axis=1, keepdims=True)
        var = np.einsum("r,krl->kl", scales, (est_r - centre) ** 2)
        logit_var = None
        if c.kind == "prop":  # R svyciprop "logit" = svyglm on every replicate: the replicates' logits
            with np.errstate(divide="ignore", invalid="ignore"):
                lg, lg_r = np.log(est / (1 - est)), np.log(est_r / (1 - est_r))
                centre = lg[:, None, :] if rep.mse else lg_r.mean(axis=1, keepdims=True)
                logit_var = np.einsum("r,krl->kl", scales, (lg_r - centre) ** 2)
        out.append(DomainEstimates(est, var, df.copy(), logit_var))
    return out


def replicate_df(w: np.ndarray, reps: Sequence[np.ndarray], dom: np.ndarray, k: int) -> np.ndarray:
    """Per domain, the rank of the replicate weights of its weighted rows minus 1 (R ``degf`` of the subset);
    ``dom`` is -1 on rows left out (outside any domain, or missing the analysed value)."""
    out = np.zeros(k)
    head_rows = 8 * len(reps)
    for d in range(k):
        rows = np.flatnonzero(dom == d)
        if rows.size:
            head = np.column_stack([r[rows[:head_rows]] for r in reps])
            out[d] = _domain_rank(head, reps, rows, w[rows]) - 1
    return out


def replicate_covariance(col: Column, w: np.ndarray, reps: np.ndarray, dom: np.ndarray, k: int,
                         rep: Replicates) -> tuple[np.ndarray, np.ndarray]:
    """Domain estimates of one single-level statistic and their replicate covariance (k x k)."""
    a = np.zeros((len(w), k))
    b = np.zeros((len(w), k))
    rows = np.flatnonzero(col.valid)
    a[rows, dom[rows]] = col.a[rows, 0]
    b[rows, dom[rows]] = 1.0 if col.b is None else col.b[rows]
    with np.errstate(divide="ignore", invalid="ignore"):
        est = (w @ a) / (w @ b) if col.b is not None else w @ a
        est_r = (reps.T @ a) / (reps.T @ b) if col.b is not None else reps.T @ a
    return est, replicate_cov(est, est_r, rep)


def replicate_cov(est: np.ndarray, est_r: np.ndarray, rep: Replicates) -> np.ndarray:
    """Replicate covariance (m x m) of estimates ``est`` (m,) from their replicates ``est_r`` (R x m): around the
    full-sample estimate (mse) or the replicates' mean, each replicate with its factor (R ``svrVar``)."""
    centre = est[None, :] if rep.mse else est_r.mean(axis=0, keepdims=True)
    dev = est_r - centre
    return (dev * rep.factors()[:, None]).T @ dev
