"""Benchmark Parquet datasets and ``--since``/``--until`` partition pruning.

A feedback export (``cxsurvey sample --study feedback``, 5M rows by default) is
converted once with ``cxsurvey convert --partition-by month``. In separate
processes of the same run, best of ``--repeat``: a bare pyarrow CSV parse of the
same columns (the baseline), ``figures`` on the CSV (no cache), ``figures`` on the
dataset, and ``figures`` on the dataset and on the CSV with a one-month window
(the middle month); each with wall time, peak memory (ru_maxrss) and the ratio to
the baseline, and how many partitions the windowed run read.

Run: ``python benchmarks/bench_parquet.py [--rows 5000000] [--repeat 2]``.
Timings on a shared machine are noisy; compare ratios from one run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from bench_feedback import export_for
from bench_score import OUT, measure_isolated

CLI = [sys.executable, "-m", "cxsurvey"]

PARSE_COLUMNS = """
import sys
from pyarrow import csv
csv.read_csv(sys.argv[1], read_options=csv.ReadOptions(skip_rows_after_names=2),
             parse_options=csv.ParseOptions(newlines_in_values=True),
             convert_options=csv.ConvertOptions(include_columns=sys.argv[2:]))
"""


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


def figures_cmd(export: Path, *extra: str) -> list[str]:
    return [*CLI, "figures", str(export), "--study", "feedback", "-f", "json",
            "-o", str(OUT / "bench-parquet.json"), "--no-cache", "--quiet", *extra]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    export = export_for("feedback", args.rows)
    dataset = dataset_for(export)
    import pyarrow.parquet as pq

    months = sorted(
        p.name.split("=", 1)[1] for p in dataset.iterdir() if p.name.startswith("month=")
    )
    month = [m for m in months if m[0].isdigit()][len(months) // 2]
    first = next(dataset.glob(f"month={month}/*.parquet"))
    columns = [n for n in pq.read_schema(first).names if n != "month"]
    window = ("--since", month, "--until", month)
    cases = [
        ("pyarrow CSV parse, same columns",
         [sys.executable, "-c", PARSE_COLUMNS, str(export), *columns]),
        ("figures, CSV", figures_cmd(export)),
        ("figures, dataset", figures_cmd(dataset)),
        (f"figures, dataset, {month} window", figures_cmd(dataset, *window)),
        (f"figures, CSV, {month} window", figures_cmd(export, *window)),
    ]  # fmt: skip
    rows, partitions = [], ""
    for name, cmd in cases:
        rows.append((name, *measure_isolated(cmd, args.repeat)))
        if "dataset," in name and "window" in name:
            record = json.loads((OUT / "bench-parquet.json").read_text(encoding="utf-8"))
            p = record["export"]["partitions"]
            partitions = f"read {p['read']} of {p['of']} partitions"
        print(f"measured {name}", flush=True)
    base = rows[0][1]
    size = sum(f.stat().st_size for f in dataset.rglob("*.parquet")) / 1e6
    print(f"\nfeedback {args.rows:,} rows: CSV {export.stat().st_size / 1e6:.0f} MB, "
          f"dataset {size:.0f} MB in {len(months)} month partitions")  # fmt: skip
    print(f"{'run':<40}{'s':>8}{'x parse':>9}{'peak MB':>9}")
    for name, t, mb in rows:
        print(f"{name:<40}{t:>8.2f}{t / base:>9.2f}{mb:>9.0f}")
    print(f"\nthe dataset window run {partitions} (a partition of undated rows is always read)")


if __name__ == "__main__":
    main()
