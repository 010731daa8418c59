"""Figures -> result objects: bases, counts, values, intervals, gaps and letters.

Sums over respondents are matrix products (respondents x banner columns), so a
figure costs a few vectorised passes whatever the number of rows. Rules:

- percent = 100 x count / base; mean over the base; NPS = % promoters - %
  detractors. With ``source.weight`` counts and bases are weighted sums and each
  cell also reports its Kish effective base; tests then use effective bases.
- Two banner groups: every row gets the gap (first group minus second: high -
  low for a median split) and a two-sided test: pooled two-proportion z-test,
  Fisher's exact test when an expected count is under 5, Welch's t-test for
  means, a z-test for NPS.
- Three or more groups: columns are lettered A, B, C...; a cell lists the
  letters of the columns it is significantly higher than (same tests,
  pairwise), after the ``adjust`` correction over the row's pairs.
- A base under ``small_base`` is flagged; a base of zero gives an empty cell.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, replace
from itertools import combinations

import numpy as np

from . import stats
from .cells import code_isin
from .errors import DataError
from .figure_result import Cell, FigureResult, Gap, Row
from .filters import filter_mask
from .question_rows import MeanRow, PercentRow, QuestionRows, question_rows
from .score_run import ScoreResult
from .study import models
from .study.variables import resolve_variable


@dataclass(frozen=True)
class Options:
    alpha: float = 0.05
    adjust: str = "bonferroni"
    small_base: int = 30


@dataclass(frozen=True)
class Banner:
    labels: list[str]
    group: np.ndarray | None  # int per respondent, -1 in no group; None = Total only


def banner(by: str | None, scores: ScoreResult) -> Banner:
    if by is None:
        return Banner([], None)
    study = scores.study.study
    if by in scores.segments:
        seg = scores.segments[by]
        return Banner(seg.labels, seg.group.astype(np.int64))
    if by.endswith(".band"):
        scale = scores.scales[by[: -len(".band")]]
        return Banner(scale.band_labels, scale.band)
    q = study.questions[by]
    responses = scores.responses
    cells = responses.cells(q.column)
    arr = responses.text(q.column)
    group = np.full(responses.included, -1, dtype=np.int64)
    for i, code in enumerate(q.options):
        group[~cells.missing & code_isin(arr, cells.numbers, [code])] = i
    return Banner(list(q.options.values()), group)


def _weights(scores: ScoreResult) -> np.ndarray | None:
    column = scores.study.study.source.weight
    if column is None:
        return None
    responses = scores.responses
    cells = responses.cells(column)
    bad = cells.missing | np.isnan(cells.numbers) | (np.nan_to_num(cells.numbers) < 0)
    if bad.any():
        rows = ", ".join(responses.describe_row(int(i)) for i in np.flatnonzero(bad)[:3])
        raise DataError(
            f"{responses.export.path}: weight column {column!r} has {int(bad.sum())} "
            f"blank, negative or non-numeric weights ({rows}); fix them or drop "
            "source.weight"
        )
    return cells.numbers


def figure(fig: models.Figure, scores: ScoreResult, options: Options = Options()) -> FigureResult:
    """Compute one figure of the study."""
    study = scores.study.study
    var = resolve_variable(fig.question, study)
    stat = fig.stat or var.stats[0]
    data = question_rows(var, stat, fig.show, scores)
    ban = banner(fig.by, scores)
    keep = np.ones(scores.responses.included, dtype=bool)
    if fig.filter:
        full = filter_mask(scores.responses.export.table, fig.filter, study.source.missing)
        keep = full[scores.responses.row_numbers]
    weights = _weights(scores)
    w = np.ones(len(keep)) if weights is None else weights
    columns = ["Total", *ban.labels]
    member = np.zeros((len(keep), len(columns)))
    member[:, 0] = keep
    if ban.group is not None:
        for j in range(len(ban.labels)):
            member[:, j + 1] = keep & (ban.group == j)
    rows = _rows(data, member, w, weights is not None, columns, options)
    warnings = _warnings(fig, data, rows, columns, options, scores)
    if ban.group is not None:
        in_banner = member[:, 1:].any(axis=1)
        if not in_banner.any():
            raise DataError(
                f"figure {fig.id!r}: the banner {fig.by!r} has no respondents "
                "after filtering; check the figure's filter and banner"
            )
    letters = None
    if len(ban.labels) == 2:
        rows = [_with_gap(r, columns, stat, options, rows) for r in rows]
    elif len(ban.labels) >= 3:
        letters = dict(zip(ban.labels, _letters(len(ban.labels)), strict=True))
        rows = [_with_letters(r, columns, letters, stat, options, rows) for r in rows]
    if fig.sort == "desc":
        rows = sorted(rows, key=_desc_key)  # stable: ties keep their order
    title = fig.title or getattr(var.question, "text", None) or fig.question
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
        _describe_filter(fig),
    )


def _desc_key(row: Row) -> tuple[bool, float]:
    """Sort key for ``sort: desc`` by Total; empty cells last (0 and negatives are values)."""
    value = row.cells["Total"].value
    return (value is None, 0.0 if value is None else -value)


def _letters(k: int) -> list[str]:
    """A..Z, then AA, AB... for banners with more than 26 groups."""
    abc = string.ascii_uppercase
    return [abc[i] if i < 26 else abc[i // 26 - 1] + abc[i % 26] for i in range(k)]


def _rows(
    data: QuestionRows,
    member: np.ndarray,
    w: np.ndarray,
    weighted: bool,
    columns: list[str],
    options: Options,
) -> list[Row]:
    if data.nps is not None:
        return _nps_rows(data, member, w, weighted, columns, options)
    rows = []
    percent = [r for r in data.rows if isinstance(r, PercentRow)]
    if percent:
        hit = np.column_stack([r.hit for r in percent]).astype(float) * w[:, None]
        base = np.column_stack([r.base for r in percent]).astype(float)
        counts = member.T @ hit
        bases = member.T @ (base * w[:, None])
        raw = member.T @ base
        eff = member.T @ (base * (w * w)[:, None]) if weighted else None
        for i, r in enumerate(percent):
            cells = {}
            for j, col in enumerate(columns):
                n_eff = bases[j, i] ** 2 / eff[j, i] if weighted and eff[j, i] > 0 else None
                cells[col] = _percent_cell(
                    counts[j, i], bases[j, i], raw[j, i], n_eff, weighted, options
                )
            rows.append(Row(r.label, cells))
    for r in data.rows:
        if isinstance(r, MeanRow):
            rows.append(Row(r.label, _mean_cells(r.values, member, w, weighted, columns, options)))
    return rows


def _num(x: float, weighted: bool) -> float:
    return float(x) if weighted else round(x)


def _percent_cell(count, base, raw, n_eff, weighted, options) -> Cell:
    if base <= 0:
        return Cell(None, _num(0, weighted), _num(0, weighted), small_base=True)
    n = float(n_eff if weighted else base)
    value = float(100.0 * count / base)
    ci = stats.wilson(value / 100 * n, n)
    return Cell(
        value,
        _num(count, weighted),
        _num(base, weighted),
        ci,
        n if weighted else None,
        bool(raw < options.small_base),
    )


def _mean_cells(values, member, w, weighted, columns, options) -> dict[str, Cell]:
    inb = ~np.isnan(values)
    x = np.where(inb, values, 0.0)
    wi = w * inb
    sw, sx, sxx = member.T @ wi, member.T @ (wi * x), member.T @ (wi * x * x)
    raw, sww = member.T @ inb.astype(float), member.T @ (wi * w)
    cells = {}
    for j, col in enumerate(columns):
        if sw[j] <= 0:
            cells[col] = Cell(None, 0, 0, small_base=True)
            continue
        mean = sx[j] / sw[j]
        n_eff = sw[j] ** 2 / sww[j] if weighted else raw[j]
        # Sample variance with the n/(n-1) correction on the (effective) base.
        var = max(0.0, sxx[j] / sw[j] - mean * mean)
        sd = float(np.sqrt(var * n_eff / (n_eff - 1))) if n_eff > 1 else None
        cells[col] = Cell(
            float(mean),
            int(raw[j]),
            int(raw[j]),
            None,
            float(n_eff) if weighted else None,
            bool(raw[j] < options.small_base),
            sd,
        )
    return cells


NPS_LABELS = ("Promoters", "Passives", "Detractors")


def _nps_rows(data: QuestionRows, member, w, weighted, columns, options) -> list[Row]:
    nps = data.nps
    passive = nps.base & ~nps.promoter & ~nps.detractor
    shares = QuestionRows(
        "percent",
        [
            PercentRow(label, hit, nps.base)
            for label, hit in zip(NPS_LABELS, (nps.promoter, passive, nps.detractor), strict=True)
        ],
    )
    rows = _rows(shares, member, w, weighted, columns, options)
    cells = {}
    for col in columns:
        pro, det = rows[0].cells[col], rows[2].cells[col]
        if pro.value is None:
            cells[col] = Cell(None, pro.count, pro.base, small_base=True)
            continue
        n = pro.test_base
        p, d = pro.value / 100, det.value / 100
        ci = stats.nps_adjusted_wald(p * n, d * n, n)
        cells[col] = Cell(
            pro.value - det.value, pro.base, pro.base, ci, pro.effective_base, pro.small_base
        )
    return [*rows, Row("NPS", cells)]


def _pair_test(
    a: Cell, b: Cell, stat: str, shares: tuple[Row, Row] | None, cols: tuple[str, str]
) -> tuple[str, float | None]:
    if a.value is None or b.value is None:
        return ("welch" if stat == "mean" else "z"), None
    if stat == "mean":
        if a.sd is None or b.sd is None:
            return "welch", None
        return "welch", stats.welch(a.value, a.sd**2, a.test_base, b.value, b.sd**2, b.test_base)
    if shares is not None:  # the NPS row: promoters and detractors of each column
        pro, det = shares
        pa_, pb = pro.cells[cols[0]].value / 100, pro.cells[cols[1]].value / 100
        da, db = det.cells[cols[0]].value / 100, det.cells[cols[1]].value / 100
        return "nps-z", stats.nps_z(pa_, da, a.test_base, pb, db, b.test_base)
    return stats.proportion_test(a.value / 100, a.test_base, b.value / 100, b.test_base)


def _shares(row: Row, rows: list[Row]) -> tuple[Row, Row] | None:
    if row.label != "NPS":
        return None
    by_label = {r.label: r for r in rows}
    return by_label["Promoters"], by_label["Detractors"]


def _with_gap(row: Row, columns: list[str], stat: str, options: Options, rows: list[Row]) -> Row:
    hi, lo = columns[1], columns[2]
    a, b = row.cells[hi], row.cells[lo]
    row_stat = (
        "nps" if row.label == "NPS" and stat == "nps" else ("mean" if stat == "mean" else "percent")
    )
    test, p = _pair_test(
        a, b, row_stat, _shares(row, rows) if row_stat == "nps" else None, (hi, lo)
    )
    points = None if a.value is None or b.value is None else a.value - b.value
    return Row(row.label, row.cells, Gap(points, test, p, p is not None and p < options.alpha))


def _with_letters(
    row: Row,
    columns: list[str],
    letters: dict[str, str],
    stat: str,
    options: Options,
    rows: list[Row],
) -> Row:
    groups = columns[1:]
    row_stat = (
        "nps" if row.label == "NPS" and stat == "nps" else ("mean" if stat == "mean" else "percent")
    )
    pairs = list(combinations(groups, 2))
    tests = [
        _pair_test(
            row.cells[x],
            row.cells[y],
            row_stat,
            _shares(row, rows) if row_stat == "nps" else None,
            (x, y),
        )[1]
        for x, y in pairs
    ]
    adjusted = stats.adjust(tests, options.adjust)
    higher: dict[str, list[str]] = {g: [] for g in groups}
    for (x, y), p in zip(pairs, adjusted, strict=True):
        if p is None or p >= options.alpha:
            continue
        vx, vy = row.cells[x].value, row.cells[y].value
        winner, loser = (x, y) if vx > vy else (y, x)
        higher[winner].append(letters[loser])
    cells = dict(row.cells)
    for g in groups:
        cells[g] = replace(cells[g], higher_than=tuple(sorted(higher[g])))
    return Row(row.label, cells, row.gap)


def _warnings(fig, data: QuestionRows, rows: list[Row], columns, options, scores) -> list[str]:
    out = []
    for column, (n, example) in data.invalid.items():
        out.append(
            f"{n} response(s) in column {column!r} have codes that are not valid for "
            f"{fig.question!r} (e.g. {example!r}); excluded from the base"
        )
    small = []
    for col in columns:
        bases = [r.cells[col].base for r in rows if r.cells[col].small_base]
        if bases:
            small.append(f"{col} (n={min(bases)})")
    if small:
        out.append(f"small base (under {options.small_base}): {', '.join(small)}")
    return out


def _describe_filter(fig: models.Figure) -> str | None:
    if not fig.filter:
        return None
    parts = []
    for f in fig.filter:
        if f.in_ is not None:
            parts.append(f"{f.column} in {f.in_}")
        elif f.not_in is not None:
            parts.append(f"{f.column} not in {f.not_in}")
        else:
            parts.append(
                " and ".join(
                    x
                    for x in (
                        f"{f.column} >= {f.min}" if f.min is not None else "",
                        f"{f.column} <= {f.max}" if f.max is not None else "",
                    )
                    if x
                )
            )
    return "; ".join(parts)
