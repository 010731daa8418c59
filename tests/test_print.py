"""The HTML report printed to PDF by headless Chromium loses no table cell: a wide
banner prints on a landscape page, every cell's text is in the PDF (pdftotext)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from typer.testing import CliRunner

import cxsurvey
from cxsurvey.cli import app
from cxsurvey.outputs.display import display_cell
from tests.conftest import SAMPLE_EXPORT, small_study

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PDFTOTEXT = shutil.which("pdftotext")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-pdf-header-footer"]  # fmt: skip


@pytest.mark.skipif(
    CHROMIUM is None or PDFTOTEXT is None,
    reason="Debian's chromium and poppler-utils are not installed (.ci/run installs them)",
)
def test_printed_report_keeps_every_cell_of_a_wide_figure(tmp_path):
    study_path = small_study(tmp_path, "stages_by_industry", "barriers_by_group")
    html = tmp_path / "report.html"
    args = ["report", str(SAMPLE_EXPORT), "--study", str(study_path), "--out", str(html), "-q"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    pdf = tmp_path / "report.pdf"
    subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", f"--print-to-pdf={pdf}",
         html.as_uri()],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    text = subprocess.run(
        [PDFTOTEXT, "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    lines = text.splitlines()
    flat = " ".join(text.split())
    figs = cxsurvey.figures(SAMPLE_EXPORT, cxsurvey.load_study(study_path)).figures
    for fig in figs:
        for row in fig.rows:
            want = [display_cell(row.cells[c], fig.stat, row.label) for c in fig.columns]
            found = False
            for line in lines:
                words = " ".join(line.split())
                if not words.startswith(row.label.split()[0]):
                    continue
                rest, ok = words, True
                for cell in want:  # every cell, left to right, on the row's line
                    at = rest.find(cell)
                    if at < 0:
                        ok = False
                        break
                    rest = rest[at + len(cell) :]
                found = found or ok
            assert found, (fig.id, row.label, want)
        for col, letter in (fig.letters or {}).items():
            assert f"{letter} = {col}" in flat
            assert f"({letter})" in flat
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "99", str(pdf)], capture_output=True,
                          text=True).stdout  # fmt: skip
    assert "841.92 x 594.96" in info  # the 13-column figure printed on a landscape page
