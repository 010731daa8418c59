"""Benchmark large exports: feedback program (100k, 1M, 5M rows) and practitioner (1M).

For each export, in separate processes and the same run: the baseline, a bare
pyarrow parse of the columns the study reads (the parse of every column beside
it), ``cxsurvey score`` (no cache), ``cxsurvey figures`` cold (an empty cache,
which it fills) and warm (the cache filled; the run must hit it, or the benchmark
stops), each with its wall time and peak memory (ru_maxrss) and the ratios to the
baseline.

Run: ``python benchmarks/bench_feedback.py [--sizes 100000 1000000 5000000] [--repeat 2]``.
Exports are generated once into benchmarks/out/, named by rows, seed and
generator version (the 5M file is about 0.9 GB). Timings on a shared machine are
noisy; compare ratios from one run.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from common import CLI, HERE, generated_export, measure_isolated, measure_warm, parse_commands


def figures_cold(cmd: list[str], cache: Path, repeat: int) -> tuple[float, float]:
    best, peak = float("inf"), 0.0
    for _ in range(repeat):
        shutil.rmtree(cache, ignore_errors=True)
        t, m = measure_isolated(cmd, 1)
        best, peak = min(best, t), max(peak, m)
    return best, peak


def _figures(export: Path, study: str, out: Path, cache: Path) -> list[str]:
    return [*CLI, "figures", str(export), "--study", study, "-f", "json",
            "-o", str(out / "bench-figures.json"), "--cache-dir", str(cache), "--quiet"]  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 5_000_000])
    parser.add_argument(
        "--practitioner-rows", type=int, default=1_000_000, help="0 leaves the practitioner out"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--out-dir", type=Path, default=HERE / "out")
    args = parser.parse_args(argv)
    out = args.out_dir
    out.mkdir(parents=True, exist_ok=True)
    cases = [("feedback", n) for n in args.sizes]
    if args.practitioner_rows:
        cases.append(("practitioner", args.practitioner_rows))
    rows = []
    for study, n in cases:
        export = generated_export(out, study, n, args.seed)
        same, every = parse_commands(export, study)
        parse = measure_isolated(same, args.repeat)
        parse_all = measure_isolated(every, args.repeat)
        score = measure_isolated(
            [*CLI, "score", str(export), "--study", study, "--out", str(out / "bench-scores.csv"),
             "--quiet", "--no-cache"], args.repeat,
        )  # fmt: skip
        cache = out / "bench-cache"
        figures = _figures(export, study, out, cache)
        cold = figures_cold(figures, cache, args.repeat)
        warm = measure_warm(figures, cache, args.repeat)
        rows.append(
            (f"{study} {n:,}", export.stat().st_size / 1e6, parse, parse_all, score, cold, warm)
        )
        print(f"measured {study} {n:,}", flush=True)
    head = f"{'export':<24}{'MB':>6}{'parse s':>9}{'all cols s':>11}"
    for name in ("score", "figs cold", "figs warm"):
        head += f"{name + ' s':>13}{'x':>6}"
    head += f"{'parse MB':>10}{'all MB':>8}{'cold MB':>9}{'x':>6}{'warm MB':>9}{'x':>6}"
    print("\n" + head)
    for name, size, parse, parse_all, score, cold, warm in rows:
        line = f"{name:<24}{size:>6.0f}{parse[0]:>9.2f}{parse_all[0]:>11.2f}"
        for t, _m in (score, cold, warm):
            line += f"{t:>13.2f}{t / parse[0]:>6.2f}"
        line += f"{parse[1]:>10.0f}{parse_all[1]:>8.0f}"
        line += (
            f"{cold[1]:>9.0f}{cold[1] / parse[1]:>6.2f}{warm[1]:>9.0f}{warm[1] / parse[1]:>6.2f}"
        )
        print(line)
    feedback = {row[0]: row[5][0] for row in rows if row[0].startswith("feedback")}
    if "feedback 1,000,000" in feedback and "feedback 5,000,000" in feedback:
        growth = feedback["feedback 5,000,000"] / feedback["feedback 1,000,000"]
        print(f"\nfigures cold, 5M / 1M rows: {growth:.2f}x (linear would be 5x; target <= 6x)")
    print(
        "ratios (x) are to the parse of the study's columns. targets: feedback 1M figures cold "
        "<= 1.5x parse, warm <= 0.3x; 5M peak memory below the bare parse's"
    )


if __name__ == "__main__":
    sys.exit(main())
