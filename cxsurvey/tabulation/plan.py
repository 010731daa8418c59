"""Plan the aggregates a run needs: one ``GroupPlan`` per distinct set of columns.

A figure of a question by a banner reads a few columns: the question's, the
banner's, its filter's, ``source.include``'s, and the design's clusters and
strata. Its figure is a function of the respondents' counts and weight sums per
combination of those columns' values (stats.design), so an engine that groups by
them and sums gives everything the statistics need (engines/base.py). A date
banner groups by calendar day in the question's time zone, the finest period
there is; ``--since``/``--until`` add the window's date the same way.

What cannot be planned needs every respondent's row and runs in memory;
``respondent_level`` says why: scale scores and segments (a score per respondent
over many items; a study with scales reports how many were scored),
key drivers (a regression over respondents), rim weights (raked per respondent)
and quality screening (judged per respondent).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from cxsurvey.study import models
from cxsurvey.study.models import question_columns
from cxsurvey.tabulation.engines.base import GroupPlan, Key


@dataclass
class RunPlan:
    plans: list[GroupPlan] = field(default_factory=list)
    figure_plan: dict[str, int] = field(default_factory=dict)  # figure id -> plans index
    respondents: int = 0  # the plan that counts the respondents read and included
    ids: Key | None = None  # the respondent id column, for duplicate ids

    def add(self, plan: GroupPlan) -> int:
        if plan not in self.plans:
            self.plans.append(plan)
        return self.plans.index(plan)


def respondent_level(study: models.Study, figures: Sequence[models.Figure]) -> str | None:
    """Why the run needs every respondent's row (None: aggregates suffice)."""
    if study.quality is not None:
        return "quality screening judges each respondent"
    if study.weighting is not None:
        return "rim weights are fitted to each respondent"
    if study.scales:
        return "the study's scales are scored per respondent (respondents.scored)"
    for fig in figures:
        if fig.kind == "drivers":
            return f"figure {fig.id!r} regresses respondents (key drivers)"
        for name in (fig.question, fig.by):
            if name and name not in study.questions:
                return f"figure {fig.id!r} uses {name!r}, a score computed per respondent"
            q = study.questions.get(name) if name else None
            if name == fig.question and isinstance(q, models.Date | models.Text):
                return f"figure {fig.id!r} tabulates a {q.type} question"
    return None


def plan_run(
    study: models.Study,
    figures: Sequence[models.Figure],
    columns: Mapping[str, str],
    window_date: models.Date | None = None,
    missing: Sequence = (),
    id_column: str | None = None,
) -> RunPlan:
    """The aggregates of ``figures`` (``respondent_level`` must be None).

    ``columns`` maps each study column name to the dataset's column;
    ``window_date`` is the date question of ``--since``/``--until``; ``missing``
    the export's missing codes (a weight equal to one is a blank weight; the numbers
    among them are bounds of a numeric question's cells)."""
    src = study.source
    common: list[Key] = []

    def raw(name: str) -> Key:
        return Key(name, columns[name])

    for f in src.include:
        common.append(raw(f.column))
    if window_date is not None:
        common.append(Key(window_date.column, columns[window_date.column], window_date.timezone))
    design = [raw(c) for c in (src.cluster, src.strata) if c]
    weight = columns[src.weight] if src.weight else None
    numbers = tuple(float(m) for m in missing if _number(m))
    # the weight's codes as reading.cells splits them: numbers, and text (True as "True")
    codes = numbers + tuple(str(m) for m in missing if not _number(m))
    run = RunPlan()
    run.respondents = run.add(GroupPlan(_unique(common), weight, codes))
    for fig in figures:
        keys = list(common)
        q = study.questions[fig.question]
        if isinstance(q, models.Numeric) and _stat(fig, q) == "percent":
            keys.append(Key(q.column, columns[q.column], bounds=_bounds(q, numbers)))
        else:
            keys += [raw(c) for c in question_columns(q)]
        if fig.by is not None:
            b = study.questions[fig.by]
            if isinstance(b, models.Date):
                keys.append(Key(b.column, columns[b.column], b.timezone))
            else:
                keys += [raw(c) for c in question_columns(b)]
        keys += [raw(f.column) for f in fig.filter]
        keys += design
        run.figure_plan[fig.id] = run.add(GroupPlan(_unique(keys), weight, codes))
    if id_column is not None:
        run.ids = raw(id_column)
    return run


def _stat(fig: models.Figure, q: models.Numeric) -> str:
    if fig.stat is not None:
        return fig.stat
    labels = [b.label for b in q.bins]
    return "percent" if fig.show in labels else "mean"


def _bounds(q: models.Numeric, missing) -> tuple[float, ...]:
    """Every number a numeric question's cells are compared with: its range, its
    bins' ends and the missing codes."""
    ends = [*(q.range or ()), *(e for b in q.bins for e in (b.min, b.max) if e is not None)]
    return tuple(sorted({float(x) for x in (*ends, *missing)}))


def _unique(keys: list[Key]) -> tuple[Key, ...]:
    """Keys in first-seen order, each column once. A column asked for in two ways
    (its calendar day in two zones, a day and the raw value a filter compares, a
    place among bounds and a raw number) is grouped by its raw value, which
    answers every one of them: a table holds one value per column name."""
    out: dict[str, Key] = {}
    for k in keys:
        old = out.get(k.name)
        out[k.name] = k if old in (None, k) else Key(k.name, k.column)
    return tuple(out.values())


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
