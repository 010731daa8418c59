"""What a reader is told about a figure besides its numbers: the question's
wording, and a "Base: ..., Source: ..." line for charts and slides."""

from __future__ import annotations

from cxsurvey.numbers import format_number
from cxsurvey.study import models
from cxsurvey.study.variables import resolve_variable
from cxsurvey.tabulation.results import FigureResult


def question_wording(fig: FigureResult, study: models.Study | None) -> str:
    """The question as asked: the figure's ``wording`` (the study's ``text``, else the
    export's question text), else the scale's label; empty when neither exists."""
    if fig.wording:
        return fig.wording
    if study is None:
        return ""
    var = resolve_variable(fig.question, study)
    if var is None:
        return ""
    if var.question is not None:
        return getattr(var.question, "text", None) or ""
    if var.scale is not None:
        label = study.scales[var.scale].label or var.scale
        if var.kind == "band":
            return f"{label}: stage (band of the score)"
        if var.kind == "scale groups":
            return f"{label}: group scores"
        if var.kind == "scale group":
            return f"{label}: {var.group} score"
        return f"{label}: score"
    return ""


def base_text(fig: FigureResult) -> str:
    """'Base: all who answered (Total n=219; CX leaders n=110, ...)'."""
    who = "respondents who answered" + (f", filter: {fig.filter}" if fig.filter else "")
    every = {respondents(r.cells[c]) for c in fig.columns for r in fig.rows}
    if fig.by is None and len(every) == 1:  # one base for the figure
        return f"Base: {who} (n={format_number(every.pop())})."
    parts = [f"{col} {n_range(fig, col)}" for col in fig.columns if fig.rows]
    return f"Base: {who} ({'; '.join(parts)})."


def respondents(cell) -> float:
    """A cell's base in respondents (under weights the weighted base is not a count)."""
    return cell.n if cell.n or not cell.base else cell.base


def n_range(fig: FigureResult, column: str) -> str:
    """'n=219', or 'n=159-211' when the rows' bases differ, in respondents."""
    ns = [respondents(r.cells[column]) for r in fig.rows]
    if not ns:
        return ""
    lo, hi = min(ns), max(ns)
    return f"n={format_number(lo)}" if lo == hi else f"n={format_number(lo)}-{format_number(hi)}"


def source_text(study_title: str) -> str:
    return f"Source: {study_title}."
