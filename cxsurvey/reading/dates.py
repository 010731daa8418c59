"""Date answers -> UTC instants and periods (week, month, quarter), vectorised.

Accepted without a ``format`` (strictly: 2026-02-30 or 25:00 is unparseable, not
rolled over):

- ISO 8601: ``2026-01-15``, ``2026-01-15 10:23``, ``2026-01-15T10:23:45.5``, with
  an optional ``Z`` or ``+01:00`` / ``-0500`` offset (Qualtrics' RecordedDate,
  StartDate and EndDate are ``2026-01-15 10:23:45``);
- US style ``1/15/2026`` with an optional ``10:23`` or ``10:23:45`` (Qualtrics
  legacy exports, spreadsheets).

With a ``format`` (strptime codes, e.g. ``%d.%m.%Y %H:%M``) a cell must match it
exactly, zero-padding included. A value without an offset is a local time in
the question's ``timezone`` (default UTC); periods are calendar periods in that
time zone: months ``2026-01``, quarters ``2026-Q1``, ISO weeks ``2026-W03``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cxsurvey.reading.zones import to_local, to_utc

_ISO = (
    r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[T ](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(?P<z>Z|[+-]\d{2}:?\d{2})?$"
)
_US = (
    r"^(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})"
    r"(?:\s+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?\s*(?P<z>)$"
)
_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


@dataclass(frozen=True)
class ParsedDates:
    instants: np.ndarray  # datetime64[s] in UTC; NaT where blank or unparseable
    unparseable: np.ndarray  # bool: non-blank but not a date


def parse_dates(arr: pa.Array, fmt: str | None = None, timezone: str = "UTC") -> ParsedDates:
    """Parse a text column; blanks are NaT and not counted as unparseable.

    A timestamp column (Parquet) is taken as it is: with a time zone it is an
    instant; without one, a local time in ``timezone``."""
    if pa.types.is_timestamp(arr.type):
        return _typed_instants(arr, timezone)
    if pa.types.is_date(arr.type):
        return _day_starts(arr, timezone)  # a calendar day (an engine's day of a date)
    text = pc.utf8_trim_whitespace(arr.cast(pa.string()))
    blank = np.asarray(pc.fill_null(pc.equal(text, ""), True))
    if fmt is not None:
        local, offset = _strptime(text, fmt)
    else:
        local, offset = _fast_iso(text)
        if local is None:
            local, offset = _components(text)
    utc = _to_utc(local, offset, timezone)
    bad = ~blank & np.isnat(utc)
    return ParsedDates(utc, bad)


def _typed_instants(arr: pa.Array, timezone: str) -> ParsedDates:
    # whole seconds, floored (a fraction before 1970 belongs to the earlier second)
    per = {"s": 1, "ms": 10**3, "us": 10**6, "ns": 10**9}[arr.type.unit]
    ticks = pc.fill_null(arr.cast(pa.int64()), 0).to_numpy(zero_copy_only=False)
    seconds = (np.asarray(ticks, dtype=np.int64) // per).astype("datetime64[s]")
    seconds[np.asarray(arr.is_null())] = np.datetime64("NaT")
    if arr.type.tz is not None:
        utc = seconds  # an instant: its ticks count from 1970-01-01 UTC
    else:
        utc = _to_utc(seconds, np.full(len(seconds), np.nan), timezone)
    return ParsedDates(utc, np.zeros(len(utc), dtype=bool))


def _fast_iso(text: pa.Array) -> tuple[np.ndarray | None, np.ndarray]:
    """Arrow's strict ISO 8601 cast, when every non-blank cell is a plain local
    date or date-time (Qualtrics' RecordedDate): ten times faster than the regex."""
    cells = pc.if_else(pc.equal(text, ""), None, text)
    try:
        stamps = pc.cast(cells, pa.timestamp("s"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None, np.empty(0)
    local = np.asarray(stamps.to_numpy(zero_copy_only=False), dtype="datetime64[s]")
    return local, np.full(len(text), np.nan)


def _components(text: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Local datetime64[s] (NaT if invalid) and offset minutes (NaN if none) from
    ISO or US text, validating every field."""
    local = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[s]")
    offset = np.full(len(text), np.nan)
    for pattern in (_ISO, _US):
        parts = pc.extract_regex(text, pattern)
        matched = np.asarray(pc.fill_null(pc.is_valid(parts), False)) & np.isnat(local)
        if not matched.any():
            continue
        field = {name: _ints(parts.field(name)) for name in ("y", "m", "d", "H", "M", "S")}
        y, m, d, hh, mm, ss = (np.nan_to_num(field[k]) for k in ("y", "m", "d", "H", "M", "S"))
        leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
        month_ok = (m >= 1) & (m <= 12)
        days = np.where(month_ok, _DAYS[np.clip(m, 1, 12).astype(np.int64) - 1], 0)
        days = days + (leap & (m == 2))
        ok = matched & month_ok & (d >= 1) & (d <= days) & (hh < 24) & (mm < 60) & (ss < 60)
        months = ((y - 1970) * 12 + m - 1)[ok].astype(np.int64)
        date = np.datetime64("1970-01", "M") + months
        stamp = date.astype("datetime64[D]") + (d[ok].astype(np.int64) - 1)
        seconds = (hh * 3600 + mm * 60 + ss)[ok].astype(np.int64)
        local[ok] = stamp.astype("datetime64[s]") + seconds
        offset[ok] = _offset_minutes(parts.field("z"))[ok]
    return local, offset


def _ints(arr: pa.Array) -> np.ndarray:
    values = pc.cast(pc.if_else(pc.equal(arr, ""), None, arr), pa.float64())
    return np.asarray(values.to_numpy(zero_copy_only=False), dtype=float)


def _offset_minutes(zone: pa.Array) -> np.ndarray:
    """'Z' -> 0, '+01:00' / '-0500' -> +60 / -300 minutes, '' -> NaN (no offset)."""
    text = pc.replace_substring(zone, ":", "")
    sign = np.where(np.asarray(pc.fill_null(pc.starts_with(text, "-"), False)), -1.0, 1.0)
    hours = _ints(pc.utf8_slice_codeunits(text, 1, 3))
    minutes = _ints(pc.utf8_slice_codeunits(text, 3, 5))
    out = sign * (hours * 60 + minutes)
    out[np.asarray(pc.fill_null(pc.equal(zone, "Z"), False))] = 0.0
    return out


def _strptime(text: pa.Array, fmt: str) -> tuple[np.ndarray, np.ndarray]:
    parsed = pc.strptime(text, format=fmt, unit="s", error_is_null=True)
    aware = parsed.type.tz is not None
    if not aware:  # strptime rolls 2026-02-30 over; a round trip catches it
        same = pc.equal(pc.strftime(parsed, format=fmt), text)
        parsed = pc.if_else(pc.fill_null(same, False), parsed, None)
    stamps = parsed.cast(pa.timestamp("s"))  # UTC wall clock when aware
    local = np.asarray(stamps.to_numpy(zero_copy_only=False), dtype="datetime64[s]")
    offset = np.zeros(len(text)) if aware else np.full(len(text), np.nan)
    return local, offset


def _to_utc(local: np.ndarray, offset: np.ndarray, timezone: str) -> np.ndarray:
    """UTC instants: values with an offset shift by it; the rest are local times
    in ``timezone`` (daylight-saving gaps and overlaps resolve to the earliest)."""
    utc = local.copy()
    has = ~np.isnan(offset)
    utc[has] = local[has] - offset[has].astype(np.int64) * np.timedelta64(60, "s")
    naive = ~has & ~np.isnat(local)
    if naive.any() and timezone != "UTC":
        wall = local[naive].astype(np.int64)
        utc[naive] = to_utc(wall, timezone, nonexistent="earliest").astype("datetime64[s]")
    return utc


def periods(
    instants: np.ndarray, period: str, timezone: str = "UTC"
) -> tuple[list[str], np.ndarray]:
    """Every period label from the first to the last date (in time order, empty
    ones included) and each respondent's period index (-1 where NaT)."""
    ok = ~np.isnat(instants)
    index = np.full(len(instants), -1, dtype=np.int64)
    if not ok.any():
        return [], index
    wall = to_local(instants[ok].astype(np.int64), timezone)
    local = pa.array(wall, pa.timestamp("s"))  # the wall clock in the zone
    if period == "week":  # ISO weeks, numbered by the Monday that starts each
        days = np.asarray(local.cast(pa.int64()).to_numpy(), dtype=np.int64) // 86400
        monday = days - (days + 3) % 7  # 1970-01-01 was a Thursday
        first = int(monday.min())
        slot = (monday - first) // 7
        labels = []
        for k in range(int(slot.max()) + 1):
            year, week, _ = (np.datetime64(first + 7 * k + 3, "D").astype(object)).isocalendar()
            labels.append(f"{year}-W{week:02d}")
    else:
        y = np.asarray(pc.year(local).to_numpy(), dtype=np.int64)
        m = np.asarray(pc.month(local).to_numpy(), dtype=np.int64)
        step = 3 if period == "quarter" else 1
        serial = y * 12 + (m - 1) // step * step
        first = int(serial.min())
        slot = (serial - first) // step
        labels = []
        for k in range(int(slot.max()) + 1):
            yy, mm = divmod(first + k * step, 12)
            labels.append(f"{yy}-Q{mm // 3 + 1}" if period == "quarter" else f"{yy}-{mm + 1:02d}")
    index[ok] = slot
    return labels, index


def _day_starts(days: pa.Array, timezone: str) -> ParsedDates:
    """Dates (calendar days: a Parquet date, an engine's day of a timestamp) -> the
    instant each day begins in ``timezone``: its local midnight or, where a
    daylight-saving switch skips midnight (Santiago, Havana, Beirut, Cairo), the
    first instant after the gap; never the evening before, so the window and the
    periods see the day it is."""
    number = pc.fill_null(days.cast(pa.int32()), 0).to_numpy(zero_copy_only=False)
    wall = np.asarray(number, dtype=np.int64) * 86_400
    utc = to_utc(wall, timezone, nonexistent="latest").astype("datetime64[s]")
    utc[np.asarray(days.is_null())] = np.datetime64("NaT")
    return ParsedDates(utc, np.zeros(len(utc), dtype=bool))
