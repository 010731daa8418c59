"""Turn a figure's question (or scale variable) into rows of per-respondent data.

Each row is either a *percent* row (who is in the base, who counts) or a *mean*
row (a value per respondent, NaN outside the base). Bases follow the spec:
answered, not-applicable codes excluded, invalid codes (not among the options,
or a numeric value outside its range) excluded and counted for a warning. For a
one-column-per-option ``multi``, 0 means "seen, not selected".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cxsurvey.reading.cells import (
    blank_mask,
    code_isin,
    number_isin,
    split_codes,
    text_isin,
    to_numbers,
)
from cxsurvey.scoring.responses import Responses
from cxsurvey.scoring.run import ScoreResult
from cxsurvey.study import models
from cxsurvey.study.checks import SHOW_KEYWORDS
from cxsurvey.study.variables import DerivedVariable


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
    invalid: dict[str, tuple[int, Any]] = field(default_factory=dict)  # column -> (n, example)


def _coded_cells(responses: Responses, column: str, q: Any, out: QuestionRows):
    """(text, numbers, base) of a single/grid column: answered, valid, not
    not-applicable. The text is only fetched when some code is text."""
    cells = responses.cells(column)
    codes = [*q.options, *q.not_applicable, *(c for net in q.nets.values() for c in net)]
    arr = responses.text(column) if split_codes(codes)[1] else None
    valid = code_isin(arr, cells.numbers, list(q.options))
    na = (
        code_isin(arr, cells.numbers, q.not_applicable)
        if q.not_applicable
        else np.zeros(len(valid), dtype=bool)
    )
    invalid = ~cells.missing & ~valid & ~na
    if invalid.any():
        row = int(responses.row_numbers[int(np.argmax(invalid))])
        example = responses.export.table.column(column)[row].as_py()
        out.invalid[column] = (int(invalid.sum()), example)
    return arr, cells.numbers, ~cells.missing & valid & ~na


def _option_rows(
    q: Any, arr, numbers, base, show: str, item: str | None = None
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
        rows.append(PercentRow(label, base & code_isin(arr, numbers, codes), base))
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
        arr, numbers, base = _coded_cells(responses, q.column, q, out)
        if stat == "mean":
            out.rows.append(MeanRow(q.text or var.name, np.where(base, numbers, np.nan)))
        else:
            out.rows += _option_rows(q, arr, numbers, base, show)
        return out
    if isinstance(q, models.Grid):
        for item, column in q.columns.items():
            arr, numbers, base = _coded_cells(responses, column, q, out)
            if stat == "mean":
                out.rows.append(MeanRow(item, np.where(base, numbers, np.nan)))
            else:
                out.rows += _option_rows(q, arr, numbers, base, show, item)
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

    One column per option: the base is whoever answered any column (0 = seen, not
    selected). One delimited cell: whoever selected at least one valid option.
    """
    if q.columns is not None:
        selected = {}
        base = np.zeros(responses.included, dtype=bool)
        for code, column in q.columns.items():
            cells = responses.cells(column)
            selected[_key(code)] = ~cells.missing & ~(cells.numbers == 0)
            base |= ~cells.missing
        return selected, base
    selected, base, invalid, _ = responses.memo(*delimited_task(responses, q))
    out.invalid.update(invalid)
    return selected, base


def delimited_task(responses: Responses, q: models.Multi) -> tuple[Any, Callable[[], Any]]:
    """(memo key, computation) of a delimited multi question's selections."""
    key = ("multi", q.column, q.delimiter, tuple(q.options))
    return key, lambda: _delimited_selected(responses, q)


def _delimited_selected(
    responses: Responses, q: models.Multi
) -> tuple[dict[Any, np.ndarray], np.ndarray, dict[str, tuple[int, Any]], np.ndarray]:
    """(selected per option, base, invalid-code summary, invalid cells).

    Splits every cell once into tokens and match whole tokens against the codes.

    In "1,11" the tokens are 1 and 11, so code 1 and code 11 are selected and 10
    never is. Numeric codes compare as numbers (" 2 " and "2.0" are code 2), text
    codes exactly after trimming. Empty tokens ("1,,3") and missing-code tokens
    are ignored, so a blank cell or one holding only missing codes is missing. A
    cell with any other token that is not an option is invalid: out of the base,
    and counted for the figure's warnings.
    """
    arr = responses.text(q.column)
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
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
    known = np.zeros(len(tokens), dtype=bool)
    selected: dict[Any, np.ndarray] = {}
    for code in q.options:
        if split_codes([code])[1]:
            hit = text_isin(tokens, [str(code)]) & real
        else:
            hit = (numbers == float(code)) & real
        known |= hit
        chosen = np.zeros(len(arr), dtype=bool)
        chosen[owner[hit]] = True
        selected[_key(code)] = chosen
    bad = np.zeros(len(arr), dtype=bool)
    bad[owner[~known & ~void]] = True
    invalid = {}
    if bad.any():
        invalid[q.column] = (int(bad.sum()), arr[int(np.argmax(bad))].as_py())
        for key in selected:
            selected[key] &= ~bad
    return selected, np.logical_or.reduce(list(selected.values())), invalid, bad
