"""Parquet exports: one file, or a directory of files with Hive partitions (``month=2026-06/``).

Columns are read typed, as written: numbers stay numbers (``cells`` compares codes
as numbers), text stays text, timestamps are instants (``dates`` takes them as
they are). Only the study's columns are read (column pruning), and a partition
column (``month``) reads like any other column. Question wording written by
``cxsurvey convert`` travels in the schema metadata (``cxsurvey.labels``) and
becomes the export's labels, as the question-text row of a Qualtrics CSV does.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cxsurvey.errors import DataError
from cxsurvey.reading.header import Header
from cxsurvey.reading.sniff import Layout

MAGIC = b"PAR1"
LABELS_KEY = b"cxsurvey.labels"
PROVENANCE_KEY = b"cxsurvey.provenance"  # {"layout": the export's layout kind, ...}


def is_parquet(path: Path) -> bool:
    """A Parquet file (by its magic bytes) or a directory holding ``*.parquet`` files."""
    if path.is_dir():
        return any(path.rglob("*.parquet"))
    try:
        with open(path, "rb") as fh:
            return fh.read(4) == MAGIC
    except OSError:
        return False


def open_dataset(path: Path):
    """The pyarrow dataset of a Parquet file or Hive-partitioned directory, with the
    columns of all its files (``files_schema``), not only of the first one."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    if not path.is_dir():
        try:
            return ds.dataset(path, format="parquet")
        except (pa.ArrowInvalid, OSError) as exc:
            raise DataError(f"{path}: cannot read it as Parquet ({_first_line(exc)})") from None
    import pyarrow.fs as pafs

    try:  # the files and the Hive keys of their paths, no file opened yet
        factory = ds.FileSystemDatasetFactory(
            pafs.LocalFileSystem(),
            pafs.FileSelector(str(path), recursive=True),
            ds.ParquetFileFormat(),
            ds.FileSystemFactoryOptions(
                partitioning=ds.HivePartitioning.discover(),
                exclude_invalid_files=False,
                selector_ignore_prefixes=[".", "_"],
            ),
        )
        partitions = factory.inspect(fragments=0)
        files = factory.finish(partitions).files
    except (pa.ArrowInvalid, OSError) as exc:
        raise DataError(f"{path}: cannot read it as Parquet ({_first_line(exc)})") from None
    if not files:
        return factory.finish(partitions)
    schema = files_schema(path, files)
    for field in partitions:
        if field.name not in schema.names:
            schema = schema.append(field)
    return factory.finish(schema)


def files_schema(root: Path, files: Sequence[str]):
    """The columns of all ``files`` of the dataset at ``root`` as one schema: a
    column one file lacks (added or dropped over time) reads as blank there, whole
    numbers in one file and fractions in another as numbers, a dictionary-encoded
    text column (pandas' categorical) as text; as DuckDB's ``union_by_name`` reads
    them. Each file's footer is read; a file that is no Parquet, and a column typed
    as text in one file and as a number in another, are errors naming the files."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schemas = []
    for file in files:
        if Path(file).stat().st_size == 0:
            raise DataError(
                f"{file}: an empty file (0 bytes), not Parquet; remove it, or rerun once its "
                "writer has finished"
            )
        try:
            schemas.append(_decoded(pq.read_schema(file)))
        except (pa.ArrowInvalid, OSError) as exc:
            if str(file).endswith(".parquet"):  # damaged (truncated, still being written)
                raise DataError(f"{file}: cannot read it as Parquet ({_first_line(exc)})") from None
            raise DataError(  # a README or a CSV beside the data
                f"{file}: not a Parquet file ({_first_line(exc)}); move it out of the dataset's "
                "folder, or start its name with _ or . to have it skipped"
            ) from None
    if all(s.equals(schemas[0]) for s in schemas[1:]):
        return schemas[0]
    try:
        return pa.unify_schemas(schemas, promote_options="permissive")
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        pass
    seen: dict[str, tuple[object, str]] = {}
    for file, schema in zip(files, schemas, strict=True):
        for field in schema:
            first = seen.setdefault(field.name, (field.type, file))
            try:
                pa.unify_schemas([pa.schema([pa.field("x", first[0])]),
                                  pa.schema([pa.field("x", field.type)])],
                                 promote_options="permissive")  # fmt: skip
            except (pa.ArrowTypeError, pa.ArrowInvalid):
                raise DataError(
                    f"{root}: column {field.name!r} is {first[0]} in {first[1]} but "
                    f"{field.type} in {file}; rewrite the files with one type for it"
                ) from None
    raise DataError(f"{root}: the files' columns cannot be read as one dataset")


def _decoded(schema):
    """Dictionary-encoded columns as their values' type (the readers decode them)."""
    import pyarrow as pa

    fields = [
        f.with_type(f.type.value_type) if pa.types.is_dictionary(f.type) else f for f in schema
    ]
    return pa.schema(fields, metadata=schema.metadata)


@dataclass(frozen=True)
class DateWindow:
    """Calendar days (inclusive) of a date column in a time zone: which partitions
    of a dataset ``cxsurvey convert`` partitioned by that column can hold rows."""

    column: str  # the date question's export column
    timezone: str
    since: dt.date | None
    until: dt.date | None


@dataclass(frozen=True)
class Pruned:
    dataset: object  # pyarrow dataset with every partition, read through ``filter``
    filter: object  # pyarrow expression on the partition column
    files: list  # the files the filter keeps
    read: int  # partitions read
    total: int  # partitions in the dataset


def read_parquet(
    path: Path,
    columns: Sequence[str],
    optional: Sequence[str],
    where: dict[str, str],
    resolve,
    window: DateWindow | None = None,
):
    """The study's columns of a Parquet export as an ``Export``.

    ``resolve(layout, columns, optional)`` maps study names to dataset columns
    (the same rules as for CSV exports) and raises for missing ones. With a
    ``window`` on a dataset partitioned by that date, partitions wholly outside it
    are never opened (``Export.partitions`` says how many were read); the rows
    inside are still filtered by the caller.
    """
    import pyarrow as pa

    from cxsurvey.reading.export import Export, rename_columns

    pruned = prune_partitions(path, window) if window is not None and path.is_dir() else None
    dataset = pruned.dataset if pruned else open_dataset(path)
    layout = parquet_layout(dataset)
    header = layout.header
    mapping = resolve(layout, columns, optional)
    wanted = list(dict.fromkeys(mapping.values()))
    try:
        if pruned:
            table = dataset.to_table(columns=wanted, filter=pruned.filter)
        else:
            table = dataset.to_table(columns=wanted)
    except (pa.ArrowInvalid, OSError) as exc:
        raise DataError(f"{path}: cannot read it as Parquet ({_first_line(exc)})") from None
    if table.num_rows == 0 and not pruned:
        raise DataError(f"{path}: the dataset has columns but no responses")
    table = rename_columns(plain_types(table), mapping)
    labels = {name: layout.columns.text(header.index(col)) for name, col in mapping.items()}
    files = pruned.files if pruned else dataset.files
    export = Export(str(path), layout, table, header, labels, dataset_sha256(path, files))
    if pruned:
        export.partitions = (pruned.read, pruned.total)
    return export


PARTITION_KEYS = ("month", "quarter")
_NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"


def prune_partitions(path: Path, window: DateWindow) -> Pruned | None:
    """The dataset read through a filter on its partition column that keeps only
    the partitions overlapping ``window`` (and the one of undated rows), or None
    when the dataset is not partitioned by ``window``'s date as ``convert`` writes it.

    The partition of each file is known from its path; the schema is read from the
    files inside the window and given to the dataset, so no file outside the window
    is opened, not even for its footer."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    parts: dict[Path, tuple[str, str]] = {}
    for file in sorted(path.rglob("*.parquet")):
        rel = file.relative_to(path).parts
        if any(p.startswith((".", "_")) for p in rel):
            continue
        if len(rel) != 2 or "=" not in rel[0]:
            return None
        key, value = rel[0].split("=", 1)
        parts[file] = (key, value)
    keys = {k for k, _ in parts.values()}
    if len(keys) != 1 or (key := keys.pop()) not in PARTITION_KEYS:
        return None
    lo = period_label(window.since, key) if window.since else None
    hi = period_label(window.until, key) if window.until else None

    def inside(value: str) -> bool:
        if value == _NULL_PARTITION:
            return True
        return (lo is None or value >= lo) and (hi is None or value <= hi)

    kept = [f for f, (_, v) in parts.items() if inside(v)]
    values = {v for _, v in parts.values()}
    if not kept:
        dated = sorted(values - {_NULL_PARTITION})
        raise DataError(
            f"{path}: no {key} partition of the dataset overlaps --since/--until "
            f"(its partitions run from {dated[0]} to {dated[-1]}); choose dates inside them"
        )
    schema = files_schema(path, [str(f) for f in kept])  # the kept files' columns only
    origin = _stored_json(schema, PROVENANCE_KEY)
    if (
        origin.get("partition_column") != window.column
        or origin.get("partition_timezone") != window.timezone
        or origin.get("partition_by") != key
    ):
        return None  # partitioned by another date or zone: read every partition
    field = pa.field(key, pa.string())
    dataset = ds.dataset(
        path,
        schema=schema.append(field),
        format="parquet",
        partitioning=ds.partitioning(pa.schema([field]), flavor="hive"),
        exclude_invalid_files=False,
        ignore_prefixes=[".", "_"],
    )
    column = ds.field(key)
    expr = None
    if lo is not None:
        expr = column >= lo
    if hi is not None:
        expr = (column <= hi) if expr is None else (expr & (column <= hi))
    expr = column.is_null() if expr is None else (expr | column.is_null())
    files = [f.path for f in dataset.get_fragments(filter=expr)]
    read = len({parts[Path(f)][1] for f in files})
    return Pruned(dataset, expr, files, read, len(values))


def period_label(day: dt.date, period: str) -> str:
    """The partition label of ``day``: ``2026-06`` (month) or ``2026-Q2`` (quarter)."""
    if period == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-{day.month:02d}"


def dataset_sha256(path: Path, files) -> str:
    """SHA-256 of the ``sha256sum`` lines of the dataset's files read, each with its
    path relative to the dataset (reading.digests.dataset_digest); a file's digest
    is remembered in the cache while its size, time and inode stay, so the figures'
    ``data_sha256`` and the partition cache hash each file once."""
    from cxsurvey.reading import cache
    from cxsurvey.reading.digests import dataset_digest, file_digests

    found = file_digests(path, list(files), cache.cache_dir())
    return dataset_digest(path, {name: d.sha256 for name, d in found.items()})


def parquet_layout(dataset) -> Layout:
    """The layout of a Parquet dataset: its column names, the question wording
    stored by ``cxsurvey convert`` as their texts, and the layout it came from."""
    names = list(dataset.schema.names)
    stored = _stored_labels(dataset.schema)
    origin = str(_stored_json(dataset.schema, PROVENANCE_KEY).get("layout", ""))
    columns = Header.from_records(names, [stored.get(n, "") for n in names])
    return Layout("parquet", "binary", columns=columns, origin=origin)


def plain_types(table):
    """Dictionary-encoded columns (Hive partition values) decoded; booleans as 0/1."""
    import pyarrow as pa

    columns = []
    for col in table.columns:
        if pa.types.is_dictionary(col.type):
            col = col.cast(col.type.value_type)
        if pa.types.is_boolean(col.type):
            col = col.cast(pa.int8())
        columns.append(col)
    return pa.table(columns, names=table.column_names)


def _stored_labels(schema) -> dict[str, str]:
    return {str(k): str(v) for k, v in _stored_json(schema, LABELS_KEY).items()}


def _stored_json(schema, key: bytes) -> dict:
    """A JSON object kept in the schema metadata; {} when absent or unreadable."""
    raw = (schema.metadata or {}).get(key)
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
