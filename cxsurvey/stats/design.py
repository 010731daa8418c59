"""The survey design and its Taylor-linearised variances, as R's survey package.

A ``Design`` holds what R's ``svydesign(ids = ~cluster, strata = ~s, weights = ~w)``
holds: a weight per respondent, the primary sampling unit (PSU) and the stratum of
each. Estimators take a design and never look for weights themselves.

Every figure estimate is a ratio over a *domain* (a banner column, the answered
base, a figure filter): R = sum_i w_i a_i / sum_i w_i d_i. Its linearised
(influence) value is z_i = w_i (a_i - R d_i) / sum w d, and its variance, with
PSUs drawn with replacement within strata (R's default without ``fpc``), is

    V = sum_h n_h / (n_h - 1) * sum_{c in h} (z_c - mean_h z)^2

with z_c the PSU totals and n_h the PSUs of stratum h in the whole design (PSUs
outside the domain contribute zero totals, as in R's ``subset``).

Respondents are grouped into *atoms*: disjoint sets (banner slot x answer) every
estimator of a row is a sum over. Only per-(PSU or stratum, atom) sums are needed,
each one ``np.bincount``, never a loop per respondent:

- with clusters: the sums of w and w y per (PSU, atom), from which the PSU
  totals of every estimator follow by a small matrix product;
- without clusters (each respondent its own PSU): the sums of w, w y, w^2,
  w^2 y and w^2 y^2 per (stratum, atom); the PSU sum of squares is then exact
  algebra on them.

A row of the data may stand for several respondents (an aggregated export:
``counts``): all of them share the row's answers, so y is constant within the
row and every sum above follows from the row's count n, weight sum and squared
weight sum (w^2 y = y sum w^2). Without clusters each respondent is still a PSU:
n_h counts respondents, not rows. Unweighted, a row of n respondents has weight
sum and squared weight sum n, and the design stays a simple random sample.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from cxsurvey.errors import DataError


@dataclass(frozen=True)
class Design:
    """Weights, clusters (PSUs) and strata of the included respondents."""

    weights: np.ndarray | None  # float per respondent; None = every weight 1
    psu: np.ndarray | None  # intp 0..n_psu-1; None = each respondent is a PSU
    strata: np.ndarray | None  # intp 0..n_strata-1; None = one stratum
    n_psu: int
    n_strata: int
    psu_stratum: np.ndarray | None  # stratum of each PSU (with clusters)
    units_per_stratum: np.ndarray  # n_h: PSUs in each stratum, whole design
    weight_column: str | None = None
    cluster_column: str | None = None
    strata_column: str | None = None
    # rim weights: the raking margins, an intp category per respondent each (-1
    # outside); variances then residualise on them (stats.raked_variance)
    margins: tuple[np.ndarray, ...] | None = None
    # aggregated rows: respondents per row (None: one each) and, weighted, the sum
    # of their squared weights and how many have a positive weight
    counts: np.ndarray | None = None
    squares: np.ndarray | None = None
    positives: np.ndarray | None = None
    _memo: dict = field(default_factory=dict, compare=False, repr=False)

    def unit(self) -> tuple[np.ndarray | None, int]:
        """(unit per row, number of units) of the per-unit sums: the PSU
        with clusters, else the stratum (None: one unit)."""
        if self.psu is not None:
            return self.psu, self.n_psu
        return self.strata, self.n_strata

    def squared(self) -> np.ndarray:
        """Per row: the sum of its squared weights."""
        if self.squares is not None:
            return self.squares
        if "w2" not in self._memo:
            self._memo["w2"] = self.weights * self.weights
        return self._memo["w2"]

    def positive(self) -> np.ndarray | None:
        """Per row: its respondents with a positive weight (1.0 or 0.0 for a
        respondent); None when that is one for every row."""
        if "pos" not in self._memo:
            if self.positives is not None:
                self._memo["pos"] = self.positives.astype(float)
            else:
                pos = self.weights > 0
                self._memo["pos"] = None if pos.all() else pos.astype(float)
        return self._memo["pos"]

    @property
    def classic(self) -> bool:
        """True for simple random sampling: no weights, clusters or strata. Such
        figures keep the classical tests (z, Fisher, Welch) and Wilson on n."""
        return self.weights is None and self.psu is None and self.strata is None

    @property
    def size(self) -> int:
        return len(self.units_per_stratum) and int(self.units_per_stratum.sum())

    def describe(self) -> str:
        """The design in words, for the report's methods."""
        if self.classic:
            return "simple random sampling (no weights, clusters or strata)"
        parts = []
        if self.cluster_column:
            parts.append(f"clusters (PSUs) from column {self.cluster_column!r}")
        if self.strata_column:
            parts.append(f"strata from column {self.strata_column!r}")
        if self.weight_column and self.weight_column.startswith("rim weights"):
            parts.append(self.weight_column)
            if self.margins is not None:
                parts.append("variances residualised on the raking margins (R's rake())")
        elif self.weight_column:
            parts.append(f"weights from column {self.weight_column!r}")
        return (
            ", ".join(parts) + "; PSUs treated as drawn with replacement within strata "
            "(Taylor linearisation, no finite population correction)"
        )


def make_design(
    n: int,
    weights: np.ndarray | None = None,
    cluster: np.ndarray | None = None,
    strata: np.ndarray | None = None,
    names: tuple[str | None, str | None, str | None] = (None, None, None),
    describe_stratum=None,
    margins: tuple[np.ndarray, ...] | None = None,
    counts: np.ndarray | None = None,
    squares: np.ndarray | None = None,
    positives: np.ndarray | None = None,
) -> Design:
    """A design from per-respondent weights and cluster / stratum codes (any
    hashable values; the same cluster code in two strata is two PSUs, as R's
    ``nest = TRUE``). A stratum with a single PSU has no variance estimate: an
    error naming it, as R's default ``options(survey.lonely.psu = "fail")``.

    Aggregated rows: ``counts`` respondents per row (``n`` their total) and, with
    ``weights`` (the rows' weight sums), ``squares`` (sums of squared weights) and
    ``positives`` (respondents with a positive weight)."""
    if counts is not None and weights is not None and (squares is None or positives is None):
        raise ValueError("weighted aggregated rows need their squared weights and positives")
    s_codes = None
    n_strata = 1
    if strata is not None:
        s_labels, s_codes = np.unique(strata, return_inverse=True)
        s_codes = s_codes.astype(np.intp)
        n_strata = len(s_labels)
    psu_codes = psu_stratum = None
    if cluster is not None:
        c_labels, c_codes = np.unique(cluster, return_inverse=True)
        key = c_codes.astype(np.int64)
        if s_codes is not None:
            key = s_codes.astype(np.int64) * len(c_labels) + key
        uniq, psu_codes = np.unique(key, return_inverse=True)
        psu_codes = psu_codes.astype(np.intp)
        n_psu = len(uniq)
        psu_stratum = (uniq // len(c_labels)).astype(np.intp) if s_codes is not None else None
        if psu_stratum is None:
            psu_stratum = np.zeros(n_psu, dtype=np.intp)
        units = np.bincount(psu_stratum, minlength=n_strata)
    else:
        n_psu = n
        units = (
            np.bincount(s_codes, weights=counts, minlength=n_strata)
            if s_codes is not None
            else np.array([n])
        )
    lonely = np.flatnonzero(units == 1)
    if len(lonely) and (cluster is not None or strata is not None):
        which = (
            f"stratum {s_labels[lonely[0]]!r} of column {names[2]!r}"
            if strata is not None
            else "the design"
        )
        raise DataError(
            f"{which} has a single PSU, so its variance cannot be estimated; merge it "
            "with a neighbouring stratum (R's survey.lonely.psu = 'fail')"
        )
    return Design(
        weights,
        psu_codes,
        s_codes,
        n_psu,
        n_strata,
        psu_stratum,
        units.astype(float),
        *names,
        margins=margins,
        counts=None if counts is None else np.asarray(counts, dtype=float),
        squares=squares,
        positives=positives,
    )


@dataclass(frozen=True)
class AtomSums:
    """Per-(unit, atom) sums of a row's respondents (see the module doc)."""

    t1: np.ndarray  # sum w; units x atoms
    ty: np.ndarray | None  # sum w y
    tyy: np.ndarray | None  # sum w y^2 (for the SRS variance of means)
    w2: np.ndarray | None  # sum w^2 (no clusters)
    w2y: np.ndarray | None
    w2yy: np.ndarray | None
    count: np.ndarray  # respondents with a positive weight
    by_psu: bool


class SlotSums:
    """Per-(unit, banner slot) sums over subsets of respondents: the fast path of a
    figure's rows. ``key`` (unit x slots + slot per respondent) is built once per
    figure; each sum is a ``np.bincount`` over the subset's respondents only."""

    def __init__(self, design: Design, slot: np.ndarray, n_slots: int):
        unit, n_units = design.unit()
        self.design, self.n_slots, self.n_units = design, n_slots, n_units
        self.key = slot if unit is None else unit * n_slots + slot
        self.by_psu = design.psu is not None
        # simple random sample, few columns: counting a mask per slot beats a gather
        self._masks = None
        if design.classic and n_slots <= 6 and design.counts is None:
            self._masks = [slot == j for j in range(n_slots - 1)]  # the last: filtered out

    def over(
        self, mask: np.ndarray, y: np.ndarray | None = None, code=None, n_codes: int = 1
    ) -> dict[str, np.ndarray]:
        """Sums over ``mask``: "w", "c" (positive weights), "w2" (no clusters); with
        ``y`` also "wy", "wyy" and, without clusters, "w2y", "w2yy". With ``code``
        (0..n_codes-1 per respondent in the mask) the sums are split by code, one
        pass for several disjoint rows: arrays units x slots x codes."""
        design = self.design
        if self._masks is not None and y is None and code is None:
            counts = [np.count_nonzero(mask & m) for m in self._masks]
            out = {"w": np.array([[*counts, 0]], dtype=float)}
            out["c"] = out["w2"] = out["w"]
            return out
        idx = np.flatnonzero(mask)
        key = self.key[idx]
        if code is not None:
            key = key * n_codes + code[idx]
        size = self.n_units * self.n_slots * n_codes
        shape = (
            (self.n_units, self.n_slots) if code is None else (self.n_units, self.n_slots, n_codes)
        )

        def total(values=None) -> np.ndarray:
            out = np.bincount(key, weights=values, minlength=size)
            return out.reshape(shape)

        out: dict[str, np.ndarray] = {}
        if design.weights is None:  # every weight 1: sums of w and w^2 count respondents
            n = None if design.counts is None else design.counts[idx]
            out["w"] = out["c"] = total(n)
            if not self.by_psu:
                out["w2"] = out["w"]
            if y is not None:
                yy = y[idx]
                ny = yy if n is None else n * yy
                out["wy"], out["wyy"] = total(ny), total(ny * yy)
                if not self.by_psu:
                    out["w2y"], out["w2yy"] = out["wy"], out["wyy"]
            return out
        w = design.weights[idx]
        out["w"] = total(w)
        pos = design.positive()
        out["c"] = total() if pos is None else total(pos[idx])
        if not self.by_psu:
            out["w2"] = total(design.squared()[idx])
        if y is not None:
            yy = y[idx]
            wy = w * yy
            out["wy"], out["wyy"] = total(wy), total(wy * yy)
            if not self.by_psu:
                # sum w^2 y over a row's respondents: its squared-weight sum times y
                w2y = wy * w if design.counts is None else design.squared()[idx] * yy
                out["w2y"], out["w2yy"] = total(w2y), total(w2y * yy)
        return out


def percent_atoms(base: dict, hit: dict, k: int, by_psu: bool) -> AtomSums:
    """AtomSums with atoms slot x (not hit, hit), slots 0..k, from the sums over the
    base and over its hits."""

    def pair(name: str) -> np.ndarray:
        h = hit[name][:, : k + 1]
        b = base[name][:, : k + 1]
        return np.ascontiguousarray(np.stack([b - h, h], axis=-1).reshape(len(b), 2 * (k + 1)))

    return AtomSums(
        pair("w"), None, None, None if by_psu else pair("w2"), None, None, pair("c"), by_psu
    )


def mean_atoms(sums: dict, k: int, by_psu: bool) -> AtomSums:
    """AtomSums with atoms = slots 0..k, from sums over the base with y."""

    def cut(name: str) -> np.ndarray | None:
        return None if name not in sums else np.ascontiguousarray(sums[name][:, : k + 1])

    return AtomSums(
        cut("w"), cut("wy"), cut("wyy"), cut("w2"), cut("w2y"), cut("w2yy"), cut("c"), by_psu
    )


def atom_sums(design: Design, atom: np.ndarray, n_atoms: int, y: np.ndarray | None) -> AtomSums:
    """Sums per (unit, atom): ``atom`` is an intp per row, -1 outside every
    atom; ``y`` a float per row (or None when the atoms say it all)."""
    w = design.weights
    by_psu = design.psu is not None
    unit = design.psu if by_psu else design.strata
    n_units = design.n_psu if by_psu else design.n_strata
    inside = atom >= 0
    if unit is None:
        key = np.where(inside, atom, n_atoms)
    else:
        key = np.where(inside, unit * (n_atoms + 1) + atom, n_atoms)
        key = np.where(inside, key, unit * (n_atoms + 1) + n_atoms)
    size = n_units * (n_atoms + 1)

    def total(values) -> np.ndarray:
        out = np.bincount(key, weights=values, minlength=size)
        # contiguous: BLAS products of strided matrices are very slow
        return np.ascontiguousarray(out.reshape(n_units, n_atoms + 1)[:, :n_atoms])

    n = design.counts  # respondents per row (None: one each)
    ones = total(n)
    if w is None:
        t1, count = ones, ones
        w2 = None if by_psu else ones
    elif n is None:
        t1 = total(w)
        count = total((w > 0).astype(float))
        w2 = None if by_psu else total(w * w)
    else:
        t1 = total(w)
        count = total(design.positive())
        w2 = None if by_psu else total(design.squared())
    ty = tyy = w2y = w2yy = None
    if y is not None:
        wy = (y if n is None else n * y) if w is None else w * y
        ty, tyy = total(wy), total(wy * y)
        if not by_psu and w is not None:
            sq_y = wy * w if n is None else design.squared() * y
            w2y, w2yy = total(sq_y), total(sq_y * y)
        elif not by_psu:
            w2y, w2yy = ty, tyy
    return AtomSums(t1, ty, tyy, w2, w2y, w2yy, count, by_psu)


def linearised_cov(
    design: Design, sums: AtomSums, l1: np.ndarray, ly: np.ndarray | None = None
) -> np.ndarray:
    """Covariance of K estimators whose influence on a respondent of atom a is
    w (y ly[a] + l1[a]) (atoms x K matrices)."""
    if sums.by_psu:
        z = sums.t1 @ l1
        if ly is not None:
            z = z + sums.ty @ ly
        return cluster_cov(design, z)
    n_h = design.units_per_stratum
    cov = np.zeros((l1.shape[1], l1.shape[1]))
    for h in range(design.n_strata):  # strata, not respondents
        if n_h[h] < 2:  # a lone respondent: no variance (lonely PSUs are refused earlier)
            continue
        q = (l1.T * sums.w2[h]) @ l1
        s = sums.t1[h] @ l1
        if ly is not None:
            q += (ly.T * sums.w2yy[h]) @ ly
            cross = (ly.T * sums.w2y[h]) @ l1
            q += cross + cross.T
            s = s + sums.ty[h] @ ly
        cov += n_h[h] / (n_h[h] - 1) * (q - np.outer(s, s) / n_h[h])
    return cov


def cluster_cov(design: Design, z: np.ndarray) -> np.ndarray:
    """Covariance of K estimators from their PSU totals ``z`` (PSUs x K)."""
    strat = design.psu_stratum
    n_h = design.units_per_stratum
    totals = np.column_stack(
        [np.bincount(strat, weights=col, minlength=design.n_strata) for col in z.T]
    )
    centred = z - (totals / n_h[:, None])[strat]
    scale = (n_h / (n_h - 1))[strat]
    # einsum: a transposed BLAS product of a tall matrix is ~1000x slower here
    return np.einsum("pi,pj->ij", centred * scale[:, None], centred)


class Presence:
    """Which PSUs and strata hold a positive-weight respondent of each of K
    columns (``counts``: units x K): the design degrees of freedom of a column,
    or of two banner groups together, as R's ``degf()`` of the subset design."""

    def __init__(self, design: Design, counts: np.ndarray):
        self.by_psu = design.psu is not None
        self.have = counts > 0
        if self.by_psu:
            self.strata = (
                np.column_stack(
                    [
                        np.bincount(design.psu_stratum, weights=col, minlength=design.n_strata)
                        for col in self.have.T.astype(float)
                    ]
                )
                > 0
            )
        else:  # units are strata; PSUs are respondents
            self.strata = self.have
            self.n = np.rint(counts.sum(axis=0)).astype(int)

    def df(self, *cols: int) -> int:
        """degf of the union of disjoint columns (or of one column)."""
        in_strata = int(np.count_nonzero(self.strata[:, list(cols)].any(axis=1)))
        if self.by_psu:
            return int(np.count_nonzero(self.have[:, list(cols)].any(axis=1))) - in_strata
        return int(sum(self.n[c] for c in cols)) - in_strata


def present(design: Design, sums: AtomSums, member: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(units x K) and (strata x K) booleans: which PSUs / strata hold a respondent
    with a positive weight in each of K domains (``member`` atoms x K)."""
    have = (sums.count @ member) > 0
    if sums.by_psu:
        strata = np.column_stack(
            [
                np.bincount(design.psu_stratum, weights=col, minlength=design.n_strata)
                for col in have.T
            ]
        )
        return have, strata > 0
    return have, have  # no clusters: units are strata, PSUs are respondents


def domain_dfs(design: Design, sums: AtomSums, member: np.ndarray) -> np.ndarray:
    """Design degrees of freedom of K domains (``member`` atoms x K): PSUs with a
    positive-weight respondent in the domain minus strata with one, as R's
    ``degf()`` of the subset design."""
    have, strata = present(design, sums, member)
    n_strata = strata.sum(axis=0)
    if sums.by_psu:
        return have.sum(axis=0) - n_strata
    return np.rint((sums.count @ member).sum(axis=0)).astype(int) - n_strata


def domain_df(design: Design, sums: AtomSums, member_any: np.ndarray) -> int:
    """``domain_dfs`` of one domain (atoms flagged in ``member_any``)."""
    return int(domain_dfs(design, sums, member_any[:, None].astype(float))[0])


def t_quantile(p: float, df: float) -> float:
    from scipy.stats import t

    return float(t.ppf(p, df)) if df > 0 else math.nan


def t_two_sided(stat: float, df: float) -> float:
    from scipy.stats import t

    return float(2 * t.sf(abs(stat), df))
