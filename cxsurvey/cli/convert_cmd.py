"""``cxsurvey convert``: an export as a typed Parquet dataset of the study's columns."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from cxsurvey.cli import app
from cxsurvey.cli.errors import handle_errors
from cxsurvey.cli.options import STUDY_OPTION, load_study_option


class PartitionBy(str, Enum):
    month = "month"
    quarter = "quarter"
    none = "none"


@app.command()
@handle_errors
def convert(
    export: Path = typer.Argument(..., help="The survey export (Qualtrics CSV/TSV, CSV, .sav)."),
    out: Path = typer.Option(
        ..., "--out", "-o", help="A folder (a Parquet dataset) or a FILE.parquet (no partitions)."
    ),
    study: Path | None = STUDY_OPTION,
    partition_by: PartitionBy = typer.Option(
        PartitionBy.none,
        "--partition-by",
        help="Hive partitions (month=2026-06/) by the study's date question.",
    ),
    date_question: str | None = typer.Option(
        None,
        "--date-question",
        help="The date question to partition by (default: source.date, else the first).",
    ),
) -> None:
    """Convert an export into a typed Parquet dataset (numbers, instants, text)."""
    from cxsurvey.outputs.dataset_out import convert_export

    study_file = load_study_option(study)
    rows, files, notes = convert_export(export, study_file, out, partition_by.value, date_question)
    for note in notes:
        typer.echo(f"warning: {note}", err=True)
    typer.echo(f"wrote {rows} responses to {out} ({len(files)} Parquet file(s))", err=True)
