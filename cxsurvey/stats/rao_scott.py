"""Rao-Scott second-order test of a two-way table under a design, as R's
``svychisq(~row + col, design, statistic = "F")`` (its default).

Pearson's X^2 of the weighted table scaled to N respondents, divided by the mean
generalised design effect: F = X^2 / tr(Delta), referred to an F distribution on
d0 = tr(Delta)^2 / tr(Delta^2) and d0 * nu degrees of freedom, nu the design
degrees of freedom of the table's respondents. Delta compares the linearised
covariance of the cell proportions with their multinomial covariance on the
interaction contrasts (Rao & Scott 1984).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cxsurvey.stats.design import Design, atom_sums, domain_df, linearised_cov
from cxsurvey.stats.raked_variance import raked_cov


@dataclass(frozen=True)
class RaoScott:
    statistic: float
    ndf: float
    ddf: float
    p_value: float


def rao_scott(
    design: Design, row: np.ndarray, col: np.ndarray, nr: int, nc: int
) -> RaoScott | None:
    """``row`` and ``col``: intp category per respondent (-1 = not in the table).
    Categories without a respondent are dropped, as R tabulates observed levels.
    None when fewer than two rows or columns remain, or no degrees of freedom."""
    inside = (row >= 0) & (col >= 0)
    atom = np.where(inside, row + nr * col, -1)  # rows vary fastest, as R's interaction()
    sums = atom_sums(design, atom, nr * nc, None)
    counts = sums.count.sum(axis=0).reshape(nc, nr).T  # nr x nc
    keep_r = counts.sum(axis=1) > 0
    keep_c = counts.sum(axis=0) > 0
    if keep_r.sum() < 2 or keep_c.sum() < 2:
        return None
    t1 = sums.t1.sum(axis=0)
    total = t1.sum()
    p = t1 / total
    l1 = (np.eye(nr * nc) - p[None, :]) / total
    if design.margins is not None:  # rim weights
        cov = raked_cov(design, atom, l1)
    else:
        cov = linearised_cov(design, sums, l1)
    cells = (keep_r[:, None] & keep_c[None, :]).T.ravel()  # column-major, as atoms
    nu = domain_df(design, sums, np.ones(nr * nc, dtype=bool))
    if nu <= 0:
        return None
    r, c = int(keep_r.sum()), int(keep_c.sum())
    mean = p[cells]
    v = cov[np.ix_(cells, cells)]
    n = float(sums.count.sum())
    # the interaction contrasts, residualised on the main effects (R: qr.resid)
    rows = np.tile(np.arange(r), c)
    cols = np.repeat(np.arange(c), r)
    x1 = np.column_stack(
        [np.ones(r * c)]
        + [(rows == i).astype(float) for i in range(1, r)]
        + [(cols == j).astype(float) for j in range(1, c)]
    )
    x12 = np.column_stack(
        [(rows == i) & (cols == j) for j in range(1, c) for i in range(1, r)]
    ).astype(float)
    cmat = x12 - x1 @ np.linalg.lstsq(x1, x12, rcond=None)[0]
    inv = np.where(mean == 0, 0.0, 1 / np.where(mean == 0, 1, mean))
    denom = (cmat.T * (inv / n)) @ cmat
    numr = (cmat.T * inv) @ v @ (cmat * inv[:, None])
    delta = np.linalg.solve(denom, numr)
    trace = float(np.trace(delta))
    d0 = trace**2 / float(np.trace(delta @ delta))
    table = (mean * n).reshape(c, r).T
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    x2 = float(((table - expected) ** 2 / expected).sum())
    from scipy.stats import f

    stat = x2 / trace
    return RaoScott(stat, d0, d0 * nu, float(f.sf(stat, d0, d0 * nu)))
