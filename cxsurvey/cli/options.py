"""Options shared by several commands."""

from __future__ import annotations

from pathlib import Path

import typer

STUDY_OPTION = typer.Option(
    None, "--study", "-s", help="Study file (YAML). Default: the bundled CX practitioner study."
)


def load_study_option(study: Path | None):
    """Load the given study file, or the bundled default; print its warnings."""
    from ..defaults import default_study_path
    from ..study.load import load_study

    loaded = load_study(study or default_study_path())
    for warning in loaded.warnings:
        if study is not None:
            typer.echo(str(warning), err=True)
    return loaded
