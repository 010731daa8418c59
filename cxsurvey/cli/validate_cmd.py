"""``cxsurvey validate``, ``check`` and ``schema``: study files in CI and editors."""

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
)


class ProblemFormat(str, Enum):
    text = "text"
    json = "json"
    github = "github"


FORMAT_OPTION = typer.Option(
    ProblemFormat.text, "--format", "-f", help="text (FILE:LINE:COL), json, or github annotations."
)
STRICT_OPTION = typer.Option(False, "--strict", help="Fail on warnings too.")


@app.command()
@handle_errors
def validate(
    studies: list[Path] = typer.Argument(..., help="Study files (YAML) to check."),
    fmt: ProblemFormat = FORMAT_OPTION,
    strict: bool = STRICT_OPTION,
) -> None:
    """Check study files: report every problem; exit 0 valid, 1 invalid, 2 unreadable."""
    from cxsurvey.checks.validate import validate_files
    from cxsurvey.outputs.problems_out import counts, format_problems

    result = validate_files(studies)
    valid = result.valid(strict)
    typer.echo(format_problems(result.problems, fmt.value, valid=valid), nl=False)
    if fmt is ProblemFormat.text:
        errors, warnings = counts(result.problems)
        failing = {p.file for p in result.problems if p.severity == "error" or strict}
        invalid = min(len(failing), len(studies))
        typer.echo(
            f"{len(studies) - invalid} file(s) valid, {invalid} invalid: {errors} error(s), "
            f"{warnings} warning(s)",
            err=True,
        )
    if result.unreadable:
        raise typer.Exit(2)
    if not valid:
        raise typer.Exit(1)


@app.command()
@handle_errors
def schema() -> None:
    """Print the JSON Schema of the study file (for editors and CI)."""
    from cxsurvey.study.schema import study_schema_json

    typer.echo(study_schema_json(), nl=False)


@app.command()
@handle_errors
def check(
    export: Path = typer.Argument(..., help="The survey export."),
    study: Path | None = STUDY_OPTION,
    no_cache: bool = NO_CACHE_OPTION,
    cache_dir: Path | None = CACHE_DIR_OPTION,
    fmt: ProblemFormat = FORMAT_OPTION,
    strict: bool = STRICT_OPTION,
    since: str | None = SINCE_OPTION,
    until: str | None = UNTIL_OPTION,
) -> None:
    """Check a study against an export: columns, codes, ids, filters, group sizes."""
    from cxsurvey.checks.check import check_export, export_record
    from cxsurvey.outputs.display import describe_missing
    from cxsurvey.outputs.problems_out import counts, format_problems

    apply_cache_options(no_cache, cache_dir)
    study_file = load_study_option(study)
    details: dict = {}
    problems = check_export(export, study_file, since, until, details)
    record = export_record(export, study_file.study)
    if "window" in details:
        record["window"] = details["window"]
    valid = not any(p.severity == "error" or strict for p in problems)
    extra = {"export": record} if fmt is ProblemFormat.json else None
    typer.echo(format_problems(problems, fmt.value, valid=valid, extra=extra), nl=False)
    if fmt is ProblemFormat.text:
        errors, warnings = counts(problems)
        typer.echo(
            f"{export}: read as {record['description']}; {describe_missing(record['missing'])}",
            err=True,
        )
        if "window" in details:
            from cxsurvey.outputs.display import window_text

            typer.echo(f"{export}: {window_text(details['window'])}", err=True)
        verdict = "fits" if valid else "does not fit"
        typer.echo(
            f"{export}: the study {verdict} this export: {errors} error(s), {warnings} warning(s)",
            err=True,
        )
    if not valid:
        raise typer.Exit(1)
