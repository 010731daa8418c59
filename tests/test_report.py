"""Charts (checked by their data and drawn bars) and the HTML/Markdown report."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

import cxsurvey
from cxsurvey.cli import app
from cxsurvey.outputs.charts.draw import WRAP, draw, render
from cxsurvey.outputs.charts.spec import chart_spec
from tests.conftest import DEFAULT_STUDY, SAMPLE_EXPORT
from tests.recount import single_counts
from tests.test_independent import reference_scores


@pytest.fixture(scope="module")
def figures():
    study = cxsurvey.load_study(DEFAULT_STUDY)
    result = cxsurvey.figures(SAMPLE_EXPORT, study)
    return study.study, {f.id: f for f in result.figures}


def test_chart_kinds_and_data_follow_the_figures(figures):
    study, figs = figures
    kinds = {fid: chart_spec(f, study).kind for fid, f in figs.items()}
    assert kinds["maturity_stages"] == "stacked"
    assert kinds["stages_by_industry"] == "stacked"
    assert kinds["senior_exec"] == "bars"
    assert kinds["barriers_by_group"] == "paired"
    assert kinds["maturity_competencies"] == "paired"
    for fid, fig in figs.items():
        spec = chart_spec(fig, study)
        if spec.kind == "stacked":  # one bar per column, one segment per band
            assert spec.categories == fig.columns, fid
            for series in spec.series:
                row = next(r for r in fig.rows if r.label == series.name)
                assert series.values == [row.cells[c].value for c in fig.columns]
        else:
            assert spec.categories == [r.label for r in fig.rows], fid
            groups = fig.columns[1:] or ["Total"]
            assert [s.name for s in spec.series] == groups
            for series in spec.series:
                assert series.values == [r.cells[series.name].value for r in fig.rows]
    competencies = chart_spec(figs["maturity_competencies"], study)
    assert competencies.axis == (1.0, 5.0)  # the item codes' range
    assert competencies.bases == {"Total": "n=219", "CX leaders": "n=110", "CX laggards": "n=109"}
    gap = figs["maturity_competencies"].rows[0].gap
    assert competencies.gaps[0] == f"{gap.points:+.2f}*" and competencies.significant[0]
    assert "Welch's t-test" in competencies.footnote


def test_drawn_bars_match_the_values(figures):
    study, figs = figures
    spec = chart_spec(figs["barriers_by_group"], study)
    ax = draw(spec).axes[0]
    widths = [round(p.get_width(), 9) for p in ax.patches]
    want = [round(v, 9) for s in spec.series for v in s.values]
    assert widths == want
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [textwrap.fill(c, WRAP) for c in spec.categories]
    texts = {t.get_text() for t in ax.texts}
    assert {f"{v:.0f}%" for s in spec.series for v in s.values} <= texts  # values on bars
    assert set(spec.gaps) <= texts  # the gap column
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["CX leaders (n=109)", "CX laggards (n=105)"]

    stacked = chart_spec(figs["stages_by_industry"], study)
    ax = draw(stacked).axes[0]
    segments = [round(p.get_width(), 9) for p in ax.patches]
    assert segments == [round(v or 0.0, 9) for s in stacked.series for v in s.values]


def test_renders_are_deterministic_png_and_svg(figures):
    study, figs = figures
    spec = chart_spec(figs["senior_exec"], study)
    svg = render(spec, "svg")
    assert svg == render(spec, "svg") and b"<svg" in svg
    assert render(spec, "png").startswith(b"\x89PNG")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "report.html"
    result = CliRunner().invoke(app, ["report", str(SAMPLE_EXPORT), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_html_report_has_every_figure_with_chart_table_and_json_numbers(report):
    html = report.read_text()
    doc = json.loads(CliRunner().invoke(app, ["figures", str(SAMPLE_EXPORT), "-f", "json"]).stdout)
    for fig in doc["figures"]:
        match = re.search(
            rf'<section class="figure" id="fig-{fig["id"]}" data-figure="{fig["id"]}"[^>]*>'
            r"(.*?)</section>",
            html,
            re.S,
        )
        assert match, fig["id"]
        body = match.group(1)
        assert "<svg" in body and '<table class="figure-table">' in body
        cells = re.findall(r'data-column="([^"]*)" data-value="([^"]*)" data-base="([^"]*)"', body)
        want = [
            (col, "" if c["value"] is None else repr(c["value"]), repr(c["base"]))
            for row in fig["rows"]
            for col, c in row["cells"].items()
        ]
        assert [(c.replace("&amp;", "&"), v, b) for c, v, b in cells] == want
    assert "260 responses read, 231 included, 219 scored on maturity" in html
    assert "split at the median maturity score, 20.3333" in html
    assert 'id="methods"' in html and "Welch&#x27;s t-test (" in html


def _html_cells(html: str, fig_id: str) -> dict[str, tuple[str, str]]:
    """Row label -> (data-value, data-base) of a figure's Total column in the report."""
    body = re.search(rf'<section class="figure" id="fig-{fig_id}".*?</section>', html, re.S)
    out = {}
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(0), re.S):
        label = re.search(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)
        total = re.search(r'data-column="Total" data-value="([^"]*)" data-base="([^"]*)"', tr)
        if label and total:
            out[re.sub(r"<[^>]+>", "", label.group(1)).strip()] = total.groups()
    return out


def test_html_report_numbers_match_an_independent_recount(report):
    """Not the same run's JSON: the csv module and the plain-Python reference scorer."""
    html = report.read_text()
    counts, base = single_counts("Q8", {"1": "Yes", "2": "No", "3": "Not sure"})
    assert (counts, base) == ({"Yes": 45, "No": 143, "Not sure": 37}, 225)
    cells = _html_cells(html, "senior_exec")
    for label, count in counts.items():
        value, shown_base = cells[label]
        assert float(value) == pytest.approx(100 * count / base, rel=1e-12) and shown_base == "225"

    study = yaml.safe_load(DEFAULT_STUDY.read_text())
    scores = reference_scores(SAMPLE_EXPORT, study).values()
    scored = [s["maturity"][2] for s in scores if s["maturity"] is not None]
    cells = _html_cells(html, "maturity_stages")
    assert set(cells) == {"Investigate", "Initiate", "Mobilize", "Scale", "Embed"}
    for label, (value, shown_base) in cells.items():
        assert shown_base == str(len(scored)) == "219"
        assert float(value) == pytest.approx(100 * scored.count(label) / len(scored), rel=1e-12)


def test_html_report_needs_no_network(report):
    html = report.read_text()
    assert not re.search(r'(src|href)\s*=\s*["\']?(https?:)?//', html)
    assert "@import" not in html and not re.search(r"url\(\s*['\"]?https?:", html)
    assert "<script" not in html


def test_markdown_report_writes_pngs_beside_it(tmp_path):
    out = tmp_path / "report.md"
    result = CliRunner().invoke(app, ["report", str(SAMPLE_EXPORT), "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    pngs = sorted((tmp_path / "report_charts").glob("*.png"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md", "report_charts"]
    assert len(pngs) == 20
    for png in pngs:
        assert "![" in text and f"(report_charts/{png.name})" in text
        assert png.read_bytes().startswith(b"\x89PNG")
    assert result.stderr == ""  # --quiet: no progress, no summary line


def test_markdown_report_into_a_missing_folder_writes_nothing(tmp_path):
    out = tmp_path / "missing" / "report.md"
    result = CliRunner().invoke(app, ["report", str(SAMPLE_EXPORT), "--out", str(out), "-q"])
    assert result.exit_code == 2
    assert "directory" in result.output and "does not exist" in result.output
    assert not (tmp_path / "missing").exists()


def test_figures_chart_folder(tmp_path):
    folder = tmp_path / "charts"
    result = CliRunner().invoke(
        app, ["figures", str(SAMPLE_EXPORT), "--figure", "senior_exec", "--figure",
              "maturity_stages", "-f", "json", "--chart", str(folder)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == [
        "maturity_stages.png", "maturity_stages.svg", "senior_exec.png", "senior_exec.svg",
    ]  # fmt: skip


def test_missing_matplotlib_is_a_clear_error(figures, monkeypatch):
    import sys

    study, figs = figures
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(cxsurvey.errors.DataError, match=r"pip install 'cxsurvey\[charts\]'"):
        render(chart_spec(figs["senior_exec"], study), "png")


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _screenshot(chromium: str, html: Path, shot: Path, profile: Path):
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--hide-scrollbars", "--force-device-scale-factor=1",
             f"--user-data-dir={profile}"]  # fmt: skip
    subprocess.run(
        [chromium, *flags, f"--screenshot={shot}", "--window-size=1200,2400", html.as_uri()],
        check=True,
        capture_output=True,
        timeout=120,
    )
    from matplotlib.image import imread

    return imread(shot)[:, :, :3]


@pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)"
)
def test_headless_chromium_draws_the_report_title_and_first_figure_chart(report, tmp_path):
    """The same page with the title and the first chart made invisible (layout kept)
    differs exactly where Chromium drew them: the title at the top, the chart below."""
    html = report.read_text()
    first = re.search(r'data-figure="([^"]+)"', html).group(1)
    assert first == "maturity_stages"
    hidden = tmp_path / "hidden.html"
    hidden.write_text(
        html.replace(
            "</head>", f"<style>h1, #fig-{first} .chart svg {{visibility: hidden}}</style></head>"
        )
    )
    shown = _screenshot(CHROMIUM, report, tmp_path / "shown.png", tmp_path / "p1")
    blank = _screenshot(CHROMIUM, hidden, tmp_path / "hidden.png", tmp_path / "p2")
    assert shown.shape == blank.shape == (2400, 1200, 3)
    changed = np.flatnonzero(np.abs(shown - blank).sum(axis=(1, 2)) > 0)  # rows that differ
    assert changed.size > 0
    title_rows, chart_rows = changed[changed < 150], changed[changed >= 150]
    assert title_rows.size >= 15  # the h1's glyphs, at the top of the page
    assert chart_rows.size >= 100  # the chart's bars, legend and axis, further down
    assert chart_rows.max() < 2400 and chart_rows.min() > title_rows.max()
    # Nothing else moved: the rest of the page is pixel-identical.
    assert np.array_equal(shown[chart_rows.max() + 1 :], blank[chart_rows.max() + 1 :])


def test_three_group_banner_draws_grouped_bars(tmp_path):
    from tests.test_figures import _letters_export

    path, study_path = _letters_export(tmp_path)
    study = cxsurvey.load_study(study_path)
    fig = cxsurvey.figures(path, study, ["yn"]).figures[0]
    spec = chart_spec(fig, study.study)
    assert spec.kind == "grouped"
    assert [(s.name, s.values) for s in spec.series] == [
        ("Alpha", [80.0]), ("Beta", [20.0]), ("Gamma", [60.0]),
    ]  # fmt: skip
    assert "Letters: significantly higher than the group with that letter" in spec.footnote
    assert "(A = Alpha, B = Beta, C = Gamma)" in spec.footnote
    ax = draw(spec).axes[0]
    assert [p.get_width() for p in ax.patches] == [80.0, 20.0, 60.0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "Alpha (A) (n=50)", "Beta (B) (n=50)", "Gamma (C) (n=50)",
    ]  # fmt: skip
    # letters follow each value on its bar (the significance, drawn)
    texts = {t.get_text() for t in ax.texts}
    for s in spec.series:
        cell = fig.rows[0].cells[s.name]
        want = f"{cell.value:.0f}%" + (f" {''.join(cell.higher_than)}" if cell.higher_than else "")
        assert want in texts
