"""Turn a figure's question (or scale variable) into rows of per-respondent data.

Each row is either a *percent* row (who is in the base, who counts) or a *mean*
row (a value per respondent, NaN outside the base). Bases follow the spec:
answered, not-applicable codes excluded, invalid codes (not among the options,
or a numeric value outside its range) excluded and counted for a warning. For a
one-column-per-option ``multi``, 0 means "seen, not selected".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from cxsurvey.reading.question_text import item_label
from cxsurvey.scoring.responses import Responses
from cxsurvey.scoring.run import ScoreResult
from cxsurvey.study import models
from cxsurvey.study.checks import SHOW_KEYWORDS
from cxsurvey.study.variables import DerivedVariable
from cxsurvey.tabulation.coded import (
    code_key,
    code_number,
    code_positions,
    coded_choices,
    coded_index,
    invalid_cells,
)
from cxsurvey.tabulation.multi_select import multi_selected


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


def _coded_cells(responses: Responses, column: str, q: Any, name: str, out: QuestionRows):
    """(choice index, value, base) of a single/grid column: the base is answered,
    valid and not not-applicable; the value is the option's numeric code (NaN
    for text codes)."""
    idx = coded_index(responses, column, q)
    codes, _, na = coded_choices(q)
    invalid, example, hint = invalid_cells(responses, column, q, name, idx)
    if invalid.any():
        out.invalid[column] = (responses.count(invalid), example, hint)
    base = idx >= 0
    if na:
        base &= ~np.isin(idx, na)
    values = np.array([*(code_number(c) for c in codes), np.nan])[idx]
    return idx, values, base


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
        selected, base = multi_selected(responses, q, out.invalid)
        codes_by_label = {label: [code] for code, label in q.options.items()}
        picks: dict[str, list[Any]] = {}
        if show in ("options", "both"):
            picks.update(codes_by_label)
        if show in ("nets", "both"):
            picks.update(q.nets)
        if show not in SHOW_KEYWORDS:
            picks = {show: q.nets.get(show) or codes_by_label[show]}
        for label, codes in picks.items():
            hit = np.logical_or.reduce(
                [selected[code_key(c)] for c in codes if code_key(c) in selected]
            )
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
            responses.count(invalid),
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
