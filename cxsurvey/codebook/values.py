"""The export's cells, read once, for codebooks (every column, by position).

Columns are addressed by position because exports can repeat a column name. Each
layout is read by the reader's own code, so describe and init see the cells the
figures see: CSV/TSV by ``reading.export.read_csv_columns`` (all text, blanks as
null), Parquet with ``reading.parquet.plain_types``, a .sav by ``reading.sav``
(numeric codes kept; value labels come from the header).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cxsurvey.codebook.header import ExportHeader
from cxsurvey.errors import DataError
from cxsurvey.reading.cells import NUMBER_PATTERN

MISSING_TEXT = frozenset({"-99"})  # Qualtrics: seen but unanswered


@dataclass(frozen=True)
class ColumnSummary:
    """What one column holds: answered cells and its distinct values."""

    answered: int  # cells neither blank nor whitespace only
    values: dict[str, int]  # distinct trimmed text -> count (numbers as written)
    numeric: bool  # every answered cell is a number
    unanswered_raw: tuple[str, ...] = ()  # distinct raw cells that are blank or -99 once trimmed
    missing: int = 0  # cells holding -99 (Qualtrics: seen but unanswered)


@dataclass(frozen=True)
class ExportValues:
    """Every column's cells (text as written, empty cells null) and their summaries."""

    rows: int
    columns: list  # pyarrow string arrays, by position
    summaries: list[ColumnSummary]

    def answered_any(self, positions: list[int]) -> int:
        """Respondents with at least one of these columns answered (not blank, not -99)."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.compute as pc

        if len(positions) == 1:
            s = self.summaries[positions[0]]
            return s.answered - s.missing
        hit = np.zeros(self.rows, dtype=bool)
        for i in positions:
            col = self.columns[i]
            ok = pc.is_valid(col)
            skip = self.summaries[i].unanswered_raw
            if skip:
                ok = pc.and_(ok, pc.invert(pc.is_in(col, value_set=pa.array(skip, pa.string()))))
            hit |= np.asarray(pc.fill_null(ok, False).to_numpy(zero_copy_only=False), dtype=bool)
        return int(hit.sum())


def read_values(header: ExportHeader, max_distinct: int = 200) -> ExportValues:
    """Every column of the export, read once, with a summary per column."""
    if header.kind == "sav":
        return _sav_values(header, max_distinct)
    if header.kind == "parquet":
        return _parquet_values(header, max_distinct)
    from cxsurvey.reading.export import read_csv_columns

    table = read_csv_columns(Path(header.path), header.layout, list(range(len(header.names))))
    return _values(
        table.num_rows, [table.column(i) for i in range(table.num_columns)], max_distinct
    )


def _values(rows: int, raw: list, max_distinct: int) -> ExportValues:
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = [
        col if pa.types.is_string(col.type) or pa.types.is_large_string(col.type)
        else pc.cast(col, pa.string())
        for col in raw
    ]  # fmt: skip
    return ExportValues(rows, columns, [_summary(c, max_distinct) for c in columns])


def _summary(col, max_distinct: int) -> ColumnSummary:
    """Summarise one column from its distinct values (never a pass per cell in Python)."""
    import pyarrow.compute as pc

    counts = pc.value_counts(col)
    values, ns = counts.field("values"), counts.field("counts")
    present = pc.is_valid(values)
    values, ns = pc.filter(values, present), pc.filter(ns, present)
    trimmed = pc.utf8_trim_whitespace(values)
    blank = pc.equal(trimmed, "")
    filled = pc.invert(blank)
    answered = int(pc.sum(pc.filter(ns, filled)).as_py() or 0)
    kept = pc.filter(trimmed, filled)
    numeric = answered > 0 and bool(pc.all(pc.match_substring_regex(kept, NUMBER_PATTERN)).as_py())
    is_missing = pc.is_in(trimmed, value_set=_pa_set(MISSING_TEXT))
    missing = int(pc.sum(pc.filter(ns, is_missing)).as_py() or 0)
    unanswered = tuple(pc.filter(values, pc.or_(blank, is_missing)).to_pylist())
    kept_n = pc.filter(ns, filled)
    if len(kept) > max_distinct:  # the most frequent values, for a look
        top = pc.sort_indices(kept_n, sort_keys=[("", "descending")]).slice(0, max_distinct)
        kept, kept_n = pc.take(kept, top), pc.take(kept_n, top)
    out: dict[str, int] = {}
    for v, n in zip(kept.to_pylist(), kept_n.to_pylist(), strict=True):
        out[v] = out.get(v, 0) + n  # "1" and " 1" are one value once trimmed
    return ColumnSummary(answered, out, numeric, unanswered, missing)


def _pa_set(values: frozenset[str]):
    import pyarrow as pa

    return pa.array(sorted(values), pa.string())


def _parquet_values(header: ExportHeader, max_distinct: int) -> ExportValues:
    import pyarrow as pa

    from cxsurvey.reading.parquet import open_dataset, plain_types

    try:
        table = plain_types(open_dataset(Path(header.path)).to_table())
    except (pa.ArrowInvalid, OSError) as exc:
        raise DataError(f"{header.path}: cannot read it as Parquet ({exc})") from None
    return _values(table.num_rows, list(table.columns), max_distinct)


def _sav_values(header: ExportHeader, max_distinct: int) -> ExportValues:
    from cxsurvey.reading.export import load_export

    names = list(header.layout.header)
    export = load_export(header.path, names, fmt="sav")
    return _values(export.num_rows, [export.column(n) for n in names], max_distinct)
