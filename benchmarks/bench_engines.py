"""Benchmark the engines on a Parquet feedback dataset (issue 18's targets).

A feedback export (``cxsurvey sample --study feedback``, 5M rows by default) is
converted once with ``cxsurvey convert --partition-by month``. In separate
processes of the same run, best of ``--repeat``, each with wall time, peak memory
(ru_maxrss) and the ratio to the baseline:

- the baseline: a bare pyarrow parse of the same data as CSV (the columns the
  study reads);
- ``figures`` on the dataset with ``--engine memory``, ``duckdb`` (the target:
  at most 0.3x the baseline), ``duckdb`` with a one-month ``--since``/``--until``
  (it must read that month's partitions only: printed), and ``spark`` in local
  mode when pyspark and Java are present (no target: the same figures);
- with ``--check``, the figures of every engine compared (bases, counts, values
  to 1e-9).

Every figures run uses ``--no-cache`` (no parsed-export or partition cache): the
cold cost. ``python benchmarks/bench_incremental.py`` measures the cache.

Run: ``python benchmarks/bench_engines.py [--rows 5000000] [--repeat 2] [--no-spark]``;
``--rows 20000000`` for the memory target (DuckDB peak under 2 GB). Timings on a
shared machine are noisy; compare ratios from one run.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

from common import CLI, HERE, generated_export, measure_isolated, parse_commands

OUT = HERE / "out"


def dataset_for(export: Path) -> Path:
    out = export.with_name(export.stem + "_month")
    if not out.exists():
        print(f"converting {export.name} ...", flush=True)
        subprocess.run(
            [*CLI, "convert", str(export), "--study", "feedback", "--out", str(out),
             "--partition-by", "month"],
            check=True,
        )  # fmt: skip
    return out


def figures_cmd(export: Path, engine: str, out: Path, *extra: str) -> list[str]:
    return [*CLI, "figures", str(export), "--study", "feedback", "-f", "json", "-o", str(out),
            "--no-cache", "--quiet", "--engine", engine, *extra]  # fmt: skip


def spark_ready() -> bool:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False
    return shutil.which("java") is not None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--no-spark", action="store_true")
    parser.add_argument("--no-memory", action="store_true", help="skip --engine memory")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    export = generated_export(OUT, "feedback", args.rows, 2026)
    dataset = dataset_for(export)
    months = sorted(
        p.name.split("=", 1)[1] for p in dataset.iterdir() if p.name.startswith("month=")
    )
    month = [m for m in months if m[0].isdigit()][len(months) // 2]
    baseline, _ = parse_commands(export, "feedback")
    cases = [("pyarrow CSV parse, same columns", baseline, None)]
    engines = ["duckdb"]
    if not args.no_memory:
        engines.insert(0, "memory")
    if not args.no_spark and spark_ready():
        engines.append("spark")
    for engine in engines:
        out = OUT / f"bench-engines-{engine}.json"
        cases.append((f"figures, dataset, {engine}", figures_cmd(dataset, engine, out), out))
    out = OUT / "bench-engines-window.json"
    window = figures_cmd(dataset, "duckdb", out, "--since", month, "--until", month)
    cases.append((f"figures, dataset, duckdb, {month} only", window, out))
    rows = []
    for name, cmd, _ in cases:
        rows.append((name, *measure_isolated(cmd, args.repeat)))
        print(f"measured {name}", flush=True)
    record = json.loads((OUT / "bench-engines-window.json").read_text(encoding="utf-8"))
    p = record["export"]["partitions"]
    base = rows[0][1]
    size = sum(f.stat().st_size for f in dataset.rglob("*.parquet")) / 1e6
    print(f"\nfeedback {args.rows:,} rows: CSV {export.stat().st_size / 1e6:.0f} MB, "
          f"dataset {size:.0f} MB in {len(months)} month partitions")  # fmt: skip
    print(f"{'run':<44}{'s':>8}{'x parse':>9}{'peak MB':>9}")
    for name, t, mb in rows:
        print(f"{name:<44}{t:>8.2f}{t / base:>9.2f}{mb:>9.0f}")
    print(f"\nthe {month} run read {p['read']} of {p['of']} partitions "
          "(a partition of undated rows is always read)")  # fmt: skip
    results = {}
    for name, _, out in cases[1:]:
        if out is not None and "only" not in name:
            results[name] = json.loads(out.read_text(encoding="utf-8"))["figures"]
    same = _compare(results)
    print(f"figures equal across {', '.join(engines)}: {same}")


def _compare(results: dict) -> bool:
    sys.path.insert(0, str(HERE.parent))
    from tests.test_one_answer import _same

    first, *others = results.values()
    try:
        for other in others:
            for a, b in zip(first, other, strict=True):
                _same(a, b, a["id"])
    except AssertionError as exc:
        print(f"DIFFERENT: {exc}")
        return False
    return True


if __name__ == "__main__":
    main()
