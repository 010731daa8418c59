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

import json
from dataclasses import dataclass, field
from pathlib import Path

from cxsurvey.codebook.qsf import strip_html
from cxsurvey.errors import DataError


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
    ref: str = ""  # how a study file names the column by ImportId (``QID1_DO_2`` with a choiceId)


@dataclass(frozen=True)
class ExportHeader:
    """What the header records of one export say about its columns."""

    path: str
    kind: str  # qualtrics, qualtrics-legacy, plain, sav, parquet (as reading.sniff names them)
    encoding: str
    delimiter: str
    names: list[str]
    texts: list[str]  # question text per column ("" when the layout has none)
    import_ids: list[ImportId | None]  # None for legacy/plain layouts
    header_rows: int  # records before the first response
    id_format: str = ""  # "json", "2016" or "" (no ImportId row)
    value_labels: dict[str, dict[object, str]] = field(default_factory=dict)  # .sav only

    @property
    def layout_name(self) -> str:
        if self.kind == "sav":
            return "SPSS .sav"
        if self.kind == "parquet":
            return "Parquet dataset"
        if self.id_format == "json":
            return "Qualtrics (3 header rows, JSON ImportIds)"
        if self.id_format == "2016":
            return "Qualtrics 2016 (3 header rows, quoted ImportIds)"
        if self.kind == "qualtrics-legacy":
            return "legacy Qualtrics (2 header rows, V1..V10)"
        if self.kind == "qualtrics-2row":
            return "Qualtrics (2 header rows: the ImportId row was removed)"
        return "plain CSV (one header row)"


TIMING = ("FIRST_CLICK", "LAST_CLICK", "PAGE_SUBMIT", "CLICK_COUNT")
_SUFFIXES = ("NPS_GROUP", "TEXT", "DO", *TIMING)


def read_header(path: str | Path, fmt: str = "auto", encoding: str = "auto") -> ExportHeader:
    """Parse the header of ``path``; DataError for what is not an export.

    Layout, encoding, delimiter and the header records come from the reader
    (``reading.export.export_layout``); this adds what a codebook needs on top:
    ImportIds split into question, item and suffix, Parquet wording written by
    ``cxsurvey convert`` and .sav value labels.
    """
    from cxsurvey.reading.export import export_layout
    from cxsurvey.reading.sniff import HEADER_ROWS

    p = Path(path)
    if not p.exists():
        raise DataError(f"{p}: export not found; check the path")
    layout = export_layout(p, fmt, encoding)
    if layout.kind == "parquet":
        return _parquet_header(p)
    if layout.kind == "sav":
        return _sav_header(p)
    cols = layout.columns
    names = [n.strip() for n in cols.names]
    ids: list[ImportId | None] = [None] * len(names)
    id_format = ""
    if cols.has_import_ids:
        id_format = "2016" if layout.kind == "qualtrics-2016" else "json"
        ids = [
            split_import_id(raw, choice or None) if raw else None
            for raw, choice in zip(cols.import_ids, cols.choice_ids, strict=True)
        ]
    return ExportHeader(
        str(p),
        layout.kind,
        layout.encoding,
        layout.delimiter,
        names,
        [strip_html(t) for t in cols.texts],  # legacy header texts can hold markup
        ids,
        HEADER_ROWS[layout.kind],
        id_format,
    )


def split_import_id(raw: str, choice: str | None = None) -> ImportId:
    """``QID5_2`` / ``QID5-2`` / ``1_QID5#2_3_TEXT`` (+ a choiceId) as an ImportId."""
    text = raw
    loop = None
    head, sep, rest = text.partition("_QID")
    if sep and head and not head.startswith("QID"):
        loop, text = head, "QID" + rest  # loop & merge: "1_QID5_2"
    if not text.startswith("QID") or len(text) < 4 or not text[3].isdigit():
        return ImportId(raw, ref=_ref(raw, choice))
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
        return ImportId(raw, qid, loop, sbs, (), "TEXTIQ", _ref(raw, choice))  # Text iQ
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
    return ImportId(raw, qid, loop, sbs, parts, suffix, _ref(raw, choice))


def _ref(raw: str, choice: str | None) -> str:
    return f"{raw}_{choice}" if choice else raw


def _parquet_header(p: Path) -> ExportHeader:
    from cxsurvey.reading.parquet import LABELS_KEY, open_dataset

    schema = open_dataset(p).schema
    names = list(schema.names)
    try:  # question wording written by `cxsurvey convert`
        stored = json.loads((schema.metadata or {}).get(LABELS_KEY) or b"{}")
    except ValueError:
        stored = {}
    labels = {str(k): str(v) for k, v in stored.items()} if isinstance(stored, dict) else {}
    texts = [labels.get(n, "") for n in names]
    return ExportHeader(str(p), "parquet", "binary", "", names, texts, [None] * len(names), 0)


def _sav_header(p: Path) -> ExportHeader:
    from cxsurvey.reading.sav import pyreadstat_for

    pyreadstat = pyreadstat_for(p)
    try:
        _, meta = pyreadstat.read_sav(str(p), metadataonly=True)
    except Exception as exc:  # pyreadstat raises its own untyped errors
        raise DataError(f"{p}: cannot read the .sav file ({exc})") from None
    names = list(meta.column_names)
    labels = meta.column_names_to_labels or {}
    texts = [labels.get(n) or "" for n in names]
    value_labels = {
        name: {_sav_code(code): str(label) for code, label in mapping.items()}
        for name, mapping in (meta.variable_value_labels or {}).items()
    }
    return ExportHeader(
        str(p),
        "sav",
        "binary",
        "",
        names,
        texts,
        [None] * len(names),
        0,
        "",
        value_labels=value_labels,
    )


def _sav_code(code: object) -> object:
    if isinstance(code, float) and code.is_integer():
        return int(code)
    return code
