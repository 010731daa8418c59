"""Benchmark key drivers: exact Shapley (LMG) + Johnson's weights with a bootstrap.

The issue's target case: 12 predictors, 1,000 bootstrap replicates, 5,000
respondents, on simulated correlated survey scores (1-5 means of items). Times,
separately and as the best of ``--repeat`` runs:

- the point estimate (correlation matrix, 4,096 subset R², LMG, Johnson),
- the bootstrap (resample counts -> weighted moments -> 1,000 correlation
  matrices -> the same subset machinery, vectorised over replicates),
- the bootstrap with weights,
- a whole ``kind: drivers`` figure through the library (scoring included) on a
  generated export of the same size,

and, for the limit, the bootstrap with 15 predictors (32,768 subsets).
Run: ``python benchmarks/bench_drivers.py [--rows 5000] [--replicates 1000]``.
The machine is shared: timings are noisy; take the best of several repeats.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cxsurvey.stats import drivers


def simulate(rows: int, p: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=(rows, 1))
    x = np.clip(np.round(3 + latent + rng.normal(size=(rows, p)) * 0.9), 1, 5)
    y = x @ rng.uniform(0.1, 1.0, p) + rng.normal(size=rows) * 2
    return np.column_stack([x, y])


def best(fn, repeat: int) -> str:
    """Best wall time and the CPU time of that run (the CPU time shows the work
    when other processes share the cores)."""
    runs = []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        fn()
        runs.append((time.perf_counter() - start, time.process_time() - cpu))
    wall, used = min(runs)
    return f"{wall:7.3f} s wall, {used:7.3f} s CPU"


def figure_case(rows: int, p: int, replicates: int) -> None:
    import cxsurvey

    data = simulate(rows, p)
    items = [f"x{j}" for j in range(p)]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.csv"
        header = "id," + ",".join(items) + ",y\n"
        body = "".join(
            f"r{i}," + ",".join(f"{v:g}" for v in row[:-1]) + f",{row[-1]:.4f}\n"
            for i, row in enumerate(data)
        )
        path.write_text(header + body)
        grid = ", ".join(f"{c}: {c}" for c in items)
        study = cxsurvey.parse_study(
            f"""version: 1
study: bench
source: {{id: id, format: csv}}
questions:
  y: {{type: numeric, column: y}}
  g: {{type: grid, columns: {{{grid}}}, options: {{1: a, 2: b, 3: c, 4: d, 5: e}}}}
figures:
  - {{id: d, kind: drivers, outcome: y, predictors: [g], bootstrap: {replicates}}}
""",
            "bench.yaml",
        )
        cxsurvey.figures(path, study)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=5000)
    ap.add_argument("--predictors", type=int, default=12)
    ap.add_argument("--replicates", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    n, p, b = args.rows, args.predictors, args.replicates
    data = simulate(n, p)
    weights = np.random.default_rng(2).uniform(0.5, 2.0, n)
    corr = drivers.weighted_corr(data)
    print(f"{n} respondents, {p} predictors ({1 << p} subsets), {b} replicates")
    print(f"  point estimate          {best(lambda: drivers.importance(corr), args.repeat)}")
    print(
        f"  bootstrap               {best(lambda: drivers.bootstrap(data, None, b, 1), args.repeat)}"
    )
    print(
        f"  bootstrap, weighted     {best(lambda: drivers.bootstrap(data, weights, b, 1), args.repeat)}"
    )
    print(f"  whole figure (library)  {best(lambda: figure_case(n, p, b), 1)}")
    wide = simulate(n, drivers.MAX_PREDICTORS)
    t = best(lambda: drivers.bootstrap(wide, None, b, seed=1), 1)
    print(f"  bootstrap, {drivers.MAX_PREDICTORS} predictors {t}  (the exact-LMG limit)")


if __name__ == "__main__":
    main()
