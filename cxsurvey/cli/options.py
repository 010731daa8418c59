"""Options shared by several commands."""

from __future__ import annotations

from enum import Enum
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
    from cxsurvey.defaults import bundled_study, default_study_path
    from cxsurvey.study.load import load_study

    if study is not None and not study.exists() and bundled_study(str(study)) is not None:
        study = bundled_study(str(study))
    loaded = load_study(study or default_study_path())
    for warning in loaded.warnings:
        if study is not None:
            typer.echo(str(warning), err=True)
    return loaded


SINCE_OPTION = typer.Option(
    None,
    "--since",
    help="Only responses dated on or after this day (YYYY-MM-DD, or YYYY-MM: the month's "
    "first day) in the date question's time zone (source.date, else the only date question).",
)
UNTIL_OPTION = typer.Option(
    None,
    "--until",
    help="Only responses dated on or before this day (YYYY-MM-DD, inclusive, or YYYY-MM: "
    "the month's last day) in the date question's time zone.",
)


class EngineName(str, Enum):
    auto = "auto"
    memory = "memory"
    duckdb = "duckdb"
    spark = "spark"


ENGINE_OPTION = typer.Option(
    None,
    "--engine",
    help="Where figures are aggregated: memory, duckdb, spark, or auto (duckdb for Parquet "
    "exports, else memory). Default: the study's engine, else auto.",
)

NO_CACHE_OPTION = typer.Option(
    False, "--no-cache", help="Parse the export afresh: neither read nor write the cache."
)
CACHE_DIR_OPTION = typer.Option(
    None,
    "--cache-dir",
    help="Where parsed exports are kept (default: $CXSURVEY_CACHE_DIR, else ~/.cache/cxsurvey).",
)


def apply_cache_options(no_cache: bool, cache_dir: Path | None) -> None:
    from cxsurvey.reading import cache

    cache.reset()
    if no_cache:
        cache.configure(None)
    elif cache_dir is not None:
        cache.configure(cache_dir)


def protect_inputs(
    export: Path | None, study_file, out: Path | None = None, option="--out", others=()
):
    """Refuse, before any work, an ``out`` that is the export, the study file or one
    of ``others`` ((role, path) pairs; also through a symlink, a relative path or a
    hard link), and guard every later write."""
    from cxsurvey.outputs.atomic import check_not_input, protect

    study = getattr(study_file, "file", study_file)
    protect([("export", export), ("study file", study), *others])
    if out is not None and str(out) != "-":
        check_not_input(out, option)
