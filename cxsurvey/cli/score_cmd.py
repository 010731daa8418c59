"""``cxsurvey score``: per-respondent scale scores, bands and segments."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from cxsurvey.cli import app
from cxsurvey.cli.errors import handle_errors
from cxsurvey.cli.options import (
    CACHE_DIR_OPTION,
    NO_CACHE_OPTION,
    SINCE_OPTION,
    STUDY_OPTION,
    UNTIL_OPTION,
    apply_cache_options,
    load_study_option,
    protect_inputs,
)


class ScoreFormat(str, Enum):
    csv = "csv"
    json = "json"


@app.command()
@handle_errors
def score(
    export: Path = typer.Argument(..., help="The survey export (Qualtrics CSV/TSV, CSV, .sav)."),
    study: Path | None = STUDY_OPTION,
    no_cache: bool = NO_CACHE_OPTION,
    cache_dir: Path | None = CACHE_DIR_OPTION,
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Write scores to this file (default: stdout)."
    ),
    fmt: ScoreFormat = typer.Option(ScoreFormat.csv, "--format", "-f", help="Output format."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No summary on the terminal."),
    since: str | None = SINCE_OPTION,
    until: str | None = UNTIL_OPTION,
    fit_clusters: bool = typer.Option(
        False,
        "--fit-clusters",
        help="Fit the cluster segments whose `model:` file does not exist and save it "
        "(an existing model is used, never overwritten).",
    ),
) -> None:
    """Score every respondent: group scores, totals, bands and segment groups."""
    from cxsurvey.outputs.scores_out import write_scores
    from cxsurvey.scoring.run import score as run_score

    apply_cache_options(no_cache, cache_dir)
    study_file = load_study_option(study)
    protect_inputs(export, study_file, out=out)
    result = run_score(export, study_file, fit_clusters=fit_clusters, since=since, until=until)
    models = result.new_models()
    _check_model_paths(models, out)  # before anything is written
    write_scores(result, fmt.value, out)
    saved = _save_models(models)  # last: a failed run leaves no model for later runs
    if not quiet:
        from cxsurvey.outputs.terminal.console import console
        from cxsurvey.outputs.terminal.summary import score_summary

        # With data on stdout, the summary goes to stderr so pipes stay clean.
        console(stderr=out is None).print(score_summary(result, out))
        for path in saved:
            typer.echo(f"wrote cluster model {path}", err=True)


def _check_model_paths(models: dict[Path, dict], out: Path | None = None) -> None:
    """Refuse, before the scores are written, a model that cannot be saved."""
    from cxsurvey.errors import DataError

    for path in models:
        if out is not None and str(out) != "-" and out.resolve() == path.resolve():
            raise DataError(
                f"{out}: --out is the cluster model file of the study; write the scores "
                "to another file"
            )
        if path.exists():  # the run saw no file; someone wrote one since
            raise DataError(f"{path}: a cluster model appeared meanwhile; not overwriting it")
        directory = path.parent if str(path.parent) else Path(".")
        if not directory.is_dir():
            raise DataError(
                f"{path}: directory {directory} does not exist; create it first "
                "(the cluster model is saved there)"
            )


def _save_models(models: dict[Path, dict]) -> list[Path]:
    import json

    from cxsurvey.outputs.atomic import atomic_output

    _check_model_paths(models)
    for path, model in models.items():
        with atomic_output(path, "w", encoding="utf-8") as fh:
            json.dump(model, fh, indent=1)
            fh.write("\n")
    return list(models)
