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

from cxsurvey.errors import DataError
from cxsurvey.reading.cells import number_isin, split_codes
from cxsurvey.reading.choices import choice_index, did_you_mean, kind_mismatch
from cxsurvey.scoring.responses import Responses, outside_warning
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
            x, has = scale_item(responses, item, name, scale)
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


def item_codes(responses: Responses, column: str, scale: Scale) -> tuple[np.ndarray, np.ndarray]:
    """An item's codes (shared, read-only) and its text cells that are neither a
    code nor a label of the scale's ``values``.

    A choice-text export writes labels ("Almost always"); they score through the
    scale's ``values`` mapping ({4: Almost always} scores 4), matched ignoring
    case, surrounding spaces and quote style.
    """
    cells = responses.cells(column)
    if not cells.non_numeric.any():
        return cells.numbers, cells.non_numeric
    codes = list(scale.values)
    idx = choice_index(responses.text(column), cells, codes, list(scale.values.values()))
    values = np.array([*split_codes(codes)[0], np.nan])[idx]
    numbers = np.where(cells.non_numeric, values, cells.numbers)
    return numbers, cells.non_numeric & (idx < 0)


def scale_item(
    responses: Responses, column: str, scale_name: str, scale: Scale
) -> tuple[np.ndarray, np.ndarray]:
    """An item's codes and which are answered: codes outside the scale's values
    are unanswered. Text that is neither a code, a label of the scale nor a
    missing code is an error naming the cell."""
    numbers, unmatched = item_codes(responses, column, scale)
    allowed = split_codes(list(scale.values))[0]
    if unmatched.any():
        i = int(np.argmax(unmatched))
        value = responses.export.table.column(column)[int(responses.row_numbers[i])].as_py()
        cells = responses.cells(column)
        who = f"scale {scale_name!r}"
        codes = list(scale.values)
        mismatch = kind_mismatch(
            column, who, ~cells.missing, ~cells.missing & ~unmatched, cells, codes, value
        )
        if mismatch:
            raise DataError(f"{responses.export.path}: {mismatch}")
        count = int(unmatched.sum())
        others = f" ({count - 1} more such cells)" if count > 1 else ""
        hint = did_you_mean(value, list(scale.values.values()))
        raise DataError(
            f"{responses.export.path}: column {column!r}, {responses.describe_row(i)}: "
            f"{value!r} is neither a code nor a label of {who}{hint}{others}; fix the "
            "export or the scale's values, or list it under source.missing if it means "
            "not answered"
        )
    has = number_isin(numbers, allowed)
    outside = ~responses.cells(column).missing & ~unmatched & ~has
    if outside.any():
        responses.outside[column] = outside_warning(responses, column, scale_name, outside)
    return numbers, has
