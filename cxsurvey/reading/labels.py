"""How answer labels compare: the one normalisation shared by the study checks
(labels that would clash) and the matching of choice-text cells.

Pure Python on purpose: ``validate`` imports it without numpy or pyarrow.
"""

from __future__ import annotations

import math
import re

# The reader's number rule for one cell's text: a decimal number as written
# (after trimming), finite. ``nan``, ``inf`` and ``1_000`` are text.
NUMBER_PATTERN = r"^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$"

QUOTES = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u201f": '"',
    "\u2033": '"',
}


def normalise_label(text: str) -> str:
    """A label as matching sees it: case-folded (Unicode full case folding, so
    ``Straße`` is ``STRASSE`` while ``İzmir`` and ``Izmir`` stay apart), trimmed,
    curly quotes straight. The one rule for both the study checks and the cells
    (``reading.choices.normalised_text`` applies it to each distinct cell)."""
    for curly, straight in QUOTES.items():
        text = text.replace(curly, straight)
    return text.strip().casefold().strip()


def number_of(text: str) -> float | None:
    """The number the reader takes a cell's (or label's) text for, or None when it is text."""
    trimmed = str(text).strip()
    if not re.match(NUMBER_PATTERN, trimmed):
        return None
    value = float(trimmed)
    return value if math.isfinite(value) else None
