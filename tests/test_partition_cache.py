"""Aggregates cached per file equal the engine's aggregates of the whole dataset.

A crafted Hive dataset (month=.../part.parquet) aggregated by DuckDB through a
counting wrapper that records the files of every call: the cache must ask only
for new or changed files, and its tables must equal DuckDB's over all files
(exact counts and keys, weight sums to 1e-12), including the cases where
per-file aggregates do not simply add: ids repeated across files, a keyless plan
with no rows, float keys -0.0/0.0 and NaN split across files, a key retyped
between files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import os
import struct
import subprocess
import time
import warnings
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from cxsurvey.errors import CxSurveyWarning
from cxsurvey.reading import cache, digests
from cxsurvey.reading.parquet import dataset_sha256
from cxsurvey.tabulation.engines.base import FILE, W2, GroupPlan, Key, Source, W, merge
from cxsurvey.tabulation.engines.duckdb import DuckDBEngine
from cxsurvey.tabulation.engines.partition_cache import cached_aggregate, plan_text

UTC = dt.UTC
NEG_NAN = struct.unpack("<d", struct.pack("<Q", 0xFFF8000000000000))[0]  # NaN, sign bit set

PLANS = [
    GroupPlan((Key("q1", "q1"),), weight="w", missing=(-99.0,)),  # bad weights of every kind
    GroupPlan((Key("day", "ts", "Europe/Berlin"), Key("region", "region"))),
    GroupPlan((Key("q1", "q1"),), only=(Key("region", "region"), ("north", "south"))),
    GroupPlan((Key("month", "month"), Key("q1", "q1")), weight="w"),  # a Hive key
    GroupPlan((Key("score", "score"),)),  # -0.0 and 0.0, NaN and -NaN across files
    GroupPlan((), weight="w"),  # keyless
    GroupPlan((), only=(Key("region", "region"), ("nowhere",))),  # keyless, no rows
    GroupPlan((Key("id", "id"),), repeated=True),  # not additive over files
]


def _rows(month: int):
    n = 6
    return {
        "id": [f"m{month}r{i}" for i in range(n)],
        "q1": [1, 2, None, 2, 1, 3],
        "w": [1.5, -1.0, float("nan"), None, -99.0, 2.0 + month],
        "ts": [dt.datetime(2026, month, 1 + i, 21 + i % 3, 30, tzinfo=UTC) for i in range(n)],
        "region": ["north", "south", "east", None, "north", "south"],
        "score": [
            -0.0 if month % 2 else 0.0,
            float("nan") if month % 2 else NEG_NAN,
            1.0,
            None,
            2.5,
            0.0,
        ],
    }


def write(root, month: int, q1_type=pa.int64(), **overrides):
    """month=2026-MM/part.parquet, plain encoding and no statistics, so that
    permuting values keeps the file's size."""
    data = _rows(month)
    assert set(overrides) <= set(data)
    data |= overrides
    schema = pa.schema(
        [
            ("id", pa.string()),
            ("q1", q1_type),
            ("w", pa.float64()),
            ("ts", pa.timestamp("us", tz="UTC")),
            ("region", pa.string()),
            ("score", pa.float64()),
        ]
    )
    folder = root / f"month=2026-{month:02d}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "part.parquet"
    pq.write_table(
        pa.table(data, schema=schema),
        path,
        compression="none",
        use_dictionary=False,
        write_statistics=False,
    )
    return path


def age(path, seconds=3600):
    """Set the file's time back, as a partition landed yesterday would be."""
    t = time.time_ns() - int(seconds * 1e9)
    os.utime(path, ns=(t, t))


def source(root) -> Source:
    return Source(str(root), tuple(sorted(str(p) for p in root.rglob("*.parquet"))), ("month",))


class Counting:
    """An engine that records the files and by_file flag of each call."""

    def __init__(self, inner, name="counting"):
        self.inner, self.name, self.calls = inner, name, []

    def aggregate(self, src, plans, by_file=False):
        self.calls.append(
            (sorted(os.path.basename(os.path.dirname(f)) for f in src.files), by_file)
        )
        return self.inner.aggregate(src, plans, by_file)

    def cached_files(self):
        return [files for files, by_file in self.calls if by_file]


@pytest.fixture
def duck():
    return DuckDBEngine(threads=1)


@pytest.fixture
def cache_dir(tmp_path):
    directory = tmp_path / "cache"
    cache.configure(directory)
    yield directory
    cache.reset()


@pytest.fixture
def data(tmp_path):
    root = tmp_path / "data"
    for m in (1, 2, 3):
        age(write(root, m))
    return root


def canon(table) -> list:
    """The rows sorted, NaN keys as 'nan' (row order is free; NaN != NaN)."""

    def key(v):
        return "nan" if isinstance(v, float) and math.isnan(v) else v

    rows = [tuple((k, key(v)) for k, v in row.items()) for row in table.to_pylist()]
    return sorted(rows, key=repr)


def assert_same(got, want):
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert g.schema.equals(w.schema), (g.schema, w.schema)
        a, b = canon(g), canon(w)
        assert len(a) == len(b)
        for ra, rb in zip(a, b, strict=True):
            for (ka, va), (kb, vb) in zip(ra, rb, strict=True):
                assert ka == kb
                if ka in (W, W2):
                    assert va == pytest.approx(vb, rel=1e-12, abs=1e-12)
                else:
                    assert va == vb and type(va) is type(vb), (ka, va, vb)


def test_first_run_computes_every_file_the_second_none(duck, cache_dir, data):
    plans = [p for p in PLANS if not p.repeated]
    engine = Counting(duck)
    first = cached_aggregate(engine, source(data), plans)
    assert engine.calls == [(["month=2026-01", "month=2026-02", "month=2026-03"], True)]
    assert (first.report.computed, first.report.reused) == (3, 0)
    engine.calls.clear()
    second = cached_aggregate(engine, source(data), plans)
    assert engine.calls == []
    assert second.report.text() == "aggregates: 0 of 3 files computed, 3 from the cache"
    assert second.report.record() == {
        "files": 3,
        "computed": 0,
        "reused": 3,
        "whole_plans": 0,
        "cache": True,
    }
    want = duck.aggregate(source(data), plans)
    assert_same(first, want)
    assert_same(second, want)


def test_cached_equals_uncached_on_every_plan_cold_warm_and_mixed(duck, cache_dir, data):
    engine = Counting(duck)
    assert_same(cached_aggregate(engine, source(data), PLANS), duck.aggregate(source(data), PLANS))
    assert_same(cached_aggregate(engine, source(data), PLANS), duck.aggregate(source(data), PLANS))
    assert len(engine.cached_files()) == 1  # the warm run read every entry back
    write(data, 4)
    engine.calls.clear()
    mixed = cached_aggregate(engine, source(data), PLANS)
    assert engine.cached_files() == [["month=2026-04"]]
    assert_same(mixed, duck.aggregate(source(data), PLANS))
    # the cases that do not simply add, checked by hand
    by_score = {
        ("nan" if math.isnan(r["score"]) else r["score"]) if r["score"] is not None else None: r[
            "__n"
        ]
        for r in mixed[4].to_pylist()
    }
    assert by_score == {0.0: 8, "nan": 4, 1.0: 4, 2.5: 4, None: 4}  # -0.0 and -NaN merged
    assert mixed[6].to_pylist() == [{"__n": 0}]  # no rows: one group of zeros, as DuckDB says
    assert mixed[5].column("__n").to_pylist() == [24]


def test_ids_repeated_across_files_are_repeated(duck, cache_dir, tmp_path):
    root = tmp_path / "ids"
    write(root, 1, id=["dup", "a1", "a2", "a3", "a4", "a5"])
    write(root, 2, id=["dup", "b1", "b2", "b3", "twice", "twice"])
    plan = GroupPlan((Key("id", "id"),), repeated=True)
    engine = Counting(duck)
    for _ in range(2):
        (table,) = cached_aggregate(engine, source(root), [plan])
        assert sorted(table.to_pylist(), key=str) == [
            {"id": "dup", "__n": 2},
            {"id": "twice", "__n": 2},
        ]
    # computed over both files each time, never per file
    assert engine.calls == [(["month=2026-01", "month=2026-02"], False)] * 2


def test_adding_a_partition_computes_only_it(duck, cache_dir, data):
    engine = Counting(duck)
    cached_aggregate(engine, source(data), PLANS[:3])
    age(write(data, 4))
    engine.calls.clear()
    got = cached_aggregate(engine, source(data), PLANS[:3])
    assert engine.calls == [(["month=2026-04"], True)]
    assert got.report.text() == "aggregates: 1 of 4 files computed, 3 from the cache"
    assert_same(got, duck.aggregate(source(data), PLANS[:3]))


def test_a_rewritten_file_of_the_same_size_is_recomputed_alone(duck, cache_dir, data):
    engine = Counting(duck)
    cached_aggregate(engine, source(data), PLANS[:4])
    path = data / "month=2026-02" / "part.parquet"
    size = path.stat().st_size
    write(data, 2, q1=[3, 2, None, 2, 1, 1])  # two answers swapped
    age(path, 60)
    assert path.stat().st_size == size
    engine.calls.clear()
    got = cached_aggregate(engine, source(data), PLANS[:4])
    assert engine.calls == [(["month=2026-02"], True)]
    assert_same(got, duck.aggregate(source(data), PLANS[:4]))
    # by hand: q1=3 weighs 3.0 + 5.0 (months 1, 3) + 1.5 (month 2 now), q1=1 1.5 + 1.5 + 4.0
    weights = {r["q1"]: r["__w"] for r in got[0].to_pylist()}
    assert (weights[3], weights[1]) == (9.5, 7.0)


def test_a_deleted_file_drops_its_rows(duck, cache_dir, data):
    engine = Counting(duck)
    before = cached_aggregate(engine, source(data), PLANS[:2])
    (data / "month=2026-03" / "part.parquet").unlink()
    engine.calls.clear()
    after = cached_aggregate(engine, source(data), PLANS[:2])
    assert engine.calls == []
    assert sum(before[0].column("__n").to_pylist()) == 18
    assert sum(after[0].column("__n").to_pylist()) == 12
    assert_same(after, duck.aggregate(source(data), PLANS[:2]))


def test_a_corrupted_entry_is_a_warning_and_a_recompute(duck, cache_dir, data):
    engine = Counting(duck)
    want = cached_aggregate(engine, source(data), PLANS[:1])
    (entry,) = list(
        (cache_dir / "aggregates").glob(
            f"{_digest(data / 'month=2026-01' / 'part.parquet')}/*.cxcache"
        )
    )
    blob = bytearray(entry.read_bytes())
    blob[len(blob) // 2] ^= 0x10
    entry.write_bytes(bytes(blob))
    engine.calls.clear()
    with pytest.warns(CxSurveyWarning, match="damaged cache entry"):
        got = cached_aggregate(engine, source(data), PLANS[:1])
    assert engine.calls == [(["month=2026-01"], True)]
    assert_same(got, want)
    engine.calls.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cached_aggregate(engine, source(data), PLANS[:1])  # rebuilt: read back quietly
    assert engine.calls == []


def _everything(*folders) -> list:
    return sorted(str(p) for folder in folders for p in folder.rglob("*"))


def test_cache_off_computes_everything_every_time_and_writes_nothing(duck, tmp_path, data):
    default = Path(os.environ["CXSURVEY_CACHE_DIR"])
    before = _everything(tmp_path, default)
    cache.configure(None)
    try:
        engine = Counting(duck)
        for _ in range(2):
            got = cached_aggregate(engine, source(data), PLANS)
            assert_same(got, duck.aggregate(source(data), PLANS))
            assert got.report.record()["cache"] is False
        all3 = ["month=2026-01", "month=2026-02", "month=2026-03"]
        assert engine.calls == [(all3, False), (all3, False)]
        assert got.report.text() == "aggregates: 3 of 3 files computed (cache off)"
    finally:
        cache.reset()
    assert _everything(tmp_path, default) == before


def test_entries_are_shared_across_engines(duck, cache_dir, data):
    cached_aggregate(Counting(duck, "one"), source(data), PLANS[:3])
    other = Counting(DuckDBEngine(threads=1), "two")
    cached_aggregate(other, source(data), PLANS[:3])
    assert other.calls == []


def test_a_single_file_is_cached_too(duck, cache_dir, data):
    path = data / "month=2026-01" / "part.parquet"
    single = Source(str(path), (str(path),))
    engine = Counting(duck)
    plans = PLANS[:3]
    first = cached_aggregate(engine, single, plans)
    second = cached_aggregate(engine, single, plans)
    assert len(engine.calls) == 1 and second.report.reused == 1
    assert_same(first, duck.aggregate(single, plans))
    assert_same(second, first)


def test_the_same_bytes_in_another_partition_are_another_entry(duck, cache_dir, data):
    """A Hive value comes from the path: month=2026-04 holding 2026-01's bytes is new."""
    engine = Counting(duck)
    cached_aggregate(engine, source(data), PLANS[3:4])
    (data / "month=2026-04").mkdir()
    (data / "month=2026-04" / "part.parquet").write_bytes(
        (data / "month=2026-01" / "part.parquet").read_bytes()
    )
    engine.calls.clear()
    got = cached_aggregate(engine, source(data), PLANS[3:4])
    assert engine.calls == [(["month=2026-04"], True)]
    assert {r["month"] for r in got[0].to_pylist()} == {f"2026-0{m}" for m in (1, 2, 3, 4)}
    assert_same(got, duck.aggregate(source(data), PLANS[3:4]))


def test_a_key_retyped_between_files_is_computed_over_all_files(duck, cache_dir, data):
    engine = Counting(duck)
    cached_aggregate(engine, source(data), PLANS[:1])
    write(data, 4, q1_type=pa.int32())
    engine.calls.clear()
    got = cached_aggregate(engine, source(data), PLANS[:1])
    assert_same(got, duck.aggregate(source(data), PLANS[:1]))
    assert got.report.whole == 1
    every = [f"month=2026-0{m}" for m in (1, 2, 3, 4)]
    assert engine.calls == [(["month=2026-04"], True), (every, False)]


def test_a_file_changed_while_it_is_read_is_not_stored(duck, cache_dir, data):
    class Rewriting(Counting):
        def aggregate(self, src, plans, by_file=False):
            out = super().aggregate(src, plans, by_file)
            age(data / "month=2026-02" / "part.parquet", 10)  # its time moves under us
            return out

    with pytest.warns(CxSurveyWarning, match="changed while it was read"):
        cached_aggregate(Rewriting(duck), source(data), PLANS[:1])
    engine = Counting(duck)
    cached_aggregate(engine, source(data), PLANS[:1])
    assert engine.calls == [(["month=2026-02"], True)]


def test_engines_naming_files_by_uri_or_wrongly(duck, cache_dir, data):
    class Uris(Counting):
        def aggregate(self, src, plans, by_file=False):
            out = super().aggregate(src, plans, by_file)
            return [_renamed(t, lambda f: "file://" + f) for t in out] if by_file else out

    class Wrong(Counting):
        def aggregate(self, src, plans, by_file=False):
            out = super().aggregate(src, plans, by_file)
            return [_renamed(t, lambda f: f + ".elsewhere") for t in out] if by_file else out

    want = duck.aggregate(source(data), PLANS[:2])
    assert_same(cached_aggregate(Uris(duck), source(data), PLANS[:2]), want)
    cache.configure(cache_dir.parent / "other")
    wrong = cached_aggregate(Wrong(duck), source(data), PLANS[:2])
    assert_same(wrong, want)
    assert wrong.report.whole == 2  # computed over all files instead


def _renamed(table, rename):
    files = [rename(f) for f in table.column(FILE).to_pylist()]
    return table.set_column(0, FILE, pa.array(files, pa.string()))


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_file_digests_are_the_files_sha256_and_remembered(cache_dir, data, monkeypatch):
    files = [str(p) for p in sorted(data.rglob("*.parquet"))]
    hashed = []
    real = digests._sha256
    monkeypatch.setattr(digests, "_sha256", lambda p: hashed.append(p) or real(p))
    got = digests.file_digests(str(data), files, cache_dir)
    assert {f: d.sha256 for f, d in got.items()} == {f: _digest(data / f) for f in files}
    assert len(hashed) == 3
    hashed.clear()
    digests.file_digests(str(data), files, cache_dir)
    assert hashed == []  # size, time and inode unchanged: not read again
    age(files[1], 5)
    digests.file_digests(str(data), files, cache_dir)
    assert hashed == [files[1]]
    fresh = write(data, 4)  # younger than RACY: hashed every run until it settles
    hashed.clear()
    for _ in range(2):
        digests.file_digests(str(data), [*files, str(fresh)], cache_dir)
    assert hashed == [str(fresh)] * 2


def test_a_damaged_digest_memo_is_ignored(cache_dir, data, monkeypatch):
    files = [str(p) for p in sorted(data.rglob("*.parquet"))]
    digests.file_digests(str(data), files, cache_dir)
    (memo,) = list((cache_dir / "digests").glob("*.json"))
    forged = memo.read_text().replace(_digest(data / files[0]), "0" * 64)
    memo.write_text(forged)
    hashed = []
    real = digests._sha256
    monkeypatch.setattr(digests, "_sha256", lambda p: hashed.append(p) or real(p))
    got = digests.file_digests(str(data), files, cache_dir)
    assert got[files[0]].sha256 == _digest(data / files[0])
    assert len(hashed) == 3


def test_dataset_digest_is_what_sha256sum_prints_hashed(data):
    files = [str(p) for p in data.rglob("*.parquet")]
    rel = sorted(os.path.relpath(f, data) for f in files)
    listing = subprocess.run(
        ["sha256sum", *rel],
        cwd=data,
        capture_output=True,
        check=True,
        env=os.environ | {"LC_ALL": "C"},
    ).stdout
    want = hashlib.sha256(listing).hexdigest()
    got = cached_aggregate(DuckDBEngine(threads=1), source(data), PLANS[:1]).report.data_sha256
    assert got == want == digests.dataset_digest(data, {f: _digest(data / f) for f in files})
    assert dataset_sha256(data, files) == want  # what the figures record as data_sha256


def test_plan_text_tells_values_of_other_types_apart():
    def only(*values):
        return plan_text(GroupPlan((), only=(Key("q", "q"), values)))

    texts = {only(1), only(1.0), only("1"), only(True), only(None), only(dt.date(2026, 1, 1))}
    assert len(texts) == 6
    assert plan_text(GroupPlan((), repeated=True)) != plan_text(GroupPlan(()))
    assert plan_text(GroupPlan((Key("d", "ts", "UTC"),))) != plan_text(GroupPlan((Key("d", "ts"),)))


def test_merge_makes_one_group_of_zeros_and_one_of_nans():
    a = pa.table({"k": [-0.0, NEG_NAN, 1.0], "__n": [1, 2, 3]})
    b = pa.table({"k": [0.0, float("nan")], "__n": [4, 5]})
    rows = canon(merge([a, b], ["k"]))
    assert rows == sorted(
        [(("k", 0.0), ("__n", 5)), (("k", "nan"), ("__n", 7)), (("k", 1.0), ("__n", 3))], key=repr
    )


def test_an_entry_with_mistyped_sums_is_not_trusted(duck, cache_dir, data):
    """A checksum-valid entry whose counts are not int64 (a forged or foreign one)."""
    engine = Counting(duck)
    want = cached_aggregate(engine, source(data), PLANS[:1])
    file = data / "month=2026-03" / "part.parquet"
    (entry,) = list((cache_dir / "aggregates" / _digest(file)).glob("*.cxcache"))
    key = entry.name.removesuffix(cache.SUFFIX)
    table, meta = cache.load(entry.parent, key, text=False)
    doubled = table.set_column(1, "__n", pc.multiply(table.column("__n"), 2).cast(pa.int32()))
    cache.store(entry.parent, key, doubled, meta)
    engine.calls.clear()
    with pytest.warns(CxSurveyWarning, match="sums are mistyped"):
        got = cached_aggregate(engine, source(data), PLANS[:1])
    assert engine.calls == [(["month=2026-03"], True)]
    assert_same(got, want)
