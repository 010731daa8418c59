"""The one place where errors become messages and exit codes.

``CxSurveyError`` subclasses carry their exit code (2 input/usage, 1 failed
check); anything else is a bug: exit 3 with a one-line note. ``--debug`` shows
the traceback.
"""

from __future__ import annotations

import functools
import sys
import traceback
import warnings
from collections.abc import Callable
from typing import Any

import typer

from cxsurvey.cli import state
from cxsurvey.errors import CxSurveyError, CxSurveyWarning, StudyError


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("always", CxSurveyWarning)
                warnings.showwarning = _show_warning
                return func(*args, **kwargs)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise  # usage errors: click prints them with exit code 2
        except CxSurveyError as exc:
            if state.DEBUG:
                traceback.print_exc()
            lines = (
                [str(p) for p in exc.problems if p.severity == "error"]
                if isinstance(exc, StudyError)
                else [str(exc)]
            )
            for line in lines or [str(exc)]:
                typer.echo(f"error: {line}" if not isinstance(exc, StudyError) else line, err=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            raise typer.Exit(130) from None
        except BrokenPipeError:
            sys.stderr.close()
            raise typer.Exit(0) from None
        except Exception as exc:
            if state.DEBUG:
                traceback.print_exc()
            typer.echo(
                f"internal error: {type(exc).__name__}: {exc} (a bug in cxsurvey; rerun "
                "with --debug and report the traceback)",
                err=True,
            )
            raise typer.Exit(3) from None

    return wrapper


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    if issubclass(category, CxSurveyWarning):
        typer.echo(f"warning: {message}", err=True)
    else:  # a library's own warning: keep Python's format
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))
