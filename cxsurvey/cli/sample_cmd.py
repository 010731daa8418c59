"""``cxsurvey sample``: write a deterministic synthetic export."""

from __future__ import annotations

from pathlib import Path

import typer

from cxsurvey.cli import app
from cxsurvey.cli.errors import handle_errors
from cxsurvey.cli.options import STUDY_OPTION, load_study_option, protect_inputs


@app.command()
@handle_errors
def sample(
    out: Path = typer.Option(
        ..., "--out", "-o", help="The export file to write (.csv; .parquet for typed Parquet)."
    ),
    rows: int = typer.Option(260, "--rows", "-n", min=1, help="Number of responses."),
    seed: int = typer.Option(2026, "--seed", help="Random seed; same seed, same file."),
    study: Path | None = STUDY_OPTION,
) -> None:
    """Write a synthetic Qualtrics export (three header rows) for a study."""
    from cxsurvey.defaults import bundled_study
    from cxsurvey.outputs.atomic import atomic_output
    from cxsurvey.sample import write_sample, write_sample_parquet

    study_file = load_study_option(study)
    protect_inputs(None, study_file, out=out)
    feedback = bundled_study("feedback")
    profile = "feedback" if study_file.sha256 == _sha256(feedback) else "practitioner"
    write = write_sample_parquet if out.suffix.lower() == ".parquet" else write_sample
    with atomic_output(out, "wb") as fh:
        write(study_file.study, fh, rows, seed, profile)
    typer.echo(f"wrote {rows} responses to {out}", err=True)


def _sha256(path) -> str | None:
    import hashlib

    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
