"""Recognise what kind of export a file is: encoding, delimiter, layout, header.

The encoding comes from a BOM, UTF-16's NUL pattern or ``source.encoding``; the
delimiter (comma, tab or semicolon) from the first record; the layout from the
header records, which are read with the CSV parser however large they are (a
loop & merge export can carry hundreds of KB of header). Layouts: Qualtrics
with three header rows (the ImportId row as JSON, or as the single-quoted dict
of the 2016 format), the legacy two-row Qualtrics export (``V1..V10``), a plain
one-header file, or SPSS ``.sav``. Binary files get a one-line explanation.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cxsurvey.errors import DataError
from cxsurvey.reading.header import Header, import_id_style

HEAD_BYTES = 1 << 16

#: layout kind -> header records before the first response
HEADER_ROWS = {
    "qualtrics": 3,
    "qualtrics-2016": 3,
    "qualtrics-legacy": 2,
    "qualtrics-2row": 2,
    "plain": 1,
    "sav": 0,
    "parquet": 0,
}
QUALTRICS_KINDS = ("qualtrics", "qualtrics-2016", "qualtrics-legacy", "qualtrics-2row")
DELIMITER_NAMES = {",": "comma", "\t": "tab", ";": "semicolon"}
_LAYOUT_NAMES = {
    "qualtrics": "Qualtrics export (3 header rows)",
    "qualtrics-2016": "Qualtrics 2016 export (3 header rows, single-quoted ImportIds)",
    "qualtrics-legacy": "legacy Qualtrics export (2 header rows, V1..V10)",
    "qualtrics-2row": "Qualtrics export (2 header rows: the ImportId row was removed)",
    "plain": "CSV with one header row",
    "sav": "SPSS .sav",
    "parquet": "Parquet dataset",
}


@dataclass(frozen=True)
class Layout:
    kind: str  # a key of HEADER_ROWS
    encoding: str  # a Python codec name; "utf-8" covers a BOM too
    delimiter: str = ","
    columns: Header = field(default_factory=Header)
    origin: str = ""  # Parquet written by convert or sample: the layout it was converted from

    @property
    def header(self) -> list[str]:
        """Column names as written."""
        return list(self.columns.names)

    @property
    def labels(self) -> list[str]:
        """The question-text row (legacy and 3-row layouts) or .sav labels; [] otherwise."""
        return list(self.columns.texts) if any(self.columns.texts) else []

    @property
    def skip_after_names(self) -> int:
        return max(0, HEADER_ROWS[self.kind] - 1)

    @property
    def is_qualtrics(self) -> bool:
        return self.kind in QUALTRICS_KINDS

    @property
    def from_qualtrics(self) -> bool:
        """A Qualtrics export or .sav, or a Parquet dataset converted from one (-99 rule)."""
        kind = self.origin if self.kind == "parquet" and self.origin else self.kind
        return kind in QUALTRICS_KINDS or kind == "sav"

    @property
    def description(self) -> str:
        """One line for run summaries: ``Qualtrics export (3 header rows), utf-8, comma``."""
        if self.kind == "parquet" and self.origin in _LAYOUT_NAMES:
            return f"Parquet dataset (converted from a {_LAYOUT_NAMES[self.origin]})"
        if self.kind in ("sav", "parquet"):
            return _LAYOUT_NAMES[self.kind]
        sep = DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))
        return f"{_LAYOUT_NAMES[self.kind]}, {self.encoding}, {sep}-separated"

    def to_dict(self) -> dict[str, object]:
        return {
            "layout": self.kind,
            "encoding": self.encoding,
            "delimiter": self.delimiter if self.kind not in ("sav", "parquet") else None,
            "header_rows": HEADER_ROWS[self.kind],
            "columns": len(self.columns),
        }


def sniff(path: Path, fmt: str = "auto", encoding: str = "auto") -> Layout:
    """Work out how to read ``path``; raise DataError for what cannot be read."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError as exc:
        raise DataError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    if not head:
        raise DataError(f"{path}: the file is empty; export the responses again")
    if head.startswith((b"$FL2", b"$FL3")) or fmt == "sav":
        if not head.startswith((b"$FL2", b"$FL3")):
            raise DataError(f"{path}: not an SPSS .sav file; set source.format to auto")
        return Layout("sav", "binary")
    if head.startswith(b"PK\x03\x04"):
        raise DataError(
            f"{path}: this is a zip or Excel (.xlsx) file, not a CSV; export the "
            "responses as CSV or TSV (or unzip the Qualtrics download first)"
        )
    enc = _encoding(head, encoding, path)
    text = _decode_head(head, enc, path, complete=len(head) < HEAD_BYTES, requested=encoding)
    delimiter = _delimiter(text, fmt)
    rows = _header_records(path, enc, delimiter, encoding)
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise DataError(f"{path}: no header row; the first line of an export names its columns")
    kind = _kind(rows)
    if fmt == "qualtrics" and kind == "plain":
        raise DataError(f"{path}: source.format is qualtrics but {_why_not_qualtrics(rows)}")
    names = rows[0]
    if kind == "plain":
        return Layout(kind, enc, delimiter, Header.from_records(names))
    ids = rows[2] if HEADER_ROWS[kind] == 3 else None
    return Layout(kind, enc, delimiter, Header.from_records(names, rows[1], ids))


def _kind(rows: list[list[str]]) -> str:
    if len(rows) >= 3:
        style = import_id_style(rows[2])
        if style == "json":
            return "qualtrics"
        if style == "dict":
            return "qualtrics-2016"
    names = {c.strip() for c in rows[0]}
    if len(rows) >= 2 and "V1" in names and "V10" in names:
        return "qualtrics-legacy"
    if len(rows) >= 2 and _is_question_text_row(rows[0], rows[1]):
        return "qualtrics-2row"
    return "plain"


# Qualtrics metadata columns, and how a response (not a title) looks under each.
_ID = re.compile(r"^R_\w+$")
_DATE = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{2,4})([ T]\d{1,2}:\d{2}(:\d{2})?)?")
_NUMBER = re.compile(r"^[-+]?\d+([.,]\d+)?$")
_STATUS_TEXT = {"ip address", "survey preview", "spam", "imported", "survey test", "offline"}
_FLAG_TEXT = {"true", "false"}
_METADATA_DATA = {
    "ResponseId": lambda v: bool(_ID.match(v)),
    "ResponseID": lambda v: bool(_ID.match(v)),
    "StartDate": lambda v: bool(_DATE.match(v)),
    "EndDate": lambda v: bool(_DATE.match(v)),
    "RecordedDate": lambda v: bool(_DATE.match(v)),
    "Status": lambda v: bool(_NUMBER.match(v)) or v.lower() in _STATUS_TEXT,
    "Finished": lambda v: bool(_NUMBER.match(v)) or v.lower() in _FLAG_TEXT,
    "Progress": lambda v: bool(_NUMBER.match(v)),
    "Duration (in seconds)": lambda v: bool(_NUMBER.match(v)),
}


def _is_question_text_row(names: list[str], second: list[str]) -> bool:
    """True when the second record is Qualtrics' question-text row (a 3-row export
    whose ImportId row was deleted, e.g. in a spreadsheet): under the Qualtrics
    metadata columns it holds their titles, in whatever language the export was
    made ("Response ID", "Antwort-ID"), never a response id, a date or a number."""
    titles = 0
    for i, name in enumerate(names):
        looks_like_data = _METADATA_DATA.get(name.strip())
        if looks_like_data is None or i >= len(second):
            continue
        cell = second[i].strip()
        if not cell or looks_like_data(cell):
            return False
        titles += 1
    return titles >= 2


def _why_not_qualtrics(rows: list[list[str]]) -> str:
    """One line on why the header records fit no Qualtrics layout."""
    if len(rows) < 3:
        found = f"only {len(rows)} record{'s' * (len(rows) != 1)}"
        return (
            f"the file has {found}, fewer than the 3 header rows of a Qualtrics export, and no "
            "legacy V1..V10 columns; set source.format to auto or csv"
        )
    start = ",".join(rows[2][:3])
    start = start if len(start) <= 40 else start[:37] + "..."
    return (
        f'its third record ({start!r}) is not the ImportId row ({{"ImportId": ...}}) and '
        "its columns are not the legacy V1..V10; export with 'Use numeric values' and the "
        "default headers, or set source.format to auto or csv"
    )


def _delimiter(text: str, fmt: str) -> str:
    """The delimiter that splits the first record into the most fields.

    ``tsv`` fixes a tab; ``csv`` chooses between comma and semicolon (European
    Excel saves CSV with semicolons); ``auto`` considers all three."""
    if fmt == "tsv":
        return "\t"
    candidates = (",", ";") if fmt == "csv" else (",", "\t", ";")
    best, width = ",", 0
    for delim in candidates:
        try:
            first = next(csv.reader(io.StringIO(text, newline=""), delimiter=delim), [])
        except csv.Error:
            continue
        if len(first) > width:
            best, width = delim, len(first)
    return best


FIELD_LIMIT = 2**31 - 1  # the largest the csv module takes on every platform (a C long)


@contextlib.contextmanager
def unbounded_fields() -> Iterator[None]:
    """Let the csv module read fields of any size while the block runs.

    Its default limit (128 KiB per field) would refuse a long open-ended answer or
    a huge header cell that pyarrow reads without complaint; the previous limit is
    put back afterwards, as it is process-wide."""
    previous = csv.field_size_limit(FIELD_LIMIT)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def encoding_error(path: Path, enc: str, requested: str = "auto") -> DataError:
    """One line on where ``path`` stops being ``enc`` text (line and byte) and which
    encoding to set instead: one that reads the file's start, when there is one."""
    codec = "utf-8-sig" if enc in ("utf-8", "utf8") else enc
    decoder = codecs.getincrementaldecoder(codec)()
    offset, lines, where = 0, 1, ""
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                try:
                    text = decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    lines += decoder.decode(chunk[: exc.start], final=False).count("\n")
                    bad = chunk[exc.start : exc.start + 1].hex()
                    where = f"line {lines}, byte {offset + exc.start} (0x{bad})"
                    break
                lines += text.count("\n")
                offset += len(chunk)
    except (OSError, UnicodeError, LookupError):
        pass
    what = f"{where} is not valid {enc}" if where else f"the file is not valid {enc} text"
    other = _readable_as(path, exclude=enc)
    if requested not in ("auto", "", None):
        hint = f"source.encoding says {requested}, but the file is not {requested} text"
        hint += (
            f"; it reads as {other}: set source.encoding to {other} or auto"
            if other
            else ("; set source.encoding to the encoding the file was saved in, or to auto")
        )
    elif other:
        hint = f"it reads as {other}: set source.encoding: {other} in the study file"
    else:
        hint = "set source.encoding in the study file to the encoding it was saved in"
    return DataError(f"{path}: {what}; {hint}")


def _readable_as(path: Path, exclude: str) -> str | None:
    """The first of UTF-8 and cp1252 (Excel on Windows) that decodes the file's first MiB."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(1 << 20)
    except OSError:
        return None
    for candidate in ("utf-8", "cp1252"):
        if candidate.replace("-", "") == exclude.replace("-", "").lower():
            continue
        try:
            codecs.getincrementaldecoder(candidate)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return candidate
    return None


def _header_records(
    path: Path, enc: str, delimiter: str, requested: str = "auto"
) -> list[list[str]]:
    """Up to three records from the start of the file, parsed whole by the csv module
    (records may hold quoted newlines and run to any length)."""
    codec = "utf-8-sig" if enc in ("utf-8", "utf8") else enc
    rows: list[list[str]] = []
    try:
        with open(path, encoding=codec, newline="", errors="strict") as fh, unbounded_fields():
            reader = csv.reader(fh, delimiter=delimiter, strict=False)
            for row in reader:
                rows.append(row)
                if len(rows) == 3:
                    break
    except UnicodeDecodeError:
        raise encoding_error(path, enc, requested) from None
    except LookupError:
        raise DataError(
            f"{path}: unknown encoding {enc!r}; set source.encoding to e.g. utf-8, utf-16 or cp1252"
        ) from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    except csv.Error as exc:
        raise DataError(
            f"{path}: header record {len(rows) + 1} cannot be parsed ({exc}); check for a broken "
            "quote near the start of the file"
        ) from None
    if rows:
        rows[0] = [rows[0][0].removeprefix("\ufeff"), *rows[0][1:]] if rows[0] else rows[0]
    return rows


def _encoding(head: bytes, requested: str, path: Path) -> str:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if requested != "auto":
        try:
            codecs.lookup(requested)
        except LookupError:
            raise DataError(
                f"{path}: unknown encoding {requested!r} in source.encoding; use e.g. utf-8, "
                "utf-16 or cp1252"
            ) from None
        return requested
    sample = head[:4096]
    if len(sample) >= 4:
        odd_nuls = sample[1::2].count(0) / max(1, len(sample[1::2]))
        even_nuls = sample[0::2].count(0) / max(1, len(sample[0::2]))
        if odd_nuls > 0.3 and even_nuls < 0.05:
            return "utf-16-le"
        if even_nuls > 0.3 and odd_nuls < 0.05:
            return "utf-16-be"
    if b"\x00" in sample:
        raise DataError(f"{path}: this is a binary file, not a CSV or TSV export")
    return "utf-8"


def _decode_head(head: bytes, enc: str, path: Path, complete: bool, requested: str = "auto") -> str:
    decoder = codecs.getincrementaldecoder(enc)()
    try:
        text = decoder.decode(head, final=complete)
    except UnicodeDecodeError:
        raise encoding_error(path, enc, requested) from None
    except UnicodeError as exc:  # e.g. utf-16 declared, but no byte-order mark
        raise DataError(
            f"{path}: cannot read the file as {enc} ({exc}); set source.encoding to what "
            "the file really is (utf-8, utf-16-le, utf-16-be, cp1252) or to auto"
        ) from None
    return text.removeprefix("\ufeff")
