"""A ``kind: drivers`` figure: relative importance of predictors for an outcome.

The outcome and predictors are resolved exactly as a ``mean`` figure reads them
(bases, missing, not-applicable and invalid codes as in question_rows); a yes/no
outcome (``outcome_is``) is 1 for respondents whose answer is that option, net or
bin and 0 for the other answered ones. Respondents missing the outcome or any
predictor are left out (listwise), and the figure says how many. With a weight
column the correlations are weighted. Rows are predictors; columns the
importance measures, each with a seeded bootstrap percentile interval.
"""

from __future__ import annotations

import numpy as np

from cxsurvey.errors import DataError, shorten
from cxsurvey.scoring.filters import describe_filters
from cxsurvey.scoring.run import ScoreResult
from cxsurvey.stats import drivers as stats
from cxsurvey.study import models
from cxsurvey.study.variables import resolve_variable
from cxsurvey.tabulation.figure_inputs import figure_weights, filter_keep
from cxsurvey.tabulation.integrity import figure_columns, mean_over_minus_99
from cxsurvey.tabulation.question_rows import MeanRow, PercentRow, question_rows
from cxsurvey.tabulation.results import Cell, DriversInfo, FigureResult, Row

LEVEL = 0.95
# (column, unit): unit picks the display rounding (outputs/display.py)
COLUMNS = [
    ("Shapley", "r2"),  # LMG share of R²
    ("Shapley %", "share_ci"),  # ... as % of R² (shown with its interval)
    ("Johnson", "r2"),  # Johnson's relative weight
    ("Johnson %", "share"),
    ("r", "r"),  # correlation with the outcome
    ("Mean", "mean"),  # performance
]


def outcome_values(fig: models.Figure, scores: ScoreResult) -> tuple[str, np.ndarray, dict]:
    """(label, value per respondent with NaN when unanswered, invalid codes) of the outcome."""
    var = resolve_variable(fig.outcome, scores.study.study)
    if fig.outcome_is is not None:
        data = question_rows(var, "percent", fig.outcome_is, scores)
        row = data.rows[0]
        assert isinstance(row, PercentRow)
        values = np.where(row.base, row.hit.astype(float), np.nan)
        label = f"{fig.outcome}: {fig.outcome_is}"
    else:
        data = question_rows(var, "mean", "options", scores)
        row = data.rows[0]
        assert isinstance(row, MeanRow)
        values, label = row.values, _label(var, row.label, fig.outcome)
    return label, values, data.invalid


def _label(var, label: str, name: str) -> str:
    if var.kind in ("numeric", "nps", "single"):
        return name  # a question's text is a sentence; its name is the short label
    return label


def predictor_values(
    fig: models.Figure, scores: ScoreResult
) -> tuple[list[str], list[np.ndarray], dict]:
    """Labels and values of every predictor (grids and ``S.groups`` expand to items)."""
    labels: list[str] = []
    values: list[np.ndarray] = []
    invalid: dict = {}
    study = scores.study.study
    for name in fig.predictors or []:
        var = resolve_variable(name, study)
        data = question_rows(var, "mean", "options", scores)
        invalid.update(data.invalid)
        for row in data.rows:
            labels.append(_label(var, row.label, name))
            values.append(row.values)
    if len(set(labels)) < len(labels):  # e.g. two grids with the same item labels
        counts = {x: labels.count(x) for x in labels}
        names = [n for n in fig.predictors or [] for _ in _rows_of(n, study)]
        labels = [f"{n}: {x}" if counts[x] > 1 else x for n, x in zip(names, labels, strict=True)]
    return labels, values, invalid


def _rows_of(name: str, study: models.Study) -> list[str]:
    var = resolve_variable(name, study)
    if var.kind == "scale groups":
        return list(study.scales[var.scale].groups)
    if isinstance(var.question, models.Grid):
        return list(var.question.columns)
    return [name]


def drivers_figure(fig: models.Figure, scores: ScoreResult, small_base: int = 30) -> FigureResult:
    scores.responses.require_respondents(f"key drivers (figure {fig.id!r})")
    outcome_label, y, invalid = outcome_values(fig, scores)
    labels, xs, more = predictor_values(fig, scores)
    invalid.update(more)
    p = len(labels)
    if p > stats.MAX_PREDICTORS:
        raise DataError(
            f"figure {fig.id!r}: {p} predictors; exact Shapley (LMG) shares are computed for "
            f"at most {stats.MAX_PREDICTORS}; drop predictors or combine them into scale groups"
        )
    keep = filter_keep(fig, scores)
    data = np.column_stack([*xs, y])
    complete = keep & np.isfinite(data).all(axis=1)
    n = int(complete.sum())
    if n < p + 2:
        raise DataError(
            f"figure {fig.id!r}: only {n} respondent(s) answered the outcome and every "
            f"predictor; key drivers need at least {p + 2}"
        )
    data = data[complete]
    weights = figure_weights(scores)
    w = None if weights is None else weights[complete]
    _refuse_degenerate(fig, data, labels, outcome_label, w)
    corr = stats.weighted_corr(data, w)
    point, _ = stats.importance(corr)
    wsum = float(w.sum()) if w is not None else float(n)
    means = (w if w is not None else np.ones(n)) @ data[:, :-1] / wsum
    boot = None
    if fig.bootstrap > 0:
        boot = stats.bootstrap(data, w, fig.bootstrap, fig.seed)
    r2 = float(point.r2)
    measures = _measures(point, means, r2)
    intervals = _intervals(boot, p) if boot is not None else {}
    base = wsum if w is not None else n
    respondents = n if w is None else int(np.count_nonzero(w > 0))
    rows = []
    for j, label in enumerate(labels):
        cells = {}
        for k, (column, unit) in enumerate(COLUMNS):
            ci = intervals.get(k)
            cells[column] = Cell(
                float(measures[k][j]),
                base,
                base,
                ci=(float(ci[0][j]), float(ci[1][j])) if ci is not None else None,
                unit=unit,
                n=respondents,
            )
        rows.append(Row(label, cells))
    if fig.sort == "desc":
        rows.sort(key=lambda r: -r.cells["Shapley"].value)
    warnings = [*_integrity(fig, scores), *_warnings(fig, invalid, boot, n, small_base)]
    r2_ci = None
    if boot is not None and len(boot.importance.r2):
        lo, hi = np.percentile(boot.importance.r2, _percents())
        r2_ci = (float(lo), float(hi))
    info = DriversInfo(
        fig.outcome,
        outcome_label,
        p,
        n,
        int(keep.sum()) - n,
        wsum if w is not None else None,
        r2,
        r2_ci,
        fig.bootstrap,
        boot.dropped if boot is not None else 0,
        fig.seed,
        LEVEL,
        yes_no=fig.outcome_is is not None,
    )
    return FigureResult(
        fig.id,
        fig.title or f"Key drivers of {outcome_label}",
        fig.outcome,
        "drivers",
        None,
        [c for c, _ in COLUMNS],
        rows,
        warnings,
        None,
        describe_filters(fig.filter),
        drivers=info,
    )


def _percents() -> list[float]:
    tail = (1 - LEVEL) / 2 * 100
    return [tail, 100 - tail]


def _measures(imp: stats.Importance, means: np.ndarray, r2) -> list[np.ndarray]:
    """The columns' values, in COLUMNS order (works on replicate batches too)."""
    r2 = np.asarray(r2)[..., None]
    with np.errstate(invalid="ignore", divide="ignore"):
        return [
            imp.lmg,
            100 * imp.lmg / r2,
            imp.johnson,
            100 * imp.johnson / r2,
            imp.corr,
            means,
        ]


def _intervals(boot: stats.Bootstrap, p: int) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    if len(boot.importance.r2) == 0:
        return {}
    values = _measures(boot.importance, boot.means, boot.importance.r2)
    out = {}
    for k, v in enumerate(values):
        lo, hi = np.percentile(v, _percents(), axis=0)
        out[k] = (lo, hi)
    return out


def _refuse_degenerate(fig, data: np.ndarray, labels, outcome_label: str, w) -> None:
    names = [*labels, outcome_label]
    spread = data.max(axis=0) - data.min(axis=0)
    if w is not None:
        used = w > 0
        spread = data[used].max(axis=0) - data[used].min(axis=0) if used.any() else spread * 0
    flat = np.flatnonzero(spread == 0)
    if len(flat):
        raise DataError(
            f"figure {fig.id!r}: {names[flat[0]]!r} has the same value for all respondents "
            "in the analysis, so it cannot drive or be driven; drop it"
        )
    j = stats.singular_predictor(stats.weighted_corr(data, w))
    if j is not None:
        raise DataError(
            f"figure {fig.id!r}: predictor {labels[j]!r} is a linear combination of the "
            "predictors before it (perfect collinearity); drop one of them"
        )


def _integrity(fig: models.Figure, scores: ScoreResult) -> list[str]:
    """The warnings every figure carries (figure.py): duplicate ids, tolerant column
    matches and unjudged quality rows, and -99 averaged as a number in a mean."""
    study = scores.study.study
    responses = scores.responses
    predictors = [c for name in fig.predictors or [] for c in figure_columns(name, study)]
    outcome = figure_columns(fig.outcome, study)
    out = responses.integrity_warnings([*outcome, *predictors])
    averaged = predictors if fig.outcome_is is not None else [*outcome, *predictors]
    return out + mean_over_minus_99(responses, list(dict.fromkeys(averaged)))


def _warnings(fig, invalid: dict, boot, n: int, small_base: int) -> list[str]:
    out = [
        f"{count} response(s) in column {column!r} have codes that are not valid "
        f"(e.g. {shorten(example)}{hint}); treated as unanswered"
        for column, (count, example, hint) in invalid.items()
    ]
    if boot is not None and boot.dropped:
        out.append(
            f"{boot.dropped} of {boot.replicates} bootstrap replicates had a constant or "
            "collinear predictor and were left out of the intervals"
        )
    if n < small_base:
        out.append(f"small base: only {n} respondents in the analysis (under {small_base})")
    return out
