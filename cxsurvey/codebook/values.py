"""The export's cells, read once as text, for codebooks (every column, by position).

Columns are addressed by position because exports can repeat a column name.
CSV/TSV go through pyarrow (all columns as text, blanks as null); a .sav through
pyreadstat with its numeric codes kept (value labels come from the header).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cxsurvey.codebook.header import ExportHeader
from cxsurvey.errors import DataError

MISSING_TEXT = frozenset({"-99"})  # Qualtrics: seen but unanswered
_NUMBER = r"^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$"


@dataclass(frozen=True)
class ColumnSummary:
    """What one column holds: answered cells and its distinct values."""

    answered: int  # non-blank cells
    values: dict[str, int]  # distinct trimmed text -> count (numbers as written)
    numeric: bool  # every answered cell is a number

    def numbers(self) -> list[float]:
        return sorted({float(v) for v in self.values if _is_number(v)})


def _is_number(text: str) -> bool:
    try:
        f = float(text)
    except ValueError:
        return False
    return f == f and f not in (float("inf"), float("-inf"))


@dataclass(frozen=True)
class ExportValues:
    """Every column's cells (text, blanks as null) and their summaries, by position."""

    rows: int
    columns: list  # pyarrow string arrays, trimmed, blank -> null
    summaries: list[ColumnSummary]

    def answered_any(self, positions: list[int], ignore: frozenset[str] = MISSING_TEXT) -> int:
        """Respondents with at least one of these columns answered (not blank, not -99)."""
        import numpy as np
        import pyarrow.compute as pc

        hit = np.zeros(self.rows, dtype=bool)
        for i in positions:
            col = self.columns[i]
            ok = pc.and_(pc.is_valid(col), pc.invert(pc.is_in(col, value_set=_set(ignore))))
            hit |= np.asarray(pc.fill_null(ok, False).to_numpy(zero_copy_only=False), dtype=bool)
        return int(hit.sum())


def _set(values: frozenset[str]):
    import pyarrow as pa

    return pa.array(sorted(values), pa.string())


def read_values(header: ExportHeader, max_distinct: int = 200) -> ExportValues:
    """Every column of the export, read once, with a summary per column."""
    if header.layout.kind == "sav":
        return _sav_values(header, max_distinct)
    import pyarrow as pa
    from pyarrow import csv as pacsv

    layout = header.layout
    read = pacsv.ReadOptions(
        encoding="utf8" if layout.encoding in ("utf-8", "utf8") else layout.encoding,
        skip_rows_after_names=max(0, header.header_rows - 1),
        block_size=1 << 24,
    )
    parse = pacsv.ParseOptions(delimiter=layout.delimiter, newlines_in_values=True)
    convert = pacsv.ConvertOptions(
        column_types={name: pa.string() for name in set(header.names)},
        strings_can_be_null=True,
        null_values=[""],
        quoted_strings_can_be_null=True,
    )
    try:
        table = pacsv.read_csv(
            header.path, read_options=read, parse_options=parse, convert_options=convert
        )
    except (pa.ArrowInvalid, LookupError, pa.ArrowNotImplementedError) as exc:
        raise DataError(
            f"{header.path}: cannot read the responses ({str(exc).splitlines()[0]})"
        ) from None
    return _values(
        table.num_rows, [table.column(i) for i in range(table.num_columns)], max_distinct
    )


def _values(rows: int, raw: list, max_distinct: int) -> ExportValues:
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = []
    for col in raw:
        if not pa.types.is_string(col.type) and not pa.types.is_large_string(col.type):
            col = pc.cast(col, pa.string())
        trimmed = pc.utf8_trim_whitespace(col)
        columns.append(pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed))
    return ExportValues(rows, columns, [_summary(c, max_distinct) for c in columns])


def _summary(trimmed, max_distinct: int) -> ColumnSummary:
    import pyarrow.compute as pc

    answered = len(trimmed) - trimmed.null_count
    present = trimmed.drop_null()
    counts = pc.value_counts(present)
    if len(counts) > max_distinct:
        counts = counts.slice(0, max_distinct)
    values = dict(
        zip(counts.field("values").to_pylist(), counts.field("counts").to_pylist(), strict=True)
    )
    numeric = answered > 0 and bool(pc.all(pc.match_substring_regex(present, _NUMBER)).as_py())
    return ColumnSummary(answered, values, numeric)


def _sav_values(header: ExportHeader, max_distinct: int) -> ExportValues:
    import pyarrow as pa
    import pyreadstat

    try:
        frame, _ = pyreadstat.read_sav(header.path, apply_value_formats=False, user_missing=False)
    except Exception as exc:  # pyreadstat raises its own untyped errors
        raise DataError(f"{Path(header.path)}: cannot read the .sav file ({exc})") from None
    raw = []
    for name in header.names:
        col = frame[name]
        if col.dtype.kind in "fiub":
            arr = pa.array(col.to_numpy(dtype="float64", na_value=float("nan")), from_pandas=True)
        else:
            arr = pa.array(col.astype("string"), from_pandas=True)
        raw.append(pa.chunked_array([arr]))
    return _values(len(frame), raw, max_distinct)
