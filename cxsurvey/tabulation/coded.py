"""Coded answers (single, grid, banner questions): each respondent's answer as
the index of the option it matches, by code or by label (choice-text exports).

The choices of a question are its options, then any not-applicable codes that
are not options. A cell matching none is invalid; a whole column of the other
kind (choice text against numeric codes, or the reverse) is refused.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np

from cxsurvey.errors import DataError
from cxsurvey.reading.cells import split_codes
from cxsurvey.reading.choices import choice_index, did_you_mean, kind_mismatch
from cxsurvey.scoring.responses import Responses


def coded_choices(q: Any) -> tuple[list[Any], list[str | None], list[int]]:
    """(codes, labels, indices of not-applicable codes) a coded column is matched
    against: the options, then not-applicable codes that are not options."""
    codes: list[Any] = list(q.options)
    labels: list[str | None] = list(q.options.values())
    keys = [code_key(c) for c in codes]
    na = []
    for code in q.not_applicable:
        if code_key(code) not in keys:
            codes.append(code)
            labels.append(None)
            keys.append(code_key(code))
        na.append(keys.index(code_key(code)))
    return codes, labels, na


def code_positions(q: Any, codes: list[Any]) -> list[int]:
    """Indices into ``coded_choices(q)[0]`` of the given codes (unknown codes dropped)."""
    keys = [code_key(c) for c in coded_choices(q)[0]]
    return [keys.index(code_key(c)) for c in codes if code_key(c) in keys]


def coded_index(responses: Responses, column: str, q: Any) -> np.ndarray:
    """Per included respondent, the index of their answer in ``coded_choices(q)``
    (by code or, for choice-text exports, by label), -1 when blank, missing or
    invalid. Computed once per column and option set."""
    codes, labels, _ = coded_choices(q)
    key = ("choices", column, tuple(map(code_key, codes)), tuple(labels))

    def compute() -> np.ndarray:
        cells = responses.cells(column)
        arr = responses.text(column) if cells.non_numeric.any() or split_codes(codes)[1] else None
        return choice_index(arr, cells, codes, labels)

    return responses.memo(key, compute)


def invalid_cells(
    responses: Responses, column: str, q: Any, name: str, idx: np.ndarray
) -> tuple[np.ndarray, Any, str]:
    """(answered cells matching no choice, an example, a "did you mean" hint).

    Raises DataError when the whole column is of the other kind than the study
    expects (choice text against numeric codes, or the reverse)."""
    cells = responses.cells(column)
    invalid = ~cells.missing & (idx < 0)
    if not invalid.any():
        return invalid, None, ""
    row = int(responses.row_numbers[int(np.argmax(invalid))])
    example = responses.export.table.column(column)[row].as_py()
    codes, labels, _ = coded_choices(q)
    message = kind_mismatch(
        column, f"question {name!r}", ~cells.missing, idx >= 0, cells, codes, example
    )
    if message:
        raise DataError(f"{responses.export.path}: {message}")
    return invalid, example, did_you_mean(example, labels)


def code_number(code: Any) -> float:
    nums, _ = split_codes([code])
    return nums[0] if nums else np.nan


def code_key(code: Any) -> Any:
    """How codes are told apart: as exact decimal numbers when they are numbers
    (1, 1.0 and "1" are one code), else as text. Exact, so two 17-digit codes that
    one float64 cannot tell apart stay two codes."""
    try:
        value = Decimal(str(code).strip())
    except InvalidOperation:
        return str(code)
    return value.normalize() if value.is_finite() else str(code)
