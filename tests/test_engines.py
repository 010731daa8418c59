"""Every engine gives the same aggregates as a reference written here in plain Python.

The Parquet files are crafted by the test (keys of every kind with nulls, NaN,
quotes and unicode; a Hive-partitioned directory; files that lack a column or
type it differently; instants near local midnight and across DST; a weight
with every kind of unusable value), and each plan's table is compared with the
reference's exactly: the same schema, the same groups, counts equal, sums to
1e-9. Spark runs in one local session for the whole module and is skipped only
when pyspark or Java is missing (CI installs both).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import math
import os
import sys
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cxsurvey.errors import DataError
from cxsurvey.tabulation.engines.base import FILE, GroupPlan, Key, Source

UTC = dt.UTC
MISSING = (-99.0, 999.0)  # 999 is positive: only the missing-code rule excludes it


def _spark_unavailable() -> str | None:
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (the spark extra: pip install '.[spark]')"
    from cxsurvey.tabulation.engines.spark import java_found

    if not java_found():
        return "no Java on JAVA_HOME or PATH (Spark needs Java 17 or newer)"
    return None


SPARK_SKIP = _spark_unavailable()
needs_spark = pytest.mark.skipif(SPARK_SKIP is not None, reason=SPARK_SKIP or "")


# ---------------------------------------------------------------- the reference


def _canon(value):
    """A key as grouped: every NaN one group, -0.0 the same as 0.0."""
    if isinstance(value, float):
        return "NaN" if math.isnan(value) else value + 0.0
    return value


def _usable(w) -> bool:
    return w is not None and math.isfinite(w) and w >= 0


def reference(rows, plan: GroupPlan, key_types: dict, by_file: bool = False):
    """The plan computed row by row: ``rows`` are dicts with every key's value
    already as the engine must return it (a calendar day as a date), and ``__file``."""
    groups: dict = {}
    for row in rows:
        if plan.only is not None and row.get(plan.only[0].column) not in plan.only[1]:
            continue
        key = tuple(_canon(row.get(k.name)) for k in plan.keys)
        key = ((row[FILE],) if by_file else ()) + key
        n, w, w2, bad, pos = groups.get(key, (0, 0.0, 0.0, 0, 0))
        n += 1
        if plan.weight is not None:
            value = row.get(plan.weight)
            if _usable(value) and value not in plan.missing:
                w, w2, pos = w + value, w2 + value * value, pos + (value > 0)
            else:
                bad += 1
        groups[key] = (n, w, w2, bad, pos)
    names = ([FILE] if by_file else []) + plan.names
    fields = ([pa.field(FILE, pa.string())] if by_file else []) + [
        pa.field(k.name, key_types[k.name]) for k in plan.keys
    ]
    fields.append(pa.field("__n", pa.int64()))
    if plan.weight is not None:
        fields += [
            pa.field("__w", pa.float64()),
            pa.field("__w2", pa.float64()),
            pa.field("__w_bad", pa.int64()),
            pa.field("__n_pos", pa.int64()),
        ]
    if not plan.keys and not by_file and not groups:
        groups[()] = (0, 0.0, 0.0, 0, 0)  # SQL: an aggregate without keys has one row, even of none
    out = []
    for key, (n, w, w2, bad, pos) in groups.items():
        row = {name: (math.nan if v == "NaN" else v) for name, v in zip(names, key, strict=True)}
        row["__n"] = n
        if plan.weight is not None:
            row.update(__w=w, __w2=w2, __w_bad=bad, __n_pos=pos)
        out.append(row)
    return pa.Table.from_pylist(out, schema=pa.schema(fields))


def _sorted_rows(table):
    def order(row):
        return tuple((v is None, v == "NaN", 0 if v is None or v == "NaN" else v) for v in row)

    return sorted((tuple(_canon(v) for v in r.values()) for r in table.to_pylist()), key=order)


def assert_same(got, want):
    """The same schema and groups; counts exact, weight sums to 1e-9."""
    assert got.schema == want.schema, f"\n{got.schema}\n!=\n{want.schema}"
    got_rows, want_rows = _sorted_rows(got), _sorted_rows(want)
    assert len(got_rows) == len(want_rows), (got_rows, want_rows)
    for name, a_col, b_col in zip(
        want.column_names, zip(*got_rows, strict=True), zip(*want_rows, strict=True), strict=True
    ):
        if name in ("__w", "__w2"):
            for a, b in zip(a_col, b_col, strict=True):
                assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9), (name, a_col, b_col)
        else:
            assert a_col == b_col, name


def test_normalise_types_any_engines_table_as_the_contract_says():
    from cxsurvey.tabulation.engines.base import normalise

    raw = pa.table(
        {
            "s": pa.array(["a", None], pa.large_string()),
            "__n": pa.array([2, 1], pa.int32()),
            "__w": pa.array([1.5, None], pa.float32()),
            "__w2": pa.array([2.25, None], pa.float64()),
            "__w_bad": pa.array([0, 1], pa.int32()),
            "__n_pos": pa.array([2, 0], pa.int32()),
        }
    )
    table = normalise(raw)
    assert table.schema == pa.schema(
        [
            ("s", pa.string()),
            ("__n", pa.int64()),
            ("__w", pa.float64()),
            ("__w2", pa.float64()),
            ("__w_bad", pa.int64()),
            ("__n_pos", pa.int64()),
        ]
    )
    assert table.to_pylist() == [
        {"s": "a", "__n": 2, "__w": 1.5, "__w2": 2.25, "__w_bad": 0, "__n_pos": 2},
        {"s": None, "__n": 1, "__w": 0.0, "__w2": 0.0, "__w_bad": 1, "__n_pos": 0},
    ]


# ---------------------------------------------------------------- the engines


@pytest.fixture(scope="module")
def spark_run(tmp_path_factory):
    """One local session for the module, its JVM writing its stderr to a file we read
    at the end (a child process keeps the stderr it was started with)."""
    if SPARK_SKIP is not None:
        pytest.skip(SPARK_SKIP)
    from cxsurvey.tabulation.engines import spark

    log = tmp_path_factory.mktemp("spark") / "stderr.txt"
    saved = os.dup(2)
    try:
        with open(log, "wb") as sink:
            os.dup2(sink.fileno(), 2)
            engine = spark.SparkEngine(master="local[2]")
            spark.session(engine.master)
    finally:
        os.dup2(saved, 2)
        os.close(saved)
    yield engine, log
    spark.stop()


@pytest.fixture(scope="module")
def spark_engine(spark_run):
    return spark_run[0]


@pytest.fixture(scope="module")
def duckdb_engine():
    from cxsurvey.tabulation.engines.duckdb import DuckDBEngine

    return DuckDBEngine(threads=2)


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=needs_spark)])
def engine(request):
    return request.getfixturevalue(f"{request.param}_engine")


# ---------------------------------------------------------------- cells of every type

WEIRD = 'we.ird "col" `x`'  # a column name with a dot, quotes and a backtick
CELLS = [  # (file, i, f, s, b, w, WEIRD); file 1 lacks s
    (0, 1, 0.5, "it's", True, 1.5, 7),
    (0, 1, 0.5, 'say "hi"', False, None, 7),
    (0, 2, math.nan, "Zürich", None, math.nan, 8),
    (0, None, None, "東京", True, math.inf, 8),
    (0, 2, -math.nan, "", True, -math.inf, None),
    (0, 3, -0.0, "it's", True, 3.0, 7),
    (1, 1, 0.5, None, True, -2.0, 7),
    (1, None, 1.25, None, False, 0.0, 9),
    (1, 3, None, None, None, -99.0, 9),
    (1, 3, 1.25, None, True, 999.0, 8),
    (1, 3, 0.0, None, True, 2.5, 7),
    (2, 2, math.nan, "Zürich", False, 2.25, 8),
    (2, 1, 0.5, "it's", True, 4.0, None),
    (2, None, None, None, None, 1.0, 9),
    (2, 2, 0.5, "東京", False, 1e-3, 8),
]
CELL_TYPES = {
    "i": pa.int64(),
    "f": pa.float64(),
    "s": pa.string(),
    "b": pa.bool_(),
    "weird": pa.int32(),
}


@pytest.fixture(scope="module")
def cells(tmp_path_factory):
    """Three files: one in a folder whose name needs quoting in a URI, one without
    column ``s``, one with an extra column, listed by a relative path."""
    root = tmp_path_factory.mktemp("cells")
    paths = [
        root / "odd 50% [x] {y}" / "part #1.parquet",
        root / "plain" / "part-2.parquet",
        root / "ü" / "part-3.parquet",
    ]
    rows = []
    for number, path in enumerate(paths):
        mine = [c for c in CELLS if c[0] == number]
        data = {
            "i": pa.array([c[1] for c in mine], pa.int64()),
            "f": pa.array([c[2] for c in mine], pa.float64()),
            "s": pa.array([c[3] for c in mine], pa.string()),
            "b": pa.array([c[4] for c in mine], pa.bool_()),
            "w": pa.array([c[5] for c in mine], pa.float64()),
            WEIRD: pa.array([c[6] for c in mine], pa.int32()),
        }
        if number == 1:
            del data["s"]
        if number == 2:
            data["extra"] = pa.array(["x"] * len(mine))
        path.parent.mkdir(parents=True)
        pq.write_table(pa.table(data), path)
        for c in mine:
            rows.append({"_number": number, "i": c[1], "f": c[2], "s": c[3], "b": c[4], "w": c[5]})
            rows[-1]["weird"] = c[6]
    listed = [str(paths[0]), str(paths[1]), os.path.relpath(paths[2])]
    for row in rows:
        row[FILE] = listed[row.pop("_number")]
    return Source(root=str(root), files=tuple(listed)), rows


CELL_PLANS = [
    GroupPlan((Key("i", "i"), Key("s", "s")), weight="w", missing=MISSING),
    GroupPlan((Key("f", "f"), Key("b", "b"))),
    GroupPlan((), weight="w"),  # no missing codes: 999 is a weight like any other
    GroupPlan((Key("s", "s"),), weight="w", only=(Key("s", "s"), ("it's", 'say "hi"', "東京"))),
    GroupPlan((Key("weird", WEIRD),), only=(Key("i", "i"), (1, 3))),
    GroupPlan((), weight="w", only=(Key("i", "i"), (42,))),  # no rows: n 0, sums 0.0
]


def test_cells_of_every_type(engine, cells):
    source, rows = cells
    tables = engine.aggregate(source, CELL_PLANS)
    assert len(tables) == len(CELL_PLANS)
    for table, plan in zip(tables, CELL_PLANS, strict=True):
        assert_same(table, reference(rows, plan, CELL_TYPES))


def test_by_file_names_the_files_as_listed(engine, cells):
    source, rows = cells
    plans = [CELL_PLANS[0], CELL_PLANS[2]]
    tables = engine.aggregate(source, plans, by_file=True)
    for table, plan in zip(tables, plans, strict=True):
        assert table.column_names[0] == FILE
        assert set(table.column(FILE).to_pylist()) == set(source.files)
        assert_same(table, reference(rows, plan, CELL_TYPES, by_file=True))


def test_reference_by_hand():
    """The reference itself, on the weight rules, against sums done by hand."""
    rows = [
        {"w": v, FILE: "f"} for v in (1.5, None, math.nan, math.inf, -2.0, 0.0, -99.0, 999.0, 2.5)
    ]
    table = reference(rows, GroupPlan((), weight="w", missing=MISSING), {})
    assert table.to_pylist() == [
        {"__n": 9, "__w": 4.0, "__w2": 1.5**2 + 2.5**2, "__w_bad": 6, "__n_pos": 2}
    ]


# ---------------------------------------------------------------- Hive partitions

HIVE = [  # (partition, q, w); q is int32 in June, int64 in July, all null (type null) in the default
    ("2026-06", 1, 1.0),
    ("2026-06", 2, 2.0),
    ("2026-06", 1, None),
    ("2026-07", 1, 0.5),
    ("2026-07", 5, -99.0),
    ("2026-07", 1, 3.0),
    (None, None, 4.0),
]


@pytest.fixture(scope="module")
def hive(tmp_path_factory):
    root = tmp_path_factory.mktemp("hive") / "dataset"
    types = {"2026-06": pa.int32(), "2026-07": pa.int64(), None: pa.null()}
    files = []
    for month, kind in types.items():
        mine = [h for h in HIVE if h[0] == month]
        folder = root / f"month={month or '__HIVE_DEFAULT_PARTITION__'}"
        folder.mkdir(parents=True)
        table = pa.table(
            {
                "q": pa.array([h[1] for h in mine], kind),
                "w": pa.array([h[2] for h in mine], pa.float64()),
            }
        )
        pq.write_table(table, folder / "part-0.parquet")
        files.append(str(folder / "part-0.parquet"))
    rows = [{"month": m, "q": q, "w": w, FILE: files[list(types).index(m)]} for m, q, w in HIVE]
    return Source(str(root), tuple(files), partition_columns=("month",)), rows


HIVE_PLANS = [
    GroupPlan((Key("month", "month"), Key("q", "q")), weight="w", missing=MISSING),
    GroupPlan((Key("q", "q"),), only=(Key("month", "month"), ("2026-07",))),
]
HIVE_TYPES = {"month": pa.string(), "q": pa.int64()}


def test_hive_partitions_are_text_and_types_are_widened(engine, hive):
    source, rows = hive
    for table, plan in zip(engine.aggregate(source, HIVE_PLANS), HIVE_PLANS, strict=True):
        assert_same(table, reference(rows, plan, HIVE_TYPES))
    (table,) = engine.aggregate(source, HIVE_PLANS[:1], by_file=True)
    assert_same(table, reference(rows, HIVE_PLANS[0], HIVE_TYPES, by_file=True))


# ---------------------------------------------------------------- calendar days

INSTANTS = [  # near local midnight on both sides of each DST change (Denver) and in Kathmandu
    dt.datetime(2026, 3, 8, 6, 59, 59, 999000, UTC),  # 23:59:59.999 MST, 7 March
    dt.datetime(2026, 3, 8, 7, 0, tzinfo=UTC),  # 00:00 MST, 8 March (02:00 -> 03:00 that night)
    dt.datetime(2026, 3, 9, 5, 59, 59, tzinfo=UTC),  # 23:59:59 MDT, 8 March
    dt.datetime(2026, 3, 9, 6, 0, tzinfo=UTC),  # 00:00 MDT, 9 March
    dt.datetime(2026, 11, 1, 5, 59, 59, tzinfo=UTC),  # 23:59:59 MDT, 31 October
    dt.datetime(2026, 11, 1, 6, 0, tzinfo=UTC),  # 00:00 MDT, 1 November
    dt.datetime(2026, 11, 1, 8, 30, tzinfo=UTC),  # 01:30 MST, the second 01:30 of 1 November
    dt.datetime(2026, 11, 2, 6, 59, 59, tzinfo=UTC),  # 23:59:59 MST, 1 November
    dt.datetime(2026, 11, 2, 7, 0, tzinfo=UTC),  # 00:00 MST, 2 November
    dt.datetime(2026, 6, 30, 18, 14, 59, tzinfo=UTC),  # 23:59:59 in Kathmandu (+05:45), 30 June
    dt.datetime(2026, 6, 30, 18, 15, tzinfo=UTC),  # 00:00 in Kathmandu, 1 July
    None,
]
NAIVE = [
    dt.datetime(2026, 3, 8, 23, 59, 59, 999999),
    dt.datetime(2026, 3, 9, 0, 0),
    None,
    dt.datetime(2026, 6, 30, 23, 59, 59),
] * 3
DATES = [dt.date(2026, 3, 8), dt.date(2026, 3, 9), None, dt.date(2026, 12, 31)] * 3
TEXT = ["2026-03-08", "8/3/2026", None, "2026-03-08"] * 3


@pytest.fixture(scope="module")
def days(tmp_path_factory):
    path = tmp_path_factory.mktemp("days") / "days.parquet"
    table = pa.table(
        {
            "ts": pa.array(INSTANTS, pa.timestamp("ms", tz="UTC")),
            "tn": pa.array(NAIVE, pa.timestamp("us")),
            "d": pa.array(DATES, pa.date32()),
            "t": pa.array(TEXT, pa.string()),
        }
    )
    pq.write_table(table, path)

    def day(instant, zone):
        return None if instant is None else instant.astimezone(ZoneInfo(zone)).date()

    rows = [
        {
            FILE: str(path),
            "den": day(ts, "America/Denver"),
            "ktm": day(ts, "Asia/Kathmandu"),
            "ts": ts,
            "tn": tn,
            "naive": None if tn is None else tn.date(),
            "d": d,
            "t": t,
        }
        for ts, tn, d, t in zip(INSTANTS, NAIVE, DATES, TEXT, strict=True)
    ]
    return Source(str(path), (str(path),)), rows


DAY_PLANS = [
    GroupPlan((Key("den", "ts", "America/Denver"), Key("ktm", "ts", "Asia/Kathmandu"))),
    GroupPlan(
        (
            Key("naive", "tn", "Asia/Kathmandu"),
            Key("d", "d", "America/Denver"),
            Key("t", "t", "UTC"),
        )
    ),
    GroupPlan((Key("ts", "ts"), Key("tn", "tn"))),
]
DAY_TYPES = {
    "den": pa.date32(),
    "ktm": pa.date32(),
    "naive": pa.date32(),
    "d": pa.date32(),
    "t": pa.string(),
    "ts": pa.timestamp("us", tz="UTC"),
    "tn": pa.timestamp("us"),
}


def test_calendar_days_in_a_zone(engine, days):
    source, rows = days
    for table, plan in zip(engine.aggregate(source, DAY_PLANS), DAY_PLANS, strict=True):
        assert_same(table, reference(rows, plan, DAY_TYPES))


def test_the_days_expected_are_the_wall_clock_ones(days):
    """The reference's days, spelled out for the instants that straddle midnight."""
    _, rows = days
    assert [r["den"] for r in rows[:9]] == [
        dt.date(2026, 3, 7),
        dt.date(2026, 3, 8),
        dt.date(2026, 3, 8),
        dt.date(2026, 3, 9),
        dt.date(2026, 10, 31),
        dt.date(2026, 11, 1),
        dt.date(2026, 11, 1),
        dt.date(2026, 11, 1),
        dt.date(2026, 11, 2),
    ]
    assert [r["ktm"] for r in rows[9:11]] == [dt.date(2026, 6, 30), dt.date(2026, 7, 1)]


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "plan",
    [
        GroupPlan((Key("nope", "nope"),)),
    ],
)
def test_bad_plan_is_one_line(engine, cells, plan, capfd):
    source, _ = cells
    with pytest.raises(DataError) as caught:
        engine.aggregate(source, [plan])
    assert "\n" not in str(caught.value)
    assert capfd.readouterr().err == ""  # pyspark logs a failed query's context unless told not to


def test_a_text_weight_that_is_no_number_is_a_bad_weight(engine, cells):
    """Weights stored as text are read as numbers where they are numbers (as the
    memory path reads cells); text that is none ("it's", "", "東京") is a bad
    weight, counted, never an error of the engine's cast."""
    source, _ = cells
    (table,) = engine.aggregate(source, [GroupPlan((), weight="s")])
    row = table.to_pylist()[0]
    assert row == {"__n": 15, "__w": 0.0, "__w2": 0.0, "__w_bad": 15, "__n_pos": 0}


def test_missing_java_is_one_line_before_starting_it(monkeypatch, tmp_path):
    pytest.importorskip("pyspark")
    from cxsurvey.tabulation.engines.spark import SparkEngine

    monkeypatch.delenv("SPARK_REMOTE", raising=False)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "no-jdk"))
    with pytest.raises(DataError, match=r"^the spark engine needs Java 17 or newer, "):
        SparkEngine()
    monkeypatch.delenv("JAVA_HOME")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(DataError, match=r"found none on JAVA_HOME or PATH"):
        SparkEngine()


def test_master_is_the_engines_else_the_environments_else_local(monkeypatch):
    """Which master a new session gets (no JVM started: the start is stubbed)."""
    from cxsurvey.tabulation.engines import spark

    monkeypatch.setattr(spark, "_start", lambda master: master)
    monkeypatch.setattr(spark, "_session", None)
    monkeypatch.delenv(spark.MASTER_ENV, raising=False)
    assert spark.session() == "local[*]"
    assert spark.session("spark://elsewhere:7077") == "local[*]"  # one session per process
    monkeypatch.setattr(spark, "_session", None)
    monkeypatch.setenv(spark.MASTER_ENV, "spark://cluster:7077")
    assert spark.session() == "spark://cluster:7077"
    monkeypatch.setattr(spark, "_session", None)
    assert spark.session("local[3]") == "local[3]"


def test_missing_pyspark_names_the_extra(monkeypatch):
    from cxsurvey.tabulation.engines.spark import SparkEngine

    monkeypatch.setitem(sys.modules, "pyspark", None)
    with pytest.raises(DataError, match=r"^the spark engine needs pyspark, .*'cxsurvey\[spark\]'"):
        SparkEngine()


def test_nanosecond_instants(engine, tmp_path):
    """DuckDB reads them to the microsecond; Spark 4 cannot read them at all and says so."""
    path = tmp_path / "ns.parquet"
    instant = dt.datetime(2026, 3, 8, 6, 59, 59, 999999, UTC)
    ns = pa.array([pa.scalar(instant, pa.timestamp("us", tz="UTC")).value * 1000 + 999])
    pq.write_table(pa.table({"t": ns.cast(pa.timestamp("ns", tz="UTC"))}), path)
    source, plan = Source(str(path), (str(path),)), GroupPlan((Key("t", "t"),))
    if engine.name == "spark":
        with pytest.raises(
            DataError,
            match=r"TIMESTAMP\(NANOS.*write them as us or ms, as pandas' "
            r"to_parquet\(\.\.\., coerce_timestamps='us'\) does, or use --engine duckdb\)$",
        ):
            engine.aggregate(source, [plan])
        return
    (table,) = engine.aggregate(source, [plan])
    want = reference([{"t": instant}], plan, {"t": pa.timestamp("us", tz="UTC")})
    assert_same(table, want)


@needs_spark
def test_spark_said_nothing_on_stderr(spark_run):
    """Started, ran every plan above and failed the bad ones without a banner, a progress
    bar or a logged stack trace (the engine reports a failure in one line)."""
    _, log = spark_run
    said = log.read_text(errors="replace").splitlines()
    # the JVM itself announces the vector module Spark 4 adds; nothing else may appear
    assert [line for line in said if "Using incubator modules" not in line] == []


def test_bounds_keys_group_numbers_by_their_place(engine, cells):
    """``f`` among the bounds 0.5 and 1.25: equal to one, below all, NaN and null are
    each a group holding its smallest value (counted by hand from CELLS)."""
    source, _ = cells
    (table,) = engine.aggregate(source, [GroupPlan((Key("f", "f", bounds=(0.5, 1.25)),))])
    got = {("nan" if v is not None and math.isnan(v) else v): n
           for v, n in zip(table.column("f").to_pylist(), table.column("__n").to_pylist(),
                           strict=True)}  # fmt: skip
    assert got == {0.5: 5, "nan": 3, None: 3, 0.0: 2, 1.25: 2}
    assert table.schema.field("f").type == pa.float64()


def test_bounds_on_a_text_column_group_by_the_raw_value(engine, cells):
    source, _ = cells
    (table,) = engine.aggregate(source, [GroupPlan((Key("s", "s", bounds=(1.0,)),))])
    assert sorted(table.column("__n").to_pylist()) == [1, 1, 2, 2, 3, 6]


def test_repeated_keeps_values_of_more_than_one_row(engine, cells):
    source, _ = cells
    (table,) = engine.aggregate(source, [GroupPlan((Key("s", "s"),), repeated=True)])
    got = dict(zip(table.column("s").to_pylist(), table.column("__n").to_pylist(), strict=True))
    assert got == {"it's": 3, "Zürich": 2, "東京": 2, None: 6}


# ---------------------------------------------------------------- column names the engine uses itself

# A dataset may hold columns named like the engine's own aliases (k0, K1, h) or
# its file column (filename), read or not: every plan must still group by the
# plan's columns. DuckDB bound GROUP BY "k0" / GROUP BY h to the dataset's column
# (names are case-insensitive there) and refused the query, and its filename
# option clashed with a column named filename in every cached (by-file) run.
NAMED = [
    ("a", 1, 10, "x", 5.0),
    ("b", 2, 20, "y", 6.0),
    ("b", 2, 30, "z", 7.0),
    ("c", 3, 40, "w", 8.0),
]


@pytest.fixture(scope="module")
def named(tmp_path_factory):
    path = tmp_path_factory.mktemp("named") / "part.parquet"
    table = pa.table(
        {
            "q": pa.array([r[0] for r in NAMED]),
            "k0": pa.array([r[1] for r in NAMED], pa.int64()),
            "K1": pa.array([r[2] for r in NAMED], pa.int64()),
            "filename": pa.array([r[3] for r in NAMED]),
            "h": pa.array([r[4] for r in NAMED]),
        }
    )
    pq.write_table(table, path)
    rows = [
        {"q": r[0], "k0": r[1], "x": r[2], "y": r[1], "fn": r[3], "h": r[4], FILE: str(path)}
        for r in NAMED
    ]  # each key's value under the key's name, as the reference reads it
    return Source(str(path), (str(path),)), rows


NAMED_PLANS = [
    GroupPlan((Key("q", "q"),)),
    GroupPlan((Key("q", "q"), Key("k0", "k0"))),
    GroupPlan((Key("x", "K1"), Key("y", "k0")), weight="h"),
    GroupPlan((Key("fn", "filename"),), only=(Key("q", "q"), ("b",))),
]
NAMED_TYPES = {"q": pa.string(), "k0": pa.int64(), "x": pa.int64(), "y": pa.int64(),
               "fn": pa.string()}  # fmt: skip


def test_columns_named_like_the_engines_own_names(engine, named):
    source, rows = named
    for table, plan in zip(engine.aggregate(source, NAMED_PLANS), NAMED_PLANS, strict=True):
        assert_same(table, reference(rows, plan, NAMED_TYPES))
    for table, plan in zip(
        engine.aggregate(source, NAMED_PLANS, by_file=True), NAMED_PLANS, strict=True
    ):
        assert_same(table, reference(rows, plan, NAMED_TYPES, by_file=True))
    (repeated,) = engine.aggregate(source, [GroupPlan((Key("q", "q"),), repeated=True)])
    assert repeated.to_pylist() == [{"q": "b", "__n": 2}]


def test_a_spark_error_wrapped_in_await_result_shows_its_cause():
    """Spark wraps a failed job as "Exception thrown in awaitResult:" with nothing
    after it; the one line must be the cause's (stand-ins for py4j's Java objects)."""
    pytest.importorskip("pyspark")
    from cxsurvey.tabulation.engines.spark import _first_line

    class Java:
        def __init__(self, text, cause=None):
            self.text, self.cause = text, cause

        def __str__(self):
            return self.text

        def toString(self):  # Java's name
            return self.text

        def getCause(self):
            return self.cause

    cause = Java("org.apache.spark.SparkException: [FAILED_READ_FILE] x.parquet: bad\n\tat a.b")
    wrapped = Java("org.apache.spark.SparkException: Exception thrown in awaitResult: ", cause)
    error = RuntimeError("An error occurred while calling o75.getResult.")
    error.java_exception = wrapped
    assert _first_line(error) == "[FAILED_READ_FILE] x.parquet: bad"
    error.java_exception = Java("org.apache.spark.SparkException: Exception thrown in awaitResult:")
    assert _first_line(error) == "Exception thrown in awaitResult:"  # no cause: as said


@pytest.fixture(scope="module")
def reloaded(tmp_path_factory):
    """A day loaded twice: 3,000 ids, the first 1,500 in both files (more than the
    literal lists the engines once built: DuckDB took 22 s, Spark 37 s at 100,000)."""
    root = tmp_path_factory.mktemp("reloaded")
    ids = [f"R_{i:05d}" for i in range(3000)]
    day = pa.table({"id": ids, "g": pa.array([i % 3 for i in range(3000)], pa.int64())})
    pq.write_table(day, root / "a.parquet")
    pq.write_table(day.slice(0, 1500), root / "b.parquet")
    files = (str(root / "a.parquet"), str(root / "b.parquet"))
    rows = [{"id": i, "g": g, FILE: f} for f in files for i, g in
            zip(*pq.read_table(f).to_pydict().values(), strict=True)]  # fmt: skip
    return Source(str(root), files), rows


def test_many_repeated_ids_and_the_rows_behind_them(engine, reloaded):
    source, rows = reloaded
    ids = Key("id", "id")
    (repeated,) = engine.aggregate(source, [GroupPlan((ids,), repeated=True)])
    assert sorted(repeated.column("id").to_pylist()) == [f"R_{i:05d}" for i in range(1500)]
    assert set(repeated.column("__n").to_pylist()) == {2}
    values = tuple(repeated.column("id").to_pylist())
    plan = GroupPlan((Key("g", "g"), ids), only=(ids, values))
    (table,) = engine.aggregate(source, [plan])
    assert_same(table, reference(rows, plan, {"g": pa.int64(), "id": pa.string()}))
    assert table.num_rows == 1500 and sum(table.column("__n").to_pylist()) == 3000


# ---------------------------------------------------------------- only: values of every type

ONLY = {  # column -> (its cells, the values asked for): any id type a dataset may hold
    "dec": (pa.array([Decimal("7.25"), Decimal("7.00"), Decimal("7.25"), None],
                     pa.decimal128(10, 2)), (Decimal("7.25"),)),
    "day": (pa.array([dt.date(2020, 1, 8), dt.date(1969, 12, 31), dt.date(2020, 1, 8), None]),
            (dt.date(2020, 1, 8), dt.date(1969, 12, 31))),
    "blob": (pa.array([b"id7", b"it's", b"id8", None]), (b"it's", b"\x00")),
    "nan": (pa.array([math.nan, 1.5, math.nan, None]), (math.nan,)),
    "big": (pa.array([2**63 + 7, 2**63 + 8, 2**63 + 7, None], pa.uint64()), (2**63 + 7,)),
    "at": (pa.array([dt.datetime(2026, 1, 1, 12, 0, 0, 250000, UTC), None, None,
                     dt.datetime(1969, 7, 20, 20, 17, tzinfo=UTC)], pa.timestamp("us", tz="UTC")),
           (dt.datetime(2026, 1, 1, 12, 0, 0, 250000, UTC),)),
}  # fmt: skip
ONLY_KEPT = {"dec": 2, "day": 3, "blob": 1, "nan": 2, "big": 2, "at": 1}  # counted by hand


@pytest.mark.parametrize("column", list(ONLY))
def test_only_keeps_the_values_given_whatever_their_type(engine, tmp_path, column):
    """``only`` keeps rows whose value is one of those given, compared as the column's
    type: a decimal with a scale, a date before 1970, bytes with a quote, NaN (one
    value, as a GROUP BY has it), an unsigned 64-bit number, an instant with
    microseconds. The duplicate-id lookup passes such values back to the engine."""
    cells, values = ONLY[column]
    path = tmp_path / f"{column}.parquet"
    pq.write_table(pa.table({column: cells}), path)
    plan = GroupPlan((), only=(Key(column, column), values))
    (table,) = engine.aggregate(Source(str(path), (str(path),)), [plan])
    assert table.column("__n").to_pylist() == [ONLY_KEPT[column]]


# ---------------------------------------------------------------- weights stored as text

TEXT_WEIGHTS = [  # (cell, its weight as the memory path reads the cell; None: a bad weight)
    (" 2.5 ", 2.5), ("\u00a03\u2003", 3.0), ("+.5e1", 5.0), ("-0", 0.0), ("12.0", 12.0),
    ("1_000", None), ("1d", None), ("0x10", None), ("inf", None), ("1e999", None),
    ("NaN", None), ("", None), (None, None), ("-1", None),
    ("NA", None), ("12", None), ("999.0", None),  # missing codes: text, text, numeric
]  # fmt: skip


def test_text_weights_are_read_as_the_memory_path_reads_cells(engine, tmp_path):
    """A weight column stored as text: a number is what the reader takes for one
    (reading.labels.NUMBER_PATTERN after trimming Unicode whitespace: no ``1_000``,
    ``1d``, ``0x10``, ``inf``), text missing codes match the trimmed cell exactly
    ("12" but not "12.0") and numeric ones its number. Sums by hand: 2.5 + 3 + 5 +
    0 + 12 = 22.5, squares 6.25 + 9 + 25 + 0 + 144 = 184.25, four positive, twelve bad."""
    path = tmp_path / "weights.parquet"
    pq.write_table(pa.table({"w": pa.array([c for c, _ in TEXT_WEIGHTS], pa.string())}), path)
    plan = GroupPlan((), weight="w", missing=(-99.0, 999.0, "NA", "12"))
    (table,) = engine.aggregate(Source(str(path), (str(path),)), [plan])
    assert table.to_pylist() == [
        {"__n": 17, "__w": 22.5, "__w2": 184.25, "__w_bad": 12, "__n_pos": 4}
    ]


def test_the_text_weights_expected_are_the_memory_readers():
    """The hand-made list above agrees with the memory path's cell reader."""
    from cxsurvey.reading.cells import cell_values

    read = cell_values(pa.array([c for c, _ in TEXT_WEIGHTS]), [-99, 999, "NA", "12"])
    bad = read.missing | ~(read.numbers >= 0)
    assert [None if b else float(x) for b, x in zip(bad, read.numbers, strict=True)] == [
        w for _, w in TEXT_WEIGHTS
    ]


# ---------------------------------------------------------------- days at the ends of time

FAR = [  # (instant, zone, its calendar day as days since 1970-01-01, worked out by hand)
    # a fraction of a second before midnight UTC on 31 December 1969 is still that day
    (dt.datetime(1969, 12, 31, 23, 59, 59, 999500, UTC), "UTC", -1),
    # 01:00 UTC on 1 January of year 1 is 06:41 local mean time in Kathmandu (+05:41:16)
    (dt.datetime(1, 1, 1, 1, 0, tzinfo=UTC), "Asia/Kathmandu", -719162),
    # 9999-12-31, a common "never" sentinel: 23:00 UTC is 16:00 in Denver (MST), and
    # 05:45 on 1 January of year 10000 in Kathmandu
    (dt.datetime(9999, 12, 31, 23, 0, tzinfo=UTC), "America/Denver", 2932896),
    (dt.datetime(9999, 12, 31, 23, 0, tzinfo=UTC), "Asia/Kathmandu", 2932897),
    # 2040-07-01 05:30 UTC is 23:30 MDT on 30 June: daylight saving goes on past 2037
    (dt.datetime(2040, 7, 1, 5, 30, tzinfo=UTC), "America/Denver", 25748),
]


@pytest.mark.parametrize(("instant", "zone", "day"), FAR)
def test_calendar_days_at_the_ends_of_time(engine, tmp_path, instant, zone, day):
    """Days of instants before 1970 to the sub-millisecond, at the ends of the years
    Python's datetime holds, and past 2037 (where the tz database's tables end and its
    rule goes on), with an instant of 2026 beside each so the zone's table spans them."""
    if day <= (dt.date.max - dt.date(1970, 1, 1)).days:  # year 10000 has no Python date
        assert (instant.astimezone(ZoneInfo(zone)).date() - dt.date(1970, 1, 1)).days == day
    path = tmp_path / "far.parquet"
    cells = [instant, dt.datetime(2026, 1, 1, 12, tzinfo=UTC)]  # 1 January in every zone
    pq.write_table(pa.table({"t": pa.array(cells, pa.timestamp("us", "UTC"))}), path)
    (table,) = engine.aggregate(
        Source(str(path), (str(path),)), [GroupPlan((Key("d", "t", zone),))]
    )
    assert sorted(table.column("d").cast(pa.int32()).to_pylist()) == sorted([day, 20454])


HISTORY = [  # instants whose day Python's tz database and a JVM's may disagree on
    # Accra kept its own local mean time (-00:00:52) until 1918 in the database's full
    # history; a JVM's copy makes it Abidjan (-00:16:08): 24 or 23 December 1907
    ("Africa/Accra", dt.datetime(1907, 12, 24, 0, 14, 6, tzinfo=UTC)),
    # a zone of 2025 (tzdata 2025b), unknown to older JVMs: 21:30 UTC is 18:30 there
    ("America/Coyhaique", dt.datetime(2026, 1, 1, 21, 30, tzinfo=UTC)),
]


@pytest.mark.parametrize(("zone", "instant"), HISTORY)
def test_calendar_days_come_from_the_memory_paths_tz_database(engine, tmp_path, zone, instant):
    """Every engine finds a day with the tz database the memory path converts with
    (Python's), so an engine never tells a different day from the same instant, nor
    refuses a zone the study's validator accepted."""
    try:
        want = instant.astimezone(ZoneInfo(zone)).date()
    except ZoneInfoNotFoundError:  # this machine's tz database lacks the zone
        pytest.skip(f"no {zone} in this machine's tz database")
    path = tmp_path / "history.parquet"
    pq.write_table(pa.table({"t": pa.array([instant], pa.timestamp("us", "UTC"))}), path)
    plan = GroupPlan((Key("d", "t", zone),))
    (table,) = engine.aggregate(Source(str(path), (str(path),)), [plan])
    assert table.column("d").to_pylist() == [want]


def test_offsets_over_the_years_with_data_only():
    """Denver over 2026 and 9999 (a "never" sentinel beside the data): the two
    transitions of each year by the US rule (02:00 local on the second Sunday of
    March, UTC-7 -> UTC-6; on the first Sunday of November, back), none between."""
    from cxsurvey.tabulation.engines.local_day import offsets_in_years

    def sunday(year: int, month: int, nth: int) -> dt.date:  # by the calendar alone
        first = dt.date(year, month, 1)
        return first + dt.timedelta(days=(6 - first.weekday()) % 7 + 7 * (nth - 1))

    def us(day: dt.date, hour: int) -> int:
        since = dt.datetime.combine(day, dt.time(hour), UTC) - dt.datetime(1970, 1, 1, tzinfo=UTC)
        return since // dt.timedelta(microseconds=1)

    hour = 3_600_000_000
    want = []
    for year in (2026, 9999):
        want += [(us(sunday(year, 3, 2), 9), -6 * hour), (us(sunday(year, 11, 1), 8), -7 * hour)]
    assert offsets_in_years("America/Denver", [2026, 9999]) == (-7 * hour, want)
