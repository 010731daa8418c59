"""The one error hierarchy of cxsurvey.

The library raises these; the CLI turns them into a one-line message and an exit
code in one place (``cxsurvey.cli.errors``). ``exit_code`` is part of the
contract with CI pipelines: 2 for usage and input errors, 1 for failed checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class CxSurveyWarning(UserWarning):
    """Something worth a line on stderr that does not stop the run (e.g. a bad cache)."""


class CxSurveyError(Exception):
    """Base of every error cxsurvey raises on purpose."""

    exit_code = 2


class UserError(CxSurveyError):
    """Something the user can fix: a bad file, key, column or value."""


@dataclass(frozen=True)
class Problem:
    """One finding about a file, located at a 1-based line and column when known."""

    file: str
    message: str
    line: int | None = None
    column: int | None = None
    severity: str = "error"

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.severity}: {self.message}"


class StudyError(UserError):
    """The study file is invalid; ``problems`` holds every finding, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        super().__init__("\n".join(str(p) for p in errors or problems))


class DataError(UserError):
    """The export cannot be read or does not fit the study."""


class CheckFailed(CxSurveyError):
    """A check ran and found the input wanting (exit code 1)."""

    exit_code = 1


class InternalError(CxSurveyError):
    """A bug in cxsurvey, not in the user's input."""

    exit_code = 3


# --- messages: one printable line, whatever the data held ------------------------
# C0 and C1 controls (ESC starts terminal sequences), DEL, and bidirectional overrides
# that could make a message read differently from what it says.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
MAX_MESSAGE = 2000


def shorten(value: object, limit: int = 80) -> str:
    """The ``repr`` of a value for a message, its middle cut past ``limit`` characters."""
    if isinstance(value, str) and len(value) > limit:
        head, tail = value[: limit * 2 // 3], value[-(limit // 3) :]
        cut = len(value) - len(head) - len(tail)
        return clean_message(f"{head!r}... [{cut:,} characters cut] ...{tail!r}", limit=4 * limit)
    return clean_message(repr(value), limit=limit)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clean_message(text: str, limit: int = MAX_MESSAGE) -> str:
    """One printable line: control characters shown as ``\\xNN``, line breaks as
    ``\\n``, and the middle of a text longer than ``limit`` cut out (with a count)."""
    text = text.replace("\r", "\\r").replace("\n", "\\n").replace("\t", " ")
    text = _CONTROL.sub(_escape, text)
    if len(text) > limit:
        keep_end = min(300, limit // 3)
        cut = len(text) - limit
        text = f"{text[: limit - keep_end]}... [{cut:,} characters cut] ...{text[-keep_end:]}"
    return text
