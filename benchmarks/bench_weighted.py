"""Benchmark weighted figures against unweighted ones on the same 1M-row export.

Generates (once, under benchmarks/out/) the practitioner study's export with
``cxsurvey sample`` and appends a weight column (log-normal), a cluster column
(a customer id: ~3 responses per customer) and a stratum column (4 regions, each
customer in one).
Then, in one process and the same run, scores the export once per design and
times ``figures()`` (every figure of the study: the tabulation itself) for:

- unweighted (the classic path: Wilson, z / Fisher / Welch);
- weighted (design-based SEs, intervals and svyttest-style tests);
- weighted with clusters and strata.

Best of ``--repeat`` runs each; the ratio to unweighted is the target (<= 1.3).
Timings on a shared machine are noisy. Run:
``python benchmarks/bench_weighted.py [--rows 1000000] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE.parent))

import cxsurvey  # noqa: E402
from cxsurvey.scoring.run import score  # noqa: E402
from cxsurvey.study import parse_study  # noqa: E402
from cxsurvey.tabulation.run import figures  # noqa: E402

STUDY = HERE.parent / "configs" / "cx_practitioner_study.yaml"


def weighted_export(rows: int) -> Path:
    path = OUT / f"practitioner_design_{rows}.csv"
    if path.exists():
        return path
    plain = OUT / f"practitioner_{rows}.csv"
    if not plain.exists():
        import subprocess

        subprocess.run(
            [sys.executable, "-m", "cxsurvey", "sample", "--study", str(STUDY), "--rows",
             str(rows), "--seed", "1", "--out", str(plain)],
            check=True,
        )  # fmt: skip
    table = pacsv.read_csv(
        plain,
        read_options=pacsv.ReadOptions(autogenerate_column_names=True),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={}, strings_can_be_null=False, auto_dict_encode=False
        ),
    )
    table = table.cast(pa.schema([(n, pa.string()) for n in table.column_names]))
    n = table.num_rows - 3  # three header rows
    rng = np.random.default_rng(1)
    heads = {"w": ["w", "Weight", '{"ImportId":"w"}'], "cust": ["cust", "Customer",
             '{"ImportId":"cust"}'], "region": ["region", "Region", '{"ImportId":"region"}']}  # fmt: skip
    customer = rng.integers(0, n // 3, n)
    values = {
        "w": np.round(rng.lognormal(0, 0.5, n), 6).astype(str),
        "cust": customer.astype(str),
        "region": (customer % 4 + 1).astype(str),  # a customer is in one region
    }
    for name, head in heads.items():
        table = table.append_column(name, pa.array([*head, *values[name]]))
    pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(include_header=False))
    return path


def study(extra: str):
    text = STUDY.read_text()
    return parse_study(text.replace("source:\n", f"source:\n{extra}", 1), STUDY.name)


def best_time(export: Path, study_file, repeat: int) -> float:
    scores = score(export, study_file)
    figures(export, study_file, scores=scores)  # warm: memoised columns and banners
    best = float("inf")
    for _ in range(repeat):
        scores = score(export, study_file)  # fresh memo: nothing reused between runs
        start = time.perf_counter()
        figures(export, study_file, scores=scores)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    export = weighted_export(args.rows)
    cases = [
        ("unweighted", study("")),
        ("weighted", study("  weight: w\n")),
        ("weighted + clusters + strata", study("  weight: w\n  cluster: cust\n  strata: region\n")),
    ]
    print(
        f"cxsurvey {cxsurvey.__version__}: figures() on {args.rows:,} rows, best of {args.repeat}"
    )
    base = None
    for name, study_file in cases:
        t = best_time(export, study_file, args.repeat)
        base = base or t
        print(f"  {name:<30} {t:7.2f} s   x{t / base:.2f}")


if __name__ == "__main__":
    main()
