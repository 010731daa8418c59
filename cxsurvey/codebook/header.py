"""The export's header: column names, question texts and parsed ImportIds.

A Qualtrics export carries up to three header records: the column names, the
question text, and an ImportId record naming the question (``QID12``), its item
or choice and any suffix (``_TEXT``, ``_DO``, ``_NPS_GROUP``). Exports since
about 2017 write JSON (``{"ImportId":"QID3","choiceId":"2"}``); the 2016 exports
write a Python-style mapping (``{'ImportId': 'QID3-2'}``); the legacy two-row
export (``V1..V10``) has no ImportIds at all, so its columns are matched by name.

``_read_header_records`` is the one place that reads the raw header records; it
is kept small and isolated so it can be switched to the reader's own parsed
header when that carries the ImportIds. Encoding, delimiter and layout come
from ``reading.sniff``.
"""

from __future__ import annotations

import ast
import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from cxsurvey.errors import DataError
from cxsurvey.reading.sniff import sniff


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
        return "plain CSV (one header row)"


TIMING = ("FIRST_CLICK", "LAST_CLICK", "PAGE_SUBMIT", "CLICK_COUNT")
_SUFFIXES = ("NPS_GROUP", "TEXT", "DO", *TIMING)


def read_header(path: str | Path, fmt: str = "auto", encoding: str = "auto") -> ExportHeader:
    """Parse the header of ``path``; DataError for what is not an export."""
    p = Path(path)
    if not p.exists():
        raise DataError(f"{p}: export not found; check the path")
    from cxsurvey.reading.parquet import is_parquet

    if fmt == "parquet" or is_parquet(p):
        return _parquet_header(p)
    if p.is_dir():
        raise DataError(f"{p}: is a directory; give the export file")
    layout = sniff(p, fmt, encoding)
    if layout.kind == "sav":
        return _sav_header(p)
    records = _read_header_records(p, layout.encoding, layout.delimiter, 3)
    where = (str(p), layout.kind, layout.encoding, layout.delimiter)
    names = [c.strip() for c in records[0]]
    third = records[2] if len(records) > 2 else []
    id_format = _id_format(third)
    if id_format:
        texts = _pad(records[1], len(names))
        ids = [parse_import_id(cell) for cell in _pad(third, len(names))]
        return ExportHeader(*where, names, texts, ids, 3, id_format)
    if layout.kind == "qualtrics-legacy":
        texts = _pad(records[1], len(names))
        return ExportHeader(*where, names, texts, [None] * len(names), 2)
    return ExportHeader(*where, names, [""] * len(names), [None] * len(names), 1)


def _read_header_records(p: Path, encoding: str, delimiter: str, n: int) -> list[list[str]]:
    """The first ``n`` CSV records, however long (question texts can be large)."""
    enc = "utf-8-sig" if encoding in ("utf-8", "utf8") else encoding
    rows: list[list[str]] = []
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, 1 << 30))  # question texts can exceed the 128 KB default
    try:
        with open(p, encoding=enc, newline="") as fh:
            reader = csv.reader(fh, delimiter=delimiter)
            for row in reader:
                if encoding == "utf-16" and not rows and row:
                    row[0] = row[0].removeprefix("\ufeff")
                rows.append(row)
                if len(rows) == n:
                    break
    except (csv.Error, UnicodeDecodeError) as exc:
        raise DataError(f"{p}: cannot read the header records ({exc})") from None
    finally:
        csv.field_size_limit(limit)
    if not rows:
        raise DataError(f"{p}: the file is empty; export the responses again")
    return rows


def _pad(row: list[str], n: int) -> list[str]:
    return (list(row) + [""] * n)[:n]


def _id_format(row: list[str]) -> str:
    cells = [c.strip() for c in row if c.strip()]
    if not cells:
        return ""
    if sum(c.startswith('{"ImportId"') for c in cells) >= len(cells) / 2:
        return "json"
    if sum(c.startswith("{'ImportId'") for c in cells) >= len(cells) / 2:
        return "2016"
    return ""


def parse_import_id(cell: str) -> ImportId | None:
    """Parse one ImportId cell of either format; None when it is not one."""
    cell = cell.strip()
    if not cell.startswith("{"):
        return None
    try:
        data = json.loads(cell)
    except ValueError:
        try:
            data = ast.literal_eval(cell)  # the 2016 single-quoted mapping
        except (ValueError, SyntaxError):
            return None
    if not isinstance(data, dict) or not isinstance(data.get("ImportId"), str):
        return None
    raw = data["ImportId"]
    choice = data.get("choiceId")
    return _split_import_id(raw, None if choice is None else str(choice))


def _split_import_id(raw: str, choice: str | None) -> ImportId:
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
        return ImportId(raw, qid, loop, sbs, (), "TEXTIQ")  # Text iQ topics/sentiment
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
    if choice is not None and suffix != "DO":
        parts = (*parts, choice)
    return ImportId(raw, qid, loop, sbs, parts, suffix)


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
    try:
        import pyreadstat
    except ImportError:
        raise DataError(
            f"{p}: reading SPSS .sav files needs pyreadstat; install it with "
            "pip install 'cxsurvey[spss]'"
        ) from None
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
