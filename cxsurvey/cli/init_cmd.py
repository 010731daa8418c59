"""``cxsurvey init`` and ``cxsurvey describe``: the export's codebook and a first study file."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path

import typer

from cxsurvey.cli import app
from cxsurvey.cli.errors import handle_errors

QSF_OPTION = typer.Option(
    None,
    "--qsf",
    help="The survey definition (.qsf: Survey > Tools > Import/Export > Export Survey).",
)


ENCODING_OPTION = typer.Option(
    "auto", "--encoding", help="Text encoding of an export without a BOM (e.g. cp1252)."
)


class DescribeFormat(str, Enum):
    table = "table"
    json = "json"


@app.command()
@handle_errors
def describe(
    export: Path = typer.Argument(..., help="The survey export."),
    qsf: Path | None = QSF_OPTION,
    fmt: DescribeFormat | None = typer.Option(
        None, "--format", "-f", help="table (default on a terminal) or json."
    ),
    all_columns: bool = typer.Option(
        False, "--all", help="Also list metadata, timing and display-order columns."
    ),
    encoding: str = ENCODING_OPTION,
) -> None:
    """The export's codebook: layout, then each question's type, columns, answers and options."""
    from cxsurvey.codebook.build import build_codebook

    cb = build_codebook(export, qsf, encoding=encoding)
    if fmt is None:
        fmt = DescribeFormat.table if sys.stdout.isatty() else DescribeFormat.json
    if fmt is DescribeFormat.json:
        data = cb.to_dict()
        if not all_columns:  # like the table: metadata, timing, display order with --all
            keep = {id(e) for e in cb.questions}
            data["entries"] = [
                raw for e, raw in zip(cb.entries, data["entries"], strict=True) if id(e) in keep
            ]
        json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return
    from cxsurvey.outputs.terminal.codebook_table import codebook_view
    from cxsurvey.outputs.terminal.console import console

    console(wide=True).print(codebook_view(cb, all_columns))


@app.command()
@handle_errors
def init(
    export: Path = typer.Argument(..., help="The survey export."),
    qsf: Path | None = QSF_OPTION,
    out: Path = typer.Option(
        Path("study.yaml"), "--out", "-o", help="Where to write the study file."
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite --out if it exists."),
    encoding: str = ENCODING_OPTION,
) -> None:
    """Draft a study file from the export (and its survey definition) that validates and runs."""
    from cxsurvey.cli.options import protect_inputs
    from cxsurvey.codebook.build import build_codebook
    from cxsurvey.codebook.draft import draft_study, drafted_questions
    from cxsurvey.errors import UserError

    protect_inputs(export, None, out, others=[("survey definition", qsf)])
    if out.exists() and not force:
        raise UserError(
            f"{out}: already exists; choose another --out or pass --force to replace it"
        )
    cb = build_codebook(export, qsf, encoding=encoding)
    text = draft_study(cb)
    from cxsurvey.errors import clean_message

    for warning in cb.warnings:
        typer.echo(f"warning: {clean_message(warning)}", err=True)
    from cxsurvey.outputs.atomic import atomic_output

    with atomic_output(out, "w", encoding="utf-8") as fh:
        fh.write(text)
    drafted = drafted_questions(cb)
    figures = sum(1 for e in drafted if e.analysable)
    labels = sum(1 for e in drafted if e.options_from == "observed codes")
    typer.echo(
        f"wrote {out}: {len(drafted)} question(s), {figures} figure(s) from "
        f"{cb.responses} responses ({cb.layout})",
        err=True,
    )
    if labels:
        typer.echo(
            f"{labels} question(s) have codes without labels (marked in the file): label them",
            err=True,
        )
    typer.echo(f"next: edit {out}, then cxsurvey figures {export} --study {out}", err=True)
