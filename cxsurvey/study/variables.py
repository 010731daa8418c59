"""What a figure's ``question`` can name: a question or a scale's derived variable.

A scale ``S`` defines ``S`` (total), ``S.<group>`` (a group score), ``S.groups``
(all group scores as rows) and ``S.band`` (band labels).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cxsurvey.study import models


@dataclass(frozen=True)
class DerivedVariable:
    name: str
    kind: str  # a question type, or "scale", "scale group", "scale groups", "band"
    stats: tuple[str, ...]  # allowed stats, the default first
    options: list[str] | None = None  # labels a figure can show
    nets: list[str] | None = None  # None: `show: nets` does not apply
    question: Any = None
    scale: str | None = None
    group: str | None = None


def resolve_variable(name: str, study: models.Study) -> DerivedVariable | None:
    q = study.questions.get(name)
    if q is not None:
        return _question_variable(name, q)
    scale_name, _, part = name.partition(".")
    scale = study.scales.get(scale_name)
    if scale is None:
        return None
    if not part:
        return DerivedVariable(name, "scale", ("mean",), scale=scale_name)
    if part == "band":
        if not scale.bands:
            return None
        return DerivedVariable(
            name, "band", ("percent",), [b.label for b in scale.bands], scale=scale_name
        )
    if part == "groups":
        return DerivedVariable(name, "scale groups", ("mean",), scale=scale_name)
    if part in scale.groups:
        return DerivedVariable(name, "scale group", ("mean",), scale=scale_name, group=part)
    return None


def _question_variable(name: str, q: Any) -> DerivedVariable:
    if isinstance(q, models.Date | models.Text):
        return DerivedVariable(name, q.type, (), question=q)
    if isinstance(q, models.Numeric):
        if q.bins:  # extension: percent rows per bin ("Within 24 hours")
            labels = [b.label for b in q.bins]
            return DerivedVariable(name, q.type, ("mean", "percent"), labels, question=q)
        return DerivedVariable(name, q.type, ("mean",), question=q)
    if isinstance(q, models.Nps):
        return DerivedVariable(name, q.type, ("nps", "mean"), question=q)
    stats = ("percent",) if isinstance(q, models.Multi) else ("percent", "mean")
    return DerivedVariable(name, q.type, stats, list(q.options.values()), list(q.nets), question=q)
