"""The ``cxsurvey`` command line: a thin layer over the library.

Only typer is imported here; each command imports the library (pandas, pyarrow)
when it runs, so ``cxsurvey --help`` starts in a fraction of a second.
"""

from __future__ import annotations

import typer

from cxsurvey import __version__
from cxsurvey.cli import state

app = typer.Typer(
    name="cxsurvey",
    help="Score, segment and tabulate CX surveys from raw exports, driven by a study file.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cxsurvey {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
) -> None:
    state.DEBUG = debug


from cxsurvey.cli import (  # noqa: E402  (commands register on `app`)
    convert_cmd,
    figures_cmd,
    init_cmd,
    report_cmd,
    sample_cmd,
    score_cmd,
    validate_cmd,
    verify_cmd,
)

__all__ = [
    "app",
    "convert_cmd",
    "figures_cmd",
    "init_cmd",
    "main",
    "report_cmd",
    "sample_cmd",
    "score_cmd",
    "validate_cmd",
    "verify_cmd",
]


def main() -> None:
    app()
