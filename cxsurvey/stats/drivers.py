"""Key-driver (relative importance) statistics from a correlation matrix.

Two decompositions of a linear regression's R² over its predictors:

- **LMG / Shapley** (Lindeman, Merenda and Gold 1980): a predictor's share is
  the average, over every order in which predictors can enter the model, of the
  R² it adds. Computed exactly from the R² of all 2^p subsets of predictors.
- **Johnson's relative weights** (Johnson 2000): the R² of a regression on the
  orthogonal counterparts of the predictors (``R_xx^(1/2)``), apportioned back
  through the squared loadings.

Both sum to the full model's R². Everything works on (weighted) correlation
matrices, so a bootstrap needs one matrix per replicate and no refits per
respondent.

All-subsets R²: subsets form a tree in which a subset's children add one
predictor after its largest, and each step is one forward *sweep* of the
residual covariance of the remaining variables (never an un-sweep, so errors do
not accumulate). Each step is vectorised over a whole group of subsets and over
the bootstrap replicates.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import factorial

import numpy as np

MAX_PREDICTORS = 15
"""Exact LMG visits 2^p subsets; 15 predictors (32,768 subsets) still takes
seconds with a bootstrap, 20 would take minutes. Beyond it a figure is refused."""

PIVOT_TOL = 1e-10
"""A residual variance (of a predictor given others, on the correlation scale)
below this means the predictor is (nearly) a linear combination of others."""


@dataclass(frozen=True)
class Importance:
    """Importance of each predictor (arrays over predictors; leading replicate axis
    when computed for a batch of correlation matrices)."""

    r2: np.ndarray
    lmg: np.ndarray
    johnson: np.ndarray
    corr: np.ndarray  # correlation of each predictor with the outcome


def weighted_corr(data: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Correlation matrix of the columns of ``data`` (n x q), weighted when given.

    Weights act as frequency weights: the weighted means and the weighted
    cross-products define the covariance; the scale of the weights cancels out.
    """
    w = np.ones(len(data)) if weights is None else np.asarray(weights, dtype=float)
    return _corr_from_moments(w @ data, (data * w[:, None]).T @ data, w.sum())


def _corr_from_moments(s1: np.ndarray, s2: np.ndarray, total) -> np.ndarray:
    """Correlation from sums of weights, weighted sums and weighted cross-products
    (shapes (..., q), (..., q, q) and (...))."""
    total = np.asarray(total, dtype=float)[..., None]
    mean = s1 / total
    cov = s2 / total[..., None] - mean[..., :, None] * mean[..., None, :]
    sd = np.sqrt(np.clip(np.diagonal(cov, axis1=-2, axis2=-1), 0, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / (sd[..., :, None] * sd[..., None, :])
    q = corr.shape[-1]
    corr[..., np.arange(q), np.arange(q)] = 1.0
    return corr


def subset_r2(corr: np.ndarray) -> np.ndarray:
    """R² of every subset of predictors, from correlation matrices.

    ``corr`` is (q, q) or (B, q, q) with the outcome last and q - 1 = p
    predictors. Returns (2^p,) or (B, 2^p): entry ``m`` is the R² of the subset
    whose bit ``j`` is set when predictor ``j`` is in it (entry 0 is 0). A
    singular subset gives NaN or inf in the replicates it affects.

    Subsets are grouped by their largest predictor and by the step that made
    them: the children of a group whose largest predictor is ``top`` add one
    predictor ``j > top`` by one forward sweep, done for the whole group (and
    every replicate) at once. A group's state is the residual covariance of the
    predictors after ``top`` and the outcome given the subset, so about p^3 / 6
    array operations cover all 2^p subsets.
    """
    single = corr.ndim == 2
    m = np.asarray(corr, dtype=float)[None] if single else np.asarray(corr, dtype=float)
    p = m.shape[-1] - 1
    out = np.zeros((m.shape[0], 1 << p))
    outcome_var = m[:, p, p][:, None]
    pending: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {-1: [(np.array([0]), m[:, None])]}
    for top in range(-1, p - 1):
        for masks, state in pending.pop(top):  # (subsets,), (B, subsets, s, s)
            for j in range(top + 1, p):
                i = j - top - 1
                col = state[..., i + 1 :, i]
                with np.errstate(invalid="ignore", divide="ignore"):
                    scaled = col / state[..., i, i][..., None]
                    child = state[..., i + 1 :, i + 1 :] - col[..., :, None] * scaled[..., None, :]
                sub = masks | (1 << j)
                out[:, sub] = 1.0 - child[..., -1, -1] / outcome_var
                if j < p - 1:
                    pending.setdefault(j, []).append((sub, child))
    return out[0] if single else out


def lmg_from_subsets(r2: np.ndarray, p: int) -> np.ndarray:
    """Shapley (LMG) shares from all-subsets R² ((2^p,) or (B, 2^p) -> (p,) or (B, p)).

    share_j = sum over subsets S without j of w(|S|) (R²(S + j) - R²(S)), with
    w(s) = s!(p-s-1)!/p!. Regrouped by subset, that is one matrix product:
    share_j = sum over all T of R²(T) A[T, j], A[T, j] = w(|T|-1) when j is in T,
    else -w(|T|).
    """
    with np.errstate(invalid="ignore"):  # NaN subsets of singular replicates
        return r2 @ _shapley_matrix(p)


def _shapley_matrix(p: int) -> np.ndarray:
    weight = np.array([factorial(s) * factorial(p - s - 1) / factorial(p) for s in range(p)])
    weight = np.append(weight, 0.0)  # w(p) never applies: the full set has no j outside it
    masks = np.arange(1 << p)
    member = ((masks[:, None] >> np.arange(p)) & 1).astype(bool)
    size = member.sum(axis=1)
    return np.where(member, weight[np.maximum(size - 1, 0)][:, None], -weight[size][:, None])


def _eigen(corr: np.ndarray):
    c = np.asarray(corr, dtype=float)
    vals, vecs = np.linalg.eigh(c[..., :-1, :-1])
    return c, vals, vecs


def _johnson(c: np.ndarray, vals: np.ndarray, vecs: np.ndarray) -> np.ndarray:
    """Johnson's (2000) relative weights from (B of) correlation matrices ``c``
    (outcome last) and the eigen decomposition of their predictor block.

    With R_xx = V diag(l) V', Lambda = V diag(sqrt l) V' (the symmetric square
    root), beta = Lambda^-1 r_xy, weight_j = sum_k Lambda_jk^2 beta_k^2. The
    decomposition is shared with ``importance``'s singularity test.
    """
    rxy = c[..., :-1, -1]
    root = np.sqrt(np.clip(vals, 0, None))
    lam = (vecs * root[..., None, :]) @ np.swapaxes(vecs, -1, -2)
    with np.errstate(invalid="ignore", divide="ignore"):
        inv = (vecs / root[..., None, :]) @ np.swapaxes(vecs, -1, -2)
        beta = (inv @ rxy[..., None])[..., 0]
    return (lam**2 @ (beta**2)[..., None])[..., 0]


def importance(corr: np.ndarray) -> tuple[Importance, np.ndarray]:
    """LMG, Johnson's weights, R² and correlations from (B of) correlation matrices,
    and which matrices are singular (a non-finite entry, or predictors that are
    (nearly) linearly dependent): their importance is meaningless."""
    p = corr.shape[-1] - 1
    corr = np.array(corr, dtype=float)
    bad = ~np.isfinite(corr).all(axis=(-1, -2))
    corr[bad] = np.eye(p + 1)
    c, vals, vecs = _eigen(corr)
    bad |= vals[..., 0] < PIVOT_TOL
    r2 = subset_r2(corr)
    imp = Importance(
        r2[..., -1], lmg_from_subsets(r2, p), _johnson(c, vals, vecs), corr[..., :-1, -1]
    )
    return imp, bad


def singular_predictor(corr: np.ndarray) -> int | None:
    """The first predictor that is (nearly) a linear combination of the ones before
    it, or None: a regression with it has no unique solution."""
    p = corr.shape[-1] - 1
    state = np.array(corr, dtype=float)
    for j in range(p):
        piv = state[j, j]
        if not piv > PIVOT_TOL:
            return j
        col = state[:, j].copy()
        state = state - np.outer(col, col) / piv
    return None


@dataclass(frozen=True)
class Bootstrap:
    """Importance of each replicate (leading axis) and the replicate means of the
    predictors; ``dropped`` replicates had a singular correlation matrix."""

    importance: Importance
    means: np.ndarray
    replicates: int
    dropped: int


def bootstrap(
    data: np.ndarray,
    weights: np.ndarray | None,
    replicates: int,
    seed: int,
    chunk: int | None = None,
) -> Bootstrap:
    """Resample respondents with replacement ``replicates`` times (seeded) and
    compute the importance of each resample.

    A resample is a vector of counts per respondent, so each replicate's weighted
    moments are matrix products (counts x weights) @ data, in chunks of replicates
    to bound memory. Replicates whose correlation matrix is singular (e.g. a
    predictor constant in the resample) are dropped and counted.
    """
    rng = np.random.default_rng(seed)
    n, q = data.shape
    if chunk is None:  # about 25 million numbers per chunk: counts, subsets, sweep states
        per = max(n, 1 << (q - 1)) * 8
        chunk = max(1, min(replicates, 25_000_000 // per))
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    cross = (data[:, :, None] * data[:, None, :]).reshape(n, q * q)
    parts: list[Importance] = []
    means, singular = [], []
    for start in range(0, replicates, chunk):
        b = min(chunk, replicates - start)
        draws = rng.integers(0, n, size=(b, n))
        counts = np.bincount((draws + n * np.arange(b)[:, None]).ravel(), minlength=b * n)
        cw = counts.reshape(b, n) * w
        total = cw.sum(axis=1)
        s1 = cw @ data
        s2 = (cw @ cross).reshape(b, q, q)
        corr = _corr_from_moments(s1, s2, total)
        imp, bad = importance(corr)
        parts.append(imp)
        singular.append(bad)
        means.append(s1[:, :-1] / total[:, None])
    fields = Importance.__dataclass_fields__
    imp = Importance(*(np.concatenate([getattr(x, f) for x in parts]) for f in fields))
    ok = ~np.concatenate(singular)
    kept = Importance(imp.r2[ok], imp.lmg[ok], imp.johnson[ok], imp.corr[ok])
    return Bootstrap(kept, np.concatenate(means)[ok], replicates, int((~ok).sum()))
