"""Match export cells to a question's declared options: by code, or by label.

Qualtrics exports answers either as numeric codes ("use numeric values") or as
the choice text ("use choice text"). A cell matches option *i* when it is the
option's code (numbers compare as numbers, text codes exactly after trimming)
or, when the cell is text, when it equals the option's label after
``normalise_label``: case, surrounding whitespace and straight/curly quotes are
ignored. The option's code is then its value (what a mean averages), so
``{1: Never, 2: Rarely}`` is also the label-to-value mapping of a choice-text
export. Labels that clash after normalisation are refused by ``validate``.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cxsurvey.errors import DataError, shorten
from cxsurvey.reading.cells import CellValues, split_codes, text_isin
from cxsurvey.reading.labels import normalise_label


def normalised_text(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """``normalise_label`` of every cell (nulls stay null): the very function the
    study checks use, applied once per distinct value (answers repeat, so a
    column of a million cells holds a handful of labels) and mapped back."""
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = pc.cast(arr, pa.string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    encoded = pc.dictionary_encode(arr)
    keys = [None if v is None else normalise_label(v) for v in encoded.dictionary.to_pylist()]
    return pa.array(keys, pa.string()).take(encoded.indices)


def normalised_labels(labels: Sequence[str]) -> list[str]:
    """``normalise_label`` of a few labels, to compare with ``normalised_text`` cells."""
    return [normalise_label(label) for label in labels]


def label_keys(labels: Sequence[str]) -> list[str]:
    """The normalised keys of declared labels; DataError naming both labels when two
    come out identical (``validate`` refuses such a study; this guards every other
    way in), since a cell holding either could not be told apart."""
    keys = normalised_labels(labels)
    first: dict[str, str] = {}
    for label, key in zip(labels, keys, strict=True):
        if key in first:
            same = "share a label" if first[key] == label else "have labels that differ"
            extra = "" if first[key] == label else " only in case, spaces or quotes"
            raise DataError(
                f"options {first[key]!r} and {label!r} {same}{extra}, so a choice-text cell "
                "holding either matches both; give them distinct labels"
            )
        first.setdefault(key, label)
    return keys


def is_text(arr: pa.Array | pa.ChunkedArray) -> bool:
    return pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)


def choice_index(
    arr: pa.Array | pa.ChunkedArray | None,
    cells: CellValues,
    codes: Sequence[Any],
    labels: Sequence[str | None],
) -> np.ndarray:
    """Per cell, the index of the matching choice in ``codes``, or -1.

    ``labels[i]`` is the label of ``codes[i]`` (None: match by code only).
    Missing cells are -1. ``arr`` (the cells' text) may be None when every code
    is numeric and no cell is text. The result is a small integer type: it is
    kept per column for the run.
    """
    n = len(cells.numbers)
    idx = np.full(n, -1, dtype=np.int16 if len(codes) < 32_000 else np.int32)
    for i, code in enumerate(codes):
        nums, texts = split_codes([code])
        if nums:
            hit = cells.numbers == nums[0]
        elif arr is not None:
            hit = text_isin(arr, texts)
        else:
            continue
        idx[hit & (idx < 0) & ~cells.missing] = i
    if arr is None or not is_text(arr) or not cells.non_numeric.any():
        return idx
    named = [(i, lab) for i, lab in enumerate(labels) if lab is not None]
    if not named:
        return idx
    keys = pa.array(label_keys([lab for _, lab in named]), pa.string())
    pos = _label_positions(arr, keys)
    owner = np.array([i for i, _ in named] + [-1], dtype=np.int64)
    by_label = owner[pos]  # pos == -1 picks the trailing -1
    fill = (idx < 0) & cells.non_numeric & (by_label >= 0)
    idx[fill] = by_label[fill]
    return idx


def _label_positions(arr: pa.Array | pa.ChunkedArray, keys: pa.Array) -> np.ndarray:
    """Per cell, the position of its normalised text in ``keys``, or -1.

    Normalises the distinct values only (answers repeat: a column of a million
    cells holds a handful of labels), then maps them back to the cells."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    encoded = pc.dictionary_encode(arr)
    where = pc.index_in(normalised_text(encoded.dictionary), value_set=keys)
    by_value = np.append(np.asarray(pc.fill_null(where, -1).to_numpy(zero_copy_only=False)), -1)
    indices = np.asarray(pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False))
    return by_value[indices].astype(np.int64)


def label_isin(arr: pa.Array | pa.ChunkedArray, keys: Sequence[str]) -> np.ndarray:
    """Cells whose normalised text is one of ``keys`` (already normalised)."""
    return _label_positions(arr, pa.array(list(keys), pa.string())) >= 0


def did_you_mean(value: Any, labels: Sequence[str | None]) -> str:
    """ "; did you mean 'X'?" for a text value close to one of ``labels``, else ""."""
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        return ""
    named = {normalise_label(lab): lab for lab in labels if lab is not None}
    close = difflib.get_close_matches(normalise_label(value), list(named), n=1, cutoff=0.6)
    return f"; did you mean {named[close[0]]!r}?" if close else ""


def kind_mismatch(
    column: str,
    who: str,
    answered: np.ndarray,
    matched: np.ndarray,
    cells: CellValues,
    codes: Sequence[Any],
    example: Any,
) -> str | None:
    """The message for a column of the other kind than the study expects, or None.

    A study written with numeric codes run on a choice-text export (every answered
    cell text, none matching an option label), or a study whose options are
    declared by label only run on a numeric export (every answered cell a number,
    none matching).
    """
    if not answered.any() or (matched & answered).any():
        return None
    nums, texts = split_codes(codes)
    if nums and cells.non_numeric[answered].all():
        return (
            f"column {column!r} ({who}) holds choice text (e.g. {shorten(example)}) where the "
            "study declares numeric codes, and no cell matches an option label: the export "
            'was made with "use choice text". Export with numeric values, or write each '
            "option's label as the export spells it (e.g. "
            f"{codes[0]!r}: {shorten(example)}; case, surrounding spaces and quote style are ignored)"
        )
    if not nums and texts and not cells.non_numeric[answered].any():
        return (
            f"column {column!r} ({who}) holds numeric codes (e.g. {shorten(example)}) where the "
            "study declares its options by label only (a choice-text export). Export with "
            "choice text, or declare the options as {code: label} "
            f"(e.g. {shorten(example)}: {texts[0]!r})"
        )
    return None


_BOOLEAN_CODES = {"true": 1.0, "false": 0.0, "yes": 1.0, "no": 0.0}


def filter_hint(table: Any, filters: Sequence[Any]) -> str:
    """For a filter that keeps nobody: "; column 'Finished' holds True/False (a
    choice-text export): use in: ["True"]" when numeric 1/0 codes meet a column
    that writes True/False or Yes/No, else ""."""
    for f in filters:
        codes = f.in_ if f.in_ is not None else f.not_in
        if not codes or f.column not in table.column_names:
            continue
        nums, _ = split_codes(codes)
        if not nums or not set(nums) <= {0.0, 1.0}:
            continue
        arr = table.column(f.column)
        if not is_text(arr):
            continue
        seen = normalised_text(pc.unique(arr)).drop_null().to_pylist()
        words = [w for w in seen if w]
        if words and all(w in _BOOLEAN_CODES for w in words):
            spelled = {1.0: "True", 0.0: "False"}
            if any(w in ("yes", "no") for w in words):
                spelled = {1.0: "Yes", 0.0: "No"}
            key = "in" if f.in_ is not None else "not_in"
            wanted = ", ".join(f'"{spelled[n]}"' for n in nums)
            return (
                f"; column {f.column!r} holds {spelled[1.0]}/{spelled[0.0]} (a choice-text "
                f"export), not 1/0: use {key}: [{wanted}]"
            )
    return ""
