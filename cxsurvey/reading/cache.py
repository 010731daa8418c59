"""The parsed-export cache: the study's columns of an export, as Arrow IPC.

A rerun on the same export skips CSV parsing: the file is hashed (SHA-256 of
its bytes, which the figures' ``data_sha256`` needs anyway) and the cache entry
is named by a key over that hash and every reader setting (layout, encoding,
delimiter, header rows, the columns read, the cache format and pyarrow's major
version). So a changed export or a changed study column list never meets a
stale entry. Entries are memory-mapped on read.

Where: ``$CXSURVEY_CACHE_DIR`` (``off`` disables it), else
``$XDG_CACHE_HOME/cxsurvey``, else ``~/.cache/cxsurvey``; the CLI's
``--cache-dir DIR`` and ``--no-cache`` override. An unreadable or foreign entry
is ignored with a warning and rebuilt; an export whose size or modification time
changes while it is read is not cached.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

from cxsurvey.errors import CxSurveyWarning

FORMAT = 1
_UNSET = object()
_configured: Any = _UNSET


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


def load(directory: Path, key: str):
    """(table, metadata) of the entry, or None on a miss (or a bad entry, with a warning)."""
    import pyarrow as pa

    path = directory / f"{key}.arrow"
    if not path.exists():
        return None
    try:
        with pa.memory_map(str(path)) as source:
            reader = pa.ipc.open_file(source)
            meta = json.loads(reader.schema.metadata[b"cxsurvey"])
            if meta.get("key") != key:
                raise ValueError("written for another export or settings")
            table = reader.read_all()
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException) as exc:
        warnings.warn(
            f"ignoring the unreadable cache entry {path} ({exc}); rebuilding it",
            CxSurveyWarning,
            stacklevel=2,
        )
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    return table, meta


def store(directory: Path, key: str, table, meta: dict[str, Any]) -> None:
    """Write an entry atomically; a cache that cannot be written is skipped quietly
    (it only costs the next run its parse)."""
    import pyarrow as pa

    try:
        directory.mkdir(parents=True, exist_ok=True)
        schema = table.schema.with_metadata({b"cxsurvey": json.dumps({**meta, "key": key})})
        fd, tmp = tempfile.mkstemp(prefix=f".{key}.", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "wb") as fh, pa.ipc.new_file(fh, schema) as writer:
                writer.write_table(table.cast(schema))
            os.replace(tmp, directory / f"{key}.arrow")
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError as exc:
        warnings.warn(
            f"cannot write the cache in {directory} ({exc})", CxSurveyWarning, stacklevel=2
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
    path = _index_path(directory, export)
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}))
