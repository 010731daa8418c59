"""Parquet exports: one file, or a directory of files with Hive partitions (``month=2026-06/``).

Columns are read typed, as written: numbers stay numbers (``cells`` compares codes
as numbers), text stays text, timestamps are instants (``dates`` takes them as
they are). Only the study's columns are read (column pruning), and a partition
column (``month``) reads like any other column. Question wording written by
``cxsurvey convert`` travels in the schema metadata (``cxsurvey.labels``) and
becomes the export's labels, as the question-text row of a Qualtrics CSV does.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
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
    """The pyarrow dataset of a Parquet file or Hive-partitioned directory."""
    import pyarrow as pa
    import pyarrow.dataset as ds

    try:
        if path.is_dir():
            return ds.dataset(
                path,
                format="parquet",
                partitioning="hive",
                exclude_invalid_files=False,
                ignore_prefixes=[".", "_"],
            )
        return ds.dataset(path, format="parquet")
    except (pa.ArrowInvalid, OSError) as exc:
        raise DataError(f"{path}: cannot read it as Parquet ({_first_line(exc)})") from None


def read_parquet(
    path: Path,
    columns: Sequence[str],
    optional: Sequence[str],
    where: dict[str, str],
    resolve,
):
    """The study's columns of a Parquet export as an ``Export``.

    ``resolve(layout, columns, optional)`` maps study names to dataset columns
    (the same rules as for CSV exports) and raises for missing ones.
    """
    import pyarrow as pa

    from cxsurvey.reading.export import Export, rename_columns

    dataset = open_dataset(path)
    layout = parquet_layout(dataset)
    header = layout.header
    mapping = resolve(layout, columns, optional)
    wanted = list(dict.fromkeys(mapping.values()))
    try:
        table = dataset.to_table(columns=wanted)
    except (pa.ArrowInvalid, OSError) as exc:
        raise DataError(f"{path}: cannot read it as Parquet ({_first_line(exc)})") from None
    if table.num_rows == 0:
        raise DataError(f"{path}: the dataset has columns but no responses")
    table = rename_columns(plain_types(table), mapping)
    labels = {name: layout.columns.text(header.index(col)) for name, col in mapping.items()}
    return Export(str(path), layout, table, header, labels, dataset_sha256(path, dataset))


def dataset_sha256(path: Path, dataset) -> str:
    """SHA-256 of the dataset's files, in path order, each with its relative name."""
    digest = hashlib.sha256()
    for name in sorted(dataset.files):
        rel = Path(name).relative_to(path) if path.is_dir() else Path(Path(name).name)
        digest.update(str(rel).encode("utf-8") + b"\0")
        with open(name, "rb") as fh:
            while chunk := fh.read(1 << 22):
                digest.update(chunk)
    return digest.hexdigest()


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
