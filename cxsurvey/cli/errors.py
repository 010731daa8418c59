"""The one place where errors become messages and exit codes.

``CxSurveyError`` subclasses carry their exit code (2 input/usage, 1 failed
check); a full disk or a permission refused while writing is exit 2 too; anything
else is a bug: exit 3 with a one-line note. ``--debug`` shows the traceback.
Every message and warning is printed clean: control and terminal escape
characters are shown as ``\\xNN`` and very long values are cut.
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
from cxsurvey.errors import CxSurveyError, CxSurveyWarning, StudyError, clean_message

MAX_LINES = 50


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from cxsurvey.outputs import atomic

        atomic.protect()  # each command names its own inputs
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
            lines = lines or str(exc).splitlines() or [type(exc).__name__]
            for line in lines[:MAX_LINES]:
                line = clean_message(line)
                typer.echo(f"error: {line}" if not isinstance(exc, StudyError) else line, err=True)
            if len(lines) > MAX_LINES:
                typer.echo(f"... and {len(lines) - MAX_LINES} more", err=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            typer.echo("interrupted", err=True)
            raise typer.Exit(130) from None
        except BrokenPipeError:
            sys.stderr.close()
            raise typer.Exit(0) from None
        except OSError as exc:
            if state.DEBUG:
                traceback.print_exc()
            if not atomic.is_write_error(exc):
                _internal(exc)
            # Not met by an output writer (those say `cannot write`): name the file and cause.
            where = exc.filename or "output"
            text = f"{where}: {atomic.os_reason(exc)}; check the permissions and free space"
            typer.echo(f"error: {clean_message(text)}", err=True)
            raise typer.Exit(2) from None
        except Exception as exc:
            if state.DEBUG:
                traceback.print_exc()
            _internal(exc)

    return wrapper


def _internal(exc: BaseException) -> None:
    message = clean_message(f"{type(exc).__name__}: {exc}".replace("\n", " "), limit=500)
    typer.echo(
        f"internal error: {message} (a bug in cxsurvey; rerun with --debug and report the "
        "traceback)",
        err=True,
    )
    raise typer.Exit(3) from None


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    if issubclass(category, CxSurveyWarning):
        for text in str(message).splitlines()[:MAX_LINES] or [""]:
            typer.echo(f"warning: {clean_message(text)}", err=True)
    else:  # a library's own warning: keep Python's format
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))
