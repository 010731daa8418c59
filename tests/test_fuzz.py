"""A seeded fuzz corpus over exports and study files (small enough for CI).

The invariant for every mutated input: exit 0 with the right figures, or exit 1/2
with one-line errors; never exit 3, a traceback or a signal; nothing written
but the requested output; the inputs unchanged. Mutations that must change
nothing (line endings, BOM, a trailing blank line, quoting) must give identical
figures.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxsurvey.cli import app
from tests.conftest import TINY_COLUMNS, TINY_ROWS, TINY_STUDY, render_export

SEED = 13
STUDY = (
    TINY_STUDY
    + """figures:
  - {id: bands, title: Bands of s, question: s.band}
  - {id: groups, title: "Group scores: leaders vs laggards", question: s.groups, stat: mean, by: g}
  - {id: bands_by, title: Bands by group, question: s.band, by: g}
"""
)
HOSTILE = [
    "", "-99", "=2+3", "\t=1", "＝1", "[/]", "Other [please specify]", "$x$", "Pay $5 or $10",
    "\x1b[31mred\x1b[0m", "\x00", "\r", "a\rb", '"', '""', "x" * 5000, "1e999", "nan", "-0",
    "9" * 400, "<script>alert(1)</script>", "../../x", "\ufeff", "\u202e", "3.0", " 4 ", "٣",
]  # fmt: skip


def _export_text() -> str:
    return render_export(TINY_COLUMNS, TINY_ROWS, "qualtrics")


def _mutate_export(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    op = rng.randrange(9)
    if op == 0:  # a hostile value in a random cell
        row = rng.randrange(3, len(lines) - 1)
        cells = lines[row].split(",")
        cells[rng.randrange(len(cells))] = rng.choice(HOSTILE)
        lines[row] = ",".join(cells)
    elif op == 1:  # truncate anywhere
        return text[: rng.randrange(len(text))]
    elif op == 2:  # delete or duplicate a line
        i = rng.randrange(len(lines))
        lines[i : i + 1] = [] if rng.random() < 0.5 else [lines[i], lines[i]]
    elif op == 3:  # a random byte-level insertion
        at = rng.randrange(len(text))
        return text[:at] + rng.choice(['"', ",", "\n", "\r", "\x00", ";", "\t", "'"]) + text[at:]
    elif op == 4:  # a header renamed or emptied
        cells = lines[0].split(",")
        cells[rng.randrange(len(cells))] = rng.choice(["", "id", "a1", "Q?", "x" * 300])
        lines[0] = ",".join(cells)
    elif op == 5:  # a header row lost
        del lines[rng.choice([1, 2])]
    elif op == 6:  # a short or long row
        row = rng.randrange(3, len(lines) - 1)
        lines[row] = lines[row] + ",extra" if rng.random() < 0.5 else lines[row].rsplit(",", 1)[0]
    elif op == 7:  # swap two data rows (must change nothing)
        a, b = rng.sample(range(3, len(lines) - 1), 2)
        lines[a], lines[b] = lines[b], lines[a]
    else:  # an empty file or one with only the header
        return rng.choice(["", lines[0] + "\n"])
    return "\n".join(lines)


NEUTRAL = [
    ("crlf", lambda t: t.replace("\n", "\r\n")),
    ("bom", lambda t: "\ufeff" + t),
    ("blank line", lambda t: t + "\n"),
    ("rows reversed", lambda t: render_export(TINY_COLUMNS, TINY_ROWS[::-1], "qualtrics")),
    ("utf-16", None),
]


def _mutate_study(text: str, rng: random.Random) -> str:
    lines = text.split("\n")
    i = rng.randrange(len(lines))
    op = rng.randrange(6)
    if op == 0:
        del lines[i]
    elif op == 1:
        lines.insert(i, lines[i])
    elif op == 2:  # a scalar replaced by something hostile
        if ": " in lines[i]:
            key = lines[i].split(": ", 1)[0]
            lines[i] = f"{key}: " + rng.choice(
                [".nan", "-.inf", "1.0e+999", "9" * 30, "[/]", "'$x$'", "*nope", "&a [*a]", "{",
                 "!!python/object/apply:os.system [echo hacked]", "'../x'", "'\x1b[2J'", "~",
                 "[]", "{}", "yes", "0x10", "'" + "y" * 3000 + "'"]
            )  # fmt: skip
    elif op == 3:  # indentation broken
        lines[i] = " " + lines[i]
    elif op == 4:  # deep nesting or an alias bomb appended
        lines.append(rng.choice(["x: " + "[" * 200 + "]" * 200, "a: &a [1]\nb: [*a, *a]"]))
    else:  # a figure id or title made hostile
        return text.replace("id: bands,", f"id: {rng.choice(['../up', '/abs', 'a b', 'CON'])},")
    return "\n".join(lines)


def _run(tmp: Path, export: Path, study: Path, command: str):
    out = tmp / "out" / ("f.json" if command == "figures" else "s.csv")
    before = {p: p.read_bytes() for p in (export, study)}
    tree = sorted(tmp.rglob("*"))
    args = [command, str(export), "--study", str(study), "--no-cache", "-o", str(out)]
    if command == "figures":
        args += ["-f", "json", "-q"]
    else:
        args += ["-q"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code in (0, 1, 2), (result.exit_code, result.output)
    assert "Traceback" not in result.output and "internal error" not in result.output
    if result.exit_code:
        errors = [ln for ln in result.output.splitlines() if "error" in ln]
        assert errors and all(len(ln) < 2200 for ln in errors), result.output
        assert "\x1b" not in result.output
        assert not out.exists()
    assert {p: p.read_bytes() for p in (export, study)} == before  # inputs untouched
    created = set(tmp.rglob("*")) - set(tree)
    assert created <= {out}, created
    if out.exists():
        out.unlink()
    return result


@pytest.fixture
def corpus(tmp_path):
    (tmp_path / "out").mkdir()
    export = tmp_path / "export.csv"
    study = tmp_path / "study.yaml"
    study.write_text(STUDY)
    return tmp_path, export, study


def _figures_json(tmp: Path, export: Path, study: Path) -> list:
    import json

    out = tmp / "out" / "f.json"
    args = ["figures", str(export), "--study", str(study), "--no-cache", "-f", "json"]
    result = CliRunner().invoke(app, [*args, "-q", "-o", str(out)])
    assert result.exit_code == 0, result.output
    figures = json.loads(out.read_text())["figures"]
    out.unlink()
    return figures


def test_fuzzed_exports(corpus):
    tmp, export, study = corpus
    rng = random.Random(SEED)
    codes = []
    for _ in range(30):
        export.write_text(_mutate_export(_export_text(), rng), encoding="utf-8", newline="")
        for command in ("score", "figures"):
            codes.append(_run(tmp, export, study, command).exit_code)
    assert 0 in codes and 2 in codes  # the corpus reaches both outcomes


def test_neutral_rewrites_give_identical_figures(corpus):
    tmp, export, study = corpus
    export.write_text(_export_text(), encoding="utf-8", newline="")
    baseline = _figures_json(tmp, export, study)
    for name, change in NEUTRAL:
        if change is None:
            export.write_bytes(_export_text().encode("utf-16"))
        else:
            export.write_text(change(_export_text()), encoding="utf-8", newline="")
        assert _figures_json(tmp, export, study) == baseline, name


def test_fuzzed_study_files(corpus):
    tmp, export, study = corpus
    export.write_text(_export_text(), encoding="utf-8", newline="")
    rng = random.Random(SEED)
    codes = []
    for _ in range(30):
        study.write_text(_mutate_study(STUDY, rng), encoding="utf-8")
        codes.append(_run(tmp, export, study, "figures").exit_code)
        validate = CliRunner().invoke(app, ["validate", str(study)])
        assert validate.exit_code in (0, 1, 2) and "Traceback" not in validate.output
        assert "internal error" not in validate.output
    assert 0 in codes and 2 in codes
