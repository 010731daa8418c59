"""Benchmark large exports: feedback program (100k, 1M, 5M rows) and practitioner (1M).

For each export, in separate processes and the same run: a bare pyarrow parse of
the whole file (the baseline), ``cxsurvey score`` (no cache), ``cxsurvey figures``
cold (an empty cache, which it fills) and warm (the cache filled), each with its
wall time and peak memory (ru_maxrss) and the ratios to the baseline.

Run: ``python benchmarks/bench_feedback.py [--sizes 100000 1000000 5000000] [--repeat 2]``.
Exports are generated once into benchmarks/out/ (the 5M file is about 0.9 GB).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from bench_score import OUT, PARSE, measure_isolated

CLI = [sys.executable, "-m", "cxsurvey"]


def export_for(study: str, rows: int) -> Path:
    path = OUT / f"{study}_{rows}.csv"
    if not path.exists():
        print(f"generating {path.name} ...", flush=True)
        subprocess.run(
            [
                *CLI,
                "sample",
                "--study",
                study,
                "--rows",
                str(rows),
                "--seed",
                "1",
                "--out",
                str(path),
            ],
            check=True,
        )
    return path


def figures_cold(export: Path, study: str, repeat: int) -> tuple[float, float]:
    best, peak = float("inf"), 0.0
    cache = OUT / "bench-cache"
    for _ in range(repeat):
        shutil.rmtree(cache, ignore_errors=True)
        t, m = measure_isolated(_figures(export, study, cache), 1)
        best, peak = min(best, t), max(peak, m)
    return best, peak


def _figures(export: Path, study: str, cache: Path) -> list[str]:
    out = OUT / "bench-figures.json"
    return [*CLI, "figures", str(export), "--study", study, "-f", "json", "-o", str(out),
            "--cache-dir", str(cache), "--quiet"]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 5_000_000])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    cases = [("feedback", n) for n in args.sizes] + [("practitioner", 1_000_000)]
    rows = []
    for study, n in cases:
        export = export_for(study, n)
        parse = measure_isolated([sys.executable, "-c", PARSE, str(export)], args.repeat)
        score = measure_isolated(
            [*CLI, "score", str(export), "--study", study, "--out", str(OUT / "bench-scores.csv"),
             "--quiet", "--no-cache"], args.repeat,
        )  # fmt: skip
        cold = figures_cold(export, study, args.repeat)
        warm = measure_isolated(_figures(export, study, OUT / "bench-cache"), args.repeat)
        rows.append((f"{study} {n:,}", export.stat().st_size / 1e6, parse, score, cold, warm))
        print(f"measured {study} {n:,}", flush=True)
    head = f"{'export':<24}{'MB':>6}{'parse s':>9}"
    for name in ("score", "figs cold", "figs warm"):
        head += f"{name + ' s':>13}{'x':>6}"
    head += f"{'parse MB':>10}{'cold MB':>9}{'x':>6}"
    print("\n" + head)
    for name, size, parse, score, cold, warm in rows:
        line = f"{name:<24}{size:>6.0f}{parse[0]:>9.2f}"
        for t, _m in (score, cold, warm):
            line += f"{t:>13.2f}{t / parse[0]:>6.2f}"
        line += f"{parse[1]:>10.0f}{cold[1]:>9.0f}{cold[1] / parse[1]:>6.2f}"
        print(line)
    feedback = {
        name: cold[0] for name, _s, _p, _sc, cold, _w in rows if name.startswith("feedback")
    }
    if "feedback 1,000,000" in feedback and "feedback 5,000,000" in feedback:
        growth = feedback["feedback 5,000,000"] / feedback["feedback 1,000,000"]
        print(f"\nfigures cold, 5M / 1M rows: {growth:.2f}x (linear would be 5x; target <= 6x)")
    print(
        "targets: feedback 1M figures cold <= 1.5x parse, warm <= 0.3x; 5M peak memory "
        "below the bare parse's"
    )


if __name__ == "__main__":
    main()
