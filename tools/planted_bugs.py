"""Plant the bugs users fear, one at a time, and show which tests catch each.

Each bug is a small textual change of the kind a reviewer would not spot. For
each, a copy of the repository (never the working tree) gets the change and the
whole suite runs; the bug must make the suite fail, with tests whose names say
what broke. Exit status 1 if any bug survives.

    python tools/planted_bugs.py            # every bug, the whole suite each time
    python tools/planted_bugs.py tz_dropped # one of them
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# name -> (what breaks, [(file, old text, new text)]); every old text must be found.
BUGS: dict[str, tuple[str, list[tuple[str, str, str]]]] = {
    "prefix_equals_only": (
        "formula neutralisation reduced to '='",
        [
            ("cxsurvey/outputs/safe_text.py", 'TRIGGERS = ("=", ', 'TRIGGERS = ("=",) or ("=", '),
            (
                "cxsurvey/outputs/safe_text.py",
                '_TRIGGER_CLASS = "[=+\\\\-@\\\\t\\\\r\\uff1d\\uff0b\\uff0d\\uff20]"',
                '_TRIGGER_CLASS = "[=]"',
            ),
        ],
    ),
    "march_in_q2": (
        "quarters counted from m // 3, so March lands in Q2",
        [
            (
                "cxsurvey/reading/dates.py",
                "serial = y * 12 + (m - 1) // step * step",
                "serial = y * 12 + (m - (step == 1)) // step * step",
            )
        ],
    ),
    "reverse_max_plus_one": (
        "reverse items scored max + 1 - x",
        [("cxsurvey/scoring/scales.py", "np.subtract(hi + lo, x", "np.subtract(hi + 1, x")],
    ),
    "small_base_at_most_30": (
        "small base 'under 30' turned into 'at most 30'",
        [("cxsurvey/tabulation/cell_stats.py", "< sums.small_base", "<= sums.small_base")],
    ),
    "tz_period_edges_in_utc": (
        "periods cut at UTC midnight whatever the question's time zone",
        [
            (
                "cxsurvey/reading/dates.py",
                'if timezone != "UTC":\n        zoned = local.cast',
                "if False:\n        zoned = local.cast",
            )
        ],
    ),
    "tz_dropped": (
        "the question's time zone not passed on (naive times and period edges in UTC)",
        [
            ("cxsurvey/tabulation/figure.py", "q.format, q.timezone)", "q.format)"),
            (
                "cxsurvey/tabulation/figure.py",
                "periods(parsed.instants, period, q.timezone)",
                "periods(parsed.instants, period)",
            ),
        ],
    ),
}


def plant(work: Path, changes: list[tuple[str, str, str]]) -> None:
    for file, old, new in changes:
        path = work / file
        text = path.read_text()
        if old not in text:
            raise SystemExit(f"{file}: {old!r} not found; update tools/planted_bugs.py")
        path.write_text(text.replace(old, new))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bugs", nargs="*", default=list(BUGS), help=", ".join(BUGS))
    opts = parser.parse_args(argv)
    for name in opts.bugs:
        if name not in BUGS:
            parser.error(f"unknown bug {name!r}; choose from {', '.join(BUGS)}")
    survivors = 0
    for name in opts.bugs:
        what, changes = BUGS[name]
        with tempfile.TemporaryDirectory(prefix="cxsurvey-planted-") as tmp:
            work = Path(tmp)
            for part in ("cxsurvey", "tests", "configs", "sample_data", "benchmarks"):
                shutil.copytree(
                    REPO / part, work / part, ignore=shutil.ignore_patterns("__pycache__")
                )
            for part in ("pyproject.toml", "README.md"):
                shutil.copy(REPO / part, work / part)
            shutil.copytree(REPO / ".ci", work / ".ci")
            plant(work, changes)
            run = subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o",
                 "addopts=--strict-markers --strict-config", "-rf"],
                cwd=work, capture_output=True, text=True,
            )  # fmt: skip
        failed = sorted(set(re.findall(r"^FAILED (\S+)", run.stdout, re.M)))
        summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr
        print(f"{name}: {what}\n  {summary}")
        for test in failed:
            print(f"  caught by {test}")
        if run.returncode == 0:
            survivors += 1
            print("  SURVIVED: no test failed")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
