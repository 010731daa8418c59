"""The codebook of an export: its questions, their types, columns and options."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

Code = int | float | str

ANALYSABLE = ("single", "multi", "grid", "numeric", "nps")


@dataclass(frozen=True)
class Option:
    code: Code
    label: str
    count: int = 0  # respondents (cells) seen with this code
    not_applicable: bool = False  # a "don't know" / "not applicable" style choice


@dataclass(frozen=True)
class Entry:
    """One question of the codebook (or one piece of metadata)."""

    name: str  # the name it gets in the study file
    type: str  # single multi grid numeric nps text date | metadata embedded timing order derived other
    text: str
    columns: tuple[str, ...]
    qid: str | None = None
    items: tuple[tuple[str, str], ...] = ()  # grid: (item label, column)
    choice_columns: tuple[tuple[Code, str], ...] = ()  # split multi: (code, column)
    options: tuple[Option, ...] = ()
    options_from: str = ""  # definition | sav labels | observed labels | observed codes
    delimiter: str | None = None  # one-cell multi
    answered: int = 0
    other_text: tuple[str, ...] = ()  # "please specify" text columns of this question
    notes: tuple[str, ...] = ()
    seen: tuple[str, ...] = ()  # a few distinct values, for describe

    @property
    def analysable(self) -> bool:
        return self.type in ANALYSABLE and (bool(self.options) or self.type in ("numeric", "nps"))


@dataclass(frozen=True)
class Codebook:
    path: str
    layout: str
    encoding: str
    delimiter: str
    responses: int
    entries: tuple[Entry, ...]
    encoding_given: bool = False  # the encoding was named, not recognised (no BOM)
    definition: str | None = None  # path of the .qsf used
    survey_name: str | None = None
    id_column: str | None = None
    finished: tuple[str, tuple[str, ...]] | None = None  # (column, values seen)
    status: tuple[str, tuple[str, ...]] | None = None
    missing: tuple[Code, ...] = ()
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def questions(self) -> tuple[Entry, ...]:
        return tuple(
            e for e in self.entries if e.type not in ("metadata", "timing", "order", "derived")
        )

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for entry, raw in zip(self.entries, out["entries"], strict=True):
            raw["items"] = [{"label": a, "column": b} for a, b in entry.items]
            raw["choice_columns"] = [{"code": a, "column": b} for a, b in entry.choice_columns]
        out["finished"] = (
            {"column": self.finished[0], "values": list(self.finished[1])}
            if self.finished
            else None
        )
        out["status"] = (
            {"column": self.status[0], "values": list(self.status[1])} if self.status else None
        )
        return out
