"""Aggregates cached per Parquet file, so a rerun computes only new or changed files.

``cached_aggregate(engine, source, plans)`` gives the tables of
``engine.aggregate(source, plans)`` (the same columns and types, the same sums;
rows in any order), built from each file's aggregates: aggregates of parts add
(base.merge), so a daily rerun over two years of daily partitions asks the engine
only for the new day's file and reads the other files' aggregates back.

An entry holds one plan's aggregates of one file. Its key is the SHA-256 of
``base.CONTRACT``, the file's content digest (reading.digests: SHA-256 of its
bytes, remembered by path, size, mtime_ns and inode, git's trade-off), the
file's Hive partition values (they come from its path, not its bytes) and the
plan as stable text (every field: keys, weight, missing codes, ``only``). No
engine is named: every engine computes the same aggregates, so Spark reuses
DuckDB's entries. Files missing any entry are computed in ONE engine call
(``by_file=True``), split by ``__file`` and stored, a file without rows for a plan
as an empty table.

Not cached: a ``repeated`` plan (groups of more than one row) is not additive
over files (an id once in each of two files is repeated overall), and its
unfiltered per-file counts would store a row per respondent id, so it is
computed over all files, uncached, in a second call. So is a plan whose files'
aggregates came back with different key types (a column retyped between files),
which cannot be merged as the engine would have read them together.

Entries are ``reading.cache`` files (checksummed, written atomically, temp files
swept) under ``aggregates/<file digest>/``: a damaged entry is a one-line warning
and a recompute, never a wrong figure. A file whose size, time or inode changes
while it is read is not stored. With the cache off (``--no-cache``,
``CXSURVEY_CACHE_DIR=off``) the engine computes everything and nothing is
written. What was reused is on the result (``Aggregates.report``), with each
file's digest, from which ``report.data_sha256`` gives the dataset's digest
(equal to ``parquet.dataset_sha256`` of the same files) without hashing again.

Counts are exact; weight sums are added per file first, so they may differ from
one engine pass in the last bits, as two engines' summation orders do. A warm
run reads every entry back (checksum and Arrow validation, about 0.2 ms each:
60 files x 9 plans of the feedback study take 0.13 s, benchmarks/bench_incremental.py).
Entries of deleted or rewritten files stay until the cache folder is cleared.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath

from cxsurvey.errors import CxSurveyWarning
from cxsurvey.reading import cache
from cxsurvey.reading.digests import dataset_digest, file_digests
from cxsurvey.tabulation.engines.base import (
    CONTRACT,
    FILE,
    N_POS,
    W2,
    W_BAD,
    GroupPlan,
    N,
    Source,
    W,
)
from cxsurvey.tabulation.engines.base import merge as merge_parts


@dataclass(frozen=True)
class CacheReport:
    """What a cached run computed and what it read back."""

    root: str
    files: int  # distinct files of the source
    computed: int  # files the engine read for the cached plans
    whole: int  # plans computed over all files, uncached (repeated ids, retyped keys)
    digests: Mapping[str, str]  # file -> SHA-256 of its bytes
    cached: bool = True  # False: the cache was off

    @property
    def reused(self) -> int:
        return self.files - self.computed

    @property
    def data_sha256(self) -> str:
        """The dataset's digest from the files' (reading.digests.dataset_digest)."""
        return dataset_digest(self.root, dict(self.digests))

    def text(self) -> str:
        """``aggregates: 2 of 730 files computed, 728 from the cache``."""
        if not self.cached:
            return f"aggregates: {self.files} of {self.files} files computed (cache off)"
        out = f"aggregates: {self.computed} of {self.files} files computed, "
        out += f"{self.reused} from the cache"
        if self.whole:
            out += f"; {self.whole} plan(s) not additive over files computed over all of them"
        return out

    def record(self) -> dict:
        return {
            "files": self.files,
            "computed": self.computed,
            "reused": self.reused,
            "whole_plans": self.whole,
            "cache": self.cached,
        }


class Aggregates(list):
    """One table per plan, as ``engine.aggregate`` returns; ``report`` says what was reused."""

    report: CacheReport


def cached_aggregate(engine, source: Source, plans: Sequence[GroupPlan]) -> Aggregates:
    """``engine.aggregate(source, plans)``, each file's aggregates through the cache."""
    directory = cache.cache_dir()
    found = file_digests(source.root, source.files, directory)
    digests = {f: d.sha256 for f, d in found.items()}
    if directory is None or not source.files:
        out = Aggregates(engine.aggregate(source, plans))
        out.report = CacheReport(
            source.root, len(found), len(found), 0, digests, directory is not None
        )
        return out
    store = directory / "aggregates"
    additive = [i for i, p in enumerate(plans) if not p.repeated]
    files = list(found)
    texts = {i: plan_text(plans[i]) for i in additive}
    hive = {f: _hive(source, f) for f in files}
    keys = {(f, i): _entry_key(digests[f], hive[f], texts[i]) for f in files for i in additive}
    parts: dict[tuple[str, int], object] = {}
    for (f, i), key in keys.items():
        parts[(f, i)] = _load(store / digests[f], key, plans[i])
    missing = {(f, i) for (f, i), t in parts.items() if t is None}
    todo_files = [f for f in files if any((f, i) in missing for i in additive)]
    todo_plans = [i for i in additive if any((f, i) in missing for f in files)]
    if todo_files:
        fresh = _compute(engine, source, [plans[i] for i in todo_plans], todo_files)
        unchanged = {f for f in todo_files if _stable(f, found[f].stat)}
        for i, per_file in zip(todo_plans, fresh, strict=True):
            for f, table in (per_file or {}).items():  # None: the engine named other files
                parts[(f, i)] = table
                if (f, i) in missing and f in unchanged:
                    meta = {"file": digests[f], "plan": texts[i]}
                    cache.store(store / digests[f], keys[(f, i)], table, meta)
        for f in sorted(set(todo_files) - unchanged):
            warnings.warn(
                f"{f} changed while it was read; its aggregates are not cached",
                CxSurveyWarning,
                stacklevel=2,
            )
    tables: list = [None] * len(plans)
    for i in additive:
        pieces = [parts[(f, i)] for f in source.files]
        if all(t is not None for t in pieces):
            tables[i] = _merge(pieces, plans[i])
    whole = [i for i, t in enumerate(tables) if t is None]
    if whole:
        for i, t in zip(whole, engine.aggregate(source, [plans[i] for i in whole]), strict=True):
            tables[i] = t
    out = Aggregates(tables)
    out.report = CacheReport(source.root, len(found), len(todo_files), len(whole), digests)
    return out


def _compute(engine, source: Source, plans: list[GroupPlan], files: list[str]) -> list:
    """ONE engine call over ``files`` -> per plan {file: its table} (None when the
    engine's ``__file`` names a file it was not given)."""
    tables = engine.aggregate(dataclasses.replace(source, files=tuple(files)), plans, by_file=True)
    return [_split(t, files) for t in tables]


def plan_text(plan: GroupPlan) -> str:
    """Every field of the plan (keys, weight, missing, only, repeated) as stable JSON:
    ``"1"``, ``1``, ``1.0`` and ``true`` stay distinct, as they do in a query."""
    return json.dumps(_plain(plan), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _plain(value):
    if dataclasses.is_dataclass(value):
        fields = {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"@": type(value).__name__, **fields}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str | bool | int | float):
        return value
    return {"@": type(value).__name__, "repr": repr(value)}  # a date, a numpy number


def _entry_key(digest: str, hive: list, plan_text: str) -> str:
    doc = {"contract": CONTRACT, "file": digest, "hive": hive, "plan": plan_text}
    blob = json.dumps(doc, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8", "surrogateescape")).hexdigest()


def _hive(source: Source, file: str) -> list:
    """The ``key=value`` folders of the file's path under the root (read when Hive is on)."""
    if not source.partition_columns:
        return []
    try:
        rel = PurePath(os.path.abspath(file)).relative_to(os.path.abspath(source.root))
    except ValueError:
        rel = PurePath(file)
    return [part for part in rel.parts[:-1] if "=" in part]


def _columns(plan: GroupPlan) -> list[str]:
    return [*plan.names, N, *((W, W2, W_BAD, N_POS) if plan.weight is not None else ())]


def _load(directory: Path, key: str, plan: GroupPlan):
    """The entry's table, or None (a miss, or a damaged entry: warned and removed)."""
    import pyarrow as pa

    hit = cache.load(directory, key, _columns(plan), text=False)
    if hit is None:
        return None
    table = hit[0]
    wanted = {N: pa.int64(), W: pa.float64(), W2: pa.float64(), W_BAD: pa.int64()}
    wanted[N_POS] = pa.int64()
    if all(table.schema.field(c).type == t for c, t in wanted.items() if c in table.column_names):
        return table
    path = cache.entry_path(directory, key)
    warnings.warn(
        f"ignoring the damaged cache entry {path} (its sums are mistyped); rebuilding it",
        CxSurveyWarning,
        stacklevel=3,
    )
    path.unlink(missing_ok=True)
    return None


def _split(table, files: Sequence[str]) -> dict | None:
    """An engine's ``by_file`` table -> {file: its rows without ``__file``} (every
    file present, empty when it has no rows); None if a row names another file."""
    import numpy as np
    import pyarrow as pa

    named = table.column(FILE).cast(pa.string()).combine_chunks().dictionary_encode()
    wanted = {_normal(f): n for n, f in enumerate(files)}
    which = [wanted.get(_normal(v)) for v in named.dictionary.to_pylist()]
    if any(w is None for w in which):
        return None
    codes = np.asarray(which, dtype=np.int64)[named.indices.to_numpy(zero_copy_only=False)]
    order = np.argsort(codes, kind="stable")
    ends = np.cumsum(np.bincount(codes, minlength=len(files)))
    rows = table.drop_columns([FILE]).take(pa.array(order))
    starts = np.concatenate([[0], ends[:-1]])
    return {f: rows.slice(int(s), int(e - s)) for f, s, e in zip(files, starts, ends, strict=True)}


def _normal(name: str) -> str:
    """A file as engines may name it (``file:`` URIs from Spark) -> an absolute path."""
    from urllib.parse import unquote, urlparse

    if name.startswith("file:"):
        name = unquote(urlparse(name).path)
    return os.path.normpath(os.path.abspath(name))


def _stable(file: str, before: tuple[int, int, int]) -> bool:
    try:
        st = os.stat(file)
    except OSError:
        return False
    return (st.st_size, st.st_mtime_ns, st.st_ino) == before


def _merge(pieces: list, plan: GroupPlan):
    """The files' tables summed by key; None when their types differ (the caller
    then computes the plan over all files)."""
    import pyarrow as pa

    first = pieces[0].schema
    if any(not t.schema.equals(first) for t in pieces[1:]):
        return None
    table = merge_parts(pieces, plan.names)
    if not plan.keys and table.num_rows == 0:  # no rows at all: one group of zeros
        zeros = {c: pa.array([0], pa.int64()) for c in (N, W_BAD, N_POS)}
        zeros |= {c: pa.array([0.0], pa.float64()) for c in (W, W2)}
        table = pa.table({c: zeros[c] for c in table.column_names})
    return table
