"""A damaged cache entry is a one-line warning and a rebuild, never trusted.

One test per kind of damage: bit flips anywhere in the file, truncation, a
forged payload under a valid-looking header, forged Arrow offsets under a valid
checksum, the wrong schema, an empty file; and temp files left by killed writes.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import struct
import time
import warnings

import pyarrow as pa
import pytest

import cxsurvey
from cxsurvey.errors import CxSurveyWarning
from cxsurvey.reading import cache

KEY = "ab" * 32
COLUMNS = ["id", "q1"]


@pytest.fixture
def directory(tmp_path):
    d = tmp_path / "cache"
    d.mkdir()
    return d


def _table(values=("5", "4", "1")) -> pa.Table:
    ids = [f"r{i}" for i in range(len(values))]
    return pa.table({"id": pa.array(ids), "q1": pa.array(list(values))})


def _stored(directory) -> bytes:
    cache.store(directory, KEY, _table(), {"rows": 3})
    return cache.entry_path(directory, KEY).read_bytes()


def _rehash(blob: bytearray) -> bytes:
    """The bytes with a valid checksum again: what a deliberate forger would write."""
    blob[8:40] = hashlib.sha256(bytes(blob[40:])).digest()
    return bytes(blob)


def _load_rejected(directory, match: str) -> None:
    with pytest.warns(CxSurveyWarning, match=match) as seen:
        assert cache.load(directory, KEY, COLUMNS) is None
    assert all("\n" not in str(w.message) for w in seen)
    assert not cache.entry_path(directory, KEY).exists()  # removed, so it is rebuilt


def test_a_sound_entry_round_trips(directory):
    _stored(directory)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table, meta = cache.load(directory, KEY, COLUMNS)
    assert table.equals(_table()) and meta == {"rows": 3}


def test_every_bit_flip_is_caught(directory):
    good = _stored(directory)
    rng = random.Random(13)
    positions = sorted({0, 8, 39, 40, 47, 48, len(good) - 1, *rng.sample(range(len(good)), 60)})
    for pos in positions:
        blob = bytearray(good)
        blob[pos] ^= 1 << rng.randrange(8)
        cache.entry_path(directory, KEY).write_bytes(bytes(blob))
        with pytest.warns(CxSurveyWarning, match="damaged cache entry"):
            assert cache.load(directory, KEY, COLUMNS) is None, f"flip at byte {pos} trusted"


@pytest.mark.parametrize("keep", [0, 7, 40, 47, 100, -1])
def test_a_truncated_entry_is_rejected(directory, keep):
    good = _stored(directory)
    cache.entry_path(directory, KEY).write_bytes(good[: keep if keep >= 0 else len(good) - 1])
    _load_rejected(directory, "damaged cache entry")


def test_an_empty_file_is_rejected(directory):
    cache.entry_path(directory, KEY).write_bytes(b"")
    _load_rejected(directory, "truncated")


def test_a_forged_payload_under_a_valid_header_is_rejected(directory):
    good = _stored(directory)
    other = directory / "other"
    other.mkdir()
    cache.store(other, KEY, _table(("1", "1", "1")), {"rows": 3})  # same shape, other values
    forged = cache.entry_path(other, KEY).read_bytes()
    (head_len,) = struct.unpack("<Q", good[40:48])
    offset = json.loads(good[48 : 48 + head_len])["offset"]
    # The genuine magic, checksum and header, followed by another payload.
    cache.entry_path(directory, KEY).write_bytes(good[:offset] + forged[offset:])
    _load_rejected(directory, "checksum mismatch")


def test_forged_arrow_offsets_under_a_valid_checksum_never_crash(directory):
    table = pa.table({"id": pa.array(["a", "bb", "ccc"]), "q1": pa.array(["x", "y", "z"])})
    cache.store(directory, KEY, table, {"rows": 3})
    blob = bytearray(cache.entry_path(directory, KEY).read_bytes())
    offsets = struct.pack("<4i", 0, 1, 3, 6)
    at = blob.index(offsets)
    blob[at + 12 : at + 16] = struct.pack("<i", 0x7FFFFF00)  # reads far out of bounds
    cache.entry_path(directory, KEY).write_bytes(_rehash(blob))
    _load_rejected(directory, "damaged cache entry")


def test_a_valid_entry_with_the_wrong_schema_is_rejected(directory):
    cache.store(directory, KEY, pa.table({"id": ["r1"], "other": ["5"]}), {"rows": 1})
    _load_rejected(directory, "columns are not the ones this study reads")
    cache.store(directory, KEY, pa.table({"id": ["r1"], "q1": [5]}), {"rows": 1})
    _load_rejected(directory, "not text")


def test_a_foreign_file_under_the_entry_name_is_rejected(directory):
    sink = pa.BufferOutputStream()
    with pa.ipc.new_file(sink, _table().schema) as writer:  # a plain Arrow file
        writer.write_table(_table())
    cache.entry_path(directory, KEY).write_bytes(sink.getvalue().to_pybytes())
    _load_rejected(directory, "not a cxsurvey cache file")


def test_a_damaged_entry_costs_a_parse_not_a_figure(tmp_path, tiny_export, tiny_study):
    directory = tmp_path / "c"
    cache.configure(directory)
    try:
        study = cxsurvey.load_study(tiny_study)
        first = cxsurvey.figures(tiny_export, study).to_dict()
        (entry,) = directory.glob(f"*{cache.SUFFIX}")
        blob = bytearray(entry.read_bytes())
        blob[-200] ^= 0x10
        entry.write_bytes(bytes(blob))
        with pytest.warns(CxSurveyWarning, match="checksum mismatch"):
            again = cxsurvey.figures(tiny_export, study).to_dict()
        assert again == first
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert cxsurvey.figures(tiny_export, study).to_dict() == first  # rebuilt
    finally:
        cache.reset()


def test_temp_files_of_killed_writes_are_swept(directory):
    old = time.time() - cache.TEMP_AGE - 60
    stale = directory / f".{KEY}.cxsurvey-k1ll3d_x.tmp"
    fresh = directory / f".{'cd' * 32}.cxsurvey-writing.tmp"  # another run, still writing
    foreign = [directory / ".notes.tmp", directory / f".{KEY}.x.tmp", directory / "mine.tmp"]
    for path in (stale, fresh, *foreign):
        path.write_bytes(b"partial")
    for path in (stale, *foreign):
        os.utime(path, (old, old))
    cache.store(directory, KEY, _table(), {"rows": 3})
    assert not stale.exists()
    assert fresh.exists() and all(p.exists() for p in foreign)
    assert list(directory.glob(".*.cxsurvey-*.tmp")) == [fresh]


def test_a_cache_hit_sweeps_leftovers_too(directory):
    cache.store(directory, KEY, _table(), {"rows": 3})
    stale = directory / f".{'ef' * 32}.cxsurvey-k1ll3d.tmp"
    stale.write_bytes(b"partial")
    old = time.time() - cache.TEMP_AGE - 60
    os.utime(stale, (old, old))
    assert cache.load(directory, KEY, COLUMNS) is not None
    assert not stale.exists()
