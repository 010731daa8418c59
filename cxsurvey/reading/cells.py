"""Turn export cells into numbers and masks, vectorised with pyarrow and numpy.

A cell is *blank* when empty or only whitespace; it is *missing* when blank or
equal to one of ``source.missing`` (numeric codes compare as numbers, so -99
matches ``-99`` and ``-99.0``; text codes compare exactly). Numbers are float64
with NaN for anything that is not a number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cxsurvey.reading.labels import NUMBER_PATTERN, number_of

_NUMBER = NUMBER_PATTERN


@dataclass(frozen=True)
class CellValues:
    """One column's cells: numbers (NaN if not numeric), and what is missing or not numeric."""

    numbers: np.ndarray  # float64, NaN where missing or not a number
    missing: np.ndarray  # bool: blank or a missing code
    non_numeric: np.ndarray  # bool: answered, but not a number


def split_codes(codes: Sequence[Any]) -> tuple[list[float], list[str]]:
    """Numeric codes (as floats) and text codes of a code list."""
    nums, texts = [], []
    for code in codes:
        if isinstance(code, bool):
            texts.append(str(code))
        elif isinstance(code, int | float):
            nums.append(float(code))
        else:
            texts.append(str(code))
    return nums, texts


def number_isin(numbers: np.ndarray, codes: Sequence[float]) -> np.ndarray:
    """``np.isin`` for a short code list, as a few equality passes (much faster)."""
    if len(codes) > 16:
        return np.isin(numbers, codes)
    hit = np.zeros(len(numbers), dtype=bool)
    for code in codes:
        hit |= numbers == code
    return hit


def _parse_numbers(arr: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, np.ndarray | None]:
    """float64 values (NaN for null and non-numbers) and, when some cells needed the
    slow path, the mask of blank (empty or whitespace-only) cells."""
    if pa.types.is_floating(arr.type) or pa.types.is_integer(arr.type):
        return np.array(
            pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False), dtype=float
        ), None
    try:
        nums = pc.cast(arr, pa.float64())  # the common case: every cell a number or null
        blank = None
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        trimmed = pc.utf8_trim_whitespace(arr)
        ok = pc.match_substring_regex(trimmed, _NUMBER)
        nums = pc.cast(pc.if_else(ok, trimmed, pa.scalar(None, pa.string())), pa.float64())
        empty = pc.fill_null(pc.equal(trimmed, ""), True)
        blank = np.asarray(empty.to_numpy(zero_copy_only=False), dtype=bool)
    out = np.array(nums.to_numpy(zero_copy_only=False), dtype=float)  # a writable copy
    # "nan"/"inf" parse as floats but are not codes anyone writes on purpose.
    out[np.isinf(out)] = np.nan
    return out, blank


def to_numbers(arr: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """float64 values of a text or numeric column; NaN for blanks and non-numbers."""
    return _parse_numbers(arr)[0]


def blank_mask(arr: pa.ChunkedArray | pa.Array) -> np.ndarray:
    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type):
        empty = pc.equal(pc.utf8_trim_whitespace(arr), "")
        return np.asarray(pc.fill_null(empty, True).to_numpy(zero_copy_only=False), dtype=bool)
    return np.asarray(pc.is_null(arr, nan_is_null=True).to_numpy(zero_copy_only=False), dtype=bool)


def text_isin(arr: pa.ChunkedArray | pa.Array, texts: Sequence[str]) -> np.ndarray:
    """Cells equal (exactly, after trimming) to one of ``texts``."""
    if not texts or not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return np.zeros(len(arr), dtype=bool)
    hit = pc.is_in(pc.utf8_trim_whitespace(arr), value_set=pa.array(list(texts), pa.string()))
    return np.asarray(pc.fill_null(hit, False).to_numpy(zero_copy_only=False), dtype=bool)


def cell_values(arr: pa.ChunkedArray | pa.Array, missing_codes: Sequence[Any]) -> CellValues:
    """Numbers and masks for one column under the study's missing codes."""
    numbers, blank = _parse_numbers(arr)
    if blank is None:  # every cell parsed: null (blank) cells are exactly the NaNs
        blank = np.isnan(numbers)
    num_missing, text_missing = split_codes(missing_codes)
    missing = blank
    if num_missing:
        missing = missing | number_isin(numbers, num_missing)
    if text_missing:
        missing = missing | text_isin(arr, text_missing)
    numbers[missing] = np.nan
    non_numeric = ~missing & np.isnan(numbers)
    return CellValues(numbers, missing, non_numeric)


def code_isin(
    arr: pa.ChunkedArray | pa.Array | None, numbers: np.ndarray, codes: Sequence[Any]
) -> np.ndarray:
    """Cells matching any code: numeric codes as numbers, text codes exactly.
    ``arr`` (the cells' text) may be None when every code is numeric."""
    nums, texts = split_codes(codes)
    hit = number_isin(numbers, nums)
    if texts:
        hit |= text_isin(arr, texts)
    return hit


# ``number_of`` (reading.labels): the reader's number rule for one cell's text,
# for code that lists values (describe, init).
_EXACT_INTEGERS = 2.0**53  # beyond this, float64 merges neighbouring integers


def as_code(value: Any) -> int | float | str:
    """A code as a study file writes it so the reader matches the cells that hold it:
    a number when the text is one (whole numbers as int), else the text. A whole
    number beyond float64's exact range (17-digit ids) stays text, which the
    reader compares exactly, so two such codes never merge."""
    text = str(value).strip()
    number = None if isinstance(value, bool) else number_of(text)
    if number is None or (number.is_integer() and abs(number) >= _EXACT_INTEGERS):
        return text
    return int(number) if number.is_integer() else number


def code_key(value: Any) -> float | str:
    """What the reader compares a code or a cell by: its number, else its text."""
    code = as_code(value)
    return code if isinstance(code, str) else float(code)


def count_code(seen: dict[str, int], code: Any) -> int:
    """Cells (trimmed text -> count) that ``code`` matches as ``code_isin`` does:
    a numeric code by number, a text code by exact text."""
    nums, texts = split_codes([code])
    if nums:
        return sum(n for v, n in seen.items() if number_of(v) == nums[0])
    return seen.get(texts[0], 0)
