"""Benchmark ``cxsurvey score`` against a bare pyarrow parse of the same export.

Generates (once, cached under benchmarks/out/) a 1,000,000-row export of the
default study, then measures in separate processes, in the same run:

- a plain ``pyarrow.csv.read_csv`` of the whole file (the baseline),
- ``cxsurvey score EXPORT --out FILE`` end to end,
- ``cxsurvey figures EXPORT`` (every figure of the default study) end to end,
- ``cxsurvey --help`` start-up,
- the small case most analysts run: all default figures on the bundled ~250-row
  sample, as a whole process, against a bare ``python -c`` pyarrow parse of it,

reporting wall time and peak resident memory (ru_maxrss of the child) and the
ratios to the baseline. Run: ``python benchmarks/bench_score.py [--rows N]``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"

PARSE = """
import sys
from pyarrow import csv
csv.read_csv(sys.argv[1], read_options=csv.ReadOptions(skip_rows_after_names=2),
             parse_options=csv.ParseOptions(newlines_in_values=True))
"""


def measure_isolated(cmd: list[str], repeat: int) -> tuple[float, float]:
    """Best wall time (s) and peak RSS (MB) over ``repeat`` runs, each in a fresh wrapper
    process so that ru_maxrss of its children is the command's own peak."""
    wrapper = (
        "import resource,subprocess,sys,time;s=time.perf_counter();"
        "subprocess.run(sys.argv[1:],check=True,stdout=subprocess.DEVNULL);"
        "print(time.perf_counter()-s, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    best, peak = float("inf"), 0.0
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", wrapper, *cmd], check=True, capture_output=True, text=True
        ).stdout.split()
        best, peak = min(best, float(out[0])), max(peak, int(out[1]) / 1024)
    return best, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    export = OUT / f"practitioner_{args.rows}.csv"
    cli = [sys.executable, "-m", "cxsurvey"]
    if not export.exists():
        print(f"generating {export} ...", flush=True)
        subprocess.run(
            [*cli, "sample", "--rows", str(args.rows), "--seed", "1", "--out", str(export)],
            check=True,
        )
    size = export.stat().st_size / 1e6
    parse = measure_isolated([sys.executable, "-c", PARSE, str(export)], args.repeat)
    score = measure_isolated(
        [*cli, "score", str(export), "--out", str(OUT / "scores.csv"), "--quiet", "--no-cache"],
        args.repeat,
    )
    figs = measure_isolated(
        [*cli, "figures", str(export), "-f", "json", "-o", str(OUT / "figures.json"), "--no-cache"],
        args.repeat,
    )
    helps = measure_isolated([*cli, "--help"], args.repeat)
    sample = HERE.parent / "sample_data" / "cx_practitioner_sample.csv"
    small_parse = measure_isolated([sys.executable, "-c", PARSE, str(sample)], args.repeat + 2)
    small_figs = measure_isolated(
        [*cli, "figures", str(sample), "-f", "json", "-o", str(OUT / "sample_figures.json"),
         "--no-cache"],
        args.repeat + 2,
    )  # fmt: skip
    print(f"\nexport: {export.name}, {args.rows:,} rows, {size:.0f} MB\n")
    print(f"{'step':<28}{'time s':>9}{'x parse':>9}{'peak MB':>10}{'x parse':>9}")
    for name, (t, m) in (
        ("pyarrow parse (baseline)", parse),
        ("cxsurvey score", score),
        ("cxsurvey figures (all)", figs),
        ("cxsurvey --help", helps),
    ):
        print(f"{name:<28}{t:>9.2f}{t / parse[0]:>9.2f}{m:>10.0f}{m / parse[1]:>9.2f}")
    print(f"\nsmall case: {sample.name}")
    for name, (t, m) in (
        ("python -c pyarrow parse", small_parse),
        ("cxsurvey figures (all)", small_figs),
    ):
        ratio = t / small_parse[0]
        print(f"{name:<28}{t:>9.2f}{ratio:>9.2f}{m:>10.0f}{m / small_parse[1]:>9.2f}")
    print(
        "\ntargets: score <= 1.5x parse time and <= 1.5x parse peak memory; figures <= 2x "
        "parse time; --help < 0.3 s; small-case figures <= 4x its parse"
    )


if __name__ == "__main__":
    main()
