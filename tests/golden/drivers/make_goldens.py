"""Make the LMG golden values of tests/test_drivers.py (run from the repo root:
``python tests/golden/drivers/make_goldens.py``).

Independent of cxsurvey: an ordinary least-squares fit (numpy ``lstsq`` with an
intercept) for every subset of predictors, then the Shapley/LMG average of the
R² each predictor adds over all orders. ``lmg.R`` computes the same with R's
``lm``; R is not installed where the suite runs, so the committed goldens come
from this script. The data are simulated (seeded) and written beside it.
"""

from __future__ import annotations

import csv
import itertools
import json
from math import factorial
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def r_squared(x: np.ndarray, y: np.ndarray, cols: tuple[int, ...]) -> float:
    design = np.column_stack([np.ones(len(y)), x[:, list(cols)]])
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    resid = y - design @ coef
    centred = y - y.mean()
    return float(1 - resid @ resid / (centred @ centred))


def lmg(x: np.ndarray, y: np.ndarray) -> list[float]:
    p = x.shape[1]
    out = []
    for j in range(p):
        others = [k for k in range(p) if k != j]
        total = 0.0
        for size in range(p):
            weight = factorial(size) * factorial(p - size - 1) / factorial(p)
            for subset in itertools.combinations(others, size):
                with_j = tuple(sorted((*subset, j)))
                total += weight * (r_squared(x, y, with_j) - r_squared(x, y, subset))
        out.append(total)
    return out


def main() -> None:
    rng = np.random.default_rng(20261127)
    n, p = 60, 4
    common = rng.normal(size=(n, 1))
    x = np.round(common + rng.normal(size=(n, p)), 3)
    y = np.round(x @ np.array([0.8, 0.4, 0.0, -0.3]) + rng.normal(size=n), 3)
    with open(HERE / "data.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([f"x{j + 1}" for j in range(p)] + ["y"])
        for row in np.column_stack([x, y]):
            w.writerow([f"{v:.3f}" for v in row])
    golden = {
        "r2": r_squared(x, y, tuple(range(p))),
        "lmg": lmg(x, y),
        "made_by": "tests/golden/drivers/make_goldens.py (numpy lstsq over all subsets)",
    }
    (HERE / "lmg.json").write_text(json.dumps(golden, indent=1) + "\n")


if __name__ == "__main__":
    main()
