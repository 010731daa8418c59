"""Options shared by several commands."""

from __future__ import annotations

from pathlib import Path

import typer

STUDY_OPTION = typer.Option(
    None,
    "--study",
    "-s",
    help="Study file (YAML), or a bundled study: practitioner (the default) or feedback.",
)


def load_study_option(study: Path | None):
    """Load the given study file, or the bundled default; print its warnings."""
    from ..defaults import bundled_study, default_study_path
    from ..study.load import load_study

    if study is not None and not study.exists() and bundled_study(str(study)) is not None:
        study = bundled_study(str(study))
    loaded = load_study(study or default_study_path())
    for warning in loaded.warnings:
        if study is not None:
            typer.echo(str(warning), err=True)
    return loaded
