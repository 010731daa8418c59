"""One answer: every bundled figure through memory, DuckDB and Spark, equal to 1e-9.

The same Parquet data go through the memory pipeline (every respondent's row) and
through each engine (aggregates only); bases, counts, n, values, intervals,
standard errors, design effects, letters and tests must agree. Studies whose
figures need respondent rows (scale scores, segments) run in memory under every
engine, which the run's export record says; their variants here keep only the
question figures, so the engines are exercised on singles, grids, multis, nets,
NPS, numeric bins and means, date trends, filters and weighted, clustered and
stratified designs.
"""

from __future__ import annotations

import datetime as dt
import math
import shutil
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from typer.testing import CliRunner

import cxsurvey
from cxsurvey.cli import app
from cxsurvey.defaults import bundled_study
from cxsurvey.errors import DataError
from cxsurvey.tabulation.figure import Options
from cxsurvey.tabulation.run import figures

ROOT = Path(__file__).resolve().parents[1]


def _spark_ready() -> str | None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed (the spark extra)"
    if shutil.which("java") is None:
        return "no Java runtime"
    return None


ENGINES = ["duckdb", pytest.param("spark", marks=pytest.mark.skipif(
    _spark_ready() is not None, reason=str(_spark_ready())))]  # fmt: skip


def _run(args: list[str]) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output


def _write_study(doc: dict, path: Path) -> Path:
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def datasets(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """name -> (Parquet export, study file)."""
    tmp = tmp_path_factory.mktemp("one_answer")
    out: dict[str, tuple[Path, Path]] = {}
    # the feedback program, partitioned by month
    feedback = bundled_study("feedback")
    csv = tmp / "feedback.csv"
    _run(["sample", "-s", str(feedback), "-n", "4000", "--seed", "11", "--out", str(csv)])
    _run(["convert", str(csv), "-s", str(feedback), "--out", str(tmp / "fb"), "--partition-by",
          "month"])  # fmt: skip
    out["feedback"] = (tmp / "fb", feedback)
    # the same responses under a design: weights (some zero), clusters, strata
    table = pq.read_table(tmp / "fb")
    rng = np.random.default_rng(3)
    n = table.num_rows
    weight = np.round(rng.gamma(2.0, 0.5, n), 3)
    weight[rng.random(n) < 0.03] = 0.0
    site = rng.integers(0, 60, n)
    table = table.append_column("wt", pa.array(weight))
    table = table.append_column("site", pa.array([f"S{s:02d}" for s in site]))
    table = table.append_column("region", pa.array(site % 4))
    if "month" in table.column_names:
        table = table.drop_columns(["month"])
    pq.write_table(table, tmp / "designed.parquet")
    doc = yaml.safe_load(feedback.read_text(encoding="utf-8"))
    doc["source"].update({"weight": "wt", "cluster": "site", "strata": "region"})
    doc["figures"] += [
        {"id": "nps_filtered", "question": "nps", "by": "channel",
         "filter": [{"column": "Q5", "in": [1, 2, 3, 4]}]},
        {"id": "csat_table", "question": "csat", "by": "industry", "test": "rao-scott",
         "show": "both"},
        {"id": "followup_mean", "question": "followup", "stat": "mean", "by": "channel"},
        {"id": "ces_quarters", "question": "ces", "show": "nets", "by": "recorded",
         "period": "quarter"},
    ]  # fmt: skip
    out["designed"] = (tmp / "designed.parquet", _write_study(doc, tmp / "designed.yaml"))
    # the practitioner study (scale figures: memory under every engine) and its
    # question figures alone (grids, multis, nets: through the engines)
    practitioner = bundled_study("practitioner")
    csv = tmp / "practitioner.csv"
    _run(["sample", "-s", str(practitioner), "-n", "700", "--seed", "4", "--out", str(csv)])
    _run(["convert", str(csv), "-s", str(practitioner), "--out", str(tmp / "pr.parquet")])
    out["practitioner"] = (tmp / "pr.parquet", practitioner)
    doc = yaml.safe_load(practitioner.read_text(encoding="utf-8"))
    plain = []
    for f in doc["figures"]:
        if f["question"] in doc["questions"]:
            # a flow mapping's unquoted comma ("title: CX technology, capability and
            # culture") reads as a key with no value: the loader warns and drops it
            f = {k: v for k, v in f.items() if v is not None}
            if f.get("by") not in (None, *doc["questions"]):
                f["by"] = "industry"
            plain.append(f)
    doc["figures"] = plain
    for key in ("scales", "segments", "weighting", "quality"):
        doc.pop(key, None)  # scored per respondent: the run would stay in memory
    out["questions"] = (tmp / "pr.parquet", _write_study(doc, tmp / "questions.yaml"))
    return out


def _figures(data, engine: str):
    path, study = data
    loaded = cxsurvey.load_study(study)
    return figures(path, loaded, options=Options(), engine=engine)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", ["feedback", "designed", "practitioner", "questions"])
def test_engine_equals_memory(datasets, name, engine):
    memory = _figures(datasets[name], "memory")
    other = _figures(datasets[name], engine)
    expected = "memory" if name == "practitioner" else engine
    assert other.export["engine"]["name"] == expected
    assert memory.export["engine"]["name"] == "memory"
    assert other.respondents == memory.respondents
    mine, theirs = memory.to_dict()["figures"], other.to_dict()["figures"]
    assert [f["id"] for f in mine] == [f["id"] for f in theirs]
    for a, b in zip(mine, theirs, strict=True):
        _same(a, b, f"{name}/{a['id']}")


def _same(a, b, where: str) -> None:
    """Equal to 1e-9 (floats), exactly otherwise; warnings compared by number (the
    memory run names data rows, the engines cannot)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), where
        for k in a:
            if k == "warnings":
                assert len(a[k]) == len(b[k]), f"{where}: {a[k]} vs {b[k]}"
            else:
                _same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), f"{where}: {a} vs {b}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and isinstance(b, float | int):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9), f"{where}: {a} vs {b}"
    else:
        assert a == b, f"{where}: {a!r} vs {b!r}"


def test_the_comparison_can_fail(datasets):
    """A figure computed on other data is told apart (the comparison is not vacuous)."""
    memory = _figures(datasets["feedback"], "memory").to_dict()["figures"]
    other = _figures(datasets["designed"], "memory").to_dict()["figures"]
    with pytest.raises(AssertionError):
        _same(memory[0], other[0], "x")


# ------------------------------------------------ what the memory run fills in from the export

OPTIONLESS = """\
version: 1
study: Options from the export
questions:
  used:
    type: multi
    columns: {1: Q1_1, 2: Q1_2}
  channel:
    type: single
    column: CH
    options: {1: Web, 2: Phone}
figures:
  - {id: used_by_channel, question: used, by: channel}
"""
# (Q1_1, Q1_2, CH) of six respondents: Email is selected by 3, Phone by 2; on the
# web 2 of 3 chose Email and 1 of 3 Phone, on the phone 1 of 3 and 1 of 3
OPTIONLESS_ROWS = [("1", "", "1"), ("1", "1", "1"), ("", "", "1"),
                   ("1", "", "2"), ("", "1", "2"), ("", "", "2")]  # fmt: skip


@pytest.mark.parametrize("engine", ENGINES)
def test_options_left_to_the_export_are_filled_in_by_every_engine(tmp_path, engine):
    """A multi with one column per option and no ``options`` takes its labels from
    the Qualtrics question texts (``Question - Option``), kept in the Parquet
    metadata by convert: an engine must fill them in as the memory run does, not
    tabulate a question without rows."""
    lines = [
        "ResponseId,Q1_1,Q1_2,CH",
        "Response ID,Which did you use? - Email,Which did you use? - Phone,Channel",
        '{"ImportId":"_recordId"},{"ImportId":"QID1_1"},{"ImportId":"QID1_2"},{"ImportId":"QID2"}',
        *(f"R_{i},{a},{b},{c}" for i, (a, b, c) in enumerate(OPTIONLESS_ROWS)),
    ]
    csv = tmp_path / "export.csv"
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    study = tmp_path / "study.yaml"
    study.write_text(OPTIONLESS, encoding="utf-8")
    _run(["convert", str(csv), "-s", str(study), "--out", str(tmp_path / "data.parquet")])
    result = figures(tmp_path / "data.parquet", cxsurvey.load_study(study), engine=engine)
    assert result.export["engine"]["name"] == engine
    (fig,) = result.to_dict()["figures"]
    got = {row["label"]: {c: row["cells"][c]["count"] for c in ("Total", "Web", "Phone")}
           for row in fig["rows"]}  # fmt: skip
    assert got == {"Email": {"Total": 3, "Web": 2, "Phone": 1},
                   "Phone": {"Total": 2, "Web": 1, "Phone": 1}}  # fmt: skip


DUPLICATES = """\
version: 1
study: Duplicate ids
source:
  id: RID
  include: [{column: Finished, in: [1]}]
questions:
  sat: {type: single, column: Q1, options: {1: Low, 2: High}}
  when: {type: date, column: D}
figures:
  - {id: sat, question: sat}
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_ids_repeated_only_outside_the_respondents_warn_of_nothing(tmp_path, engine):
    """An id repeated only among rows that source.include (or the window) drops is
    no duplicate respondent: the run warns of nothing, as the memory run does. The
    engines look for the repeated ids' rows among the respondents, and found none:
    that is no warning, not an error that the include filter keeps no one."""
    rows = [  # (RID, Finished, Q1, day of January 2026)
        ("a", 0, 1, 5), ("a", 0, 2, 6),  # a preview, twice
        ("b", 1, 1, 5), ("c", 1, 2, 5), ("d", 1, 2, 6),
        ("e", 1, 1, 20), ("e", 1, 2, 21),  # twice, both after --until 2026-01-10
    ]  # fmt: skip
    table = pa.table({
        "RID": [r[0] for r in rows], "Finished": [r[1] for r in rows], "Q1": [r[2] for r in rows],
        "D": pa.array([dt.date(2026, 1, r[3]) for r in rows], pa.date32()),
    })  # fmt: skip
    pq.write_table(table, tmp_path / "data.parquet")
    study = cxsurvey.load_study(_write_study(yaml.safe_load(DUPLICATES), tmp_path / "s.yaml"))
    whole = figures(tmp_path / "data.parquet", study, engine=engine)
    assert whole.respondents["included"] == 5
    (warning,) = whole.figures[0].warnings[:1]  # e twice among the respondents
    assert warning.startswith("1 respondent id(s) in column 'RID' occur more than once ('e' ")
    early = figures(tmp_path / "data.parquet", study, engine=engine, until="2026-01-10")
    assert early.export["engine"]["name"] == engine
    assert early.respondents["included"] == 3  # b, c and d
    assert not any("more than once" in w for w in early.figures[0].warnings)


@pytest.mark.parametrize("engine", ENGINES)
def test_repeated_ids_of_any_type_are_named_as_text(tmp_path, engine):
    """Ids typed as decimals, dates or floats (NaN among them) are looked up by value
    and named as the memory run names them: as text."""
    ids = {
        "dec": pa.array([Decimal("7.25"), Decimal("7.25"), Decimal("8.00")], pa.decimal128(10, 2)),
        "day": pa.array([dt.date(1969, 12, 31), dt.date(1969, 12, 31), dt.date(2026, 1, 1)]),
        "nan": pa.array([math.nan, math.nan, 1.5]),
    }
    named = {"dec": "'7.25'", "day": "'1969-12-31'", "nan": "'nan'"}
    for kind, cells in ids.items():
        table = pa.table({"RID": cells, "Finished": [1, 1, 1], "Q1": [1, 2, 2],
                          "D": pa.array([dt.date(2026, 1, 5)] * 3)})  # fmt: skip
        pq.write_table(table, tmp_path / f"{kind}.parquet")
        study = cxsurvey.load_study(_write_study(yaml.safe_load(DUPLICATES), tmp_path / "s.yaml"))
        result = figures(tmp_path / f"{kind}.parquet", study, engine=engine)
        assert result.export["engine"]["name"] == engine
        said = f"1 respondent id(s) in column 'RID' occur more than once ({named[kind]} (2 rows)); "
        assert result.figures[0].warnings[0].startswith(said), kind


@pytest.mark.parametrize("engine", ENGINES)
def test_a_text_missing_code_is_a_blank_weight_in_every_engine(tmp_path, engine):
    """``missing: ['999']`` (a text code) on a weight stored as text: the cell "999"
    is a blank weight, refused as in the memory run, never a weight of 999."""
    table = pa.table({"Q1": [1, 2, 2], "W": ["1.5", "999", " 0.5 "]})
    pq.write_table(table, tmp_path / "data.parquet")
    doc = yaml.safe_load(DUPLICATES)
    doc["source"] = {"weight": "W", "missing": ["999"]}
    doc["questions"].pop("when")
    study = cxsurvey.load_study(_write_study(doc, tmp_path / "s.yaml"))
    said = r"weight column 'W' has 1 blank, negative or non-numeric weights"
    for name in ("memory", engine):
        with pytest.raises(DataError, match=said):
            figures(tmp_path / "data.parquet", study, engine=name)


TWO_ZONES = """\
version: 1
study: One column, two zones
source:
  date: utc
questions:
  sat: {type: single, column: Q1, options: {1: Low, 2: High}}
  utc: {type: date, column: D}
  tokyo: {type: date, column: D, timezone: Asia/Tokyo}
figures:
  - {id: sat_by_month, question: sat, by: tokyo, period: month}
"""


@pytest.mark.parametrize("engine", ENGINES)
def test_one_column_read_in_two_zones_keeps_both_days(tmp_path, engine):
    """The window's day (UTC) and the banner's (Tokyo) of the same instants differ
    near midnight: an aggregate can hold one of them, not both, so it holds the
    instants. Ten at 20:00 UTC on 31 January (1 February in Tokyo) fall before
    --since 2026-02-01; ten at noon on 1 February are the respondents."""
    instants = [dt.datetime(2026, 1, 31, 20, tzinfo=dt.UTC)] * 10 + [
        dt.datetime(2026, 2, 1, 12, tzinfo=dt.UTC)
    ] * 10
    table = pa.table({"Q1": [1, 2] * 10, "D": pa.array(instants, pa.timestamp("us", "UTC"))})
    pq.write_table(table, tmp_path / "data.parquet")
    study = cxsurvey.load_study(_write_study(yaml.safe_load(TWO_ZONES), tmp_path / "s.yaml"))
    result = figures(tmp_path / "data.parquet", study, engine=engine, since="2026-02-01")
    assert result.export["engine"]["name"] == engine
    assert result.respondents["included"] == 10
    (fig,) = result.to_dict()["figures"]
    assert fig["columns"] == ["Total", "2026-02"]
    assert [row["cells"]["2026-02"]["base"] for row in fig["rows"]] == [10, 10]
