"""Write a typed export as Parquet: one file, or a Hive-partitioned directory.

The dataset is written into a hidden staging folder beside the target
(``outputs.atomic.staging``) and moved into place only when complete, so a
failed or interrupted run leaves no half-written dataset; an existing target is never overwritten. The question
wording and provenance travel in each file's schema metadata.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from cxsurvey.errors import DataError
from cxsurvey.outputs.atomic import staging, write_error
from cxsurvey.reading.parquet import LABELS_KEY, PROVENANCE_KEY
from cxsurvey.tempfiles import new_file_mode, new_folder_mode

ROWS_PER_GROUP = 1 << 20


def write_dataset(
    table,
    out: Path,
    labels: dict[str, str],
    provenance: dict[str, str],
    partition_column: str | None = None,
    partitions=None,  # pyarrow array of partition values, one per row
) -> list[Path]:
    """Write ``table`` to ``out``; returns the files written (relative to ``out``'s parent)."""
    import pyarrow as pa
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    if out.exists():
        raise DataError(f"{out}: already exists; choose another --out or remove it first")
    if not out.parent.is_dir():
        raise DataError(f"{out}: directory {out.parent} does not exist; create it first")
    metadata = {
        LABELS_KEY: json.dumps(labels, ensure_ascii=False).encode("utf-8"),
        PROVENANCE_KEY: json.dumps(provenance).encode("utf-8"),
    }
    table = table.replace_schema_metadata(metadata)
    with staging(out) as folder:
        try:
            if partition_column is None and out.suffix == ".parquet":
                target = folder / out.name
                pq.write_table(table, target, row_group_size=ROWS_PER_GROUP, compression="zstd")
                target.chmod(new_file_mode())
                os.replace(target, out)
                return [out]
            if partition_column is not None:
                table = table.append_column(partition_column, partitions.cast(pa.string()))
                partitioning = ds.partitioning(
                    pa.schema([(partition_column, pa.string())]), flavor="hive"
                )
            else:
                partitioning = None
            ds.write_dataset(
                table,
                folder,
                format="parquet",
                partitioning=partitioning,
                basename_template="part-{i}.parquet",
                max_rows_per_group=ROWS_PER_GROUP,
                file_options=ds.ParquetFileFormat().make_write_options(compression="zstd"),
                existing_data_behavior="overwrite_or_ignore",
            )
            for sub in [p for p in folder.rglob("*") if p.is_dir()]:
                sub.chmod(new_folder_mode())
            os.replace(folder, out)
            return sorted(p for p in out.rglob("*.parquet"))
        except OSError as exc:
            raise write_error(out, exc) from None


def convert_export(
    path, study_file, out: Path, partition_by: str = "none", date_question: str | None = None
):
    """``cxsurvey convert``: the study's columns of an export as a typed Parquet dataset.

    Every row is kept (``source.include`` applies when the dataset is read, as
    for the export). Returns (rows written, files written, notes).
    """
    from cxsurvey import __version__
    from cxsurvey.reading.typed import partition_labels, typed_columns
    from cxsurvey.scoring.responses import read_study_export
    from cxsurvey.study.models import Date

    study = study_file.study
    export = read_study_export(path, study)
    typed = typed_columns(export, study)
    column, parts = None, None
    if partition_by != "none":
        dates = {k: q for k, q in study.questions.items() if isinstance(q, Date)}
        if not dates:
            raise DataError(
                f"--partition-by {partition_by} needs a date question in the study; "
                "declare one (type: date) or use --partition-by none"
            )
        name = date_question or study.source.date or next(iter(dates))
        if name not in dates:
            raise DataError(
                f"--date-question {name!r} is not a date question of the study; "
                f"choose one of {', '.join(dates)}"
            )
        column = partition_by
        parts = partition_labels(export.table, dates[name], partition_by)
    provenance = {
        "source": Path(export.path).name,
        "source_sha256": export.sha256 or "",
        "layout": export.layout.kind,
        "study_sha256": study_file.sha256,
        "cxsurvey_version": __version__,
    }
    if column is not None:  # what --since/--until need to skip partitions
        q = dates[name]
        provenance.update(
            partition_by=partition_by, partition_column=q.column, partition_timezone=q.timezone
        )
    files = write_dataset(typed.table, out, typed.labels, provenance, column, parts)
    return typed.table.num_rows, files, typed.notes
