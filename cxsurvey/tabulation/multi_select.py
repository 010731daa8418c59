"""Multi-select answers: who selected which option, and who is in the base.

Two layouts: one column per option (1/0, True/False, Yes/No, the option's code
or label) and one delimited cell (codes as whole tokens; choice text decomposed
into the declared labels; a cell that splits more than one way is invalid).
Invalid cells are counted for the figure's warnings and leave the base; a
column of the other kind is refused.
The work is memoised per question, so several figures share it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cxsurvey.errors import DataError, shorten
from cxsurvey.reading.cells import blank_mask, number_isin, split_codes, text_isin, to_numbers
from cxsurvey.reading.choices import (
    did_you_mean,
    is_text,
    label_isin,
    normalise_label,
    normalised_labels,
)
from cxsurvey.scoring.responses import Responses
from cxsurvey.study import models
from cxsurvey.tabulation.coded import code_key, code_number


def multi_selected(
    responses: Responses, q: models.Multi, invalid_out: dict[str, Any]
) -> tuple[dict[Any, np.ndarray], np.ndarray]:
    """Option key -> who selected it, and the base (bool per included respondent).

    One column per option: the base is whoever answered any column (0, False or
    No = seen, not selected). One delimited cell: whoever selected at least one
    valid option. A respondent with an invalid cell is out of the base.
    """
    if q.columns is not None:
        selected, base, invalid, _ = responses.memo(*split_task(responses, q))
    else:
        selected, base, invalid, _ = responses.memo(*delimited_task(responses, q))
    invalid_out.update(invalid)
    return selected, base


_TICKED = ("true", "yes")
_UNTICKED = ("false", "no")


def split_task(responses: Responses, q: models.Multi) -> tuple[Any, Callable[[], Any]]:
    """(memo key, computation) of a one-column-per-option multi question's selections."""
    key = ("multi-split", tuple(q.columns.items()), tuple(q.options.items()))
    return key, lambda: _split_selected(responses, q)


def _split_selected(
    responses: Responses, q: models.Multi
) -> tuple[dict[Any, np.ndarray], np.ndarray, dict[str, tuple[int, Any, str]], np.ndarray]:
    """(selected per option, base, invalid-cell summary per column, invalid respondents).

    A column's cell is *selected* when it is 1, the option's own code, True, Yes
    or the option's label; *seen, not selected* when it is 0, False or No; blank
    or a missing code when not answered. Text compares as labels do (case,
    surrounding spaces and quote style ignored). Anything else is invalid: the
    respondent leaves the base and the column is named in the warnings.
    """
    n = responses.included
    selected: dict[Any, np.ndarray] = {}
    answered = np.zeros(n, dtype=bool)
    bad = np.zeros(n, dtype=bool)
    invalid: dict[str, tuple[int, Any, str]] = {}
    for code, column in q.columns.items():
        cells = responses.cells(column)
        label = q.options.get(code)
        if label is None:  # codes compare as numbers: find the option of "1" or 1.0
            label = next(
                (lab for c, lab in q.options.items() if code_key(c) == code_key(code)), None
            )
        number = code_number(code)
        sel = cells.numbers == 1
        if number not in (0.0, 1.0) and not np.isnan(number):
            sel |= cells.numbers == number
        unsel = cells.numbers == 0
        if cells.non_numeric.any():
            text = responses.text(column)
            yes = [*_TICKED, *normalised_labels([str(code), *([label] if label else [])])]
            ticked = label_isin(text, yes) & cells.non_numeric
            sel |= ticked
            unsel |= label_isin(text, list(_UNTICKED)) & cells.non_numeric & ~ticked
        wrong = ~cells.missing & ~sel & ~unsel
        if wrong.any():
            i = int(np.argmax(wrong))
            example = responses.export.table.column(column)[int(responses.row_numbers[i])].as_py()
            if not (sel | unsel).any():
                raise DataError(
                    f"{responses.export.path}: column {column!r} (option {label or code!r}) "
                    f"holds {shorten(example)}, which is not a multi-select value: a selected cell "
                    f"holds 1, True, Yes or the option's label {label!r}; an unselected one "
                    "0, False, No or nothing. Check that the column belongs to this option"
                )
            hint = did_you_mean(example, [label, "True", "False", "Yes", "No"])
            invalid[column] = (responses.count(wrong), example, hint)
            bad |= wrong
        selected[code_key(code)] = sel
        answered |= sel | unsel
    for key in selected:
        selected[key] = selected[key] & ~bad
    return selected, answered & ~bad, invalid, bad


def delimited_task(responses: Responses, q: models.Multi) -> tuple[Any, Callable[[], Any]]:
    """(memo key, computation) of a delimited multi question's selections."""
    key = ("multi", q.column, q.delimiter, tuple(q.options.items()))
    return key, lambda: _delimited_selected(responses, q)


def _delimited_selected(
    responses: Responses, q: models.Multi
) -> tuple[dict[Any, np.ndarray], np.ndarray, dict[str, tuple[int, Any, str]], np.ndarray]:
    """(selected per option, base, invalid-cell summary, invalid cells).

    Codes: every cell is split once into tokens and whole tokens are matched
    against the codes (in "1,11" code 1 and code 11 are selected, 10 never is);
    numeric codes compare as numbers (" 2 " and "2.0" are code 2), text codes
    exactly after trimming. Labels (choice-text exports): cells holding text are
    decomposed into declared labels, so a label containing the delimiter ("Soy,
    peanut, or tree nut allergies") is one answer, and a cell that decomposes in
    more than one way ("Red, Green, Blue" with "Red, Green", "Green, Blue", "Red"
    and "Blue" declared) is invalid; labels
    compare ignoring case, surrounding spaces and quote style. Empty tokens
    ("1,,3") and missing-code tokens are ignored, so a blank cell or one holding
    only missing codes is missing. A cell that does not decompose into options
    is invalid: out of the base, and counted for the figure's warnings.
    """
    arr = responses.text(q.column)
    if not is_text(arr):
        arr = arr.cast(pa.string())
    parts = pc.split_pattern(arr, q.delimiter)
    owner = np.asarray(pc.list_parent_indices(parts))  # row of each token
    tokens = pc.list_flatten(parts)
    numbers = to_numbers(tokens)
    num_missing, text_missing = split_codes(responses.missing)
    void = number_isin(numbers, num_missing) | text_isin(tokens, text_missing)
    if np.isnan(numbers).any():
        void |= blank_mask(tokens)
    real = ~void
    codes = list(q.options)
    position = np.full(len(tokens), -1, dtype=np.int64)
    for i, code in enumerate(codes):
        if split_codes([code])[1]:
            hit = text_isin(tokens, [str(code)]) & real
        else:
            hit = (numbers == float(code)) & real
        position[hit & (position < 0)] = i
    rows = np.zeros((len(arr), len(codes)), dtype=bool)
    known = position >= 0
    rows[owner[known], position[known]] = True
    bad = np.zeros(len(arr), dtype=bool)
    bad[owner[~known & ~void]] = True
    labels = list(q.options.values())
    if any(q.delimiter in label for label in labels):
        text_cells = np.zeros(len(arr), dtype=bool)
        text_cells[owner[np.isnan(numbers) & real]] = True
        redo = text_cells | bad
    else:
        redo = bad
    ambiguous: dict[str, tuple[int, str]] = {}
    if redo.any():
        ambiguous = _decompose_cells(
            arr, redo, q, responses.study.source.missing, rows, bad, responses.counts
        )
    selected = {code_key(code): rows[:, i] & ~bad for i, code in enumerate(codes)}
    invalid = {}
    if bad.any():
        example = arr[int(np.argmax(bad))].as_py()
        if not (rows.any(axis=1) & ~bad).any() and not ambiguous:
            _refuse_other_kind(responses, q, numbers[real], example)
        hint = did_you_mean(example, labels)
        if ambiguous:
            example, (_, ways) = next(iter(ambiguous.items()))
            many = sum(k for k, _ in ambiguous.values())
            hint = (
                f"; {many} split into the option labels in more than one way, as {ways}, "
                "so which options were selected is unknown"
            )
        invalid[q.column] = (responses.count(bad), example, hint)
    return selected, rows.any(axis=1) & ~bad, invalid, bad


def _refuse_other_kind(responses: Responses, q: models.Multi, numbers, example) -> None:
    """No cell of a one-cell multi decomposes: refuse a column of the other kind
    (choice text where the options have numeric codes, or the reverse)."""
    nums, texts = split_codes(list(q.options))
    where = f"{responses.export.path}: column {q.column!r}"
    if nums and np.isnan(numbers).all():
        raise DataError(
            f"{where} holds choice text (e.g. {shorten(example)}) where the study declares numeric "
            "codes, and no cell decomposes into the option labels: the export was made with "
            '"use choice text". Export with numeric values, or write each option\'s label as '
            "the export spells it (case, surrounding spaces and quote style are ignored)"
        )
    if not nums and texts and not np.isnan(numbers).any():
        raise DataError(
            f"{where} holds numeric codes (e.g. {shorten(example)}) where the study declares its "
            "options by label only (a choice-text export). Export with choice text, or "
            "declare the options as {code: label}"
        )


def _decompose_cells(
    arr: pa.Array, redo: np.ndarray, q: models.Multi, missing: list[Any], rows, bad, counts=None
) -> dict[str, tuple[int, str]]:
    """Decompose the ``redo`` cells into options by label, in place; return the
    ambiguous ones (cell text -> (respondents, "A + B or C + D")), which are invalid.
    ``counts``: respondents per row (an aggregated export).

    Works on the distinct values, so the Python loop runs once per distinct
    answer combination, never once per respondent."""
    where = np.flatnonzero(redo)
    encoded = pc.dictionary_encode(arr.take(pa.array(where)))
    lookup: dict[str, int] = {}
    for i, (code, label) in enumerate(q.options.items()):
        lookup.setdefault(normalise_label(label), i)
        lookup.setdefault(normalise_label(str(code)), i)
    num_codes = {float(c): i for i, c in enumerate(q.options) if not split_codes([c])[1]}
    voids = {normalise_label(str(m)) for m in missing}
    num_voids = set(split_codes(missing)[0])
    found = []
    for value in encoded.dictionary.to_pylist():
        found.append(
            _readings(value, q.delimiter, lookup, num_codes, voids, num_voids)
            if value is not None
            else []
        )
    index = np.asarray(pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False))
    labels = list(q.options.values())
    ambiguous: dict[str, tuple[int, str]] = {}
    for k, readings in enumerate(found):
        members = where[index == k]
        if len(readings) != 1:
            bad[members] = True
            if len(readings) > 1 and len(members):
                ways = " or ".join(" + ".join(repr(labels[i]) for i in r) for r in readings)
                many = len(members) if counts is None else int(counts[members].sum())
                ambiguous[encoded.dictionary[k].as_py()] = (many, ways)
            continue
        picks = list(dict.fromkeys(readings[0]))
        rows[members] = False
        rows[np.ix_(members, picks)] = True
        bad[members] = False
    return ambiguous


def _readings(
    cell: str, delimiter: str, lookup: dict[str, int], num_codes, voids, num_voids
) -> list[list[int]]:
    """Up to two ways (option indices in order) the cell splits into declared
    labels or codes: none, one (the answer) or two (ambiguous: the cell is invalid).

    Dynamic programming from the end of the cell counts the ways each rest of
    the cell splits (capped at 2); a label spans at most as many pieces as the
    longest label has parts, so a cell of n pieces costs O(n x span), whatever
    its size. Empty pieces and missing codes are skipped.
    """
    pieces = cell.split(delimiter)
    n = len(pieces)
    span = max((key.count(delimiter) + 1 for key in lookup), default=1)
    ways = [0] * (n + 1)
    steps: list[list[tuple[int, int]]] = [[] for _ in range(n + 1)]  # (next piece, option)
    ways[n] = 1
    for i in range(n - 1, -1, -1):
        piece = normalise_label(pieces[i])
        if not piece or piece in voids or _as_number(piece) in num_voids:
            ways[i], steps[i] = ways[i + 1], [(i + 1, -1)]
            continue
        for j in range(min(n, i + span), i, -1):
            if not ways[j]:
                continue
            text = normalise_label(delimiter.join(pieces[i:j]))
            hit = lookup.get(text)
            if hit is None and j == i + 1:
                hit = num_codes.get(_as_number(text))
            if hit is not None:
                steps[i].append((j, hit))
                ways[i] = min(2, ways[i] + ways[j])
    if not ways[0]:
        return []
    first = _walk(steps, ways, 0, n)
    if ways[0] == 1:
        return [first]
    # Two ways from the start: along the first reading, one piece has a second
    # step that also reaches the end (until it, every piece has a single one).
    path, i = [], 0
    while i < n:
        valid = [step for step in steps[i] if ways[step[0]]]
        if len(valid) > 1:
            j, hit = valid[1]
            return [first, [*path, *([hit] if hit >= 0 else []), *_walk(steps, ways, j, n)]]
        j, hit = valid[0]
        path += [hit] if hit >= 0 else []
        i = j
    return [first]  # not reached: ways[0] == 2 means a piece with two steps


def _walk(steps: list[list[tuple[int, int]]], ways: list[int], i: int, n: int) -> list[int]:
    """The reading from piece ``i`` that takes the longest label first at every step."""
    out = []
    while i < n:
        j, hit = next(s for s in steps[i] if ways[s[0]])
        if hit >= 0:
            out.append(hit)
        i = j
    return out


def _as_number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if np.isfinite(value) else None
