"""Options a study leaves to the export: the value labels of an SPSS .sav file.

A ``single`` or ``grid`` question without ``options`` takes its column's value
labels (a grid: its items' labels, which must agree); a ``multi`` with one
column per option takes, per column, the label of the value that marks it
selected (1, or the option's code) or, in a Qualtrics CSV, the option part of
the column's question text (``Question - Option``). The filled study is validated again, so a
figure's ``show`` naming a label the .sav does not have is an error, never an
empty row.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from cxsurvey.errors import DataError, StudyError
from cxsurvey.reading.export import Export
from cxsurvey.reading.question_text import item_label
from cxsurvey.study import models
from cxsurvey.study.checks import semantic_problems
from cxsurvey.study.load import StudyFile


def needs_export_options(study: models.Study) -> bool:
    return any(isinstance(q, models._Coded) and not q.options for q in study.questions.values())


def with_export_options(study_file: StudyFile, export: Export) -> StudyFile:
    """``study_file`` with every omitted ``options`` filled from ``export``."""
    study = study_file.study
    if not needs_export_options(study):
        return study_file
    questions = dict(study.questions)
    for name, q in study.questions.items():
        if isinstance(q, models._Coded) and not q.options:
            questions[name] = q.model_copy(update={"options": _options(name, q, export)})
    filled = study.model_copy(update={"questions": questions})
    problems = [
        p
        for p in semantic_problems(
            filled, study_file.positions, study_file.file, numeric_cells=_numeric_cells(export)
        )
        if p.severity == "error"
    ]
    if problems:
        raise StudyError(
            [
                dataclasses.replace(p, message=f"{p.message} (options from {export.path})")
                for p in problems
            ]
        )
    return dataclasses.replace(study_file, study=filled)


def _numeric_cells(export: Export) -> bool:
    """A .sav (or Parquet converted from one) holds its answers as numbers, so
    value labels that are numbers ("0" on code 1) cannot be misread as cells."""
    return "sav" in (export.layout.kind, export.layout.origin)


def _options(name: str, q: Any, export: Export) -> dict[Any, str]:
    if isinstance(q, models.Multi) and q.columns is not None:
        out: dict[Any, str] = {}
        for code, column in q.columns.items():
            labels = export.value_labels.get(column) or {}
            label = (
                labels.get(1.0) or labels.get(_number(code)) or item_label(column, export.labels)
            )
            if label is None:
                raise DataError(
                    f"{export.path}: question {name!r} declares no options and column "
                    f"{column!r} has neither a value label for 1 (selected) nor a question "
                    "text ending in ' - <option>'; declare options: {code: label}"
                )
            out[code] = label
        return out
    columns = models.question_columns(q)
    found = [_column_labels(name, c, export) for c in columns]
    for column, labels in zip(columns[1:], found[1:], strict=True):
        if labels != found[0]:
            raise DataError(
                f"{export.path}: question {name!r} declares no options and the value labels "
                f"of {column!r} differ from those of {columns[0]!r}; declare options"
            )
    return {_code(code): label for code, label in found[0].items()}


def _column_labels(name: str, column: str, export: Export) -> dict[float, str]:
    labels = export.value_labels.get(column)
    if not labels:
        where = (
            "it has no value labels"
            if export.layout.kind == "sav"
            else "only SPSS .sav exports carry value labels"
        )
        raise DataError(
            f"{export.path}: question {name!r} declares no options and column {column!r} "
            f"cannot supply them ({where}); declare options: {{code: label}} in the study"
        )
    return labels


def _code(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _number(code: Any) -> float | None:
    try:
        return float(code)
    except (TypeError, ValueError):
        return None
