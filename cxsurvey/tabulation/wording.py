"""A figure's words: the question as asked, and what its values count.

The question text comes from the study (``text``) or, when the study gives none,
from the export (``reading.question_text``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cxsurvey.reading.question_text import export_wording
from cxsurvey.study import models
from cxsurvey.study.checks import SHOW_KEYWORDS
from cxsurvey.study.variables import DerivedVariable


def question_wording(var: DerivedVariable, labels: dict[str, str]) -> str | None:
    """The study's ``text`` of a question, else the export's wording of it."""
    q = var.question
    if q is None:
        return None
    if q.text:
        return q.text
    return export_wording(models.question_columns(q), labels)


def measure(var: DerivedVariable, stat: str, show: str) -> str | None:
    """What a figure's values are, in words: "% High priority or Critical priority"
    for a net, "% Yes" for one option, "Mean (1 = Poor ... 3 = Good)", "NPS ..."."""
    q = var.question
    if stat == "nps":
        return "NPS: % promoters (9-10) minus % detractors (0-6)"
    if stat == "mean":
        if isinstance(q, models._Coded):
            pairs = list(q.options.items())
            (lo, lo_label), (hi, hi_label) = pairs[0], pairs[-1]
            return f"Mean ({lo} = {lo_label} ... {hi} = {hi_label})"
        return "Mean"
    if not isinstance(q, models._Coded):
        return "%" if show in SHOW_KEYWORDS else f"% {show}"
    if show in ("nets", "both") and q.nets:
        nets = "; ".join(f"{net} = {_members(q, codes)}" for net, codes in q.nets.items())
        return f"% of the base; nets: {nets}"
    if show in SHOW_KEYWORDS:
        return "%"
    codes = q.nets.get(show)
    if codes is None:
        return f"% {show}"
    members = _members(q, codes)
    return f"% {show}: {members}" if members != show else f"% {show}"


def _members(q: Any, codes: Sequence[Any]) -> str:
    """The option labels of a net's codes, joined with "or"."""
    keys = {_key(c): label for c, label in q.options.items()}
    return " or ".join(keys[_key(c)] for c in codes if _key(c) in keys)


def _key(code: Any) -> Any:
    try:
        return float(code)
    except (TypeError, ValueError):
        return code
