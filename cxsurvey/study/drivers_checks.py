"""Study-file rules of ``kind: drivers`` figures (outcome, predictors, keys that
apply only to tables), located at the YAML node they are about."""

from __future__ import annotations

from typing import Any

from cxsurvey.stats.drivers import MAX_PREDICTORS
from cxsurvey.study import models
from cxsurvey.study.variables import resolve_variable

TABLE_KEYS = ("question", "by", "show", "stat", "period")
DRIVER_KEYS = ("outcome", "outcome_is", "predictors", "bootstrap", "seed")
OUTCOME_KINDS = ("scale", "scale group", "numeric", "nps", "single")
YES_NO_KINDS = ("single", "multi", "numeric", "band", "nps")
PREDICTOR_KINDS = ("scale", "scale group", "scale groups", "grid", "single", "numeric", "nps")


def check_table_keys(i: int, fig: models.Figure, report: Any) -> bool:
    """Table figures: `question` is required and driver keys do not apply."""
    ok = True
    for key in DRIVER_KEYS:
        if key in fig.model_fields_set:
            report.add(
                ("figures", i, key),
                f"figure {fig.id!r}: `{key}` applies only to `kind: drivers` figures",
                key=True,
            )
            ok = False
    if fig.question is None:
        report.add(("figures", i), f"figures[{i}]: missing required key 'question'")
        ok = False
    return ok


def check_drivers(i: int, fig: models.Figure, study: models.Study, report: Any) -> None:
    at = ("figures", i)
    for key in TABLE_KEYS:
        if key in fig.model_fields_set:
            report.add(
                (*at, key),
                f"figure {fig.id!r}: `{key}` does not apply to a drivers figure; name the "
                "`outcome` and `predictors` instead",
                key=True,
            )
    for key in ("outcome", "predictors"):
        if getattr(fig, key) is None:
            report.add(at, f"figure {fig.id!r}: a drivers figure needs `{key}`")
    choices = [*study.questions, *study.scales, *(f"{s}.groups" for s in study.scales)]
    choices += [f"{s}.{g}" for s, scale in study.scales.items() for g in scale.groups]
    if fig.outcome is not None:
        _check_outcome(at, fig, study, report, choices)
    count = 0
    seen: set[str] = set()
    for k, name in enumerate(fig.predictors or []):
        where = (*at, "predictors", k)
        if name in seen:
            report.add(where, f"figure {fig.id!r}: predictor {name!r} is listed twice")
            continue
        seen.add(name)
        if name == fig.outcome:
            report.add(
                where, f"figure {fig.id!r}: {name!r} is the outcome; it cannot also predict it"
            )
            continue
        var = resolve_variable(name, study)
        if var is None:
            if not report.known_broken(name):
                report.add(
                    where, f"figure {fig.id!r}: unknown predictor {name!r}" + _near(name, choices)
                )
            continue
        if var.kind not in PREDICTOR_KINDS:
            report.add(
                where,
                f"figure {fig.id!r}: predictor {name!r} is a {var.kind}; predictors are scale "
                "scores or groups (S, S.<group>, S.groups), grid, single, numeric or nps questions",
            )
            continue
        count += _width(var, study)
    if count > MAX_PREDICTORS:
        report.add(
            (*at, "predictors"),
            f"figure {fig.id!r}: {count} predictors after expanding grids and groups; exact "
            f"Shapley (LMG) shares are computed for at most {MAX_PREDICTORS}",
        )


def _check_outcome(at, fig, study, report, choices) -> None:
    var = resolve_variable(fig.outcome, study)
    if var is None:
        if not report.known_broken(fig.outcome):
            report.add(
                (*at, "outcome"),
                f"figure {fig.id!r}: unknown outcome {fig.outcome!r}" + _near(fig.outcome, choices),
            )
        return
    if fig.outcome_is is None:
        if var.kind not in OUTCOME_KINDS:
            report.add(
                (*at, "outcome"),
                f"figure {fig.id!r}: outcome {fig.outcome!r} is a {var.kind}; use a scale score, "
                "a scale group, a numeric, nps or single question, or name a yes/no answer "
                "with `outcome_is`",
            )
        return
    labels = [*(var.options or []), *(var.nets or [])]
    if var.kind not in YES_NO_KINDS or not labels:
        report.add(
            (*at, "outcome_is"),
            f"figure {fig.id!r}: `outcome_is` needs an outcome with options, nets, bands or bins; "
            f"{fig.outcome!r} is a {var.kind}",
        )
    elif fig.outcome_is not in labels:
        report.add(
            (*at, "outcome_is"),
            f"figure {fig.id!r}: {fig.outcome_is!r} is not an option, net or bin of "
            f"{fig.outcome!r}" + _near(fig.outcome_is, labels),
        )


def _width(var, study: models.Study) -> int:
    if var.kind == "scale groups":
        return len(study.scales[var.scale].groups)
    if var.kind == "grid":
        return len(var.question.columns)
    return 1


def _near(name: str, choices: list[str]) -> str:
    import difflib

    hint = difflib.get_close_matches(name, choices, n=1, cutoff=0.5)
    return f"; did you mean {hint[0]!r}?" if hint else ""
