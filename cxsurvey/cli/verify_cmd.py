"""``cxsurvey verify``: regenerated figures against an approved snapshot or expectations."""

from __future__ import annotations

from pathlib import Path

import typer

from cxsurvey.cli import app
from cxsurvey.cli.errors import handle_errors
from cxsurvey.cli.options import (
    CACHE_DIR_OPTION,
    NO_CACHE_OPTION,
    STUDY_OPTION,
    apply_cache_options,
    load_study_option,
    protect_inputs,
)


@app.command()
@handle_errors
def verify(
    export: Path = typer.Argument(..., help="The survey export."),
    study: Path | None = STUDY_OPTION,
    no_cache: bool = NO_CACHE_OPTION,
    cache_dir: Path | None = CACHE_DIR_OPTION,
    approved: Path = typer.Option(
        ..., "--approved", "-a", help="A `figures --format json` snapshot, or expectations (YAML)."
    ),
    update: bool = typer.Option(
        False, "--update", help="Rewrite the snapshot with the regenerated figures."
    ),
) -> None:
    """Regenerate the figures and compare them with approved values; exit 1 on any difference."""
    from cxsurvey.checks.verify import read_approved
    from cxsurvey.checks.verify import verify as compare
    from cxsurvey.outputs.terminal.console import console
    from cxsurvey.tabulation.figure import Options
    from cxsurvey.tabulation.run import figures as run_figures

    apply_cache_options(no_cache, cache_dir)
    study_file = load_study_option(study)
    protect_inputs(export, study_file, out=approved if update else None, option="--approved")
    if update:
        _update(export, study_file, approved)
        return
    kind, doc = read_approved(approved)
    options = Options()
    if kind == "snapshot":
        options = Options(alpha=doc.get("alpha", 0.05), adjust=doc.get("adjust", "bonferroni"))
    result = compare(run_figures(export, study_file, options=options), kind, doc)
    if result.passed:
        typer.echo(f"verified: {result.checked} approved {_unit(result.kind)} match ({approved})")
        return
    from cxsurvey.outputs.terminal.differences import differences_table

    console(wide=True).print(differences_table(result))
    typer.echo(
        f"verify failed: {len(result.differences)} difference(s) from {approved}; if the change "
        "is intended, rerun with --update (snapshots) or edit the expectations",
        err=True,
    )
    raise typer.Exit(1)


def _unit(kind: str) -> str:
    return "cells" if kind == "snapshot" else "expectations"


def _update(export: Path, study_file, approved: Path) -> None:
    from cxsurvey.checks.verify import read_approved
    from cxsurvey.outputs.atomic import atomic_output
    from cxsurvey.outputs.figures_out import figures_json
    from cxsurvey.tabulation.figure import Options
    from cxsurvey.tabulation.run import figures as run_figures

    options = Options()
    if approved.exists():
        kind, doc = read_approved(approved)
        if kind != "snapshot":
            raise typer.BadParameter(
                "--update rewrites JSON snapshots only; edit expectations files by hand",
                param_hint="--approved",
            )
        options = Options(alpha=doc.get("alpha", 0.05), adjust=doc.get("adjust", "bonferroni"))
    result = run_figures(export, study_file, options=options)
    with atomic_output(approved, "w", encoding="utf-8", newline="") as fh:
        figures_json(result, fh)
    typer.echo(f"updated {approved}: {len(result.figures)} figure(s)")
