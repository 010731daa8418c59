"""The question text of an export's columns: the question-text header row of a
Qualtrics export, or the variable labels of a .sav file.

Qualtrics writes a grid item or a split multi-select option as
``Question - Item`` and a one-cell multi-select as ``Question - Selected
Choice``; the shared question part is the wording, and the part after the last
`` - `` is the item's (or option's) label.
"""

from __future__ import annotations

from collections.abc import Sequence

_SUFFIXES = (" - Selected Choice",)
_SEP = " - "


def export_wording(columns: Sequence[str], labels: dict[str, str]) -> str | None:
    """The question part shared by the header texts of ``columns``, or None."""
    texts = [_clean(labels.get(c) or "") for c in columns]
    if not texts or not all(texts):
        return None
    if len(texts) == 1:
        return texts[0]
    heads = {t.rpartition(_SEP)[0] for t in texts}
    if len(heads) == 1 and (head := heads.pop()):
        return head
    return None


def item_label(column: str, labels: dict[str, str]) -> str | None:
    """The item part (after the last `` - ``) of a grid column's header text."""
    text = _clean(labels.get(column) or "")
    head, sep, tail = text.rpartition(_SEP)
    return tail.strip() or None if sep and head else None


def _clean(text: str) -> str:
    text = " ".join(text.split())
    for suffix in _SUFFIXES:
        text = text.removesuffix(suffix)
    return text
