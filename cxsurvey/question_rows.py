"""Turn a figure's question (or scale variable) into rows of per-respondent data.

Each row is either a *percent* row (who is in the base, who counts) or a *mean*
row (a value per respondent, NaN outside the base). Bases follow the spec:
answered, not-applicable codes excluded, invalid codes (not among the options,
or a numeric value outside its range) excluded and counted for a warning. For a
one-column-per-option ``multi``, 0 means "seen, not selected".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .cells import code_isin
from .responses import Responses
from .score_run import ScoreResult
from .study import models
from .study.checks import SHOW_KEYWORDS
from .study.variables import DerivedVariable


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
    """(numbers, base) of a single/grid column: answered, valid, not not-applicable."""
    cells = responses.cells(column)
    arr = responses.export.table.column(column)
    answered = ~cells.missing
    if not responses.all_rows:
        arr = arr.take(pa.array(responses.row_numbers))
    valid = code_isin(arr, cells.numbers, list(q.options))
    na = (
        code_isin(arr, cells.numbers, q.not_applicable)
        if q.not_applicable
        else np.zeros(len(valid), dtype=bool)
    )
    invalid = answered & ~valid & ~na
    if invalid.any():
        i = int(np.argmax(invalid))
        out.invalid[column] = (int(invalid.sum()), arr[i].as_py())
    return arr, cells.numbers, answered & valid & ~na


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
    arr = responses.text(q.column)
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        arr = arr.cast(pa.string())
    cells = responses.cells(q.column)
    arr = pc.if_else(pa.array(cells.missing), pa.scalar(None, pa.string()), arr)
    delim = re.escape(q.delimiter)
    selected: dict[Any, np.ndarray] = {}
    matched = np.zeros(len(arr), dtype=np.int64)
    for code in q.options:
        token = re.escape(str(code))
        if isinstance(code, int) or (isinstance(code, float) and code.is_integer()):
            token = f"{int(code)}(?:\\.0+)?"
        # Whole tokens only: in "1,11" the code 1 matches once and 11 once; 10 never.
        pattern = f"(?:^|{delim})\\s*{token}\\s*(?:{delim}|$)"
        hit = pc.fill_null(pc.match_substring_regex(arr, pattern), False)
        chosen = np.asarray(hit.to_numpy(zero_copy_only=False), dtype=bool)
        selected[_key(code)] = chosen
        matched += chosen
    tokens = pc.add(pc.count_substring(arr, q.delimiter), 1)
    tokens = np.asarray(pc.fill_null(tokens, 0).to_numpy(zero_copy_only=False))
    bad = tokens > matched
    if bad.any():
        i = int(np.argmax(bad))
        out.invalid[q.column] = (int(bad.sum()), arr[i].as_py())
        # A cell with any code outside the options is invalid data: out of the base.
        for key in selected:
            selected[key] = selected[key] & ~bad
    return selected, np.logical_or.reduce(list(selected.values()))
