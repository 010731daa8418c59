"""Scales -> group scores, totals and bands, for every respondent at once.

Rules (study-format.md, *scales*): an item is answered when its code is one of
the scale's ``values`` (blank, missing and out-of-range codes are unanswered);
reverse items score ``max + min - x``; a group score is the ``mean`` or ``sum``
of the answered items; when any group has fewer answered items than
``min_answered`` x its size, the respondent's whole scale is unscored (NaN, never
zero); the total is the ``sum`` or ``mean`` of the group scores; a total falls in
the last band whose ``from`` is <= it. Comparisons with band limits (and the
median split) use totals rounded to 9 decimals, so 3.4 computed as
(3 + 3.6667 + 3.3333 + 3.6) / 4 is not pushed below a band by float noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cxsurvey.reading.cells import split_codes
from cxsurvey.scoring.responses import Responses, scale_item
from cxsurvey.study.models import Scale

DECIMALS = 9


@dataclass(frozen=True)
class ScaleScores:
    name: str
    label: str
    groups: dict[str, np.ndarray]  # group -> float64 scores, NaN when unscored
    total: np.ndarray
    band: np.ndarray  # int index into band_labels, -1 for no band
    band_labels: list[str]

    @property
    def scored(self) -> np.ndarray:
        return ~np.isnan(self.total)

    @property
    def n_scored(self) -> int:
        return int(self.scored.sum())

    def band_counts(self) -> dict[str, int]:
        counts = np.bincount(self.band[self.band >= 0], minlength=len(self.band_labels))
        return dict(zip(self.band_labels, counts.tolist(), strict=True))


def comparable(values: np.ndarray) -> np.ndarray:
    """Scores rounded for comparisons with limits and medians (see module doc)."""
    return np.round(values, DECIMALS)


def score_scale(name: str, scale: Scale, responses: Responses) -> ScaleScores:
    allowed, _ = split_codes(list(scale.values))
    lo, hi = min(allowed), max(allowed)
    reverse = set(scale.reverse)
    n = responses.included
    ok = np.ones(n, dtype=bool)
    groups: dict[str, np.ndarray] = {}
    flipped = np.empty(n)
    for group, items in scale.groups.items():
        total = np.zeros(n)
        answered = np.zeros(n, dtype=np.int32)
        for item in items:
            x, has = scale_item(responses, item, name, allowed)
            if item in reverse:
                x = np.subtract(hi + lo, x, out=flipped)
            np.add(total, x, out=total, where=has)
            answered += has
        need = scale.min_answered * len(items)
        ok &= (answered >= need - 1e-9) & (answered > 0)
        if scale.group_score == "mean":
            with np.errstate(invalid="ignore", divide="ignore"):
                total /= answered
        groups[group] = total
    for values in groups.values():
        values[~ok] = np.nan
    stacked = np.column_stack(list(groups.values()))
    total = stacked.sum(axis=1) if scale.total == "sum" else stacked.mean(axis=1)
    labels = [b.label for b in scale.bands]
    if labels:
        limits = np.array([b.from_ for b in scale.bands], dtype=float)
        band = np.searchsorted(limits, comparable(total), side="right") - 1
        band[np.isnan(total)] = -1
    else:
        band = np.full(n, -1)
    return ScaleScores(name, scale.label or name, groups, total, band.astype(np.int64), labels)
