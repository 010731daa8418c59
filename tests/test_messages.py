"""Messages stay one readable line: long values cut, control and escape characters
shown, never sent to the terminal."""

from __future__ import annotations

from typer.testing import CliRunner

from cxsurvey.cli import app
from cxsurvey.errors import clean_message, shorten
from tests.conftest import TINY_COLUMNS, TINY_ROWS, render_export


def _export(tmp_path, rows):
    path = tmp_path / "e.csv"
    path.write_text(render_export(TINY_COLUMNS, rows, "qualtrics"), encoding="utf-8")
    return path


def test_a_megabyte_cell_is_cut_in_errors_and_findings(tmp_path, tiny_study):
    rows = [list(r) for r in TINY_ROWS]
    rows[0][2] = "x" * 5_000_000
    rows[1][0] = rows[2][0] = "\x1b[31mEVIL\x1b[0m"
    export = _export(tmp_path, rows)
    for command in ("score", "check"):
        result = CliRunner().invoke(app, [command, str(export), "--study", str(tiny_study)])
        assert result.exit_code in (1, 2), result.output
        assert len(result.output) < 5000 and "\x1b" not in result.output
        assert "characters cut" in result.output
    assert "'\\x1b[31mEVIL\\x1b[0m'" in result.output  # check names the duplicate id


def test_clean_message_and_shorten():
    assert clean_message("a\x1b[2Jb\r\nc\x07\u202e") == "a\\x1b[2Jb\\r\\nc\\x07\\u202e"
    text = shorten("y" * 1_000_000, 60)
    assert len(text) < 120 and "999,940 characters cut" in text
    assert shorten(5) == "5" and shorten("ab") == "'ab'"
