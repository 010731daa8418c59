"""What an engine computes: respondents counted, and weights summed, per group.

A figure needs only additive aggregates of its respondents (stats.design): per
combination of the values of the columns it reads (question, banner, filters,
``source.include``, clusters and strata), the number of rows, the sum of the
weights and the sum of their squares. Any engine that can group and sum computes
them (``GroupPlan`` -> an Arrow table); cxsurvey then interprets the few distinct
values (codes, labels, missing codes, dates) exactly as it interprets a
respondent's cells, with every row of the table standing for ``__n`` respondents.
Aggregates of parts of a dataset add: ``merge`` sums them by key.

Every engine must give the same table for the same plan (tests/test_engines.py):

- a ``bounds`` key of a numeric column groups by where the value lies among the
  bounds (sorted: equal to one, strictly between two neighbours, below or above
  all, NaN, null) and holds the smallest value of each group: every comparison
  with a bound is the same for all values of a group, which is all a numeric
  question's range, bins and missing codes ask of it. A column that is not
  numeric is grouped by its raw value;
- ``only`` keeps the rows whose raw ``column`` is one of the values given (Python
  values as the engines return them: decimals, dates, bytes; NaN is one value);
  ``repeated`` keeps the groups of more than one row;
- a raw key keeps the dataset's value and type (a Hive partition value is text);
- a ``local_day`` key of a timestamp with a time zone is its calendar day in that
  zone, of a timestamp without one the calendar day as written, of a date the
  date itself (date32); of a text column the text as it is (parsed afterwards);
- ``__n`` counts rows (int64); with a weight, ``__w`` and ``__w2`` sum the weight
  and its square over the rows whose weight is a finite number >= 0 and not a
  missing code, and ``__w_bad`` counts the others (float64, float64, int64). A
  weight stored as text is read as reading.cells reads a cell: trimmed of
  Unicode whitespace (``SPACE``), a number only when it matches the reader's
  ``NUMBER_PATTERN`` (not ``1_000``, ``1d`` or ``inf``), a missing if the trimmed
  text is one of the text codes of ``missing`` (numeric codes compare as numbers;
  text codes do not apply to a numeric column);
  ``__n_pos`` counts the rows whose weight is valid and > 0 (int64): a group may
  mix zero and positive weights, and a figure's ``n`` and degrees of freedom
  count respondents with a positive weight.

``reading.frequency.Frequency.from_table`` takes these columns off the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

N, W, W2, W_BAD, N_POS = "__n", "__w", "__w2", "__w_bad", "__n_pos"
# the whitespace pyarrow's utf8_trim_whitespace trims (str.isspace), as RE2 and Java write it
SPACE = r"[\x09-\x0d\x1c-\x20\x{85}\p{Z}]"
# What a plan means: bump it when an engine's table for the same plan changes, so
# aggregates cached per file (partition_cache.py) under the old meaning are not reused.
CONTRACT = 2  # 2: a weight stored as text is a number as the reader's pattern says
FILE = "__file"  # the file of each group, when aggregates are kept per file


@dataclass(frozen=True)
class Key:
    """A column grouped by: ``name`` in the result, ``column`` in the dataset."""

    name: str
    column: str
    local_day: str | None = None  # a date: group by its calendar day in this time zone
    bounds: tuple[float, ...] | None = None  # a number: group by its place among these

    @property
    def ident(self) -> tuple:
        return (self.column, self.local_day, self.bounds)


@dataclass(frozen=True)
class GroupPlan:
    """Group the rows by ``keys`` (an ``only`` key restricted to the values given)."""

    keys: tuple[Key, ...]
    weight: str | None = None  # the dataset column summed as the weight
    missing: tuple[float | str, ...] = ()  # weight codes meaning "not answered" (number or text)
    only: tuple[Key, tuple] | None = None  # keep rows whose key is one of these values
    repeated: bool = False  # keep only the groups of more than one row (duplicate ids)

    @property
    def names(self) -> list[str]:
        return [k.name for k in self.keys]


@dataclass(frozen=True)
class Source:
    """The Parquet files to read (a dataset's files after partition pruning)."""

    root: str  # the file or the Hive-partitioned directory
    files: tuple[str, ...]
    partition_columns: tuple[str, ...] = ()  # Hive keys (month=...): read as text
    schema: object = None  # pyarrow.Schema of the dataset, partition columns included


class Engine(Protocol):
    name: str

    def aggregate(
        self, source: Source, plans: Sequence[GroupPlan], by_file: bool = False
    ) -> list: ...  # one pyarrow.Table per plan; with by_file a FILE key first


def columns_read(plans: Sequence[GroupPlan]) -> set[str]:
    """Every dataset column the plans read: their keys, weights and ``only`` keys."""
    wanted = {k.column for p in plans for k in p.keys}
    wanted |= {p.weight for p in plans if p.weight is not None}
    return wanted | {p.only[0].column for p in plans if p.only is not None}


def normalise(table, day_numbers: Sequence[str] = ()):
    """An engine's Arrow result typed as the contract says, whichever engine made it.

    Counts int64, sums float64 with an empty sum 0.0 (SQL's SUM over no rows is
    null), text as ``string`` (never ``large_string``), the ``day_numbers``
    columns (days since 1970-01-01) as date32, everything else as read.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = {}
    for name in table.column_names:
        col = table.column(name)
        if name in (N, W_BAD, N_POS):
            col = col.cast(pa.int64())
        elif name in (W, W2):
            col = pc.fill_null(col.cast(pa.float64()), 0.0)
        elif name in day_numbers:
            col = col.cast(pa.int32()).cast(pa.date32())
        elif pa.types.is_large_string(col.type):
            col = col.cast(pa.string())
        columns[name] = col
    return pa.table(columns)


def merge(tables: Sequence, keys: Sequence[str]):
    """Aggregates of parts of the data -> the aggregates of the whole (sums by key)."""
    import pyarrow as pa

    tables = [t for t in tables if t.num_rows] or list(tables[:1])
    table = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
    if len(tables) < 2:
        return table
    table, values = _keys_encoded(table, keys)
    sums = [c for c in (N, W, W2, W_BAD, N_POS) if c in table.column_names]
    out = table.group_by(list(keys), use_threads=False).aggregate([(c, "sum") for c in sums])
    columns = {k: values[k].take(out.column(k)) for k in keys}
    return pa.table(columns | {c: out.column(f"{c}_sum") for c in sums})


def _keys_encoded(table, keys: Sequence[str]):
    """Each key as the index of its value in a dictionary of its distinct values ->
    (table, {key: its values}). Float keys first take -0.0 as 0.0 and every NaN as
    one NaN, as an engine's GROUP BY does (Arrow's group_by tells them apart).
    Grouping by small indices is also 15x faster than by whole-number doubles,
    which Arrow's multi-key grouper hashes poorly."""
    import pyarrow as pa
    import pyarrow.compute as pc

    values = {}
    for name in keys:
        col = table.column(name)
        if pa.types.is_floating(col.type):
            col = pc.add(col, pa.scalar(0.0, col.type))  # -0.0 + 0.0 is 0.0
            col = pc.if_else(pc.is_nan(col), pa.scalar(float("nan"), col.type), col)
        encoded = col.combine_chunks().dictionary_encode()
        values[name] = encoded.dictionary
        table = table.set_column(table.schema.get_field_index(name), name, encoded.indices)
    return table, values
