"""Benchmark ``cxsurvey score`` and ``figures`` against a bare pyarrow parse.

Generates (once, under benchmarks/out/, named by rows, seed and generator
version) an export of the default study, then measures in separate processes,
in the same run:

- the baseline: a plain ``pyarrow.csv.read_csv`` of the columns the study reads
  (what cxsurvey itself parses), and beside it the parse of every column,
- ``cxsurvey score EXPORT --out FILE`` end to end (no cache: every run parses),
- ``cxsurvey figures EXPORT`` (every figure of the default study), no cache,
- ``cxsurvey --help`` start-up,
- the small case most analysts run: all default figures on the bundled ~250-row
  sample, as a whole process, against a bare ``python -c`` pyarrow parse of the
  same columns,

reporting wall time and peak resident memory (ru_maxrss of the child) and the
ratios to the baseline. Run: ``python benchmarks/bench_score.py [--rows N] [--seed S]``.
Timings on a shared machine are noisy; compare ratios from one run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from common import CLI, HERE, generated_export, measure_isolated, parse_commands


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out-dir", type=Path, default=HERE / "out")
    args = parser.parse_args(argv)
    out = args.out_dir
    out.mkdir(parents=True, exist_ok=True)
    export = generated_export(out, "practitioner", args.rows, args.seed)
    size = export.stat().st_size / 1e6
    same, every = parse_commands(export, "practitioner")
    parse = measure_isolated(same, args.repeat)
    parse_all = measure_isolated(every, args.repeat)
    score = measure_isolated(
        [*CLI, "score", str(export), "--out", str(out / "scores.csv"), "--quiet", "--no-cache"],
        args.repeat,
    )
    figs = measure_isolated(
        [*CLI, "figures", str(export), "-f", "json", "-o", str(out / "figures.json"), "--no-cache"],
        args.repeat,
    )
    helps = measure_isolated([*CLI, "--help"], args.repeat)
    sample = HERE.parent / "sample_data" / "cx_practitioner_sample.csv"
    small_parse = measure_isolated(parse_commands(sample, "practitioner")[0], args.repeat + 2)
    small_figs = measure_isolated(
        [*CLI, "figures", str(sample), "-f", "json", "-o", str(out / "sample_figures.json"),
         "--no-cache"],
        args.repeat + 2,
    )  # fmt: skip
    print(f"\nexport: {export.name}, {args.rows:,} rows, {size:.0f} MB\n")
    print(f"{'step':<34}{'time s':>9}{'x parse':>9}{'peak MB':>10}{'x parse':>9}")
    for name, (t, m) in (
        ("pyarrow parse, study columns", parse),
        ("pyarrow parse, every column", parse_all),
        ("cxsurvey score", score),
        ("cxsurvey figures (all)", figs),
        ("cxsurvey --help", helps),
    ):
        print(f"{name:<34}{t:>9.2f}{t / parse[0]:>9.2f}{m:>10.0f}{m / parse[1]:>9.2f}")
    print(f"\nsmall case: {sample.name}")
    for name, (t, m) in (
        ("python -c pyarrow parse (columns)", small_parse),
        ("cxsurvey figures (all)", small_figs),
    ):
        ratio = t / small_parse[0]
        print(f"{name:<34}{t:>9.2f}{ratio:>9.2f}{m:>10.0f}{m / small_parse[1]:>9.2f}")
    print(
        "\nratios are to the parse of the study's columns. targets: score <= 1.5x parse time "
        "and <= 1.5x parse peak memory; figures <= 2x parse time; --help < 0.3 s; "
        "small-case figures <= 4x its parse"
    )


if __name__ == "__main__":
    sys.exit(main())
