"""Study-file rules of ``kind: clusters`` segments (variables, order_by, model)."""

from __future__ import annotations

from typing import Any

from cxsurvey.study import models
from cxsurvey.study.variables import resolve_variable

VARIABLE_KINDS = ("scale", "scale group", "scale groups", "numeric")


def check_clusters(name: str, seg: models.Segment, study: models.Study, report: Any) -> None:
    at = ("segments", name)
    for k, var_name in enumerate(seg.variables or []):
        var = resolve_variable(var_name, study)
        if var is None and report.known_broken(var_name):
            continue
        if var is None or var.kind not in VARIABLE_KINDS:
            what = "unknown" if var is None else f"a {var.kind}"
            report.add(
                (*at, "variables", k),
                f"segment {name!r}: clustering variable {var_name!r} is {what}; use scale "
                "scores (S, S.<group>, S.groups) or numeric questions",
            )
    if seg.order_by is not None:
        var = resolve_variable(seg.order_by, study)
        if var is None or var.kind not in ("scale", "scale group", "numeric"):
            report.add(
                (*at, "order_by"),
                f"segment {name!r}: order_by {seg.order_by!r} must be a scale score (S or "
                "S.<group>) or a numeric clustering variable",
            )
        elif var.kind == "numeric" and seg.order_by not in (seg.variables or []):
            report.add(
                (*at, "order_by"),
                f"segment {name!r}: order_by {seg.order_by!r} is a question; list it in "
                "`variables` or order by a scale score",
            )
    if seg.model is not None and not seg.model.endswith(".json"):
        report.add((*at, "model"), f"segment {name!r}: `model` must name a .json file")
