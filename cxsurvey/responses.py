"""The included respondents of one export under one study.

Reads the columns the study uses, applies ``source.include`` once, and hands out
per-column numbers (cached) to scoring and tabulation. Counts: ``read`` rows in
the export, ``included`` after the filters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from .cells import CellValues, cell_values
from .errors import DataError
from .filters import filter_mask
from .io.export import Export, load_export
from .study.models import Study, question_columns


@dataclass
class Responses:
    study: Study
    export: Export
    table: pa.Table  # included rows only
    read: int
    id_column: str | None
    row_numbers: np.ndarray  # 0-based data row in the export of each included row
    _cells: dict[str, CellValues] = field(default_factory=dict, repr=False)

    @property
    def included(self) -> int:
        return self.table.num_rows

    @property
    def ids(self) -> pa.Array:
        """Respondent ids as text; the 1-based data row number when the export has none."""
        if self.id_column is None:
            return pa.array(self.row_numbers + 1).cast(pa.string())
        return self.table.column(self.id_column).combine_chunks().cast(pa.string())

    def cells(self, column: str) -> CellValues:
        if column not in self._cells:
            self._cells[column] = cell_values(self.table.column(column), self.study.source.missing)
        return self._cells[column]

    def describe_row(self, i: int) -> str:
        """How to name included row ``i`` in a message: its id and data row number."""
        row = int(self.row_numbers[i]) + 1
        if self.id_column is None:
            return f"data row {row}"
        rid = self.table.column(self.id_column)[i].as_py()
        return f"respondent {rid} (data row {row})"


def study_columns(study: Study) -> tuple[list[str], dict[str, str]]:
    """Columns a study needs and, for messages, which study key asks for each."""
    where: dict[str, str] = {}
    src = study.source
    for i, f in enumerate(src.include):
        where.setdefault(f.column, f"source.include[{i}]")
    if src.weight:
        where.setdefault(src.weight, "source.weight")
    for name, scale in study.scales.items():
        for col in scale.items:
            where.setdefault(col, f"scales.{name}")
    for name, q in study.questions.items():
        for col in question_columns(q):
            where.setdefault(col, f"questions.{name}")
    for fig in study.figures:
        for f in fig.filter:
            where.setdefault(f.column, f"figure {fig.id!r} filter")
    if src.id:
        where.setdefault(src.id, "source.id")
    return study.columns(), where


def load_responses(path: str | Path, study: Study) -> Responses:
    """Read the export for ``study`` and keep the rows its ``source.include`` allows."""
    columns, where = study_columns(study)
    optional: list[str] = []
    if study.source.id is None:
        columns = [c for c in columns if c != "ResponseId"]
        optional = ["ResponseId"]
    export = load_export(
        path,
        columns,
        fmt=study.source.format,
        encoding=study.source.encoding,
        optional=optional,
        where=where,
    )
    id_column = study.source.id or ("ResponseId" if export.has("ResponseId") else None)
    table = export.table
    read = table.num_rows
    keep = filter_mask(table, study.source.include, study.source.missing)
    rows = np.flatnonzero(keep)
    if len(rows) != read:
        table = table.filter(pa.array(keep))
    if len(rows) == 0:
        raise DataError(
            f"{export.path}: source.include keeps none of the {read} responses; "
            "check the filter codes against the export"
        )
    return Responses(study, export, table, read, id_column, rows)


def scale_numbers(
    responses: Responses, column: str, scale_name: str, allowed: list[float]
) -> np.ndarray:
    """An item's codes as numbers; codes outside ``allowed`` become NaN (unanswered).

    Text that is neither a number nor a missing code is an error naming the cell.
    """
    cells = responses.cells(column)
    if cells.non_numeric.any():
        i = int(np.argmax(cells.non_numeric))
        value: Any = responses.table.column(column)[i].as_py()
        count = int(cells.non_numeric.sum())
        others = f" ({count - 1} more such cells)" if count > 1 else ""
        raise DataError(
            f"{responses.export.path}: column {column!r}, {responses.describe_row(i)}: "
            f"{value!r} is not a numeric code of scale {scale_name!r}{others}; fix the export "
            "or list the code under source.missing"
        )
    numbers = cells.numbers
    valid = np.isin(numbers, allowed)
    if valid.all():
        return numbers
    return np.where(valid, numbers, np.nan)
