"""The export's header: column names, question texts and parsed ImportIds.

A Qualtrics export carries up to three header records: the column names, the
question text, and an ImportId record naming the question (``QID12``), its item
or choice and any suffix (``_TEXT``, ``_DO``, ``_NPS_GROUP``). Exports since
about 2017 write JSON (``{"ImportId":"QID3","choiceId":"2"}``); the 2016 exports
write a Python-style mapping (``{'ImportId': 'QID3-2'}``); the legacy two-row
export (``V1..V10``) has no ImportIds at all, so its columns are matched by name.

The header records themselves are read by ``reading`` (``export_layout``), the
same parse the figures use; this module splits the ImportIds for grouping.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from cxsurvey.codebook.qsf import strip_html
from cxsurvey.errors import DataError
from cxsurvey.reading.sniff import Layout


@dataclass(frozen=True)
class ImportId:
    """One column's ImportId, normalised across the 2016 and current formats.

    ``qid`` is ``QID12`` for a question (else None: metadata or embedded data,
    whose raw id is ``raw``); ``loop`` the loop & merge prefix; ``sbs`` the
    side-by-side column number; ``parts`` the item/answer ids after the QID;
    ``suffix`` one of ``TEXT``, ``DO``, ``NPS_GROUP``, a timing field
    (``FIRST_CLICK``, ``LAST_CLICK``, ``PAGE_SUBMIT``, ``CLICK_COUNT``) or ``""``.
    """

    raw: str
    qid: str | None = None
    loop: str | None = None
    sbs: str | None = None
    parts: tuple[str, ...] = ()
    suffix: str = ""
    ref: str = ""  # how a study file names the column (``Header.import_id``: ``QID1_DO_2``)


@dataclass(frozen=True)
class ExportHeader:
    """What the header records of one export say about its columns: the reader's
    ``Layout`` (kind, encoding, delimiter, header records) plus what a codebook adds
    on top, by position: names as the draft writes them, question texts without
    markup, ImportIds split into question, item and suffix, and .sav value labels."""

    path: str
    layout: Layout
    names: list[str]
    texts: list[str]  # question text per column ("" when the layout has none)
    import_ids: list[ImportId | None]  # None for legacy/plain layouts
    value_labels: dict[str, dict[object, str]] = field(default_factory=dict)  # .sav only
    # .sav user-missing codes per column (their labels are not in value_labels)
    user_missing: dict[str, tuple] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return self.layout.kind

    @property
    def encoding(self) -> str:
        return self.layout.encoding

    @property
    def delimiter(self) -> str:
        return self.layout.delimiter if self.kind not in ("sav", "parquet") else ""


TIMING = ("FIRST_CLICK", "LAST_CLICK", "PAGE_SUBMIT", "CLICK_COUNT")
_SUFFIXES = ("NPS_GROUP", "TEXT", "DO", *TIMING)


def read_export_header(path: str | Path, fmt: str = "auto", encoding: str = "auto") -> ExportHeader:
    """Parse the header of ``path``; DataError for what is not an export.

    Layout, encoding, delimiter and the header records (for Parquet its stored
    wording, for a .sav its variable labels) come from the reader
    (``reading.export.export_layout``); this adds what a codebook needs on top:
    ImportIds split into question, item and suffix, and .sav value labels.
    """
    from cxsurvey.reading.export import export_layout

    p = Path(path)
    if not p.exists():
        raise DataError(f"{p}: export not found; check the path")
    layout = export_layout(p, fmt, encoding)
    cols = layout.columns
    ids: list[ImportId | None] = [None] * len(cols)
    if cols.has_import_ids:
        ids = [
            replace(split_import_id(raw, choice or None), ref=cols.import_id(i)) if raw else None
            for i, (raw, choice) in enumerate(zip(cols.import_ids, cols.choice_ids, strict=True))
        ]
    value_labels: dict[str, dict[object, str]] = {}
    user_missing: dict[str, tuple] = {}
    if layout.kind == "sav":
        from cxsurvey.reading.sav import sav_metadata

        meta = sav_metadata(p)
        value_labels = {
            name: {_sav_code(code): str(label) for code, label in mapping.items()}
            for name, mapping in (meta.variable_value_labels or {}).items()
        }
        user_missing = _user_missing(meta, value_labels)
        for name, codes in user_missing.items():
            if name in value_labels:
                value_labels[name] = {
                    c: lab for c, lab in value_labels[name].items() if c not in codes
                }
    return ExportHeader(
        str(p),
        layout,
        [n.strip() for n in cols.names],
        [strip_html(t) for t in cols.texts],  # legacy header texts can hold markup
        ids,
        value_labels,
        user_missing,
    )


_MAX_RANGE = 20  # a user-missing range of at most this many whole numbers is listed code by code


def _user_missing(meta, value_labels: dict[str, dict[object, str]]) -> dict[str, tuple]:
    """SPSS user-missing codes per column: discrete values, the labelled codes inside a
    range, and every whole number of a range spanning at most 20 of them."""
    out: dict[str, tuple] = {}
    for name, ranges in (getattr(meta, "missing_ranges", None) or {}).items():
        codes: list = []
        for r in ranges or ():
            lo, hi = _sav_code(r.get("lo")), _sav_code(r.get("hi"))
            if lo == hi:
                codes.append(lo)
                continue
            if not all(isinstance(x, int | float) for x in (lo, hi)):
                continue
            codes += [
                c
                for c in value_labels.get(name, {})
                if isinstance(c, int | float) and lo <= c <= hi
            ]
            if isinstance(lo, int) and isinstance(hi, int) and hi - lo < _MAX_RANGE:
                codes += list(range(lo, hi + 1))
        if codes:
            out[name] = tuple(dict.fromkeys(codes))
    return out


def split_import_id(raw: str, choice: str | None = None) -> ImportId:
    """``QID5_2`` / ``QID5-2`` / ``1_QID5#2_3_TEXT`` (+ a choiceId) as an ImportId."""
    text = raw
    loop = None
    head, sep, rest = text.partition("_QID")
    if sep and head and not head.startswith("QID"):
        loop, text = head, "QID" + rest  # loop & merge: "1_QID5_2"
    if not text.startswith("QID") or len(text) < 4 or not text[3].isdigit():
        return ImportId(raw)
    digits = 3
    while digits < len(text) and text[digits].isdigit():
        digits += 1
    qid, tail = text[:digits], text[digits:]
    sbs = None
    if tail.startswith("#"):
        end = 1
        while end < len(tail) and tail[end].isdigit():
            end += 1
        sbs, tail = tail[1:end], tail[end:]
    tail = tail.lstrip("_-")
    if tail.startswith(("TEXT_", "TEXT-")) and len(tail) > 5:
        return ImportId(raw, qid, loop, sbs, (), "TEXTIQ")  # Text iQ
    suffix = ""
    for s in _SUFFIXES:
        for sep_ in ("_", "-"):
            if tail == s or tail.endswith(sep_ + s):
                suffix = s
                tail = tail[: len(tail) - len(s)].rstrip("_-")
                break
        if suffix:
            break
    parts = tuple(p for p in tail.replace("-", "_").split("_") if p) if tail else ()
    if choice and suffix != "DO":
        parts = (*parts, choice)
    return ImportId(raw, qid, loop, sbs, parts, suffix)


def _sav_code(code: object) -> object:
    if isinstance(code, float) and code.is_integer():
        return int(code)
    return code
