"""Respondent segments: the median split into leaders (high) and laggards (low).

The median is the ordinary sample median of the scored respondents' totals
(unweighted, mean of the two middle values for an even count). A total at or
above the median is ``high``, so ties at the median go to the leaders;
unscored respondents are in neither group.

With ``split: weighted`` the median is the weighted median: over the totals in
order, the first whose cumulative weight reaches half the scored respondents'
total weight, or the mean of it and the next when the cumulative weight is
exactly half (so equal weights give the ordinary median). Each group's weighted
share is reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from cxsurvey.scoring.scales import ScaleScores, comparable
from cxsurvey.study.models import Segment

HIGH, LOW, NONE = 0, 1, -1


@dataclass(frozen=True)
class SegmentSplit:
    name: str
    label: str
    scale: str
    median: float | None
    labels: list[str]  # [high, low] (clusters: the tiers); group codes index into it
    group: np.ndarray  # int8: HIGH, LOW or NONE per respondent (clusters: tier index)
    clusters: Any = None  # ClusterInfo, for `kind: clusters` segments
    weighted_shares: dict[str, float] | None = None  # percent of the weight, weighted split

    def sizes(self) -> dict[str, int]:
        counts = np.bincount(self.group[self.group >= 0], minlength=len(self.labels))
        return dict(zip(self.labels, counts.tolist(), strict=True))


def median_split(
    name: str, segment: Segment, scores: ScaleScores, weights: np.ndarray | None = None
) -> SegmentSplit:
    total = comparable(scores.total)
    scored = ~np.isnan(total)
    group = np.full(len(total), NONE, dtype=np.int8)
    median = None
    shares = None
    if scored.any():
        if weights is None:
            median = float(np.median(total[scored]))
        else:
            median = weighted_median(total[scored], weights[scored])
        if median is not None:
            group[scored] = np.where(total[scored] >= comparable(np.float64(median)), HIGH, LOW)
    if weights is not None:
        by_group = np.bincount(group[group >= 0], weights=weights[group >= 0], minlength=2)
        whole = by_group.sum()
        shares = {
            label: (100 * float(x / whole) if whole > 0 else None)
            for label, x in zip([segment.high, segment.low], by_group, strict=True)
        }
    return SegmentSplit(
        name,
        segment.label or name,
        segment.median_split,
        median,
        [segment.high, segment.low],
        group,
        weighted_shares=shares,
    )


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float | None:
    """The weighted median (see the module doc); None when every weight is 0."""
    order = np.argsort(values, kind="stable")
    x, cum = values[order], np.cumsum(weights[order])
    half = cum[-1] / 2
    if cum[-1] <= 0:
        return None
    k = int(np.searchsorted(cum, half * (1 - 1e-12)))  # first reaching half
    if abs(cum[k] - half) <= 1e-12 * cum[-1] and k + 1 < len(x):
        nxt = k + 1 + int(np.searchsorted(cum[k + 1 :], cum[k], side="right"))
        return float((x[k] + x[min(nxt, len(x) - 1)]) / 2)
    return float(x[k])
