"""Respondent segments: the median split into leaders (high) and laggards (low).

The median is the ordinary sample median of the scored respondents' totals
(unweighted, mean of the two middle values for an even count). A total at or
above the median is ``high``, so ties at the median go to the leaders;
unscored respondents are in neither group.
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

    def sizes(self) -> dict[str, int]:
        counts = np.bincount(self.group[self.group >= 0], minlength=len(self.labels))
        return dict(zip(self.labels, counts.tolist(), strict=True))


def median_split(name: str, segment: Segment, scores: ScaleScores) -> SegmentSplit:
    total = comparable(scores.total)
    scored = ~np.isnan(total)
    group = np.full(len(total), NONE, dtype=np.int8)
    median = None
    if scored.any():
        median = float(np.median(total[scored]))
        group[scored] = np.where(total[scored] >= comparable(np.float64(median)), HIGH, LOW)
    return SegmentSplit(
        name,
        segment.label or name,
        segment.median_split,
        median,
        [segment.high, segment.low],
        group,
    )
