"""``--since`` / ``--until``: figures on a window equal figures on an export
pre-filtered (here, independently, with the csv module and zoneinfo) to the
responses dated in it, for a CSV and for a month-partitioned Parquet dataset
whose partitions outside the window are never opened."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from cxsurvey.cli import app
from cxsurvey.errors import DataError
from cxsurvey.scoring.window import Window, parse_window
from tests.conftest import REPO

runner = CliRunner()
FEEDBACK = REPO / "configs" / "feedback_program.yaml"
ZONE = ZoneInfo("America/Denver")  # the feedback study's date question: MST/MDT
UTC = ZoneInfo("UTC")
# Boundary instants (local Denver wall clock): the last second of a month and the
# first of the next, on both sides of the window, in winter (MST) and summer (MDT) time.
BOUNDARIES = [
    datetime(2026, 2, 28, 23, 59, 59),
    datetime(2026, 3, 1, 0, 0, 0),
    datetime(2026, 3, 8, 1, 59, 59),  # the second before the switch to MDT
    datetime(2026, 3, 8, 3, 0, 0),  # the first second of MDT
    datetime(2026, 3, 31, 23, 59, 59),
    datetime(2026, 4, 1, 0, 0, 0),
]


def _run(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    """The feedback sample with every RecordedDate rewritten as a UTC instant
    (``...Z``), so the window's days are Denver days only after conversion; the
    first rows carry the boundary instants and three rows no date."""
    folder = tmp_path_factory.mktemp("since")
    raw = folder / "raw.csv"
    result = _run("sample", "--study", FEEDBACK, "--rows", 2000, "--out", raw, "--seed", 5)
    assert result.exit_code == 0, result.output
    with open(raw, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    col = rows[0].index("RecordedDate")
    for i, row in enumerate(rows[3:]):
        if i < len(BOUNDARIES):
            local = BOUNDARIES[i].replace(tzinfo=ZONE)
        elif i < len(BOUNDARIES) + 3:
            row[col] = ""
            continue
        else:
            local = datetime.fromisoformat(row[col]).replace(tzinfo=ZONE)
        row[col] = local.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    path = folder / "feedback.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, quoting=csv.QUOTE_ALL).writerows(rows)
    return path


def _local_day(cell: str) -> date | None:
    if not cell:
        return None
    instant = datetime.strptime(cell, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return instant.astimezone(ZONE).date()


def _prefiltered(export, folder, since: date, until: date):
    """The export with only the rows dated in [since, until] (Denver days): the
    independent filter, and how many rows it kept."""
    with open(export, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    col = rows[0].index("RecordedDate")
    kept = [r for r in rows[3:] if (d := _local_day(r[col])) is not None and since <= d <= until]
    path = folder / f"pre-{since}-{until}.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, quoting=csv.QUOTE_ALL).writerows(rows[:3] + kept)
    return path, len(kept)


def _figures(export, *extra, study=FEEDBACK):
    result = _run("figures", export, "--study", study, "-f", "json", "--no-cache", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _without_window_warning(figures: list[dict]) -> list[dict]:
    out = []
    for fig in figures:
        fig = dict(fig)
        fig["warnings"] = [w for w in fig.get("warnings", []) if "--since/--until" not in w]
        out.append(fig)
    return out


def test_parse_window_days_and_whole_months():
    assert parse_window("2026-03", "2026-03") == Window(date(2026, 3, 1), date(2026, 3, 31))
    assert parse_window("2024-02", None) == Window(date(2024, 2, 1), None)
    assert parse_window(None, "2024-02") == Window(None, date(2024, 2, 29))
    assert parse_window("2026-03-05", "2026-03-05") == Window(date(2026, 3, 5), date(2026, 3, 5))
    assert parse_window(None, None) is None
    for bad in ("2026-02-30", "03/2026", "2026-13", "yesterday"):
        with pytest.raises(DataError, match="YYYY-MM-DD"):
            parse_window(bad, None)
    with pytest.raises(DataError, match="after --until"):
        parse_window("2026-04", "2026-03")


@pytest.mark.parametrize(
    ("since", "until"),
    [("2026-03", "2026-03"), ("2026-03-01", "2026-03-08"), ("2026-03-08", "2026-04-01")],
)
def test_window_on_csv_equals_the_prefiltered_export(export, tmp_path, since, until):
    lo, hi = parse_window(since, until).since, parse_window(since, until).until
    pre, kept = _prefiltered(export, tmp_path, lo, hi)
    windowed = _figures(export, "--since", since, "--until", until)
    reference = _figures(pre)
    assert windowed["respondents"]["read"] == 2000
    window = windowed["respondents"]["window"]
    assert window["since"] == lo.isoformat() and window["until"] == hi.isoformat()
    assert window["question"] == "recorded" and window["timezone"] == "America/Denver"
    assert window["undated"] == 3
    assert window["outside"] == 2000 - 3 - kept
    # source.include still applies on top of the window, as on the pre-filtered export
    assert windowed["respondents"]["included"] == reference["respondents"]["included"]
    assert _without_window_warning(windowed["figures"]) == reference["figures"]
    for fig in windowed["figures"]:
        assert any("3 response(s) have no readable date" in w for w in fig["warnings"])


def test_boundary_instants_fall_on_their_local_day(export, tmp_path):
    """2026-03-31 23:59:59 MDT is in March, 2026-04-01 00:00:00 MDT is not (both are
    2026-04-01 in UTC); 2026-02-28 23:59:59 MST is not, 2026-03-01 00:00:00 MST is."""
    pre, _ = _prefiltered(export, tmp_path, date(2026, 3, 1), date(2026, 3, 31))
    with open(pre, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    dates = {r[rows[0].index("RecordedDate")] for r in rows[3:]}
    inside = {b for b in BOUNDARIES if b.month == 3}
    for b in BOUNDARIES:
        utc = b.replace(tzinfo=ZONE).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert (utc in dates) == (b in inside)
    one = _figures(export, "--since", "2026-03-31", "--until", "2026-03-31")
    pre_one, n = _prefiltered(export, tmp_path, date(2026, 3, 31), date(2026, 3, 31))
    assert one["respondents"]["window"]["outside"] == 2000 - 3 - n
    assert _without_window_warning(one["figures"]) == _figures(pre_one)["figures"]


@pytest.fixture(scope="module")
def dataset(export, tmp_path_factory):
    out = tmp_path_factory.mktemp("ds") / "feedback"
    result = _run("convert", export, "--study", FEEDBACK, "--out", out, "--partition-by", "month")
    assert result.exit_code == 0, result.output
    return out


def test_dataset_window_reads_only_its_partitions(export, dataset, tmp_path):
    """A partition outside the window is corrupted: the windowed run never opens it
    (a full run fails on it), and reads exactly the rows of March plus the undated."""
    parts = sorted(p.parent.name for p in dataset.rglob("*.parquet"))
    assert "month=2026-03" in parts and "month=__HIVE_DEFAULT_PARTITION__" in parts
    corrupt = tmp_path / "corrupt"
    import shutil

    shutil.copytree(dataset, corrupt)
    for name in ("month=2026-02", "month=2026-04"):
        (corrupt / name / "part-0.parquet").write_bytes(b"PAR1 not parquet at all PAR1")
    full = _run("figures", corrupt, "--study", FEEDBACK, "-f", "json", "--no-cache")
    assert full.exit_code == 2 and "cannot read it as Parquet" in full.output

    pre, kept = _prefiltered(export, tmp_path, date(2026, 3, 1), date(2026, 3, 31))
    windowed = _figures(corrupt, "--since", "2026-03", "--until", "2026-03")
    # rows read = March (Denver days, counted by the csv module) + the 3 undated
    assert windowed["respondents"]["read"] == kept + 3
    assert windowed["export"]["partitions"] == {"read": 2, "of": len(parts)}
    assert windowed["respondents"]["window"]["partitions"] == {"read": 2, "of": len(parts)}
    assert windowed["respondents"]["window"]["outside"] == 0
    assert _without_window_warning(windowed["figures"]) == _figures(pre)["figures"]
    table = _run(
        "figures", corrupt, "--study", FEEDBACK, "--since", "2026-03", "--until", "2026-03",
        "-f", "table", "--no-cache",
    )  # fmt: skip
    assert table.exit_code == 0, table.output
    assert f"read 2 of {len(parts)} partitions" in " ".join(table.output.split())


def test_dataset_window_across_months_equals_csv_window(export, dataset):
    args = ("--since", "2026-02-28", "--until", "2026-04-01")
    on_csv, on_ds = _figures(export, *args), _figures(dataset, *args)
    assert on_csv["figures"] == on_ds["figures"]
    assert on_ds["export"]["partitions"]["read"] == 4  # Feb, Mar, Apr and the undated


def test_score_report_and_check_take_the_window(export, tmp_path):
    pre, kept = _prefiltered(export, tmp_path, date(2026, 3, 1), date(2026, 3, 31))
    args = ("--study", FEEDBACK, "--no-cache", "--since", "2026-03", "--until", "2026-03")
    scored = _run("score", export, *args, "-f", "csv", "-q")
    reference = _run("score", pre, "--study", FEEDBACK, "--no-cache", "-f", "csv", "-q")
    assert scored.exit_code == 0, scored.output
    assert scored.stdout == reference.stdout
    checked = _run("check", export, *args, "--format", "json")
    assert checked.exit_code in (0, 1), checked.output
    record = json.loads(checked.stdout)["export"]["window"]
    assert record["outside"] == 2000 - 3 - kept and record["undated"] == 3
    out = tmp_path / "r.md"
    reported = _run("report", export, *args, "--out", out, "-q")
    assert reported.exit_code == 0, reported.output
    assert "dated 2026-03-01 to 2026-03-31 in 'recorded'" in out.read_text(encoding="utf-8")


def test_api_takes_the_window(export, tmp_path):
    import cxsurvey

    study = cxsurvey.load_study(FEEDBACK)
    result = cxsurvey.figures(export, study, since="2026-03", until="2026-03")
    _, kept = _prefiltered(export, tmp_path, date(2026, 3, 1), date(2026, 3, 31))
    assert result.respondents["window"]["outside"] == 2000 - 3 - kept
    assert cxsurvey.score(export, study, since="2026-03").respondents["window"]["until"] is None


def test_the_date_question_must_be_unambiguous(export, tmp_path):
    text = FEEDBACK.read_text(encoding="utf-8")
    two = text.replace(
        "  recorded:\n",
        "  started:\n    text: Start\n    type: date\n    column: StartDate\n  recorded:\n",
    )
    assert two != text
    path = tmp_path / "two.yaml"
    path.write_text(two, encoding="utf-8")
    result = _run("figures", export, "--study", path, "--since", "2026-03", "--no-cache")
    assert result.exit_code == 2
    assert (
        result.output.strip()
        .splitlines()[-1]
        .endswith("the study has 2 date questions (started, recorded); choose one with source.date")
    )
    chosen = path.with_name("chosen.yaml")
    chosen.write_text(two.replace("source:\n", "source:\n  date: recorded\n", 1), encoding="utf-8")
    a = _figures(export, "--since", "2026-03", study=chosen)
    b = _figures(export, "--since", "2026-03")
    assert a["respondents"]["window"] == b["respondents"]["window"]
    wrong = path.with_name("wrong.yaml")
    wrong.write_text(two.replace("source:\n", "source:\n  date: nps\n", 1), encoding="utf-8")
    result = _run("validate", wrong)
    assert result.exit_code == 1
    assert "source.date: 'nps' is not a date question of the study" in result.output


def test_window_that_keeps_nothing_is_one_line(export):
    result = _run(
        "figures", export, "--study", FEEDBACK, "--since", "2030-01", "--no-cache"
    )  # fmt: skip
    assert result.exit_code == 2
    assert "no response of the 2000 read is dated 2030-01-01" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_quarter_partitions_are_pruned_by_the_quarters_they_overlap(export, tmp_path):
    out = tmp_path / "q"
    result = _run("convert", export, "--study", FEEDBACK, "--out", out, "--partition-by", "quarter")
    assert result.exit_code == 0, result.output
    quarters = {p.parent.name for p in out.rglob("*.parquet")}
    args = ("--since", "2026-03-31", "--until", "2026-04-01")  # the end of Q1, the start of Q2
    on_ds, on_csv = _figures(out, *args), _figures(export, *args)
    assert on_ds["export"]["partitions"] == {"read": 3, "of": len(quarters)}  # Q1, Q2, undated
    assert on_ds["figures"] == on_csv["figures"]
