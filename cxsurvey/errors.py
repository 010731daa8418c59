"""The one error hierarchy of cxsurvey.

The library raises these; the CLI turns them into a one-line message and an exit
code in one place (``cxsurvey.cli.errors``). ``exit_code`` is part of the
contract with CI pipelines: 2 for usage and input errors, 1 for failed checks.
"""

from __future__ import annotations

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
