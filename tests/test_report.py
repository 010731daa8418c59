"""Charts (checked by their data and drawn bars) and the HTML/Markdown report."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import textwrap

import pytest
from typer.testing import CliRunner

import cxsurvey
from cxsurvey.cli import app
from cxsurvey.outputs.charts.draw import WRAP, draw, render
from cxsurvey.outputs.charts.spec import chart_spec
from tests.conftest import DEFAULT_STUDY, SAMPLE_EXPORT


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


@pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)"
)
def test_report_renders_in_headless_chromium(report, tmp_path):
    shot = tmp_path / "report.png"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}"]  # fmt: skip
    subprocess.run(
        [CHROMIUM, *flags, f"--screenshot={shot}", "--window-size=1200,2400", report.as_uri()],
        check=True,
        capture_output=True,
        timeout=120,
    )
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 20_000  # a page, not a blank


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
