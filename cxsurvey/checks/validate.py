"""``validate``: every structural and semantic problem of study files, without raising."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cxsurvey.errors import Problem, StudyError
from cxsurvey.study.load import load_study


@dataclass(frozen=True)
class Validation:
    problems: list[Problem]
    unreadable: bool  # a file could not be read at all (a usage error)

    def valid(self, strict: bool = False) -> bool:
        return not any(p.severity == "error" or strict for p in self.problems)


def validate_files(paths: Sequence[str | Path]) -> Validation:
    """Problems of every file, errors and warnings, in file then line order."""
    problems: list[Problem] = []
    unreadable = False
    for path in paths:
        try:
            problems += load_study(path).warnings
        except StudyError as exc:
            problems += exc.problems
            unreadable |= any(p.line is None and not Path(path).is_file() for p in exc.problems)
    return Validation(problems, unreadable)
