"""The parsed header records of an export: column names, question text, ImportIds.

Qualtrics writes up to three header records: the column names, the question
text, and (3-row layouts) an ImportId per column, ``{"ImportId":"QID12_3"}``
since 2017, ``{'ImportId': 'QID12_3'}`` in the 2016 format, sometimes with a
``choiceId``. The legacy export writes two (``V1..V10`` names, then the text).
The .sav gives variable names and labels. ``Header`` holds them by position,
so duplicate names stay distinguishable; nothing here reads a file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_IMPORT_ID = re.compile(r"""(["'])ImportId\1\s*:\s*(["'])(.*?)\2""")
_CHOICE_ID = re.compile(r"""(["'])choiceId\1\s*:\s*(["'])(.*?)\2""")
_MODERN_CELL = re.compile(r'^\s*\{\s*"ImportId"\s*:')
_SINGLE_QUOTED_CELL = re.compile(r"^\s*\{\s*'ImportId'\s*:")


def import_id_style(row: list[str]) -> str | None:
    """``"json"`` for a modern ImportId record, ``"dict"`` for the 2016 one, else None."""
    if any(_MODERN_CELL.match(cell) for cell in row):
        return "json"
    if any(_SINGLE_QUOTED_CELL.match(cell) for cell in row):
        return "dict"
    return None


def parse_import_id(cell: str) -> tuple[str, str]:
    """(ImportId, choiceId) of one ImportId cell; empty strings when absent."""
    found = _IMPORT_ID.search(cell)
    choice = _CHOICE_ID.search(cell)
    return (found.group(3) if found else "", choice.group(3) if choice else "")


@dataclass(frozen=True)
class Header:
    """Column names as written (surrounding spaces kept), the question-text row
    (or .sav variable labels) and the ImportIds, all by 0-based position.
    ``texts``, ``import_ids`` and ``choice_ids`` hold "" where the export has none."""

    names: tuple[str, ...] = ()
    texts: tuple[str, ...] = ()
    import_ids: tuple[str, ...] = ()
    choice_ids: tuple[str, ...] = ()

    @classmethod
    def from_records(
        cls, names: list[str], texts: list[str] | None = None, ids: list[str] | None = None
    ) -> Header:
        n = len(names)
        pad = lambda row: tuple((list(row or []) + [""] * n)[:n])  # noqa: E731
        parsed = [parse_import_id(c) for c in pad(ids)]
        return cls(
            tuple(names),
            pad(texts),
            tuple(p[0] for p in parsed),
            tuple(p[1] for p in parsed),
        )

    def __len__(self) -> int:
        return len(self.names)

    def text(self, position: int) -> str:
        return self.texts[position] if position < len(self.texts) else ""

    def import_id(self, position: int) -> str:
        """The ImportId with its choiceId (``QID5_2`` style for ``{"ImportId":"QID5",
        "choiceId":"2"}``), or "" when the export has none."""
        if position >= len(self.import_ids) or not self.import_ids[position]:
            return ""
        qid, choice = self.import_ids[position], self.choice_ids[position]
        return f"{qid}_{choice}" if choice else qid

    @property
    def has_import_ids(self) -> bool:
        return any(self.import_ids)

    def duplicates(self) -> dict[str, list[int]]:
        """Names that occur more than once -> their 0-based positions."""
        seen: dict[str, list[int]] = {}
        for i, name in enumerate(self.names):
            seen.setdefault(name, []).append(i)
        return {name: pos for name, pos in seen.items() if len(pos) > 1 and name.strip()}

    def describe(self, position: int) -> str:
        """``column 12 (ImportId QID3_1)`` or ``column 12 ('Question text')`` for messages."""
        ident = self.import_id(position)
        if ident:
            return f"column {position + 1} (ImportId {ident})"
        text = self.text(position)
        if text:
            short = " ".join(text.split())
            short = short if len(short) <= 100 else short[:97] + "..."
            return f"column {position + 1} ({short!r})"
        return f"column {position + 1}"
