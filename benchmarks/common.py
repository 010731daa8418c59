"""What the benchmarks share: generated inputs, baselines, isolated measurements.

- Generated exports are named by study, rows, seed and the generator's version
  (a hash of cxsurvey/sample/ and the bundled study files), so a changed
  generator or seed never reuses a stale file.
- The baseline is a bare pyarrow parse of the *columns the study reads* (what
  cxsurvey parses); the parse of every column is reported beside it.
- A warm run must hit the parsed-export cache: its entries are checked untouched
  (a miss rewrites the entry), or the benchmark stops.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CLI = [sys.executable, "-m", "cxsurvey"]

# argv: export path, then optionally a JSON list of the columns to read.
PARSE = """
import json, sys
from pyarrow import csv
columns = json.loads(sys.argv[2]) if len(sys.argv) > 2 else None
csv.read_csv(sys.argv[1], read_options=csv.ReadOptions(skip_rows_after_names=2),
             parse_options=csv.ParseOptions(newlines_in_values=True),
             convert_options=csv.ConvertOptions(include_columns=columns))
"""


def generator_version() -> str:
    """A short hash of the sample generator's code and the bundled study files."""
    digest = hashlib.sha256()
    files = sorted((REPO / "cxsurvey" / "sample").glob("*.py")) + sorted(
        (REPO / "configs").glob("*.yaml")
    )
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def export_path(out: Path, study: str, rows: int, seed: int) -> Path:
    return out / f"{study}_{rows}_seed{seed}_gen{generator_version()}.csv"


def generated_export(out: Path, study: str, rows: int, seed: int) -> Path:
    """The export for (study, rows, seed, generator version), generated once."""
    path = export_path(out, study, rows, seed)
    if not path.exists():
        print(f"generating {path.name} ...", flush=True)
        tmp = path.with_name(f".{path.stem}.partial.csv")
        subprocess.run(
            [*CLI, "sample", "--study", study, "--rows", str(rows), "--seed", str(seed),
             "--out", str(tmp)],
            check=True, cwd=REPO,
        )  # fmt: skip
        os.replace(tmp, path)
    return path


def study_columns(study: str) -> list[str]:
    """The export columns cxsurvey reads for a bundled study."""
    sys.path.insert(0, str(REPO))
    import cxsurvey
    from cxsurvey.defaults import bundled_study

    return cxsurvey.load_study(bundled_study(study)).study.columns()


def parse_commands(export: Path, study: str) -> tuple[list[str], list[str]]:
    """(the baseline: the study's columns, every column) as commands."""
    same = [sys.executable, "-c", PARSE, str(export), json.dumps(study_columns(study))]
    return same, [sys.executable, "-c", PARSE, str(export)]


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
            [sys.executable, "-c", wrapper, *cmd], check=True, capture_output=True, text=True,
            cwd=REPO,
        ).stdout.split()  # fmt: skip
        best, peak = min(best, float(out[0])), max(peak, int(out[1]) / 1024)
    return best, peak


def cache_entries(cache: Path) -> dict[str, tuple[int, int, int]]:
    """name -> (inode, size, mtime_ns) of every parsed-export entry in ``cache``
    (its files, whatever their extension; not the index folder or temp files)."""
    if not cache.is_dir():
        return {}
    return {
        p.name: (p.stat().st_ino, p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(cache.iterdir())
        if p.is_file() and not p.name.startswith(".")
    }


def measure_warm(cmd: list[str], cache: Path, repeat: int) -> tuple[float, float]:
    """``measure_isolated`` of a run that must read the cache: the entries left by
    the cold run must exist and stay untouched (a miss parses and rewrites one)."""
    before = cache_entries(cache)
    if not before:
        raise SystemExit(f"warm run: no cache entry in {cache}; the cold run stored none")
    result = measure_isolated(cmd, repeat)
    after = cache_entries(cache)
    if after != before:
        raise SystemExit(f"warm run missed the cache in {cache}: entries {before} -> {after}")
    print(f"  warm run hit the cache ({len(before)} entry, untouched)", flush=True)
    return result
