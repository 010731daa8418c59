"""Benchmark incremental runs: the partition cache over ~60 daily partitions.

A feedback export (``cxsurvey sample --study feedback --out X.parquet``, 1M rows
by default; its year compressed linearly into the last ``--days + 1`` days, so the
rows keep their spread) is split by UTC day into ``day=YYYY-MM-DD/part.parquet``
(undated rows left out), every file dated an hour back as landed partitions are. The aggregates of every
feedback figure (the plans of ``tabulation.plan.plan_run`` when it is there, else
the same plans built here: the respondents, one per figure, the repeated-id check)
are computed by DuckDB, in this process, best of ``--repeat``:

- uncached: ``engine.aggregate`` over the first ``--days`` days (what a run costs today);
- cold: ``cached_aggregate`` with an empty cache (hashes every file, fills the cache);
- warm: the same again (every file's aggregates read back);
- one more day: the next day's partition added (only it computed);

and what the warm run spends outside the engine: hashing (memoised) and reading
entries back. "cold" is an empty cxsurvey cache, not a cold OS page cache.

Run: ``python benchmarks/bench_incremental.py [--rows 1000000] [--days 60] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from common import CLI, generator_version  # noqa: E402  (benchmarks/ is a folder of scripts)


def sample(out: Path, rows: int, seed: int) -> Path:
    path = out / f"feedback_{rows}_seed{seed}_gen{generator_version()}.parquet"
    if not path.exists():
        print(f"generating {path.name} ...", flush=True)
        tmp = path.with_name(f".{path.stem}.partial.parquet")
        subprocess.run(
            [*CLI, "sample", "--study", "feedback", "--rows", str(rows), "--seed", str(seed),
             "--out", str(tmp)],
            check=True, cwd=REPO,
        )  # fmt: skip
        os.replace(tmp, path)
    return path


def daily(export: Path, days: int) -> tuple[Path, list[str]]:
    """The export split into ``days + 1`` daily partitions -> (root, files by day)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    root = export.with_name(f"{export.stem}_daily{days}")
    if not root.exists():
        print(f"splitting {export.name} into {days + 1} days ...", flush=True)
        table = pq.read_table(export)
        ts = table.column("RecordedDate").cast(pa.timestamp("ms", "UTC"))
        lo, hi = (v.as_py() for v in pc.min_max(ts).values())
        end = dt.datetime.combine(hi.date(), dt.time(), hi.tzinfo) + dt.timedelta(days=1)
        scale = (days + 1) * 86400 / (end - lo).total_seconds()
        end_ms = int(end.timestamp() * 1000)
        age = pc.multiply(pc.subtract(end_ms, ts.cast(pa.int64())), scale)
        ms = pc.subtract(end_ms, pc.floor(age).cast(pa.int64()))
        moved = ms.cast(pa.timestamp("ms", "UTC"))
        table = table.set_column(
            table.schema.get_field_index("RecordedDate"), "RecordedDate", moved
        )
        day = pc.strftime(moved, "%Y-%m-%d")
        tmp = root.with_name(f".{root.name}.partial")
        shutil.rmtree(tmp, ignore_errors=True)
        for value in pc.unique(day).to_pylist():
            folder = tmp / f"day={value}"
            folder.mkdir(parents=True)
            pq.write_table(table.filter(pc.equal(day, value)), folder / "part.parquet")
        os.replace(tmp, root)
    files = sorted(str(p) for p in root.rglob("*.parquet"))
    hour_ago = time.time_ns() - 3600 * 10**9
    for f in files:
        os.utime(f, ns=(hour_ago, hour_ago))  # landed partitions, past git's racy window
    return root, files


def figure_plans(columns: list[str]):
    """The plans of every feedback figure, as tabulation.plan.plan_run makes them."""
    import cxsurvey
    from cxsurvey.defaults import bundled_study
    from cxsurvey.study import models
    from cxsurvey.tabulation.engines.base import GroupPlan, Key

    study = cxsurvey.load_study(bundled_study("feedback")).study
    same = {c: c for c in columns}
    try:
        from cxsurvey.tabulation.plan import plan_run  # the engine branch
    except ImportError:
        plan_run = None
    if plan_run is not None:
        run = plan_run(study, study.figures, same, None, (-99,), "ResponseId")
        return [*run.plans, GroupPlan((run.ids,), repeated=True)]
    common = [Key(f.column, f.column) for f in study.source.include]
    plans = [GroupPlan(tuple(common), None, (-99.0,))]
    for fig in study.figures:
        keys = {k.name: k for k in common}
        for c in models.question_columns(study.questions[fig.question]):
            keys[c] = Key(c, c)
        by = study.questions[fig.by] if fig.by else None
        if isinstance(by, models.Date):
            keys[by.column] = Key(by.column, by.column, by.timezone)
        elif by is not None:
            keys |= {c: Key(c, c) for c in models.question_columns(by)}
        keys |= {f.column: Key(f.column, f.column) for f in fig.filter}
        plan = GroupPlan(tuple(keys.values()), None, (-99.0,))
        if plan not in plans:
            plans.append(plan)
    return [*plans, GroupPlan((Key("ResponseId", "ResponseId"),), repeated=True)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out-dir", type=Path, default=HERE / "out")
    args = parser.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    import pyarrow.parquet as pq

    from cxsurvey.reading import cache, digests
    from cxsurvey.tabulation.engines.base import Source
    from cxsurvey.tabulation.engines.duckdb import DuckDBEngine
    from cxsurvey.tabulation.engines.partition_cache import cached_aggregate

    root, files = daily(sample(args.out_dir, args.rows, args.seed), args.days)
    days, more = (Source(str(root), tuple(files[:n]), ("day",)) for n in (args.days, args.days + 1))
    plans = figure_plans(pq.read_schema(files[0]).names)
    additive = [p for p in plans if not p.repeated]
    engine = DuckDBEngine()
    store = args.out_dir / "bench-incremental-cache"
    times: dict[str, float] = {}
    notes: dict[str, str] = {}

    def timed(name: str, run) -> None:
        start = time.perf_counter()
        out = run()
        times[name] = min(times.get(name, float("inf")), time.perf_counter() - start)
        if hasattr(out, "report"):
            notes[name] = out.report.text()

    for _ in range(args.repeat):
        shutil.rmtree(store, ignore_errors=True)
        cache.configure(store)
        timed("uncached (engine.aggregate)", lambda: engine.aggregate(days, plans))
        timed("  of which the repeated-id plan", lambda: engine.aggregate(days, plans[-1:]))
        timed("cold (empty cache)", lambda: cached_aggregate(engine, days, plans))
        timed("warm (same files)", lambda: cached_aggregate(engine, days, plans))
        timed("warm, additive plans only", lambda: cached_aggregate(engine, days, additive))
        timed("  of which hashing (memo)", lambda: digests.file_digests(root, days.files, store))
        timed("one more day", lambda: cached_aggregate(engine, more, plans))
    cache.reset()
    shutil.rmtree(store, ignore_errors=True)
    size = sum(os.path.getsize(f) for f in days.files) / 1e6
    rows = sum(pq.read_metadata(f).num_rows for f in days.files)
    print(f"\nfeedback {rows:,} rows in {args.days} daily partitions ({size:.0f} MB), "
          f"{len(plans)} plans ({len(additive)} additive), best of {args.repeat}")  # fmt: skip
    print(f"{'run':<36}{'s':>8}  cache")
    for name, t in times.items():
        print(f"{name:<36}{t:>8.3f}  {notes.get(name, '')}")


if __name__ == "__main__":
    main()
