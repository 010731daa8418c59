"""Benchmark chart output: ``figures --chart`` against the HTML report, per chart.

The issue this answers: ``figures --chart`` took 11 s where the whole report took
3 s. Both draw every figure of the default study on the bundled sample; the
report embeds one SVG per figure, ``--chart`` writes a PNG and an SVG per figure.
The comparison is CPU time of the child process per chart file written, minus the
time of ``figures`` alone (reading, scoring, tabulating), so that a loaded
machine's waiting does not count. Run: ``python benchmarks/bench_charts.py``.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "sample_data" / "cx_practitioner_sample.csv"


def cpu_seconds(args: list[str], repeat: int = 3) -> float:
    """The least child CPU time (user + system) of ``repeat`` runs."""
    best = float("inf")
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-m", "cxsurvey", *args], check=True, cwd=REPO,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        best = min(best, used)
    return best


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        n = 20  # figures in the default study
        base = cpu_seconds(["figures", str(SAMPLE), "-q", "-o", f"{tmp}/f.json"])
        charts = cpu_seconds(
            ["figures", str(SAMPLE), "-q", "-o", f"{tmp}/f.json", "--chart", f"{tmp}/charts"]
        )
        report = cpu_seconds(["report", str(SAMPLE), "-q", "--out", f"{tmp}/r.html"])
        slides = cpu_seconds(["report", str(SAMPLE), "-q", "--out", f"{tmp}/r.pptx"])
    print(f"figures alone            {base:6.2f} s CPU")
    print(
        f"figures --chart (PNG+SVG) {charts:6.2f} s CPU, {(charts - base) / (2 * n):.3f} s per file"
    )
    print(f"report (HTML, SVG)       {report:6.2f} s CPU, {(report - base) / n:.3f} s per chart")
    print(f"report (pptx, native)    {slides:6.2f} s CPU, {(slides - base) / n:.3f} s per slide")


if __name__ == "__main__":
    main()
