"""How answer labels compare: the one normalisation shared by the study checks
(labels that would clash) and the matching of choice-text cells.

Pure Python on purpose: ``validate`` imports it without numpy or pyarrow.
"""

from __future__ import annotations

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
    """A label as matching sees it: lower case, trimmed, curly quotes straight."""
    for curly, straight in QUOTES.items():
        text = text.replace(curly, straight)
    return text.strip().lower()
