"""Turn a figure's question (or scale variable) into rows of per-respondent data.

Each row is either a *percent* row (who is in the base, who counts) or a *mean*
row (a value per respondent, NaN outside the base). Bases follow the spec:
answered, not-applicable codes excluded, invalid codes (not among the options,
or a numeric value outside its range) excluded and counted for a warning. For a
one-column-per-option ``multi``, 0 means "seen, not selected".
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cxsurvey.errors import DataError
from cxsurvey.reading.cells import (
    blank_mask,
    number_isin,
    split_codes,
    text_isin,
    to_numbers,
)
from cxsurvey.reading.choices import (
    choice_index,
    did_you_mean,
    is_text,
    kind_mismatch,
    normalise_label,
    normalised_text,
)
from cxsurvey.scoring.responses import Responses
from cxsurvey.scoring.run import ScoreResult
from cxsurvey.study import models
from cxsurvey.study.checks import SHOW_KEYWORDS
from cxsurvey.study.variables import DerivedVariable
from cxsurvey.tabulation.wording import item_label


@dataclass(frozen=True)
class PercentRow:
    label: str
    hit: np.ndarray  # bool
    base: np.ndarray  # bool


@dataclass(frozen=True)
class MeanRow:
    label: str
    values: np.ndarray  # float, NaN outside the base


@dataclass(frozen=True)
class NpsRows:
    promoter: np.ndarray
    detractor: np.ndarray
    base: np.ndarray


@dataclass
class QuestionRows:
    stat: str
    rows: list[PercentRow | MeanRow] = field(default_factory=list)
    nps: NpsRows | None = None
    invalid: dict[str, tuple[int, Any, str]] = field(default_factory=dict)
    """column -> (invalid cells, an example, a "did you mean" hint or "")."""


def coded_choices(q: Any) -> tuple[list[Any], list[str | None], list[int]]:
    """(codes, labels, indices of not-applicable codes) a coded column is matched
    against: the options, then not-applicable codes that are not options."""
    codes: list[Any] = list(q.options)
    labels: list[str | None] = list(q.options.values())
    keys = [_key(c) for c in codes]
    na = []
    for code in q.not_applicable:
        if _key(code) not in keys:
            codes.append(code)
            labels.append(None)
            keys.append(_key(code))
        na.append(keys.index(_key(code)))
    return codes, labels, na


def code_positions(q: Any, codes: list[Any]) -> list[int]:
    """Indices into ``coded_choices(q)[0]`` of the given codes (unknown codes dropped)."""
    keys = [_key(c) for c in coded_choices(q)[0]]
    return [keys.index(_key(c)) for c in codes if _key(c) in keys]


def coded_index(responses: Responses, column: str, q: Any) -> np.ndarray:
    """Per included respondent, the index of their answer in ``coded_choices(q)``
    (by code or, for choice-text exports, by label), -1 when blank, missing or
    invalid. Computed once per column and option set."""
    codes, labels, _ = coded_choices(q)
    key = ("choices", column, tuple(map(_key, codes)), tuple(labels))

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


def _coded_cells(responses: Responses, column: str, q: Any, name: str, out: QuestionRows):
    """(choice index, value, base) of a single/grid column: the base is answered,
    valid and not not-applicable; the value is the option's numeric code (NaN
    for text codes)."""
    idx = coded_index(responses, column, q)
    codes, _, na = coded_choices(q)
    invalid, example, hint = invalid_cells(responses, column, q, name, idx)
    if invalid.any():
        out.invalid[column] = (int(invalid.sum()), example, hint)
    base = idx >= 0
    if na:
        base &= ~np.isin(idx, na)
    values = np.array([*(_number(c) for c in codes), np.nan])[idx]
    return idx, values, base


def _number(code: Any) -> float:
    nums, _ = split_codes([code])
    return nums[0] if nums else np.nan


def _option_rows(
    q: Any, idx: np.ndarray, base: np.ndarray, show: str, item: str | None = None
) -> list[PercentRow]:
    """Rows for options and/or nets, or the single option/net ``show`` names.

    Grid rows are labelled ``item: option``, or just ``item`` when ``show`` names
    one option or net.
    """
    picks: list[tuple[str, list[Any]]] = []
    if show in ("options", "both"):
        picks += [(label, [code]) for code, label in q.options.items()]
    if show in ("nets", "both"):
        picks += list(q.nets.items())
    if show not in SHOW_KEYWORDS:
        codes = q.nets.get(show) or [c for c, label in q.options.items() if label == show]
        picks = [(show, list(codes))]
    rows = []
    for label, codes in picks:
        if item is not None:
            label = f"{item}: {label}" if show in SHOW_KEYWORDS else item
        hit = np.isin(idx, code_positions(q, codes))
        rows.append(PercentRow(label, base & hit, base))
    return rows


def question_rows(var: DerivedVariable, stat: str, show: str, scores: ScoreResult) -> QuestionRows:
    responses = scores.responses
    out = QuestionRows(stat)
    q = var.question
    if var.kind in ("scale", "scale group", "scale groups"):
        scale = scores.scales[var.scale]
        if var.kind == "scale":
            out.rows.append(MeanRow(scale.label, scale.total))
        else:
            groups = [var.group] if var.group else list(scale.groups)
            out.rows += [MeanRow(g, scale.groups[g]) for g in groups]
        return out
    if var.kind == "band":
        scale = scores.scales[var.scale]
        base = scale.band >= 0
        labels = scale.band_labels if show in SHOW_KEYWORDS else [show]
        out.rows += [
            PercentRow(label, scale.band == scale.band_labels.index(label), base)
            for label in labels
        ]
        return out
    if isinstance(q, models.Single):
        idx, values, base = _coded_cells(responses, q.column, q, var.name, out)
        if stat == "mean":
            out.rows.append(MeanRow(q.text or var.name, np.where(base, values, np.nan)))
        else:
            out.rows += _option_rows(q, idx, base, show)
        return out
    if isinstance(q, models.Grid):
        for item, column in q.columns.items():
            if item == column:  # `columns` given as a list: the export names the items
                item = item_label(column, responses.export.labels) or item
            idx, values, base = _coded_cells(responses, column, q, var.name, out)
            if stat == "mean":
                out.rows.append(MeanRow(item, np.where(base, values, np.nan)))
            else:
                out.rows += _option_rows(q, idx, base, show, item)
        return out
    if isinstance(q, models.Multi):
        selected, base = _multi_selected(responses, q, out)
        codes_by_label = {label: [code] for code, label in q.options.items()}
        picks: dict[str, list[Any]] = {}
        if show in ("options", "both"):
            picks.update(codes_by_label)
        if show in ("nets", "both"):
            picks.update(q.nets)
        if show not in SHOW_KEYWORDS:
            picks = {show: q.nets.get(show) or codes_by_label[show]}
        for label, codes in picks.items():
            hit = np.logical_or.reduce([selected[_key(c)] for c in codes if _key(c) in selected])
            out.rows.append(PercentRow(label, hit & base, base))
        return out
    cells = responses.cells(q.column)
    numbers, answered = cells.numbers, ~cells.missing & ~np.isnan(cells.numbers)
    if isinstance(q, models.Nps):
        valid = answered & (numbers >= 0) & (numbers <= 10) & (numbers == np.round(numbers))
    else:
        valid = answered.copy()
        if q.range is not None:
            valid &= (numbers >= q.range[0]) & (numbers <= q.range[1])
    invalid = ~cells.missing & ~valid
    if invalid.any():
        i = int(np.argmax(invalid))
        row = int(responses.row_numbers[i])
        out.invalid[q.column] = (
            int(invalid.sum()),
            responses.export.table.column(q.column)[row].as_py(),
            "",
        )
    if isinstance(q, models.Nps) and stat == "nps":
        out.nps = NpsRows(valid & (numbers >= 9), valid & (numbers <= 6), valid)
        return out
    if isinstance(q, models.Numeric) and stat == "percent":  # bins (extension)
        bins = q.bins if show in SHOW_KEYWORDS else [b for b in q.bins if b.label == show]
        for b in bins:
            hit = valid.copy()
            if b.min is not None:
                hit &= numbers >= b.min
            if b.max is not None:
                hit &= numbers <= b.max
            out.rows.append(PercentRow(b.label, hit, valid))
        return out
    out.rows.append(MeanRow(q.text or var.name, np.where(valid, numbers, np.nan)))
    return out


def _key(code: Any) -> Any:
    try:
        return float(code)
    except (TypeError, ValueError):
        return str(code)


def _multi_selected(
    responses: Responses, q: models.Multi, out: QuestionRows
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
    out.invalid.update(invalid)
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
            label = next((lab for c, lab in q.options.items() if _key(c) == _key(code)), None)
        number = _number(code)
        sel = cells.numbers == 1
        if number not in (0.0, 1.0) and not np.isnan(number):
            sel |= cells.numbers == number
        unsel = cells.numbers == 0
        if cells.non_numeric.any():
            norm = normalised_text(responses.text(column))
            yes = [*_TICKED, normalise_label(str(code))]
            yes += [normalise_label(label)] if label is not None else []
            ticked = _isin(norm, yes) & cells.non_numeric
            sel |= ticked
            unsel |= _isin(norm, list(_UNTICKED)) & cells.non_numeric & ~ticked
        wrong = ~cells.missing & ~sel & ~unsel
        if wrong.any():
            i = int(np.argmax(wrong))
            example = responses.export.table.column(column)[int(responses.row_numbers[i])].as_py()
            if not (sel | unsel).any():
                raise DataError(
                    f"{responses.export.path}: column {column!r} (option {label or code!r}) "
                    f"holds {example!r}, which is not a multi-select value: a selected cell "
                    f"holds 1, True, Yes or the option's label {label!r}; an unselected one "
                    "0, False, No or nothing. Check that the column belongs to this option"
                )
            hint = did_you_mean(example, [label, "True", "False", "Yes", "No"])
            invalid[column] = (int(wrong.sum()), example, hint)
            bad |= wrong
        selected[_key(code)] = sel
        answered |= sel | unsel
    for key in selected:
        selected[key] = selected[key] & ~bad
    return selected, answered & ~bad, invalid, bad


def _isin(norm: pa.Array, values: list[str]) -> np.ndarray:
    hit = pc.is_in(norm, value_set=pa.array(values, pa.string()))
    return np.asarray(pc.fill_null(hit, False).to_numpy(zero_copy_only=False), dtype=bool)


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
    decomposed into declared labels, longest label first, so a label containing
    the delimiter ("Soy, peanut, or tree nut allergies") is one answer; labels
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
    if redo.any():
        _decompose_cells(arr, redo, q, responses.study.source.missing, rows, bad)
    selected = {_key(code): rows[:, i] & ~bad for i, code in enumerate(codes)}
    invalid = {}
    if bad.any():
        example = arr[int(np.argmax(bad))].as_py()
        if not (rows.any(axis=1) & ~bad).any():
            _refuse_other_kind(responses, q, numbers[real], example)
        invalid[q.column] = (int(bad.sum()), example, did_you_mean(example, labels))
    return selected, rows.any(axis=1) & ~bad, invalid, bad


def _refuse_other_kind(responses: Responses, q: models.Multi, numbers, example) -> None:
    """No cell of a one-cell multi decomposes: refuse a column of the other kind
    (choice text where the options have numeric codes, or the reverse)."""
    nums, texts = split_codes(list(q.options))
    where = f"{responses.export.path}: column {q.column!r}"
    if nums and np.isnan(numbers).all():
        raise DataError(
            f"{where} holds choice text (e.g. {example!r}) where the study declares numeric "
            "codes, and no cell decomposes into the option labels: the export was made with "
            '"use choice text". Export with numeric values, or write each option\'s label as '
            "the export spells it (case, surrounding spaces and quote style are ignored)"
        )
    if not nums and texts and not np.isnan(numbers).any():
        raise DataError(
            f"{where} holds numeric codes (e.g. {example!r}) where the study declares its "
            "options by label only (a choice-text export). Export with choice text, or "
            "declare the options as {code: label}"
        )


def _decompose_cells(
    arr: pa.Array, redo: np.ndarray, q: models.Multi, missing: list[Any], rows, bad
) -> None:
    """Decompose the ``redo`` cells into options by label (longest first), in place.

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
            _decompose(value, q.delimiter, lookup, num_codes, voids, num_voids)
            if value is not None
            else None
        )
    index = np.asarray(pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False))
    for k, picks in enumerate(found):
        members = where[index == k]
        if picks is None:
            bad[members] = True
            continue
        rows[members] = False
        rows[np.ix_(members, picks)] = True
        bad[members] = False


def _decompose(
    cell: str, delimiter: str, lookup: dict[str, int], num_codes, voids, num_voids
) -> list[int] | None:
    """Option indices a cell decomposes into (longest label first, backtracking),
    or None when it does not decompose."""
    pieces = cell.split(delimiter)

    @functools.cache
    def rest(i: int) -> tuple[int, ...] | None:
        if i == len(pieces):
            return ()
        piece = normalise_label(pieces[i])
        if not piece or piece in voids or _as_number(piece) in num_voids:
            return rest(i + 1)
        for j in range(len(pieces), i, -1):
            text = normalise_label(delimiter.join(pieces[i:j]))
            hit = lookup.get(text)
            if hit is None and j == i + 1:
                hit = num_codes.get(_as_number(text))
            if hit is not None and (tail := rest(j)) is not None:
                return (hit, *tail)
        return None

    found = rest(0)
    return None if found is None else list(dict.fromkeys(found))


def _as_number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if np.isfinite(value) else None
