"""Integrity warnings that belong beside a figure's numbers.

What a figure cannot place is counted and named in its warnings rather than
dropped silently: banner cells in no banner column (codes that are not options,
not-applicable codes), and a mean over -99 outside a Qualtrics layout. Duplicate
respondent ids and tolerant column matches come from ``Responses``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from cxsurvey.reading.cells import code_isin, split_codes
from cxsurvey.scoring.responses import Responses, value_counts_text
from cxsurvey.study import models


def figure_columns(name: str | None, study: models.Study) -> list[str]:
    """The export columns behind a figure's question or banner (scale items for a
    scale, its band or a segment)."""
    base = (name or "").split(".")[0]
    q = study.questions.get(base)
    if q is not None:
        return models.question_columns(q)
    if base in study.segments:
        base = study.segments[base].median_split
    scale = study.scales.get(base)
    return scale.items if scale is not None else []


def banner_outside(by: str, q: Any, group: np.ndarray, responses: Responses) -> str | None:
    """The banner's answered cells in no column (not-applicable codes, or codes that
    are not options): counted and named, since those respondents are in Total only."""
    cells = responses.cells(q.column)
    outside = ~cells.missing & (group < 0)
    if not outside.any():
        return None
    na = list(getattr(q, "not_applicable", None) or [])
    arr = responses.text(q.column) if split_codes(na)[1] else None
    is_na = outside & code_isin(arr, cells.numbers, na) if na else np.zeros_like(outside)
    parts = []
    counts = responses.counts  # respondents per row (aggregated exports)
    for mask, what in (
        (outside & ~is_na, f"are not options of {by!r}"),
        (is_na, "are not-applicable codes"),
    ):
        if mask.any():
            cells = responses.text(q.column).filter(pa.array(mask))
            codes = value_counts_text(cells, counts=None if counts is None else counts[mask])
            parts.append(f"{responses.count(mask)} {what} ({codes})")
    return (
        f"{responses.count(outside)} response(s) in banner column {q.column!r} fall in no banner "
        f"column ({'; '.join(parts)}); they count in Total only"
    )


def mean_over_minus_99(responses: Responses, columns: list[str]) -> list[str]:
    """A mean over -99 outside a Qualtrics layout (say, a Qualtrics export with its
    header rows stripped) is most likely Qualtrics' "seen but not answered" code
    averaged as a number: name it rather than stay silent."""
    if -99 in responses.missing or responses.export.layout.is_qualtrics:
        return []
    out = []
    for column in columns:
        n = responses.count(responses.cells(column).numbers == -99)
        if n:
            out.append(
                f"{n} response(s) in column {column!r} hold -99, Qualtrics' code for "
                '"seen but not answered"; they are averaged as numbers: list -99 under '
                "source.missing if it means missing here"
            )
    return out
