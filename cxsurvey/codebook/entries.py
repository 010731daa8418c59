"""Shared pieces of classification: entries, names, labels and codes seen."""

from __future__ import annotations

import re
from collections.abc import Iterable

from cxsurvey.codebook.grouping import Column, Group
from cxsurvey.codebook.model import Entry, Option
from cxsurvey.codebook.values import MISSING_TEXT
from cxsurvey.reading.cells import as_code, number_of

_NA = re.compile(
    r"\b(n/?a|not applicable|does not apply|doesn't apply|don't know|do not know|dont know|"
    r"not sure|unsure|no opinion|prefer not to (say|answer)|rather not (say|answer)|"
    r"no basis|can't say|cannot say|can't answer|cannot answer|decline to answer|"
    r"never had|never tried|not relevant|no experience|haven't used|have not used)\b",
    re.IGNORECASE,
)
_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2})?)?$|^\d{1,2}/\d{1,2}/\d{4}")
MAX_CODES = 12  # a numeric column with at most this many distinct integers reads as coded
MAX_LABELS = 20  # a text column with at most this many distinct values reads as choice text


def is_not_applicable(label: str) -> bool:
    return bool(_NA.search(label.replace("\u2019", "'").replace("\u2018", "'")))


def simple_entry(group: Group) -> Entry:
    col = group.cols[0]
    kind = group.kind
    if kind == "metadata" and col.summary.values and all_dates(col.summary.values):
        kind = "date"
    if kind == "embedded" and len(group.cols) == 1:
        return _embedded(group.stem, col)
    return Entry(
        group.stem,
        "metadata" if kind == "date" and not _is_recorded(col.name) else kind,
        col.text,
        tuple(c.name for c in group.cols),
        group.qid,
        answered=col.summary.answered,
        seen=_seen(col.summary.values),
    )


def _embedded(name: str, col: Column) -> Entry:
    """Embedded data; with a few repeating values it can be a banner (region, plan, ...)."""
    seen = observed_codes([col])
    coded = bool(seen) and len(seen) <= MAX_LABELS and sum(seen.values()) > len(seen)
    options: tuple[Option, ...] = ()
    if coded:
        numeric = all(number_of(v) is not None for v in seen)
        items = sorted(seen.items(), key=lambda kv: float(kv[0])) if numeric else seen.items()
        options = tuple(Option(as_code(v) if numeric else v, v, n) for v, n in items)
    return Entry(
        name,
        "embedded",
        col.text,
        (col.name,),
        answered=col.summary.answered,
        options=options,
        options_from="observed labels" if options else "",
        seen=_seen(col.summary.values),
    )


def _is_recorded(name: str) -> bool:
    return name.lower() in ("recordeddate", "enddate", "v9")


def all_dates(values: dict[str, int]) -> bool:
    return all(_DATE.match(v) for v in values)


def _seen(values: dict[str, int], n: int = 6) -> tuple[str, ...]:
    return tuple(v if len(v) <= 40 else v[:39] + "…" for v in list(values)[:n])


def answered_of(cols: Iterable[Column]) -> int:
    return max((c.summary.answered for c in cols), default=0)


def question_name(g: Group, tag: str | None = None) -> str:
    if tag is None and g.loop and g.stem.startswith(f"{g.loop}_"):
        tag = g.stem[len(g.loop) + 1 :]
    name = g.stem if tag is None else (f"{tag}_loop{g.loop}" if g.loop else tag)
    if g.sbs:
        name += f"_c{g.sbs}"
    return name


def make_entry(name, kind, text, cols, g, other=(), notes=(), **kw) -> Entry:
    return Entry(
        name,
        kind,
        text,
        tuple(c.name for c in cols),
        g.qid,
        answered=answered_of(cols),
        other_text=tuple(other),
        notes=tuple(notes),
        seen=_seen(cols[0].summary.values) if cols else (),
        **kw,
    )


def nps_note(g: Group) -> tuple[str, ...]:
    return (f"NPS group column: {g.nps_group.name}",) if g.nps_group else ()


def per_column(name, kind, text, col: Column, g: Group, choices) -> Entry:
    item = item_label(col, choices, text)
    suffix = "_".join(col.parts) or str(col.pos)
    return Entry(
        f"{name}_{suffix}",
        kind,
        f"{text} - {item}" if item and item != text else text,
        (col.name,),
        g.qid,
        answered=col.summary.answered,
        seen=_seen(col.summary.values),
    )


def item_label(col: Column, choices, text: str) -> str:
    if col.parts:
        for c in choices:
            if c.id == col.parts[0]:
                return c.label
    return text_suffix(col.text, text) or col.name


def text_suffix(col_text: str, question_text: str) -> str:
    """The item part of a column's header text (``Question - Item`` or ``Question-Item``)."""
    if question_text and col_text.startswith(question_text):
        tail = col_text[len(question_text) :].strip().lstrip("-").strip()
        if tail:
            return tail
    for sep in (" - ", "-"):
        if sep in col_text:
            tail = col_text.rsplit(sep, 1)[1].strip()
            if tail and tail not in question_text:
                return tail
    return ""


def observed_codes(cols: Iterable[Column]) -> dict[str, int]:
    seen: dict[str, int] = {}
    for c in cols:
        for v, n in c.summary.values.items():
            if v not in MISSING_TEXT:
                seen[v] = seen.get(v, 0) + n
    return seen


def common_text(cols: list[Column]) -> str:
    """The question text the columns' header texts share, cut at a `` - `` or ``-``."""
    texts = [c.text for c in cols if c.text]
    if not texts:
        return ""
    if len(texts) == 1:
        return texts[0]
    prefix = texts[0]
    for t in texts[1:]:
        while not t.startswith(prefix):
            prefix = prefix[:-1]
    if all(t == prefix for t in texts):
        return prefix
    for sep in (" - ", "-"):
        if sep in prefix:
            return prefix.rsplit(sep, 1)[0].strip()
    return prefix.strip() or texts[0]
