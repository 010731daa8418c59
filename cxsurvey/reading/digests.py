"""SHA-256 of a dataset's files, remembered while a file's size, time and inode stay.

The partition cache names each Parquet file's aggregates by the file's content,
so a rewritten file never meets a stale entry. Hashing two years of partitions on
every run would read them all, so each digest is remembered in the cache
directory beside the file's (absolute path, size, mtime_ns, inode) and trusted
while those four are unchanged: the trade-off git's index makes. A file rewritten
in place to the same size whose modification time is then set back (or does not
move) keeps its old digest until it is touched; ``--no-cache`` (or deleting
``digests/``) hashes everything again. As git does for "racily clean" files, a
digest is remembered only when the file's time was already ``RACY`` seconds old
when hashing began and its stat did not change while it was hashed, so a file
written again within the same clock tick is hashed again next run.

The memo is one JSON file per dataset root (``digests/<SHA-256 of the root>.json``)
carrying a checksum of its own: a damaged memo is ignored (every file hashed
again), never trusted, and one that cannot be written costs the next run its hashes.

``dataset_digest`` derives the dataset's digest from the files' digests: SHA-256
of the lines ``<hex digest>  <relative path>\\n`` sorted by path, the lines
``sha256sum`` prints, so ``(cd ROOT && sha256sum FILES | sha256sum)`` with the
files listed in byte order (``LC_ALL=C sort``) gives the same digest. It is not
``parquet.dataset_sha256`` (one stream over every file's bytes): the SHA-256 of a
concatenation cannot be built from its parts' digests.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cxsurvey.tempfiles import sweep_temp_files

RACY = 2.0  # seconds: a file younger than this when hashed is hashed again next run
_CHUNK = 1 << 22


@dataclass(frozen=True)
class FileDigest:
    sha256: str  # hex digest of the file's bytes
    stat: tuple[int, int, int]  # (size, mtime_ns, inode) before it was hashed


def file_digests(
    root: str | Path, files: Sequence[str], directory: Path | None
) -> dict[str, FileDigest]:
    """Each file's digest (keys as given), through the memo of the dataset ``root``
    in ``directory`` (None: hash every file, remember nothing)."""
    from concurrent.futures import ThreadPoolExecutor

    paths = {f: os.path.abspath(f) for f in dict.fromkeys(files)}
    memo_path = _memo_path(directory, root) if directory is not None else None
    memo = _read_memo(memo_path) if memo_path is not None else {}
    out: dict[str, FileDigest] = {}
    todo: list[tuple[str, tuple[int, int, int]]] = []
    for name, path in paths.items():
        stat = _stat(path)
        seen = memo.get(path)
        if seen is not None and tuple(seen[:3]) == stat:
            out[name] = FileDigest(seen[3], stat)
        else:
            todo.append((name, stat))
    if not todo:
        return out
    start = time.time_ns()
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        hashed = list(pool.map(lambda item: _sha256(paths[item[0]]), todo))
    fresh = {}
    for (name, stat), digest in zip(todo, hashed, strict=True):
        out[name] = FileDigest(digest, stat)
        settled = stat[1] < start - int(RACY * 1e9)
        if settled and _stat(paths[name]) == stat:
            fresh[paths[name]] = [*stat, digest]
    if memo_path is not None:
        stale = {paths[name] for name, _ in todo}
        kept = {p: v for p, v in memo.items() if p not in stale and os.path.exists(p)}
        if fresh or len(kept) != len(memo):
            _write_memo(memo_path, kept | fresh)
    return out


def dataset_digest(root: str | Path, digests: dict[str, str]) -> str:
    """SHA-256 of the ``sha256sum`` lines of the files (file -> hex digest), sorted
    by their path relative to ``root`` (a file's name when ``root`` is the file)."""
    base = Path(root)
    lines = []
    for name, digest in digests.items():
        rel = Path(name).relative_to(base) if base.is_dir() else Path(Path(name).name)
        lines.append((rel.as_posix().encode("utf-8"), digest))
    blob = b"".join(d.encode() + b"  " + rel + b"\n" for rel, d in sorted(lines))
    return hashlib.sha256(blob).hexdigest()


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)  # releases the GIL: files hash in parallel
    return digest.hexdigest()


def _stat(path: str) -> tuple[int, int, int]:
    st = os.stat(path)
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def _memo_path(directory: Path, root: str | Path) -> Path:
    name = hashlib.sha256(os.path.abspath(root).encode("utf-8", "surrogateescape")).hexdigest()
    return directory / "digests" / f"{name}.json"


def _checksum(files: dict) -> str:
    blob = json.dumps(files, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8", "surrogateescape")).hexdigest()


def _read_memo(path: Path) -> dict[str, list]:
    """path -> [size, mtime_ns, inode, digest]; {} when absent, unreadable or damaged."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8", errors="surrogateescape"))
    except (OSError, ValueError):
        return {}
    files = doc.get("files") if isinstance(doc, dict) else None
    if not isinstance(files, dict) or doc.get("sha256") != _checksum(files):
        return {}
    return {p: v for p, v in files.items() if _well_formed(v)}


def _well_formed(value) -> bool:
    return (
        isinstance(value, list)
        and len(value) == 4
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value[:3])
        and isinstance(value[3], str)
        and len(value[3]) == 64
    )


def _write_memo(path: Path, files: dict[str, list]) -> None:
    """Replace the memo atomically; a memo that cannot be written is skipped quietly."""
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        sweep_temp_files(path.parent)
        text = json.dumps({"sha256": _checksum(files), "files": files}, ensure_ascii=False)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.cxsurvey-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape") as fh:
                fh.write(text)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
