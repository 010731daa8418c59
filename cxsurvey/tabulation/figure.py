"""One figure of a study -> a FigureResult.

Resolves the figure's question into rows (question_rows), its ``by`` into a
banner and its ``filter`` into kept respondents, then computes the cells
(cell_stats) and the gap or column letters (pairwise). Work shared between
figures (banners, filters, weights, split multi cells) is computed once per run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cxsurvey.errors import DataError, shorten
from cxsurvey.numbers import format_number
from cxsurvey.scoring.filters import describe_filters
from cxsurvey.scoring.run import ScoreResult
from cxsurvey.stats.design import Design, make_design
from cxsurvey.stats.intervals import DEFAULT_DESIGN_METHOD
from cxsurvey.study import models
from cxsurvey.study.variables import resolve_variable
from cxsurvey.tabulation.cell_stats import ColumnSums, figure_rows
from cxsurvey.tabulation.coded import coded_index, invalid_cells
from cxsurvey.tabulation.figure_inputs import figure_weights, filter_keep
from cxsurvey.tabulation.integrity import banner_outside, figure_columns, mean_over_minus_99
from cxsurvey.tabulation.pairwise import compare_columns
from cxsurvey.tabulation.question_rows import QuestionRows, question_rows
from cxsurvey.tabulation.results import FigureResult, Row
from cxsurvey.tabulation.table_tests import table_tests
from cxsurvey.tabulation.wording import measure, question_wording


@dataclass(frozen=True)
class Options:
    alpha: float = 0.05
    adjust: str = "bonferroni"
    small_base: int = 30
    interval: str | None = None  # --interval: over the study's, under a figure's own


@dataclass(frozen=True)
class Banner:
    labels: list[str]
    group: np.ndarray | None  # int per respondent, -1 in no group; None = Total only
    trend: bool = False  # periods of a date: columns in time order, changes not letters
    warning: str | None = None  # e.g. unparseable dates


def banner(by: str | None, scores: ScoreResult, period: str | None = None) -> Banner:
    if by is None:
        return Banner([], None)
    study = scores.study.study
    if by in scores.segments:
        seg = scores.segments[by]
        warning = seg.clusters.warning if seg.clusters is not None else None
        return Banner(seg.labels, seg.group.astype(np.int64), warning=warning)
    if by.endswith(".band"):
        scale = scores.scales[by[: -len(".band")]]
        return Banner(scale.band_labels, scale.band)
    q = study.questions[by]
    responses = scores.responses
    if isinstance(q, models.Date):
        return _date_banner(q, responses, period or "month")
    idx = coded_index(responses, q.column, q)
    invalid_cells(responses, q.column, q, by, idx)  # refuses a banner of the other kind
    group = np.where(idx < len(q.options), idx, -1).astype(np.int64)  # n/a codes: no group
    return Banner(list(q.options.values()), group, warning=banner_outside(by, q, group, responses))


def _date_banner(q: models.Date, responses, period: str) -> Banner:
    from cxsurvey.reading.dates import parse_dates, periods

    parsed = responses.memo(
        ("dates", q.column, q.format, q.timezone),
        lambda: parse_dates(responses.text(q.column), q.format, q.timezone),
    )
    labels, group = periods(parsed.instants, period, q.timezone)
    warning = None
    bad = parsed.unparseable
    if bad.any():
        examples = [
            f"{responses.describe_row(int(i))}: {responses.text(q.column)[int(i)].as_py()!r}"
            for i in np.flatnonzero(bad)[:3]
        ]
        warning = (
            f"{responses.count(bad)} response(s) in column {q.column!r} have unparseable dates "
            f"({'; '.join(examples)}); excluded from the {period} columns"
        )
    return Banner(labels, group, trend=True, warning=warning)


def _codes(scores: ScoreResult, key: str) -> np.ndarray | None:
    """The included respondents' cells of source.cluster / source.strata, as text;
    a blank cell is an error naming the first rows."""
    column = getattr(scores.study.study.source, key)
    if column is None:
        return None
    responses = scores.responses
    blank = responses.cells(column).missing
    if blank.any():
        rows = ", ".join(responses.describe_row(int(i)) for i in np.flatnonzero(blank)[:3])
        raise DataError(
            f"{responses.export.path}: {key} column {column!r} is blank or a missing code for "
            f"{responses.count(blank)} respondent(s) ({rows}); every respondent needs a {key}"
        )
    return np.asarray(responses.text(column).cast("string").to_numpy(zero_copy_only=False))


def study_design(scores: ScoreResult) -> Design:
    """The design of the study's included respondents (computed once per run); on
    an aggregated export, of its rows with their counts and weight sums."""
    src = scores.study.study.source
    responses = scores.responses

    def compute() -> Design:
        weights = figure_weights(scores)
        freq = responses.frequency
        rows = {}
        if freq is not None:
            rows["counts"] = freq.n
            if weights is not None:  # source.weight (rim weights need respondents)
                rows.update(squares=freq.w2, positives=freq.n_pos)
        return make_design(
            responses.n_included,
            weights,
            _codes(scores, "cluster"),
            _codes(scores, "strata"),
            (
                f"rim weights ({scores.weighting.column})" if scores.weighting else src.weight,
                src.cluster,
                src.strata,
            ),
            margins=scores.weighting.groups if scores.weighting else None,
            **rows,
        )

    return responses.memo(("design",), compute)


def figure(fig: models.Figure, scores: ScoreResult, options: Options = Options()) -> FigureResult:
    """Compute one figure of the study."""
    study = scores.study.study
    responses = scores.responses
    var = resolve_variable(fig.question, study)
    if var.kind in ("scale", "scale group", "scale groups", "band") or _from_scores(fig.by, study):
        responses.require_respondents(f"scales and segments (figure {fig.id!r})")
    stat = fig.stat or var.stats[0]
    if fig.stat is None and var.kind == "numeric" and fig.show in (var.options or []):
        stat = "percent"  # `show` names a bin of a numeric question
    data = question_rows(var, stat, fig.show, scores)
    ban = responses.memo(("banner", fig.by, fig.period), lambda: banner(fig.by, scores, fig.period))
    k = len(ban.labels)
    slot = np.zeros(responses.included, dtype=np.intp)
    if ban.group is not None:
        slot += ban.group + 1
    if fig.filter:
        slot[~filter_keep(fig, scores)] = k + 1
    if ban.group is not None and not np.any(slot[slot <= k] > 0):
        raise DataError(
            f"figure {fig.id!r} cannot be computed: its banner {fig.by!r} has no "
            "respondents after filtering; check the figure's filter and banner"
        )
    design = study_design(scores)
    # a simple random sample keeps Wilson on n; the choice applies under a design
    interval = "wilson"
    if not design.classic:
        interval = fig.interval or options.interval or study.interval or DEFAULT_DESIGN_METHOD
    columns = ["Total", *ban.labels]
    sums = ColumnSums(slot, k, design, options.small_base, interval)
    rows = figure_rows(data, sums, columns)
    warnings = _warnings(fig, data, rows, columns, options)
    tests = []
    if fig.test == "rao-scott":
        tests, note = table_tests(data, slot, k, design, options.alpha)
        warnings += [note] if note else []
    if ban.warning:
        warnings.insert(0, ban.warning)
    used = [*figure_columns(fig.question, study), *figure_columns(fig.by, study)]
    warnings[:0] = responses.integrity_warnings(used)
    if stat == "mean":
        warnings += mean_over_minus_99(responses, figure_columns(fig.question, study))
    rows, letters = compare_columns(
        rows, columns, stat, options.alpha, options.adjust, trend=ban.trend
    )
    if fig.sort == "desc":
        rows = sorted(rows, key=_desc_key)  # stable: ties keep their order
    wording = question_wording(var, responses.export.labels)
    title = fig.title or wording or fig.question
    return FigureResult(
        fig.id,
        title,
        fig.question,
        stat,
        fig.by,
        columns,
        rows,
        warnings,
        letters,
        describe_filters(fig.filter),
        interval=interval if stat != "mean" else (None if design.classic else "t"),
        design=None if design.classic else design.describe(),
        table_tests=tests,
        wording=wording,
        measure=measure(var, stat, fig.show),
    )


def _from_scores(by: str | None, study: models.Study) -> bool:
    """A banner of scored respondents: a segment or a scale's bands."""
    return by is not None and (by in study.segments or by.endswith(".band"))


def _desc_key(row: Row) -> tuple[bool, float]:
    """Sort key for ``sort: desc`` by Total; empty cells last (0 and negatives are values)."""
    value = row.cells["Total"].value
    return (value is None, 0.0 if value is None else -value)


def _warnings(fig, data: QuestionRows, rows: list[Row], columns, options) -> list[str]:
    out = []
    for column, (n, example, hint) in data.invalid.items():
        out.append(
            f"{n} response(s) in column {column!r} have codes that are not valid for "
            f"{fig.question!r} (e.g. {shorten(example)}{hint}); excluded from the base"
        )
    small = []
    for col in columns:
        flagged = [r.cells[col] for r in rows if r.cells[col].small_base]
        if flagged:
            n = min(c.n for c in flagged)
            eff = min(c.effective_base or 0.0 for c in flagged)
            weighted = rows and rows[0].design is not None
            small.append(
                f"{col} (n={n}" + (f", effective {format_number(eff, 1)})" if weighted else ")")
            )
    if small:
        out.append(f"small base (under {options.small_base}): {', '.join(small)}")
    return out
