"""Study-file rules of the ``quality:`` section and of filters on its flags."""

from __future__ import annotations

from typing import Any

from cxsurvey.study import models

RULE_FLAG = {"speeders": "speeder", "straightliners": "straightliner", "duplicates": "duplicate",
             "bots": "bot"}  # fmt: skip


def check_quality(study: models.Study, report: Any) -> None:
    q = study.quality
    if q is not None and q.straightliners is not None:
        for k, name in enumerate(q.straightliners.questions):
            target = study.questions.get(name)
            if name in study.scales or isinstance(target, models.Grid):
                continue
            what = f"a {target.type} question" if target is not None else "not a question or scale"
            report.add(
                ("quality", "straightliners", "questions", k),
                f"quality.straightliners: {name!r} is {what}; list grid questions or scales",
            )
    enabled = [RULE_FLAG[r] for r in RULE_FLAG if q is not None and getattr(q, r) is not None]
    names = [f"{models.QUALITY_PREFIX}{f}" for f in [*enabled, "flagged"]]
    for where, filters in _filters(study):
        for j, f in enumerate(filters):
            if not f.column.startswith(models.QUALITY_PREFIX):
                continue
            if q is None:
                report.add(
                    (*where, j, "column"),
                    f"{f.column!r} is a quality flag, but the study has no `quality:` section; "
                    "add one with the rules to screen by",
                )
            elif f.column not in names:
                report.add(
                    (*where, j, "column"),
                    f"unknown quality flag {f.column!r}; the study's rules give "
                    + ", ".join(names),
                )
            elif where[0] == "figures":
                report.add(
                    (*where, j, "column"),
                    f"{f.column!r}: screen respondents out in source.include, not in a "
                    "figure's filter (the flags are computed before figures)",
                )


def _filters(study: models.Study):
    yield ("source", "include"), study.source.include
    for i, fig in enumerate(study.figures):
        yield ("figures", i, "filter"), fig.filter
