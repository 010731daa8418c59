"""Classify grouped columns into typed questions with their options and codes.

Options come from the survey definition when given (``from_definition``), else
from .sav value labels or the data (``from_data``): the labels themselves in a
choice-text export, the codes seen in a numeric export (marked for the user to
label).
"""

from __future__ import annotations

from cxsurvey.codebook.entries import (
    common_text,
    make_entry,
    per_column,
    question_name,
    simple_entry,
)
from cxsurvey.codebook.from_data import classify_from_data
from cxsurvey.codebook.from_definition import classify_with_definition
from cxsurvey.codebook.grouping import Group
from cxsurvey.codebook.model import Entry
from cxsurvey.codebook.qsf import DefQuestion


def classify(group: Group, dq: DefQuestion | None, value_labels: dict) -> list[Entry]:
    """Entries for one group (a question can become several: one per matrix item)."""
    if group.kind in ("metadata", "embedded", "order", "timing", "derived"):
        return [simple_entry(group)]
    cols = group.cols or group.text_cols
    other = tuple(c.name for c in group.text_cols) if group.cols else ()
    if not cols:
        return []
    if dq is not None:
        return classify_with_definition(group, dq, cols, other)
    if not group.cols and group.from_ids:  # only *_TEXT columns: a text-entry question
        name = question_name(group)
        if len(cols) == 1:
            return [make_entry(name, "text", cols[0].text, cols, group)]
        return [per_column(name, "text", common_text(cols), c, group, ()) for c in cols]
    return classify_from_data(group, cols, other, value_labels)
