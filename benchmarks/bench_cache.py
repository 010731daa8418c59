"""What the parsed-export cache's integrity checks cost on a large export.

Generates (once, under benchmarks/out/) an N-row export of the default study
(1,000,000 rows by default), parses it once through cxsurvey to store a cache
entry, then times, in this process, best of ``--repeat``:

- a bare load of the entry's Arrow payload (memory map, open, read_all): what the
  cache cost before it was verified;
- the SHA-256 of the entry (the checksum checked on every read);
- pyarrow's full validation of the loaded table (offsets and UTF-8 in bounds);
- ``cache.load`` as cxsurvey runs it (all of the above);
- ``cxsurvey.figures`` in this process on the warm cache, with the checks and with
  them bypassed (the net cost: pages the checksum touches are then warm for the
  computation);
- and, as whole processes, ``cxsurvey figures`` on a warm cache and cold (``--no-cache``).

Run: ``python benchmarks/bench_cache.py [--rows N] [--repeat R]``. Timings on a
shared machine are noisy; compare the rows of one run, not runs with each other.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE.parent))


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    import pyarrow as pa

    import cxsurvey
    from cxsurvey.reading import cache

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    export = OUT / f"practitioner_{args.rows}.csv"
    cli = [sys.executable, "-m", "cxsurvey"]
    if not export.exists():
        print(f"generating {export} ...", flush=True)
        subprocess.run(
            [*cli, "sample", "--rows", str(args.rows), "--seed", "1", "--out", str(export)],
            check=True,
            cwd=HERE.parent,
        )
    with tempfile.TemporaryDirectory(prefix="cxsurvey-bench-cache-") as tmp:
        directory = Path(tmp)
        cache.configure(directory)
        study = cxsurvey.load_study(HERE.parent / "configs" / "cx_practitioner_study.yaml")
        cxsurvey.figures(export, study)  # stores the entry
        (entry,) = directory.glob(f"*{cache.SUFFIX}")
        key = entry.stem
        size_mb = entry.stat().st_size / 1e6

        def bare():
            with pa.memory_map(str(entry)) as source:
                whole = source.read_buffer(source.size())
                offset = _offset(whole)
                pa.ipc.open_file(whole.slice(offset)).read_all()

        def checksum():
            with pa.memory_map(str(entry)) as source:
                hashlib.sha256(memoryview(source.read_buffer(source.size()))[40:]).digest()

        table = cache.load(directory, key)[0]
        t_bare = best(bare, args.repeat)
        t_hash = best(checksum, args.repeat)
        t_valid = best(lambda: table.validate(full=True), args.repeat)
        t_load = best(lambda: cache.load(directory, key), args.repeat)
        run = lambda: cxsurvey.figures(export, study)  # noqa: E731
        t_checked = best(run, max(1, args.repeat // 2))
        real = cache._read_entry
        cache._read_entry = _unchecked
        try:
            t_unchecked = best(run, max(1, args.repeat // 2))
        finally:
            cache._read_entry = real
        warm = [*cli, "figures", str(export), "-f", "json", "-o", str(OUT / "cache_figures.json")]
        warm_env = {"CXSURVEY_CACHE_DIR": str(directory)}
        t_warm = best(lambda: _run(warm, warm_env), max(1, args.repeat // 2))
        t_cold = best(lambda: _run([*warm, "--no-cache"], warm_env), max(1, args.repeat // 2))
        cache.reset()
    print(f"\nexport: {export.name}, {args.rows:,} rows; cache entry {size_mb:.0f} MB\n")
    print(f"{'step':<44}{'time s':>9}")
    for name, t in (
        ("bare Arrow load (no checks)", t_bare),
        ("SHA-256 checksum of the entry", t_hash),
        ("full validation of the table", t_valid),
        ("cache.load (checksum + validation + load)", t_load),
        ("cxsurvey.figures, warm, checked", t_checked),
        ("cxsurvey.figures, warm, checks bypassed", t_unchecked),
        ("cxsurvey figures, warm cache (process)", t_warm),
        ("cxsurvey figures, --no-cache (process)", t_cold),
    ):
        print(f"{name:<44}{t:>9.3f}")
    print(
        f"\nintegrity checks add {t_load - t_bare:.3f} s per cached read "
        f"({(t_load - t_bare) / t_warm:.0%} of a warm `figures` run; "
        f"checksum {size_mb / t_hash:.0f} MB/s); net in a figures run: "
        f"{t_checked - t_unchecked:+.3f} s"
    )


def _unchecked(path, key, columns):
    """The entry read the way the cache did before it was verified (for the comparison)."""
    import pyarrow as pa

    with pa.memory_map(str(path)) as source:
        whole = source.read_buffer(source.size())
        return pa.ipc.open_file(whole.slice(_offset(whole))).read_all(), {}


def _offset(whole) -> int:
    import json
    import struct

    from cxsurvey.reading import cache

    view = memoryview(whole)
    (head_len,) = struct.unpack("<Q", view[40:48])
    return json.loads(bytes(view[cache._PREFIX : cache._PREFIX + head_len]))["offset"]


def _run(cmd: list[str], env: dict[str, str]) -> None:
    import os

    subprocess.run(cmd, check=True, cwd=HERE.parent, env={**os.environ, **env})


if __name__ == "__main__":
    main()
