"""Weights: the ``source.weight`` column, or rim weights raked to target margins.

Raking (iterative proportional fitting, R's ``survey::rake``): starting from the
base weights (``source.weight``, else 1), each pass multiplies the weights of
every category of each target variable in turn by target share / current share,
until every margin is within ``tolerance`` (absolute, as a proportion) of its
target. Weights keep their starting total. A respondent without a category on a
variable (unanswered, unscored) is left out of that variable's margin and keeps
its factor there, so its targets are shares of those who have a category (as
anesrake does; R's ``rake`` requires complete data).

``cap`` trims after every pass: weights above cap x mean weight are set to it and
the trimmed total is spread over the other weights in proportion to their size
(R's ``trimWeights(strict = TRUE)``), repeated until none exceeds it; raking then
continues, so the result meets both the margins and the cap, or fails to
converge.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from cxsurvey.errors import DataError
from cxsurvey.reading.cells import code_isin, split_codes
from cxsurvey.study import models


@dataclass(frozen=True)
class Margin:
    variable: str
    category: str
    target: float  # percent
    achieved: float  # percent, with the final weights


@dataclass(frozen=True)
class RakeResult:
    column: str
    weights: np.ndarray
    iterations: int
    margins: list[Margin]
    efficiency: float  # Kish weighting efficiency, percent: (sum w)^2 / (n sum w^2)
    min_weight: float
    max_weight: float
    capped: int  # respondents at the cap
    # the raking margins: category index per respondent per variable (-1 outside),
    # for the design's variances (stats.raked_variance)
    groups: tuple[np.ndarray, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "iterations": self.iterations,
            "efficiency": self.efficiency,
            "min_weight": self.min_weight,
            "max_weight": self.max_weight,
            "capped": self.capped,
            "margins": [m.__dict__ for m in self.margins],
        }


def base_weights(responses, study: models.Study) -> np.ndarray | None:
    """The ``source.weight`` column of the included respondents, validated; on an
    aggregated export, the sum of the weights of each included row."""
    column = study.source.weight
    if column is None:
        return None
    if responses.frequency is not None:
        return _summed_weights(responses, column)
    cells = responses.cells(column)
    bad = cells.missing | ~np.isfinite(cells.numbers) | (np.nan_to_num(cells.numbers) < 0)
    if bad.any():
        rows = ", ".join(responses.describe_row(int(i)) for i in np.flatnonzero(bad)[:3])
        raise DataError(
            f"{responses.export.path}: weight column {column!r} has {int(bad.sum())} "
            f"blank, negative or non-numeric weights ({rows}); fix them or drop "
            "source.weight"
        )
    if responses.included and not (cells.numbers > 0).any():
        raise DataError(_all_zero(responses, column))
    return cells.numbers


def _summed_weights(responses, column: str) -> np.ndarray:
    """The weight sums of an aggregated export's included rows, with the checks of
    ``base_weights`` (its rows cannot be named: the message says how many)."""
    freq = responses.frequency
    if freq.w is None:
        raise DataError(
            f"{responses.export.path}: the aggregated export has no weight sums for "
            f"source.weight {column!r}"
        )
    bad = int(freq.w_bad.sum())
    if bad:
        raise DataError(
            f"{responses.export.path}: weight column {column!r} has {bad} blank, negative "
            "or non-numeric weights among the included respondents; fix them or drop "
            "source.weight"
        )
    if responses.included and not (freq.w > 0).any():
        raise DataError(_all_zero(responses, column))
    return freq.w


def _all_zero(responses, column: str) -> str:
    return (
        f"{responses.export.path}: weight column {column!r} is zero for every included "
        "respondent, so no weighted figure can be computed; fix the weights or drop "
        "source.weight"
    )


def variable_categories(name: str, study: models.Study, responses, scales, segments):
    """(category labels, code per respondent: index or -1) of a raking variable:
    a segment, a scale's bands (``S.band``) or a single-choice question."""
    if name in segments:
        seg = segments[name]
        return list(seg.labels), seg.group.astype(np.intp), None
    if name.endswith(".band") and name[: -len(".band")] in scales:
        scale = scales[name[: -len(".band")]]
        return list(scale.band_labels), scale.band.astype(np.intp), None
    q = study.questions.get(name)
    if not isinstance(q, models.Single):
        raise DataError(
            f"weighting.targets.{name}: not a single-choice question, a band (S.band) or "
            "a segment of the study"
        )
    cells = responses.cells(q.column)
    arr = responses.text(q.column) if split_codes(list(q.options))[1] else None
    group = np.full(responses.included, -1, dtype=np.intp)
    for i, code in enumerate(q.options):
        group[~cells.missing & code_isin(arr, cells.numbers, [code])] = i
    return [str(label) for label in q.options.values()], group, list(q.options)


def _targets(name: str, given: dict, labels: list[str], codes: list | None, group) -> np.ndarray:
    """Target shares in the order of ``labels``; keys are labels or codes."""
    total = float(sum(given.values()))
    if abs(total - 100) <= 1e-6:
        scale = 100.0
    elif abs(total - 1) <= 1e-9:
        scale = 1.0
    else:
        raise DataError(
            f"weighting.targets.{name}: targets sum to {total:g}, not 100 (percent) or 1 "
            "(proportions)"
        )
    keys = {str(k): v for k, v in given.items()}
    by_code = {str(c): labels[i] for i, c in enumerate(codes or [])}
    shares = np.zeros(len(labels))
    given_labels = set()
    for key, value in keys.items():
        label = key if key in labels else by_code.get(key)
        if label is None:
            raise DataError(
                f"weighting.targets.{name}: {key!r} is not a category of {name!r} "
                f"({', '.join(labels)})"
            )
        shares[labels.index(label)] = value / scale
        given_labels.add(label)
    present = np.bincount(group[group >= 0], minlength=len(labels)) > 0
    absent = [labels[i] for i in np.flatnonzero(~present & (shares > 0))]
    if absent:
        raise DataError(
            f"weighting.targets.{name}: category {absent[0]!r} has a target but no "
            "respondent in the data; drop it or merge categories"
        )
    untargeted = [labels[i] for i in np.flatnonzero(present) if labels[i] not in given_labels]
    if untargeted:
        raise DataError(
            f"weighting.targets.{name}: category {untargeted[0]!r} has respondents but no "
            "target; give it one (0 drops them)"
        )
    return shares


def rake(spec: models.Weighting, study: models.Study, responses, scales, segments) -> RakeResult:
    responses.require_respondents("rim weights (weighting)")
    start = base_weights(responses, study)
    w = np.ones(responses.included) if start is None else start.astype(float).copy()
    variables = []
    for name, given in spec.targets.items():
        labels, group, codes = variable_categories(name, study, responses, scales, segments)
        variables.append((name, labels, group, _targets(name, given, labels, codes, group)))
    iterations = 0
    worst = (np.inf, "")
    for step in range(1, spec.max_iterations + 1):
        iterations = step
        for _, labels, group, shares in variables:
            inside = group >= 0
            current = np.bincount(group[inside], weights=w[inside], minlength=len(labels))
            wanted = shares * current.sum()
            factor = np.divide(wanted, current, out=np.ones(len(labels)), where=current > 0)
            w[inside] *= factor[group[inside]]
        if spec.cap is not None:
            _trim(w, spec.cap)
        worst = _worst(w, variables)
        over = spec.cap is not None and w.max() > spec.cap * w.mean() * (1 + 1e-9)
        if worst[0] <= spec.tolerance and not over:
            break
    else:
        raise DataError(
            f"weighting did not converge in {spec.max_iterations} iterations: variable "
            f"{worst[1]!r} is still {100 * worst[0]:.4g} points off its target"
            + ("; raise weighting.cap or max_iterations" if spec.cap else "; raise max_iterations")
        )
    margins = []
    for name, labels, group, shares in variables:
        inside = group >= 0
        got = np.bincount(group[inside], weights=w[inside], minlength=len(labels))
        got = got / got.sum()
        margins += [
            Margin(name, label, 100 * float(t), 100 * float(a))
            for label, t, a in zip(labels, shares, got, strict=True)
        ]
    positive = w[w > 0]
    return RakeResult(
        spec.column,
        w,
        iterations,
        margins,
        100 * float(w.sum() ** 2 / (len(positive) * np.dot(w, w))),
        float(positive.min()),
        float(w.max()),
        0 if spec.cap is None else int(np.count_nonzero(w >= spec.cap * w.mean() * (1 - 1e-9))),
        tuple(group for _, _, group, _ in variables),
    )


def _worst(w: np.ndarray, variables) -> tuple[float, str]:
    worst = (0.0, "")
    for name, labels, group, shares in variables:
        inside = group >= 0
        got = np.bincount(group[inside], weights=w[inside], minlength=len(labels))
        gap = float(np.abs(got / got.sum() - shares).max())
        worst = max(worst, (gap, name))
    return worst


def _trim(w: np.ndarray, cap: float) -> None:
    """Weights above cap x mean to it, the excess spread proportionally over the
    rest (trimWeights(strict = TRUE)); in place, total kept."""
    total = w.sum()
    for _ in range(100):
        limit = cap * total / len(w)
        high = w > limit
        if not high.any():
            return
        excess = (w[high] - limit).sum()
        w[high] = limit
        rest = ~high & (w > 0)
        w[rest] *= 1 + excess / w[rest].sum()
