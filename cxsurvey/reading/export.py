"""Read a survey export into an Arrow table of the columns a study needs.

CSV and TSV go through pyarrow's multithreaded reader with
``newlines_in_values=True`` (pandas' pyarrow engine loses sync on quoted
newlines). Every column is read as text so that codes compare exactly as the
export writes them; ``cells`` turns them into numbers where needed. Only the
requested columns are materialised, which keeps memory low on large exports.
"""

from __future__ import annotations

import csv
import hashlib
import importlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cxsurvey.errors import DataError
from cxsurvey.reading.columns import LEGACY_ALIASES, closest, describe_ambiguous, resolve
from cxsurvey.reading.header import Header
from cxsurvey.reading.sniff import Layout, sniff, unbounded_fields

if TYPE_CHECKING:
    from cxsurvey.reading.frequency import Frequency

__all__ = [
    "LEGACY_ALIASES",
    "Export",
    "Header",
    "export_layout",
    "file_sha256",
    "load_export",
    "read_header",
    "resolve_columns",
]


@dataclass
class Export:
    """The columns of one export, as text (or numbers for .sav), plus its metadata."""

    path: str
    layout: Layout
    table: object  # pyarrow.Table; columns named as the study names them
    header: list[str]
    labels: dict[str, str] = field(default_factory=dict)
    sha256: str | None = None  # of the file's bytes, when it was hashed while loading
    notes: dict[str, str] = field(default_factory=dict)  # column -> how a tolerant rule matched it
    positions: dict[str, int] = field(default_factory=dict)  # study name -> export position
    value_labels: dict[str, dict[float, str]] = field(default_factory=dict)  # .sav: code -> label
    partitions: tuple[int, int] | None = None  # (read, in the dataset) when a window pruned them
    # aggregated exports: the respondents (and weight sums) each row stands for
    frequency: Frequency | None = None

    @property
    def num_rows(self) -> int:
        return self.table.num_rows

    def column(self, name: str):
        return self.table.column(name)

    def has(self, name: str) -> bool:
        return name in self.table.column_names


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def load_export(
    path: str | Path,
    columns: Sequence[str],
    *,
    fmt: str = "auto",
    encoding: str = "auto",
    optional: Sequence[str] = (),
    where: dict[str, str] | None = None,
    window=None,
) -> Export:
    """Read ``columns`` (all required) and ``optional`` (read when present) from ``path``.

    ``where`` maps a column to the study key that asks for it, for error messages.
    ``window`` (a ``parquet.DateWindow``) lets a partitioned Parquet dataset skip
    the partitions outside it; other exports are read whole.
    """
    p = Path(path)
    if not p.exists():
        raise DataError(f"{p}: export not found; check the path")
    from cxsurvey.reading.parquet import is_parquet, read_parquet

    if fmt == "parquet" or is_parquet(p):

        def resolve(layout, cols, opt):
            found = require_columns(p, layout, cols, opt, where or {})
            return {name: layout.header[pos] for name, pos in found.positions.items()}

        return read_parquet(p, columns, optional, where or {}, resolve, window)
    if p.is_dir():
        raise DataError(f"{p}: is a directory with no .parquet files; give the export file")
    layout = sniff(p, fmt, encoding)
    if layout.kind == "sav":
        from cxsurvey.reading.sav import read_sav

        return read_sav(p, layout, columns, optional, where or {})
    found = require_columns(p, layout, columns, optional, where or {})
    table, digest = _read_cached(p, layout, found.positions)
    if table.num_rows == 0:
        raise DataError(f"{p}: the export has a header but no responses")
    head = layout.columns
    labels = (
        {name: head.text(pos) for name, pos in found.positions.items()} if layout.labels else {}
    )
    return Export(
        str(p), layout, table, layout.header, labels, digest, found.notes, found.positions
    )


def export_layout(path: str | Path, fmt: str = "auto", encoding: str = "auto") -> Layout:
    """The layout of ``path`` with its header (for a .sav, its variables and labels;
    for Parquet, its schema's column names)."""
    p = Path(path)
    from cxsurvey.reading.parquet import is_parquet, open_dataset, parquet_layout

    if fmt == "parquet" or is_parquet(p):
        return parquet_layout(open_dataset(p))
    layout = sniff(p, fmt, encoding)
    if layout.kind == "sav":
        from cxsurvey.reading.sav import sav_header

        return Layout("sav", "binary", columns=sav_header(p))
    return layout


def read_header(path: str | Path, fmt: str = "auto", encoding: str = "auto") -> Header:
    """The parsed header of an export: column names, question text (or .sav labels)
    and ImportIds by position; for code that titles, describes or drafts studies."""
    return export_layout(path, fmt, encoding).columns


def _read_cached(p: Path, layout: Layout, mapping: dict[str, int]):
    """(table with study names, SHA-256 of the file), through the parsed-export cache.

    The file is hashed beside the parse (both release the GIL); only when the
    cache's index knows this path with this size and modification time is it
    hashed first, to confirm and load the entry instead of parsing.
    """
    from concurrent.futures import ThreadPoolExecutor

    from cxsurvey.reading import cache

    directory = cache.cache_dir()
    before = p.stat()
    settings = {
        "kind": layout.kind,
        "encoding": layout.encoding,
        "delimiter": layout.delimiter,
        "skip": layout.skip_after_names,
        "header": layout.header,
        "mapping": mapping,
    }
    known: str | None = None  # the hash, when it was needed before the parse
    if directory is not None and cache.indexed(directory, p, before):
        known = file_sha256(p)
        hit = cache.load(directory, cache.cache_key(known, settings), list(mapping))
        if hit is not None:
            return hit[0], known
    with ThreadPoolExecutor(max_workers=1) as pool:
        hashing = pool.submit(file_sha256, p) if known is None else None
        wanted = sorted(set(mapping.values()))
        table = rename_columns(
            read_csv_columns(p, layout, wanted), {n: f"c{i}" for n, i in mapping.items()}
        )
        digest = known or hashing.result()
    if directory is not None and table.num_rows:
        after = p.stat()
        if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
            import warnings

            from cxsurvey.errors import CxSurveyWarning

            warnings.warn(
                f"{p} changed while it was read; not cached", CxSurveyWarning, stacklevel=2
            )
        else:
            key = cache.cache_key(digest, settings)
            cache.store(directory, key, table, {"rows": table.num_rows})
            cache.index(directory, p, after)
    return table, digest


def require_columns(
    p: Path, layout: Layout, columns: Sequence[str], optional: Sequence[str], where: dict[str, str]
):
    """Study columns -> export positions; a missing or ambiguous required column is an error.

    The one place these errors are worded, for CSV, TSV, Parquet and .sav alike."""
    found = resolve_columns(layout, columns, optional)
    for name in columns:
        if name in found.ambiguous:
            used = f" (used by {where[name]})" if name in where else ""
            detail = describe_ambiguous(name, found.ambiguous[name], layout.columns)
            raise DataError(f"{p}: {detail.replace(repr(name), repr(name) + used, 1)}")
    if found.missing:
        raise DataError(f"{p}: {missing_message(found.missing, layout, where)}")
    return found


def missing_message(missing: Sequence[str], layout: Layout, where: dict[str, str]) -> str:
    name = missing[0]
    close = closest(name, layout.columns)
    hint = f"; closest: {', '.join(map(repr, close))}" if close else ""
    used = f" (used by {where[name]})" if name in where else ""
    more = (
        f" ({len(missing) - 1} more missing: {', '.join(missing[1:4])})" if len(missing) > 1 else ""
    )
    if len(layout.header) == 1:
        from cxsurvey.reading.sniff import DELIMITER_NAMES

        for delim, word in DELIMITER_NAMES.items():
            if delim != layout.delimiter and delim in layout.header[0]:
                return (
                    f"column {name!r}{used} is not in the export: its header is one column "
                    f"holding {word}s; the file is {word}-separated: set source.format to auto"
                )
    return (
        f"column {name!r}{used} is not in the export{hint}{more}; fix the column name in the "
        "study file (an ImportId such as QID12_3 also works) or export that question"
    )


def closest_columns(name: str, layout: Layout) -> list[str]:
    return closest(name, layout.columns)


def resolve_columns(layout: Layout, columns: Sequence[str], optional: Sequence[str] = ()):
    """Where each study column is in the export (a ``columns.Resolution``)."""
    return resolve(layout.columns, columns, optional, legacy=layout.kind == "qualtrics-legacy")


def read_csv_columns(p: Path, layout: Layout, wanted: list[int]):
    """The columns at positions ``wanted`` as text, named ``c<position>``.

    Columns are named by position, so duplicate names and names with
    surrounding spaces are read exactly; the header records are skipped by the
    parser (they may hold quoted newlines)."""
    import pyarrow as pa
    from pyarrow import csv as pacsv

    read = pacsv.ReadOptions(
        encoding="utf8" if layout.encoding in ("utf-8", "utf8") else layout.encoding,
        column_names=[f"c{i}" for i in range(len(layout.columns))],
        skip_rows_after_names=layout.skip_after_names + 1,
        block_size=1 << 24,
    )
    parse = pacsv.ParseOptions(delimiter=layout.delimiter, newlines_in_values=True)
    names = [f"c{i}" for i in wanted]
    convert = pacsv.ConvertOptions(
        column_types={c: pa.string() for c in names},
        include_columns=names,
        strings_can_be_null=True,
        null_values=[""],
        quoted_strings_can_be_null=True,
    )
    # pyarrow imports pandas (~0.1 s) at its first conversion to numpy; import it
    # now, while the parse runs in pyarrow's threads without the GIL.
    warm = threading.Thread(target=importlib.import_module, args=("pandas",))
    warm.start()
    try:
        return pacsv.read_csv(p, read_options=read, parse_options=parse, convert_options=convert)
    except pa.ArrowInvalid as exc:
        msg = str(exc)
        if "UTF8" in msg or "UTF-8" in msg or "decode" in msg.lower():
            from cxsurvey.reading.sniff import encoding_error

            raise encoding_error(p, layout.encoding) from None
        raise DataError(f"{p}: {_locate_parse_error(p, layout, msg)}") from None
    except LookupError:
        raise DataError(
            f"{p}: unknown encoding {layout.encoding!r}; set source.encoding "
            "to e.g. utf-8, utf-16 or cp1252"
        ) from None
    except pa.ArrowNotImplementedError as exc:
        raise DataError(f"{p}: cannot read the file ({str(exc).splitlines()[0]})") from None


def _locate_parse_error(p: Path, layout: Layout, msg: str) -> str:
    """Find the first malformed record with Python's csv module (error path only)."""
    width = len(layout.header)
    try:
        with (
            open(
                p,
                encoding=layout.encoding if layout.encoding != "utf-8" else "utf-8-sig",
                newline="",
            ) as fh,
            unbounded_fields(),
        ):
            reader = csv.reader(fh, delimiter=layout.delimiter, strict=True)
            for row in reader:
                if len(row) != width:
                    return (
                        f"line {reader.line_num}: expected {width} fields, found {len(row)}; "
                        "check for an unquoted delimiter or a broken quote"
                    )
    except csv.Error as exc:
        return f"line {reader.line_num}: malformed CSV ({exc}); check the quotes on that line"
    except (UnicodeDecodeError, LookupError):
        pass
    return f"cannot parse the file as CSV ({msg.splitlines()[0]})"


def rename_columns(table, mapping: dict[str, str]):
    """The table's columns under the study's names (one export column may serve two)."""
    import pyarrow as pa

    cols = {src: table.column(src) for src in set(mapping.values())}
    names = list(mapping)
    return pa.table([cols[mapping[n]] for n in names], names=names)
