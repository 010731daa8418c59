"""``--since`` / ``--until``: keep the responses dated inside a window of calendar days.

The date is the study's date question: the one ``source.date`` names, else the
study's only ``type: date`` question. A response is kept when its date, as a
calendar day in that question's ``timezone``, falls between ``since`` and
``until`` inclusive: ``--since 2026-03-01 --until 2026-03-31`` keeps every instant
from 2026-03-01 00:00:00 to 2026-03-31 23:59:59 local time. ``YYYY-MM`` means the
whole month (its first day as ``since``, its last as ``until``). A response with
no readable date is outside every window: excluded, and counted in the warnings.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from cxsurvey.errors import DataError
from cxsurvey.reading.dates import parse_dates
from cxsurvey.reading.zones import to_local
from cxsurvey.study.models import Date, Study

_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Window:
    """Inclusive calendar days; ``None`` is open on that side."""

    since: dt.date | None = None
    until: dt.date | None = None

    def to_dict(self) -> dict:
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }

    def text(self) -> str:
        return f"{self.since or '…'} to {self.until or '…'}"


def parse_window(since: str | None, until: str | None) -> Window | None:
    """The window of ``--since`` / ``--until`` (YYYY-MM-DD or YYYY-MM); None without either."""
    if since is None and until is None:
        return None
    lo = _parse_day(since, "--since", first=True) if since is not None else None
    hi = _parse_day(until, "--until", first=False) if until is not None else None
    if lo is not None and hi is not None and lo > hi:
        raise DataError(f"--since {since} is after --until {until}; swap them")
    return Window(lo, hi)


def _parse_day(text: str, option: str, first: bool) -> dt.date:
    text = text.strip()
    try:
        if m := _DAY.match(text):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if m := _MONTH.match(text):
            year, month = int(m[1]), int(m[2])
            day = 1 if first else calendar.monthrange(year, month)[1]
            return dt.date(year, month, day)
    except ValueError:
        pass
    raise DataError(f"{option} {text!r}: not a date; write YYYY-MM-DD (a day) or YYYY-MM (a month)")


def window_question(study: Study) -> tuple[str, Date]:
    """The date question a window applies to: ``source.date``, else the only date question."""
    if study.source.date is not None:
        q = study.questions.get(study.source.date)
        if not isinstance(q, Date):
            raise DataError(
                f"source.date: {study.source.date!r} is not a date question of the study; "
                "name a question of type: date"
            )
        return study.source.date, q
    dates = [(k, q) for k, q in study.questions.items() if isinstance(q, Date)]
    if len(dates) == 1:
        return dates[0]
    if not dates:
        raise DataError(
            "--since/--until need a date question in the study; declare one (type: date)"
        )
    raise DataError(
        f"--since/--until: the study has {len(dates)} date questions "
        f"({', '.join(k for k, _ in dates)}); choose one with source.date"
    )


def local_days(instants: np.ndarray, timezone: str) -> np.ndarray:
    """Each instant's calendar day in ``timezone`` as days since 1970-01-01 (NaT -> a
    huge negative number, outside every window)."""
    ok = ~np.isnat(instants)
    days = np.full(len(instants), np.iinfo(np.int64).min, dtype=np.int64)
    if not ok.any():
        return days
    days[ok] = to_local(instants[ok].astype(np.int64), timezone) // 86400
    return days


@dataclass(frozen=True)
class WindowRows:
    keep: np.ndarray  # bool per row read
    undated: int  # responses with no readable date (blank or unparseable)
    outside: int  # dated responses outside the window


def window_rows(
    table: pa.Table, question: Date, window: Window, counts: np.ndarray | None = None
) -> WindowRows:
    """Which rows of ``table`` (study-named columns) are dated inside ``window``;
    ``counts``: the respondents each row stands for (an aggregated export), whose
    sums are the counts of undated and outside responses."""
    parsed = parse_dates(table.column(question.column).combine_chunks(), question.format,
                         question.timezone)  # fmt: skip
    days = local_days(parsed.instants, question.timezone)
    dated = ~np.isnat(parsed.instants)
    keep = dated.copy()
    epoch = dt.date(1970, 1, 1)
    if window.since is not None:
        keep &= days >= (window.since - epoch).days
    if window.until is not None:
        keep &= days <= (window.until - epoch).days
    if counts is not None:
        undated = int(counts[~dated].sum())
        return WindowRows(keep, undated, int(counts[~keep].sum()) - undated)
    undated = int((~dated).sum())
    return WindowRows(keep, undated, int(len(keep) - keep.sum()) - undated)


def window_warning(name: str, question: Date, undated: int) -> list[str]:
    if not undated:
        return []
    return [
        f"{undated} response(s) have no readable date in question {name!r} (column "
        f"{question.column!r}); --since/--until exclude them"
    ]
