"""Response-quality screening (the study's ``quality:`` section).

Four rules, each run when the study names it (docs/quality.md):

- **speeder**: a duration under ``fraction`` x the median duration;
- **straightliner**: the same code for every answered item of a listed grid or
  scale, with at least ``min_items`` items answered (zero variance);
- **duplicate**: Qualtrics RelevantID's ``Q_RelevantIDDuplicate`` is true, or
  (``same_id``) the respondent id occurred on an earlier row;
- **bot**: Qualtrics' ``Q_RecaptchaScore`` under ``below``.

Flags are computed over the rows that the *other* ``source.include`` filters
keep (previews and unfinished responses do not move the median, and an id
repeated by a preview is no duplicate). A filter on ``quality.<flag>`` or
``quality.flagged`` (1 = flagged, 0 = not) then screens respondents out, e.g.
``- {column: quality.flagged, in: [0]}``. Cells a rule cannot judge (a blank or
non-numeric duration or score, a duplicate flag neither true nor false) are never
flagged; they are counted in the screening summary and named in every figure's
warnings (``unjudged_warnings``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cxsurvey.errors import shorten
from cxsurvey.reading.cells import cell_values, number_isin, split_codes
from cxsurvey.scoring.filters import filter_mask
from cxsurvey.study import models

FLAGS = ("speeder", "straightliner", "duplicate", "bot")
FLAGGED = "flagged"
TRUE_TEXT = ("true", "1", "yes")
FALSE_TEXT = ("false", "0", "no")  # and a blank cell: RelevantID leaves non-duplicates blank
EXAMPLES = 2


@dataclass(frozen=True)
class QualityFlags:
    """Flags per export row (bool arrays over every row read)."""

    flags: dict[str, np.ndarray]  # flag name -> flagged rows (only rules the study names)
    screened: np.ndarray  # rows the other include filters keep: the rules' population
    rules: dict[str, str]  # flag -> the rule in words, with its threshold
    # flag -> rows of the population the rule could not judge, and the column it reads
    unjudged_rows: dict[str, np.ndarray] = field(default_factory=dict)
    unjudged_columns: dict[str, str] = field(default_factory=dict)

    @property
    def unjudged(self) -> dict[str, int]:
        """flag -> how many rows of the population the rule could not judge."""
        return {k: int(v.sum()) for k, v in self.unjudged_rows.items()}

    @property
    def any(self) -> np.ndarray:
        out = np.zeros(len(self.screened), dtype=bool)
        for f in self.flags.values():
            out |= f
        return out

    def columns(self) -> dict[str, np.ndarray]:
        """The virtual ``quality.<flag>`` columns (int8, 1 = flagged)."""
        out = {f"{models.QUALITY_PREFIX}{k}": v.astype(np.int8) for k, v in self.flags.items()}
        out[f"{models.QUALITY_PREFIX}{FLAGGED}"] = self.any.astype(np.int8)
        return out

    def counts(self) -> dict[str, int]:
        out = {k: int(v.sum()) for k, v in self.flags.items()}
        out[FLAGGED] = int(self.any.sum())
        return out


def include_mask(
    table: pa.Table, study: models.Study, id_column: str | None, missing: list
) -> tuple[np.ndarray, QualityFlags | None]:
    """Rows ``source.include`` keeps, with the quality flags when the study has rules;
    ``missing``: the codes that mean "not answered" in this export."""
    include = study.source.include
    regular = [f for f in include if not study.is_flag(f.column)]
    base = filter_mask(table, regular, missing)
    if study.quality is None:
        return base, None
    flags = quality_flags(table, study, base, id_column, missing)
    screens = [f for f in include if study.is_flag(f.column)]
    if screens:
        virtual = pa.table({k: pa.array(v) for k, v in flags.columns().items()})
        base = base & filter_mask(virtual, screens, [])
    return base, flags


def quality_flags(
    table: pa.Table, study: models.Study, base: np.ndarray, id_column: str | None, missing: list
) -> QualityFlags:
    q = study.quality
    flags: dict[str, np.ndarray] = {}
    rules: dict[str, str] = {}
    unjudged: dict[str, np.ndarray] = {}
    columns: dict[str, str] = {}
    if q.speeders:
        d = cell_values(table.column(q.speeders.column), missing).numbers
        known = base & np.isfinite(d)
        median = float(np.median(d[known])) if known.any() else float("nan")
        limit = q.speeders.fraction * median
        flags["speeder"] = known & (d < limit)
        rules["speeder"] = (
            f"{q.speeders.column!r} under {q.speeders.fraction:g} x the median "
            f"{median:g} = {limit:g}"
        )
        unjudged["speeder"] = base & ~np.isfinite(d)
        columns["speeder"] = q.speeders.column
    if q.straightliners:
        s = q.straightliners
        hit = np.zeros(len(base), dtype=bool)
        for name in s.questions:
            hit |= _straight(table, study, name, s.min_items, missing)
        flags["straightliner"] = base & hit
        rules["straightliner"] = (
            f"one code for every answered item of {', '.join(s.questions)} "
            f"(at least {s.min_items} items answered)"
        )
    if q.duplicates:
        dup = np.zeros(len(base), dtype=bool)
        words = []
        if q.duplicates.column:
            column = table.column(q.duplicates.column)
            text = pc.utf8_lower(pc.utf8_trim_whitespace(column.cast(pa.string())))
            true = np.asarray(pc.fill_null(pc.is_in(text, pa.array(TRUE_TEXT)), False))
            false = np.asarray(pc.fill_null(pc.is_in(text, pa.array(FALSE_TEXT)), False))
            blank = cell_values(column, missing).missing
            dup |= true
            other = base & ~(true | false | blank)
            words.append(f"{q.duplicates.column!r} is true")
        if q.duplicates.same_id and id_column is not None:
            dup |= _repeated(table.column(id_column), base)
            words.append(f"the id in {id_column!r} occurred on an earlier row")
        flags["duplicate"] = base & dup
        rules["duplicate"] = " or ".join(words) or "no duplicate rule applies"
        if q.duplicates.column:  # a repeated id still judges the row
            unjudged["duplicate"] = other & ~dup
            columns["duplicate"] = q.duplicates.column
    if q.bots:
        score = cell_values(table.column(q.bots.column), missing).numbers
        known = base & np.isfinite(score)
        flags["bot"] = known & (score < q.bots.below)
        rules["bot"] = f"{q.bots.column!r} under {q.bots.below:g}"
        unjudged["bot"] = base & ~np.isfinite(score)
        columns["bot"] = q.bots.column
    return QualityFlags(flags, base, rules, unjudged, columns)


def unjudged_warnings(responses: Any) -> list[str]:
    """One warning per rule that could not judge some included respondents: how
    many, the column and why, and up to two example rows (with the cell, if any)."""
    q = responses.quality
    if q is None:
        return []
    out = []
    for flag, rows in q.unjudged_rows.items():
        kept = rows[responses.row_numbers]
        if not kept.any():
            continue
        column = q.unjudged_columns[flag]
        why = "neither true nor false" if flag == "duplicate" else "blank or not a number"
        cells = responses.text(column)
        examples = []
        for i in np.flatnonzero(kept)[:EXAMPLES]:
            value = cells[int(i)].as_py()
            shown = "" if value is None or str(value).strip() == "" else f": {shorten(value)}"
            examples.append(f"{responses.describe_row(int(i))}{shown}")
        out.append(
            f"quality: {int(kept.sum())} included respondent(s) could not be judged by the "
            f"{flag} rule ({why} in {column!r}, e.g. {', '.join(examples)}); kept as not flagged"
        )
    return out


def _straight(table, study: models.Study, name: str, k: int, missing) -> np.ndarray:
    if name in study.scales:
        scale = study.scales[name]
        columns, codes, na = scale.items, list(scale.values), []
    else:
        grid = study.questions[name]
        columns, codes, na = list(grid.columns.values()), list(grid.options), grid.not_applicable
    allowed, _ = split_codes(codes)
    n = table.num_rows
    low = np.full(n, np.inf)
    high = np.full(n, -np.inf)
    answered = np.zeros(n, dtype=np.int32)
    na_numbers, _ = split_codes(list(na))
    for c in columns:
        cells = cell_values(table.column(c), missing)
        ok = ~cells.missing & number_isin(cells.numbers, allowed)
        if na_numbers:
            ok &= ~number_isin(cells.numbers, na_numbers)
        x = cells.numbers
        np.minimum(low, np.where(ok, x, np.inf), out=low)
        np.maximum(high, np.where(ok, x, -np.inf), out=high)
        answered += ok
    return (answered >= k) & (low == high)


def _repeated(ids: pa.ChunkedArray, base: np.ndarray) -> np.ndarray:
    """Rows of ``base`` whose non-blank id occurred on an earlier row of ``base``."""
    rows = np.flatnonzero(base)
    text = ids.cast(pa.string()).combine_chunks().take(pa.array(rows))
    blank = np.asarray(pc.fill_null(pc.equal(pc.utf8_trim_whitespace(text), ""), True))
    codes = np.asarray(pc.dictionary_encode(text).indices.fill_null(-1))
    _, first = np.unique(codes, return_index=True)
    later = np.ones(len(rows), dtype=bool)
    later[first] = False
    out = np.zeros(len(base), dtype=bool)
    out[rows[later & ~blank]] = True
    return out
