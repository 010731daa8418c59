"""Which export column a study's column name means.

A name is looked up, in order: exactly; as an ImportId (``QID12_3``: stable
across export settings and survey edits); for the legacy export, by its modern
metadata name (``ResponseId`` = ``V1``) or its question text; ignoring
surrounding whitespace (``separated `` in the export); and by the renaming
Qualtrics applies to SPSS variable names (every character other than a letter,
digit or underscore becomes ``_``: ``Duration (in seconds)`` is
``Duration__in_seconds_`` in the .sav), so one study serves the CSV and the
.sav of a survey. The first step that finds exactly one column wins; a step that
finds several is ambiguous, and the study must name the column by its ImportId.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from cxsurvey.reading.header import Header

# Modern Qualtrics names -> the legacy export's V-columns.
LEGACY_ALIASES = {
    "ResponseId": "V1",
    "ResponseSet": "V2",
    "RecipientName": "V3",
    "ExternalReference": "V4",
    "RecipientEmail": "V5",
    "IPAddress": "V6",
    "Status": "V7",
    "StartDate": "V8",
    "EndDate": "V9",
    "Finished": "V10",
}

_NOT_SPSS = re.compile(r"[^0-9A-Za-z_]")


def spss_name(name: str) -> str:
    """The variable name Qualtrics gives column ``name`` in its .sav export."""
    return _NOT_SPSS.sub("_", name.strip())


@dataclass(frozen=True)
class Resolution:
    """Study column -> 0-based export position, plus what could not be matched."""

    positions: dict[str, int] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    ambiguous: dict[str, list[int]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)  # column found by a tolerant step


def resolve(
    header: Header, columns: Sequence[str], optional: Sequence[str] = (), legacy: bool = False
) -> Resolution:
    """Match every name of ``columns`` (required) and ``optional`` against ``header``."""
    index = _Index(header, legacy)
    out = Resolution()
    for name in dict.fromkeys([*columns, *optional]):
        how, found = index.find(name)
        if len(found) == 1:
            out.positions[name] = found[0]
            if how:
                out.notes[name] = (
                    f"column {name!r} matched the export's {header.names[found[0]]!r} ({how})"
                )
        elif len(found) > 1:
            out.ambiguous[name] = found
        elif name in columns:
            out.missing.append(name)
    return out


class _Index:
    def __init__(self, header: Header, legacy: bool) -> None:
        self.header = header
        self.legacy = legacy
        self.exact = _positions(header.names)
        self.ids = _positions(header.import_id(i) for i in range(len(header)))
        self.plain_ids = _positions(header.import_ids)
        self.texts = _positions(header.texts) if legacy else {}
        self.stripped = _positions(n.strip() for n in header.names)
        self.spss = _positions(spss_name(n) for n in header.names)

    def find(self, name: str) -> tuple[str, list[int]]:
        """(how it was found when not exactly, positions)."""
        if name in self.exact:
            return "", self.exact[name]
        if name in self.ids:
            return "", self.ids[name]
        if name in self.plain_ids:
            return "", self.plain_ids[name]
        if self.legacy:
            alias = LEGACY_ALIASES.get(name)
            if alias in self.exact:
                return "", self.exact[alias]
            if name in self.texts:
                return "", self.texts[name]
        if name.strip() in self.stripped:
            return "ignoring surrounding spaces", self.stripped[name.strip()]
        if spss_name(name) in self.spss:
            return "as Qualtrics names it in SPSS files", self.spss[spss_name(name)]
        return "", []


def _positions(values) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for i, v in enumerate(values):
        if v:
            out.setdefault(v, []).append(i)
    return out


def closest(name: str, header: Header) -> list[str]:
    """Up to three column names (or ImportIds) close to ``name``, for hints."""
    by_stripped: dict[str, str] = {}
    for n in header.names:
        if n.strip():
            by_stripped.setdefault(n.strip(), n)
    close = difflib.get_close_matches(name.strip(), list(by_stripped), n=3, cutoff=0.6)
    hits = [by_stripped[c] for c in close]
    if not hits and header.has_import_ids:
        ids = [header.import_id(i) for i in range(len(header))]
        hits = difflib.get_close_matches(name, [i for i in ids if i], n=3, cutoff=0.6)
    return hits


def describe_ambiguous(name: str, positions: list[int], header: Header) -> str:
    """``'q1' occurs 3 times in the export (column 12 (ImportId QID3_1), ...); ...``"""
    where = ", ".join(header.describe(p) for p in positions[:6])
    more = f" and {len(positions) - 6} more" if len(positions) > 6 else ""
    if header.has_import_ids and all(header.import_id(p) for p in positions):
        fix = "name the one you mean by its ImportId, e.g. " + repr(header.import_id(positions[0]))
    else:
        fix = (
            "this export has no ImportIds to tell them apart: rename the columns, or export "
            "the survey again with the 3 header rows (ImportIds)"
        )
    return f"column {name!r} occurs {len(positions)} times in the export ({where}{more}); {fix}"
