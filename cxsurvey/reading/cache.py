"""The parsed-export cache: the study's columns of an export, as Arrow IPC.

A rerun on the same export skips CSV parsing: the file is hashed (SHA-256 of
its bytes, which the figures' ``data_sha256`` needs anyway) and the cache entry
is named by a key over that hash and every reader setting (layout, encoding,
delimiter, header rows, the columns read, the cache format and pyarrow's major
version). So a changed export or a changed study column list never meets a
stale entry.

An entry is never trusted beyond its checksum. Its file is::

    MAGIC (8 bytes) | SHA-256 of everything after it (32) | header length (8, little
    endian) | header (JSON: key, columns, rows, payload offset and size) | padding |
    payload (an Arrow IPC file)

On read the whole file is memory-mapped and hashed; a bad magic, checksum, key,
size or schema, or an Arrow payload that fails pyarrow's full validation (which
guards against forged offsets that would otherwise read out of bounds), makes the
entry a one-line warning, its removal and a rebuild. A bit flip, truncation or
forged payload therefore costs one parse, never a wrong figure or a crash.

Where: ``$CXSURVEY_CACHE_DIR`` (``off`` disables it), else
``$XDG_CACHE_HOME/cxsurvey``, else ``~/.cache/cxsurvey``; the CLI's
``--cache-dir DIR`` and ``--no-cache`` override. An export whose size or
modification time changes while it is read is not cached. Temp files of killed
writes (``.KEY.cxsurvey-XXXX.tmp``) older than an hour are removed by the next
run that reads or writes the cache.

The partition cache (tabulation/engines/partition_cache.py) keeps each Parquet
file's aggregates in entries of the same format, typed (``load(..., text=False)``),
under ``aggregates/`` in the same directory.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import struct
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cxsurvey.errors import CxSurveyWarning
from cxsurvey.tempfiles import TEMP_AGE, sweep_temp_files  # noqa: F401  (TEMP_AGE: re-exported)

FORMAT = 2
SUFFIX = ".cxcache"
MAGIC = b"CXSCACHE"
_PREFIX = len(MAGIC) + 32 + 8  # magic, digest, header length
_MAX_HEADER = 1 << 20
_ALIGN = 64
_UNSET = object()
_configured: Any = _UNSET


class BadEntry(ValueError):
    """A cache entry that must not be used (named in the warning)."""


def configure(directory: str | Path | None) -> None:
    """Use ``directory`` for the cache (``None`` turns it off) in this process."""
    global _configured
    _configured = None if directory is None else Path(directory)


def reset() -> None:
    """Back to the environment's choice ($CXSURVEY_CACHE_DIR or the default)."""
    global _configured
    _configured = _UNSET


def cache_dir() -> Path | None:
    if _configured is not _UNSET:
        return _configured
    env = os.environ.get("CXSURVEY_CACHE_DIR")
    if env is not None:
        return None if env.strip().lower() in ("", "0", "off", "no", "false") else Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "cxsurvey"


def cache_key(data_sha256: str, settings: dict[str, Any]) -> str:
    import pyarrow as pa

    doc = {"format": FORMAT, "pyarrow": pa.__version__.split(".")[0], "data": data_sha256}
    blob = json.dumps({**doc, **settings}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def entry_path(directory: Path, key: str) -> Path:
    return directory / f"{key}{SUFFIX}"


def load(directory: Path, key: str, columns: Sequence[str] | None = None, text: bool = True):
    """(table, metadata) of the entry, or None on a miss (or a bad entry, with a warning).

    ``columns``, when given, are the names (in order) the table must have; with
    ``text`` every column must be text, as the reader stores it (typed entries,
    such as the partition cache's aggregates, pass False and check their types).
    """
    import pyarrow as pa

    path = entry_path(directory, key)
    sweep_temp_files(directory)
    if not path.exists():
        return None
    try:
        table, meta = _read_entry(path, key, columns, text)
    except (OSError, BadEntry, pa.ArrowException) as exc:
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        warnings.warn(
            f"ignoring the damaged cache entry {path} ({reason}); rebuilding it",
            CxSurveyWarning,
            stacklevel=2,
        )
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    return table, meta


def _read_entry(path: Path, key: str, columns: Sequence[str] | None, text: bool = True):
    import pyarrow as pa

    with pa.memory_map(str(path)) as source:
        return _check_entry(source.read_buffer(source.size()), key, columns, text)


def _check_entry(whole, key: str, columns: Sequence[str] | None, text: bool = True):
    import pyarrow as pa

    size = whole.size
    if size < _PREFIX:
        raise BadEntry("truncated: shorter than its header")
    view = memoryview(whole)
    if bytes(view[: len(MAGIC)]) != MAGIC:
        raise BadEntry("not a cxsurvey cache file")
    digest = bytes(view[len(MAGIC) : len(MAGIC) + 32])
    if hashlib.sha256(view[len(MAGIC) + 32 :]).digest() != digest:
        raise BadEntry("checksum mismatch: the file was damaged or altered")
    (head_len,) = struct.unpack("<Q", view[len(MAGIC) + 32 : _PREFIX])
    if head_len > min(_MAX_HEADER, size - _PREFIX):
        raise BadEntry("header length out of range")
    try:
        head = json.loads(bytes(view[_PREFIX : _PREFIX + head_len]))
    except ValueError:
        raise BadEntry("unreadable header") from None
    if not isinstance(head, dict) or head.get("format") != FORMAT:
        raise BadEntry("another cache format")
    if head.get("key") != key:
        raise BadEntry("written for another export or settings")
    offset = head.get("offset")
    if not isinstance(offset, int) or not _PREFIX + head_len <= offset < size:
        raise BadEntry("payload offset out of range")
    reader = pa.ipc.open_file(whole.slice(offset))
    names = reader.schema.names
    expected = list(columns) if columns is not None else head.get("columns")
    # The key sorts the column mapping, so a study listing the same columns in
    # another order finds this entry: the same set, taken in the study's order.
    if sorted(names) != sorted(expected) or names != head.get("columns"):
        raise BadEntry("its columns are not the ones this study reads")
    types = reader.schema.types
    if text and not all(pa.types.is_string(t) or pa.types.is_large_string(t) for t in types):
        raise BadEntry("a column is not text")
    table = reader.read_all()
    table.validate(full=True)  # offsets and UTF-8 in bounds: a forged payload fails here
    if table.num_rows != head.get("rows"):
        raise BadEntry("row count does not match its header")
    if names != expected:
        table = table.select(expected)
    meta = head.get("meta")
    return table, meta if isinstance(meta, dict) else {}


def store(directory: Path, key: str, table, meta: dict[str, Any]) -> None:
    """Write an entry atomically; a cache that cannot be written is skipped quietly
    (it only costs the next run its parse)."""
    import pyarrow as pa

    try:
        directory.mkdir(parents=True, exist_ok=True)
        sweep_temp_files(directory)
        head = {"format": FORMAT, "key": key, "columns": table.schema.names}
        head |= {"rows": table.num_rows, "meta": meta}
        # The payload offset depends on the header's own length: settle it by iteration.
        offset = 0
        while True:
            head["offset"] = offset
            blob = json.dumps(head, ensure_ascii=False).encode()
            start = -(-(_PREFIX + len(blob)) // _ALIGN) * _ALIGN
            if start == offset:
                break
            offset = start
        body = struct.pack("<Q", len(blob)) + blob + b"\0" * (offset - _PREFIX - len(blob))
        fd, tmp = tempfile.mkstemp(prefix=f".{key}.cxsurvey-", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "w+b") as fh:
                fh.write(MAGIC + bytes(32) + body)
                with pa.ipc.new_file(fh, table.schema.remove_metadata()) as writer:
                    writer.write_table(table)
                fh.flush()
                # Hash what is on disk (from the page cache), not a second copy in memory.
                with pa.memory_map(tmp) as source:
                    view = memoryview(source.read_buffer(source.size()))
                    digest = hashlib.sha256(view[len(MAGIC) + 32 :]).digest()
                    del view
                fh.seek(len(MAGIC))
                fh.write(digest)
            os.replace(tmp, entry_path(directory, key))
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError as exc:
        warnings.warn(
            f"cannot write the cache in {directory} ({exc.strerror or exc})",
            CxSurveyWarning,
            stacklevel=2,
        )


def _index_path(directory: Path, export: Path) -> Path:
    name = hashlib.sha256(str(export.resolve()).encode()).hexdigest()
    return directory / "index" / f"{name}.json"


def indexed(directory: Path, export: Path, stat: os.stat_result) -> bool:
    """Whether this path was cached with this size and modification time (worth
    hashing the file first to look for its entry)."""
    try:
        seen = json.loads(_index_path(directory, export).read_text())
    except (OSError, ValueError):
        return False
    return seen == {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def index(directory: Path, export: Path, stat: os.stat_result) -> None:
    """Remember the export's size and time (atomically: a torn index only costs a hash)."""
    path = _index_path(directory, export)
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        sweep_temp_files(path.parent)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.cxsurvey-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(json.dumps({"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}))
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
