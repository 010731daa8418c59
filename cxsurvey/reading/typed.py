"""An export's study columns as typed Arrow columns, for ``cxsurvey convert``.

Rules (every cell keeps its meaning; nothing is dropped):

- a column whose every non-blank cell is a number becomes ``int64`` when all of
  them are whole numbers, else ``float64``; blank cells become nulls (a missing
  code such as ``-99`` stays a number: the study's ``source.missing`` still
  applies when the dataset is read);
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
from cxsurvey.study.models import Date, Study


@dataclass
class TypedExport:
    table: object  # pyarrow.Table, columns named as in the export
    labels: dict[str, str]
    notes: list[str] = field(default_factory=list)


def typed_columns(export, study: Study) -> TypedExport:
    """Every column of ``export`` (read for ``study``) with the type its cells allow."""
    import pyarrow as pa

    dates = {q.column: q for q in study.questions.values() if isinstance(q, Date)}
    names, arrays, notes = [], [], []
    for name in export.table.column_names:
        arr = export.table.column(name).combine_chunks()
        if name in dates:
            typed, note = _date_column(arr, dates[name])
        else:
            typed, note = _number_or_text(arr), None
        names.append(name)
        arrays.append(typed)
        if note:
            notes.append(f"column {name!r}: {note}")
    labels = {n: export.labels.get(n, "") for n in names if export.labels.get(n)}
    return TypedExport(pa.table(arrays, names=names), labels, notes)


def partition_labels(table, question: Date, period: str) -> list[str | None]:
    """Each row's period (``2026-06``, ``2026-Q2``) by the date question, in its time zone."""
    parsed = parse_dates(
        table.column(question.column).combine_chunks(), question.format, question.timezone
    )
    labels, index = periods(parsed.instants, period, question.timezone)
    return [labels[i] if i >= 0 else None for i in index.tolist()]


def _number_or_text(arr):
    import pyarrow as pa

    if pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type):
        return arr
    cells = cell_values(arr, [])
    if cells.non_numeric.any():
        return arr.cast(pa.string())
    numbers = cells.numbers
    present = ~cells.missing
    whole = np.all(np.mod(numbers[present], 1) == 0) and np.all(np.abs(numbers[present]) < 2**53)
    if whole:
        values = np.where(present, numbers, 0).astype(np.int64)
        return pa.array(values, pa.int64(), mask=~present)
    return pa.array(numbers, pa.float64(), mask=~present)


def _date_column(arr, question: Date):
    import pyarrow as pa

    parsed = parse_dates(arr, question.format, question.timezone)
    bad = int(parsed.unparseable.sum())
    if bad:
        return arr.cast(pa.string()), f"{bad} cells are not dates; kept as text"
    ok = ~np.isnat(parsed.instants)
    seconds = np.where(ok, parsed.instants.astype("datetime64[s]").astype(np.int64), 0)
    return pa.array(seconds, pa.int64(), mask=~ok).cast(pa.timestamp("s", tz="UTC")), None
