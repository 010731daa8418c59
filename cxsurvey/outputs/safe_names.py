"""File and sheet names derived from figure ids: safe, and unique per output.

A figure id is data from the study file; used raw as a file name, ``../x`` or
``/tmp/x`` would write outside the chosen folder and ``a'b`` breaks an XLSX sheet.
So every id is mapped to a name that is a single plain path component (letters,
digits, ``-``, ``_``, ``.``; no leading dot; not a Windows device name), at most
100 characters, and unique without regard to case (``-2``, ``-3`` ... on clashes).
Ids that are already safe keep their name, so existing outputs do not move.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_UNSAFE = re.compile(r"[^\w.\-]+")
_RESERVED = {"con", "prn", "aux", "nul"} | {f"{d}{i}" for d in ("com", "lpt") for i in range(10)}
MAX_STEM = 100
SHEET_MAX = 31
_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\'\x00-\x1f\x7f]")


def file_stem(figure_id: str) -> str:
    """A safe file stem for one id (not yet made unique)."""
    text = unicodedata.normalize("NFC", figure_id)
    stem = _UNSAFE.sub("_", text).strip(". ")[:MAX_STEM].rstrip(". ")
    if not stem:
        return "figure"
    if stem.split(".")[0].lower() in _RESERVED:
        stem = f"{stem}_"
    return stem


def file_stems(figure_ids: Iterable[str]) -> dict[str, str]:
    """id -> unique safe file stem, in the order given."""
    return _unique({fid: file_stem(fid) for fid in figure_ids}, MAX_STEM + 8, "-")


def sheet_names(figure_ids: Iterable[str], taken: Iterable[str] = ()) -> dict[str, str]:
    """id -> unique XLSX sheet name: no ``[]:*?/\\``, apostrophe or control character,
    at most 31 characters, distinct from ``taken`` (e.g. "Index") without regard to case."""
    names = {}
    for fid in figure_ids:
        name = _SHEET_UNSAFE.sub("_", fid).strip()[:SHEET_MAX] or "figure"
        if name.lower() == "history":  # Excel reserves it
            name = "history_"
        names[fid] = name
    return _unique(names, SHEET_MAX, "~", taken)


def _unique(
    names: dict[str, str], limit: int, sep: str, taken: Iterable[str] = ()
) -> dict[str, str]:
    used = {t.lower() for t in taken}
    out = {}
    for key, name in names.items():
        candidate, k = name, 2
        while candidate.lower() in used:
            suffix = f"{sep}{k}"
            candidate, k = name[: limit - len(suffix)] + suffix, k + 1
        used.add(candidate.lower())
        out[key] = candidate
    return out
