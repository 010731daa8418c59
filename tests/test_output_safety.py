"""Outputs stay where they are told: safe names from ids, never over an input, staged
charts, a report that deletes nothing, one-line disk-full and permission errors."""

from __future__ import annotations

import errno
import os
import re
import shutil
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxsurvey.cli import app
from cxsurvey.outputs import atomic
from cxsurvey.outputs.safe_names import file_stem, file_stems, sheet_names
from tests.conftest import DEFAULT_STUDY, SAMPLE_EXPORT

HOSTILE = {
    "../escape": "Escaping <script>alert(1)</script>",
    "/tmp/cxsurvey-absolute": "Pay $5 or $10 [please specify]",
    "a'b": "Other [/] =2+3",
}


def _study(tmp_path: Path, ids=HOSTILE) -> Path:
    text = DEFAULT_STUDY.read_text()
    head = text[: text.index("\nfigures:")]
    questions = ["senior_exec", "central_group", "ceo_champion"]
    figs = "".join(
        f'  - {{id: "{fid}", title: "{title}", question: {q}}}\n'
        for (fid, title), q in zip(ids.items(), questions, strict=False)
    )
    path = tmp_path / "study.yaml"
    path.write_text(f"{head}\nfigures:\n{figs}")
    return path


def run(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


def _one_line_error(result, code: int = 2) -> str:
    assert result.exit_code == code, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    return lines[0]


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def test_safe_file_stems():
    assert file_stem("maturity_stages") == "maturity_stages"  # safe ids keep their name
    assert file_stem("../x") == "_x" and file_stem("/etc/passwd") == "_etc_passwd"
    assert file_stem("..") == "figure" and file_stem("") == "figure"
    assert file_stem("CON") == "CON_" and file_stem("a b\x00c") == "a_b_c"
    stems = file_stems(["a/b", "a_b", "A_B", "x" * 300])
    assert list(stems.values())[:3] == ["a_b", "a_b-2", "A_B-3"]
    assert all("/" not in s and not s.startswith(".") for s in stems.values())
    assert len(stems["x" * 300]) <= 108


def test_sheet_names_are_valid_and_unique():
    ids = ["a'b", "'quoted'", "x[1]:*?/\\y", "history", "Index", "q" * 40, "q" * 41]
    names = sheet_names(ids, taken=["Index"])
    assert len({n.lower() for n in names.values()} | {"index"}) == len(ids) + 1
    for name in names.values():
        assert 0 < len(name) <= 31 and not set(name) & set("[]:*?/\\'")
    assert names["history"] != "history"


def test_chart_files_stay_in_the_chart_folder(tmp_path):
    study = _study(tmp_path)
    folder = tmp_path / "charts"
    out = tmp_path / "f.json"
    result = run("figures", SAMPLE_EXPORT, "--study", study, "-f", "json", "-o", out,
                 "--chart", folder, "-q")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert _tree(tmp_path) == {"study.yaml", "f.json", "charts"} | {
        f"charts/{stem}.{ext}"
        for stem in ("_escape", "_tmp_cxsurvey-absolute", "a_b")
        for ext in ("png", "svg")
    }
    assert not Path("/tmp/cxsurvey-absolute.png").exists()


def test_sheet_names_from_hostile_ids_open_in_openpyxl(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    pytest.importorskip("xlsxwriter")
    out = tmp_path / "f.xlsx"
    result = run("figures", SAMPLE_EXPORT, "--study", _study(tmp_path), "-f", "xlsx", "-o", out)
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Index", ".._escape", "_tmp_cxsurvey-absolute", "a_b", "Data"]
    index = [[c.value for c in row] for row in book["Index"].iter_rows(min_row=2)]
    assert [row[1] for row in index] == ["../escape", "/tmp/cxsurvey-absolute", "a'b"]
    assert book["a_b"]["A1"].value == "Other [/] =2+3"


def test_markdown_report_keeps_names_links_and_text_safe(tmp_path):
    out = tmp_path / "r.md"
    result = run("report", SAMPLE_EXPORT, "--study", _study(tmp_path), "--out", out, "-q")
    assert result.exit_code == 0, result.output
    assert _tree(tmp_path) == {"study.yaml", "r.md", "r_charts"} | {
        f"r_charts/{s}.png" for s in ("_escape", "_tmp_cxsurvey-absolute", "a_b")
    }
    text = out.read_text()
    assert "<script>" not in text and "\\<script\\>" in text
    assert "(r_charts/_escape.png)" in text and '<a id="a_b"></a>' in text
    assert "Pay \\$5 or \\$10 \\[please specify\\]" in text


@pytest.mark.parametrize("command", ["score", "figures", "report"])
def test_an_out_that_is_the_export_is_refused(tmp_path, command, monkeypatch):
    export = tmp_path / "export.csv"
    shutil.copy(SAMPLE_EXPORT, export)
    before = export.read_bytes()
    link = tmp_path / "link.csv"
    link.symlink_to(export)
    hard = tmp_path / "hard.csv"
    os.link(export, hard)
    monkeypatch.chdir(tmp_path)
    for out in (export, link, hard, Path("sub/../export.csv"), Path("./export.csv")):
        (tmp_path / "sub").mkdir(exist_ok=True)
        line = _one_line_error(run(command, "export.csv", "--out", out))
        assert "is the export" in line
    assert export.read_bytes() == before and link.is_symlink()


def test_an_out_that_is_the_study_is_refused(tmp_path):
    study = tmp_path / "study.yaml"
    shutil.copy(DEFAULT_STUDY, study)
    before = study.read_bytes()
    for args in (
        ["score", SAMPLE_EXPORT, "--study", study, "--out", study],
        ["sample", "--study", study, "--out", study],
        ["verify", SAMPLE_EXPORT, "--study", study, "--approved", study, "--update"],
    ):
        assert "is the study file" in _one_line_error(run(*args))
    assert study.read_bytes() == before


def test_markdown_report_never_deletes_what_it_did_not_write(tmp_path):
    out = tmp_path / "r.md"
    folder = tmp_path / "r_charts"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    (folder / "senior_exec.png").write_bytes(b"old chart")
    result = run("report", SAMPLE_EXPORT, "--study", _study(tmp_path, {"senior_exec": "S"}),
                 "--out", out, "-q")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (folder / "notes.txt").read_text() == "mine"
    assert (folder / "senior_exec.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("kind", ["symlink", "file"])
def test_a_charts_folder_that_is_a_link_or_file_is_refused_before_anything(tmp_path, kind):
    out = tmp_path / "r.md"
    out.write_text("previous report")
    folder = tmp_path / "r_charts"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    if kind == "symlink":
        folder.symlink_to(elsewhere)
    else:
        folder.write_text("a file")
    line = _one_line_error(run("report", SAMPLE_EXPORT, "--out", out, "-q"))
    assert "r_charts" in line
    assert out.read_text() == "previous report" and not list(elsewhere.iterdir())
    assert _tree(tmp_path) == {"r.md", "r_charts", "elsewhere"}


def test_charts_land_only_when_the_run_succeeds(tmp_path, monkeypatch):
    from cxsurvey.errors import DataError
    from cxsurvey.outputs import figures_out

    def broken(result, out):
        raise DataError("writing failed late")

    monkeypatch.setitem(figures_out.TEXT_WRITERS, "json", broken)
    folder = tmp_path / "charts"
    result = run("figures", SAMPLE_EXPORT, "--figure", "senior_exec", "-f", "json",
                 "-o", tmp_path / "f.json", "--chart", folder, "-q")  # fmt: skip
    assert "writing failed late" in _one_line_error(result)
    assert _tree(tmp_path) == set()  # no charts, no staging folder, no output


def test_a_full_disk_is_one_line(tmp_path):
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    line = _one_line_error(run("score", SAMPLE_EXPORT, "--out", "/dev/full", "-q"))
    assert "disk is full" in line


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EACCES, errno.EROFS])
def test_write_errors_are_one_line_and_leave_no_temp_file(tmp_path, monkeypatch, code):
    def refuse(src, dst):
        raise OSError(code, os.strerror(code), str(dst))

    monkeypatch.setattr(atomic.os, "replace", refuse)
    out = tmp_path / "scores.csv"
    line = _one_line_error(run("score", SAMPLE_EXPORT, "--out", out, "-q"))
    assert str(out) in line and "cannot write" in line
    assert _tree(tmp_path) == set()


def test_a_read_only_folder_is_one_line(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(atomic.tempfile, "mkstemp", refuse)
    line = _one_line_error(run("figures", SAMPLE_EXPORT, "-f", "csv", "-o", tmp_path / "f.csv"))
    assert "permission denied" in line


def test_temp_files_of_killed_writes_are_removed_by_a_later_run(tmp_path):
    old = time.time() - atomic.TEMP_AGE - 60
    stale = tmp_path / ".scores.csv.cxsurvey-k1ll3d.tmp"
    stage = tmp_path / ".charts.cxsurvey-abc123.stage"
    fresh = tmp_path / ".other.csv.cxsurvey-writing.tmp"
    foreign = [tmp_path / ".scores.csv.tmp", tmp_path / "keep.cxsurvey-x.tmp"]
    stage.mkdir()
    (stage / "a.png").write_bytes(b"x")
    for p in (stale, fresh, *foreign):
        p.write_bytes(b"partial")
    for p in (stale, stage, *foreign):
        os.utime(p, (old, old))
    result = run("score", SAMPLE_EXPORT, "--out", tmp_path / "scores.csv", "-q")
    assert result.exit_code == 0, result.output
    assert not stale.exists() and not stage.exists()
    assert fresh.exists() and all(p.exists() for p in foreign)


def test_a_chart_folder_given_as_a_link_is_followed(tmp_path):
    real = tmp_path / "elsewhere" / "charts"
    real.mkdir(parents=True)
    work = tmp_path / "work"
    work.mkdir()
    (work / "charts").symlink_to(real)
    result = run("figures", SAMPLE_EXPORT, "--figure", "senior_exec", "-f", "json",
                 "-o", work / "f.json", "--chart", work / "charts", "-q")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in real.iterdir()) == ["senior_exec.png", "senior_exec.svg"]
    assert _tree(tmp_path) == {
        "elsewhere", "elsewhere/charts", "elsewhere/charts/senior_exec.png",
        "elsewhere/charts/senior_exec.svg", "work", "work/charts", "work/f.json",
    }  # fmt: skip


def test_html_report_with_mathtext_like_labels(tmp_path):
    pytest.importorskip("matplotlib")
    title = "Cost $\\\\undefinedcommand{x}$ now"
    study = _study(tmp_path, {"senior_exec": title})
    out = tmp_path / "r.html"
    result = run("report", SAMPLE_EXPORT, "--study", study, "--out", out, "-q")
    assert result.exit_code == 0, result.output
    # the report's charts leave the title to the page's heading; it is written as is
    assert "<h2>Cost $\\undefinedcommand{x}$ now</h2>" in out.read_text()
    charts = tmp_path / "charts"  # a chart file draws it, as written
    result = run("figures", SAMPLE_EXPORT, "--study", study, "--figure", "senior_exec", "-f",
                 "json", "-o", tmp_path / "f.json", "--chart", charts, "-q")  # fmt: skip
    assert result.exit_code == 0, result.output
    svg_texts = re.findall(r"<text[^>]*>([^<]*)</text>", (charts / "senior_exec.svg").read_text())
    assert any("Cost $\\undefinedcommand{x}$ now" in t for t in svg_texts)


def test_stdout_on_a_full_disk_is_one_line():
    import subprocess
    import sys

    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "cxsurvey", "figures", str(SAMPLE_EXPORT), "-f", "csv"],
            stdout=full, stderr=subprocess.PIPE, text=True, cwd=Path(__file__).parent.parent,
        )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert (
        proc.stderr.strip()
        == "error: output: the disk is full; check the permissions and free space"
    )
