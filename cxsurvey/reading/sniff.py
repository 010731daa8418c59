"""Recognise what kind of export a file is, from its first bytes.

Answers: encoding (BOM, UTF-16 without BOM by its NUL pattern, or the study's
``source.encoding``), delimiter, and layout: Qualtrics with three header rows,
the legacy two-row Qualtrics export (``V1..V10``), a plain one-header file, or
SPSS ``.sav``. Binary files that are not exports get a one-line explanation.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from cxsurvey.errors import DataError

HEAD_BYTES = 1 << 18


@dataclass(frozen=True)
class Layout:
    kind: str  # "qualtrics", "qualtrics-legacy", "plain", "sav"
    encoding: str  # a Python codec name; "utf-8" covers a BOM too
    delimiter: str = ","
    header: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)  # question text row, when present
    skip_after_names: int = 0

    @property
    def description(self) -> str:
        names = {
            "qualtrics": "Qualtrics export (3 header rows)",
            "qualtrics-legacy": "legacy Qualtrics export (2 header rows)",
            "plain": "CSV with one header row",
            "sav": "SPSS .sav",
        }
        sep = " tab-separated" if self.delimiter == "\t" else ""
        return f"{names[self.kind]},{sep} {self.encoding}".replace(",,", ",")


def sniff(path: Path, fmt: str = "auto", encoding: str = "auto") -> Layout:
    """Work out how to read ``path``; raise DataError for what cannot be read."""
    with open(path, "rb") as fh:
        head = fh.read(HEAD_BYTES)
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
    text = _decode_head(head, enc, path, complete=len(head) < HEAD_BYTES)
    if fmt == "tsv":
        delimiter = "\t"
    elif fmt == "csv":
        delimiter = ","
    else:
        first = text.split("\n", 1)[0]
        delimiter = "\t" if first.count("\t") > first.count(",") else ","
    rows = _first_rows(text, delimiter, 3)
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise DataError(f"{path}: no header row; the first line of an export names its columns")
    header = [c.strip() for c in rows[0]]
    kind, labels, skip = "plain", [], 0
    if fmt in ("auto", "qualtrics"):
        if len(rows) >= 3 and _is_import_id_row(rows[2]):
            kind, labels, skip = "qualtrics", rows[1], 2
        elif "V1" in header and "V10" in header and len(rows) >= 2:
            kind, labels, skip = "qualtrics-legacy", rows[1], 1
        elif fmt == "qualtrics":
            raise DataError(
                f"{path}: source.format is qualtrics but the file has neither the "
                '{"ImportId": ...} third header row nor legacy V1..V10 columns; '
                "set source.format to auto or csv"
            )
    return Layout(kind, enc, delimiter, header, labels, skip)


def _encoding(head: bytes, requested: str, path: Path) -> str:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if requested != "auto":
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


def _decode_head(head: bytes, enc: str, path: Path, complete: bool) -> str:
    decoder = codecs.getincrementaldecoder(enc)()
    try:
        text = decoder.decode(head, final=complete)
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{path}: byte {exc.start} is not valid {enc}; if the export was saved "
            "in another encoding, set source.encoding (e.g. cp1252) in the study "
            "file"
        ) from None
    return text.removeprefix("\ufeff")


def _first_rows(text: str, delimiter: str, n: int) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    try:
        for row in reader:
            rows.append(row)
            if len(rows) == n:
                break
    except csv.Error:
        pass  # a record cut off at the end of the head; the real parse will judge
    return rows


def _is_import_id_row(row: list[str]) -> bool:
    return any(cell.lstrip().startswith('{"ImportId"') for cell in row)
