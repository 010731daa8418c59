"""An export's study columns as typed Arrow columns, for ``cxsurvey convert``.

Rules (every cell keeps its meaning; nothing is dropped or rounded):

- only columns the study reads as codes or numbers (scale items; single, grid,
  numeric and NPS questions; split multi-select columns; the weight; filter and
  screening columns) may become numbers, and only when every non-blank cell is a
  number: ``int64`` when all are whole numbers below 2^53 in size, else
  ``float64`` when none has more than 15 significant digits (both are exact in
  float64, which is how cxsurvey compares codes); otherwise the column stays text
  and the conversion says why. Blank cells become nulls; a missing code such as
  ``-99`` stays a number (``source.missing`` applies when the dataset is read);
- the respondent id, text questions, one-cell multi-selects and every other
  column stay text, whatever they look like (ids such as ``00123`` keep their
  zeros);
- a date question's column becomes an instant (``timestamp[s, UTC]``), read with
  the question's ``format`` and ``timezone``; when any non-blank cell is not a
  date the column stays text and the conversion says how many cells;
- everything else stays text.

The question wording of each column (the export's question-text row) goes with
the table, for the dataset's metadata.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cxsurvey.reading.cells import cell_values
from cxsurvey.reading.dates import parse_dates, periods
from cxsurvey.study.models import (
    Date,
    Grid,
    Multi,
    Nps,
    Numeric,
    Single,
    Study,
    question_columns,
)


@dataclass
class TypedExport:
    table: object  # pyarrow.Table, columns named as in the export
    labels: dict[str, str]
    notes: list[str] = field(default_factory=list)


def typed_columns(export, study: Study) -> TypedExport:
    """Every column of ``export`` (read for ``study``) with the type its cells allow."""
    import pyarrow as pa

    dates = {q.column: q for q in study.questions.values() if isinstance(q, Date)}
    numeric = numeric_columns(study)
    names, arrays, notes = [], [], []
    for name in export.table.column_names:
        arr = export.table.column(name).combine_chunks()
        if name in dates:
            typed, note = _date_column(arr, dates[name])
        elif name in numeric:
            typed, note = _number_or_text(arr)
        else:
            typed, note = (arr if pa.types.is_string(arr.type) else arr.cast(pa.string())), None
        names.append(name)
        arrays.append(typed)
        if note:
            notes.append(f"column {name!r}: {note}")
    labels = {n: export.labels.get(n, "") for n in names if export.labels.get(n)}
    return TypedExport(pa.table(arrays, names=names), labels, notes)


def numeric_columns(study: Study) -> set[str]:
    """Columns the study reads as codes or numbers (the only ones convert may type as numbers)."""
    cols: set[str] = set()
    for scale in study.scales.values():
        cols.update(scale.items)
    for q in study.questions.values():
        if isinstance(q, Single | Grid | Numeric | Nps) or (
            isinstance(q, Multi) and q.columns is not None
        ):
            cols.update(question_columns(q))
    src = study.source
    cols.update([src.weight] if src.weight else [])
    cols.update(f.column for f in src.include)
    cols.update(f.column for fig in study.figures for f in fig.filter)
    if study.quality:
        cols.update(c for c, _ in study.quality.columns(study))
    cols.discard(src.id or "")
    return cols


def partition_labels(table, question: Date, period: str):
    """Each row's period (``2026-06``, ``2026-Q2``) by the date question, in its time zone,
    as a dictionary-encoded Arrow array (null where the date is blank)."""
    import pyarrow as pa

    column = table.column(question.column).combine_chunks()
    parsed = parse_dates(column, question.format, question.timezone)
    labels, index = periods(parsed.instants, period, question.timezone)
    indices = pa.array(index, pa.int32(), mask=index < 0)
    return pa.DictionaryArray.from_arrays(indices, pa.array(labels, pa.string()))


def _number_or_text(arr):
    """(typed column, note): numbers when exact in float64, else the text as it was."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type):
        return arr, None
    cells = cell_values(arr, [])
    if cells.non_numeric.any():
        return arr.cast(pa.string()), None
    present = ~cells.missing
    numbers = cells.numbers[present]
    if np.all(np.mod(numbers, 1) == 0):
        if np.all(np.abs(numbers) < 2**53):
            values = np.where(present, cells.numbers, 0).astype(np.int64)
            return pa.array(values, pa.int64(), mask=~present), None
        return arr.cast(pa.string()), "whole numbers of 2^53 or more are kept as text"
    text = pc.utf8_trim_whitespace(arr.cast(pa.string()))
    mantissa = pc.replace_substring_regex(text, r"[eE].*$", "")
    mantissa = pc.replace_substring_regex(mantissa, r"(\.\d*?)0+$", r"\1")
    digits = pc.utf8_ltrim(pc.replace_substring_regex(mantissa, r"[^0-9]", ""), "0")
    longest = pc.max(pc.utf8_length(digits)).as_py() or 0
    if longest > 15:
        return arr.cast(
            pa.string()
        ), "numbers with more than 15 significant digits are kept as text"
    return pa.array(cells.numbers, pa.float64(), mask=~present), None


def _date_column(arr, question: Date):
    import pyarrow as pa

    parsed = parse_dates(arr, question.format, question.timezone)
    bad = int(parsed.unparseable.sum())
    if bad:
        return arr.cast(pa.string()), f"{bad} cells are not dates; kept as text"
    ok = ~np.isnat(parsed.instants)
    seconds = np.where(ok, parsed.instants.astype("datetime64[s]").astype(np.int64), 0)
    return pa.array(seconds, pa.int64(), mask=~ok).cast(pa.timestamp("s", tz="UTC")), None
