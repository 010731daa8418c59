"""Variances under rim (raked) weights, as R's ``survey:::svyrecvar`` for a
design made by ``rake()``.

Raked weights are not fixed: they were calibrated to the raking margins, so the
linearised variance uses the influence values residualised on those margins.
Before the per-PSU sums, the influence values x (per respondent, weight
included) are adjusted 10 times over the margins in order,

    x <- x - w * ave(x / w, margin)

with ``ave`` the unweighted mean within the respondent's category of the margin
and w the final raked weights. A respondent outside every category of a margin
(no answer on the raking variable) or with a zero weight (a category targeted
at 0) is left out of that margin's means and keeps its value: R's ``rake()``
needs complete data and gives NaN for 0/0, so it has no rule of its own there.

Each pass is one ``np.bincount`` per margin and estimator column, never a loop
per respondent.
"""

from __future__ import annotations

import numpy as np

from cxsurvey.stats.design import Design, cluster_cov

PASSES = 10  # svyrecvar's fixed count


def rake_residuals(x: np.ndarray, w: np.ndarray, margins, passes: int = PASSES) -> np.ndarray:
    """``x`` (respondents x K influence values) adjusted over the raking margins
    (each an intp category per respondent, -1 outside); a new array."""
    x = np.array(x, dtype=float, copy=True)
    k = x.shape[1]
    prepared = []
    for group in margins:
        inside = np.flatnonzero((group >= 0) & (w > 0))
        if len(inside) == 0:
            continue
        g = group[inside]
        size = int(g.max()) + 1
        count = np.bincount(g, minlength=size).astype(float)
        # one bincount for all K columns: key = category x K + column
        key = (g[:, None] * k + np.arange(k)).ravel()
        count = np.where(count > 0, count, 1.0)
        prepared.append((inside, g, size, key, count, w[inside]))
    for _ in range(passes):
        for inside, g, size, key, count, wi in prepared:
            ratio = x[inside] / wi[:, None]
            sums = np.bincount(key, weights=ratio.ravel(), minlength=size * k)
            x[inside] -= wi[:, None] * (sums.reshape(size, k) / count[:, None])[g]
    return x


def raked_cov(
    design: Design,
    atom: np.ndarray,
    l1: np.ndarray,
    y: np.ndarray | None = None,
    ly: np.ndarray | None = None,
) -> np.ndarray:
    """Covariance of K estimators whose influence on a respondent of atom a
    (``atom`` intp per respondent, -1 outside every atom) is w (y ly[a] + l1[a])
    (atoms x K), residualised on the design's raking margins."""
    w = design.weights
    inside = atom >= 0
    a = np.where(inside, atom, 0)
    x = l1[a]
    if ly is not None:
        x = x + np.where(inside, y, 0.0)[:, None] * ly[a]
    x *= np.where(inside, w, 0.0)[:, None]
    x = rake_residuals(x, w, design.margins)
    if design.psu is not None:
        z = np.column_stack(
            [np.bincount(design.psu, weights=col, minlength=design.n_psu) for col in x.T]
        )
        return cluster_cov(design, z)
    # each respondent its own PSU, drawn with replacement within its stratum
    strata = design.strata if design.strata is not None else np.zeros(len(x), dtype=np.intp)
    n_h = design.units_per_stratum
    totals = np.column_stack(
        [np.bincount(strata, weights=col, minlength=design.n_strata) for col in x.T]
    )
    centred = x - (totals / n_h[:, None])[strata]
    scale = np.divide(n_h, n_h - 1, out=np.zeros_like(n_h), where=n_h > 1)[strata]
    return np.einsum("pi,pj->ij", centred * scale[:, None], centred)
