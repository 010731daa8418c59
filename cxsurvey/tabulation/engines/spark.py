"""The Spark engine: each plan is one DataFrame ``groupBy`` over the dataset's Parquet files.

For data that live on a cluster. The session is Spark's standard one: the
master is ``CXSURVEY_SPARK_MASTER`` (or the engine's ``master``), else
``local[*]``; with ``SPARK_REMOTE`` set, pyspark connects to that Spark Connect
server instead, and ``spark-defaults.conf`` and ``SPARK_CONF_DIR`` apply as for
any Spark application. One session per process, started on the first
aggregate and reused (a session the process already has is used as it is, with
the SQL settings below applied). Needs the ``spark`` extra and, unless it
connects to a remote server, Java 17 or newer.

Spark reads only the plan's columns and only the files the source lists, and
computes the same table as the DuckDB engine (tests/test_engines.py): text
partition values, calendar days of instants in a zone (from the offsets of
Python's tz database, as DuckDB and the memory path: not the JVM's copy), the
weight rules of ``base``.
"""

from __future__ import annotations

import math
import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

from cxsurvey.errors import DataError
from cxsurvey.extras import require
from cxsurvey.reading.labels import NUMBER_PATTERN
from cxsurvey.tabulation.engines.base import (
    FILE,
    N_POS,
    SPACE,
    W2,
    W_BAD,
    GroupPlan,
    Key,
    N,
    Source,
    W,
    columns_read,
    normalise,
)
from cxsurvey.tabulation.engines.local_day import DAY_US, offsets_in_years

MASTER_ENV = "CXSURVEY_SPARK_MASTER"
LOG_CONFIG = Path(__file__).with_name("spark_log4j2.properties")
SQL_CONF = {  # session settings every plan relies on (runtime ones: Spark Connect takes them too)
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.sources.partitionColumnTypeInference.enabled": "false",  # month=2026-06 is text
    "spark.sql.caseSensitive": "true",  # a plan's column is the dataset's column, exactly
}
_GLOB = re.compile(r"([\\*?\[\]{}])")  # Spark reads a path as a Hadoop glob pattern

_session = None


def java_found() -> bool:
    """Java on JAVA_HOME or PATH, as pyspark's launcher looks for it (before starting it)."""
    home = os.environ.get("JAVA_HOME")
    if home:
        return os.access(os.path.join(home, "bin", "java"), os.X_OK)
    return shutil.which("java") is not None


def session(master: str | None = None):
    """The process's Spark session: started once (on ``master``), then reused."""
    global _session
    if _session is None:
        _session = _start(master or os.environ.get(MASTER_ENV) or "local[*]")
    return _session


def stop() -> None:
    """Stop the process's session and the JVM it started (the next aggregate starts both)."""
    global _session
    if _session is None:
        return
    _session.stop()
    _session = None
    from pyspark import SparkContext

    gateway = SparkContext._gateway  # pyspark keeps the JVM (~450 MB) until Python exits
    proc = getattr(gateway, "proc", None)
    if proc is not None:
        gateway.shutdown()
        proc.stdin.close()  # the JVM exits when its stdin closes
        proc.wait(timeout=60)
        SparkContext._gateway = SparkContext._jvm = None


def _start(master: str):
    import logging

    from pyspark.sql import SparkSession

    for name in ("DataFrameQueryContextLogger", "SQLQueryContextLogger"):
        # pyspark logs each failed query's context; the engine reports it in one line
        logging.getLogger(name).setLevel(logging.CRITICAL)
    remote = "SPARK_REMOTE" in os.environ
    builder = SparkSession.builder.appName("cxsurvey")
    for key, value in SQL_CONF.items():
        builder = builder.config(key, value)
    if not remote:
        builder = builder.master(master).config("spark.ui.showConsoleProgress", "false")
        if master.startswith("local"):
            builder = builder.config("spark.ui.enabled", "false")
            builder = builder.config("spark.sql.shuffle.partitions", str(os.cpu_count() or 1))
    saved = os.environ.get("SPARK_SUBMIT_OPTS")
    try:
        if not remote and not _own_log_config():
            os.environ["SPARK_SUBMIT_OPTS"] = (
                f"{saved or ''} -Dlog4j2.configurationFile={LOG_CONFIG.as_uri()}".strip()
            )
        spark = builder.getOrCreate()
    except Exception as exc:
        need = "" if remote else " (it needs Java 17 or newer)"
        raise DataError(f"the spark engine cannot start Spark{need}: {_first_line(exc)}") from None
    finally:
        if saved is None:
            os.environ.pop("SPARK_SUBMIT_OPTS", None)
        else:
            os.environ["SPARK_SUBMIT_OPTS"] = saved
    if not remote:
        spark.sparkContext.setLogLevel("ERROR")
    for key, value in SQL_CONF.items():  # a session that already existed gets them too
        spark.conf.set(key, value)
    return spark


def _own_log_config() -> bool:
    """The user configures Spark's logging (their configuration wins over ours)."""
    if "log4j" in os.environ.get("SPARK_SUBMIT_OPTS", ""):
        return True
    home = os.environ.get("SPARK_HOME")
    conf = os.environ.get("SPARK_CONF_DIR") or (os.path.join(home, "conf") if home else None)
    return conf is not None and os.path.isfile(os.path.join(conf, "log4j2.properties"))


def _first_line(exc: BaseException) -> str:
    java = getattr(exc, "java_exception", None)  # py4j: the message is the Java exception's
    text = (str(java) if java is not None else str(exc)).strip() or type(exc).__name__
    line = re.sub(r"^[\w.$]+(Exception|Error): ", "", text.splitlines()[0])
    for _ in range(8):  # "Exception thrown in awaitResult:" says nothing: show its cause
        if java is None or not line.startswith("Exception thrown in awaitResult"):
            break
        try:
            java = java.getCause()
            said = str(java.toString()).strip() if java is not None else ""
        except Exception:
            break
        if said:
            line = re.sub(r"^[\w.$]+(Exception|Error): ", "", said.splitlines()[0])
    return line


class SparkEngine:
    name = "spark"

    def __init__(self, master: str | None = None):
        require("pyspark", "spark", "the spark engine")
        if "SPARK_REMOTE" not in os.environ and not java_found():
            raise DataError(
                "the spark engine needs Java 17 or newer, and found none on JAVA_HOME or PATH: "
                "install one (Debian: apt-get install openjdk-17-jre-headless) or set SPARK_REMOTE"
            )
        self.master = master

    def aggregate(self, source: Source, plans: Sequence[GroupPlan], by_file: bool = False) -> list:
        spark = session(self.master)
        frame = _with_absent_columns(self._read(spark, source), source, plans)
        ranges = _instant_years(frame, [k for p in plans for k in p.keys])
        return [self._one(frame, source, plan, by_file, ranges) for plan in plans]

    def _read(self, spark, source: Source):
        reader = spark.read.option("mergeSchema", "true")
        if source.partition_columns:
            reader = reader.option("basePath", source.root)
        paths = [_GLOB.sub(r"\\\1", f) for f in source.files]
        try:
            return reader.parquet(*paths)
        except Exception as exc:
            said = _first_line(exc)
            if "TIMESTAMP(NANOS" in said:
                said += (  # pandas' to_parquet writes nanoseconds unless told otherwise
                    " (Spark reads instants to the microsecond: write them as us or ms, as "
                    "pandas' to_parquet(..., coerce_timestamps='us') does, or use --engine duckdb)"
                )
            if "CANNOT_MERGE" not in said:
                raise DataError(f"spark cannot read the dataset: {said}") from None
        try:  # files that type a column differently (int, bigint, double, all null)
            return _union(reader, source)
        except Exception as exc:
            raise DataError(f"spark cannot read the dataset: {_first_line(exc)}") from None

    def _one(self, frame, source: Source, plan: GroupPlan, by_file: bool, ranges: dict):
        from pyspark.sql import functions as F

        types = {field.name: field.dataType for field in frame.schema.fields}
        wanted = [k.column for k in plan.keys]
        wanted += [plan.weight] if plan.weight is not None else []
        wanted += [plan.only[0].column] if plan.only is not None else []
        missing = [c for c in wanted if c not in types]
        if missing:
            raise DataError(f"spark cannot aggregate the dataset: no column {missing[0]!r} in it")
        placed = [k for k in plan.keys if _placed(k, types)]
        keys = [
            (
                _place(k).alias(_PLACE + k.name)
                if k in placed
                else _key(k, types, ranges).alias(k.name)
            )
            for k in plan.keys
        ]
        if by_file:
            keys.insert(0, F.input_file_name().alias(FILE))
        sums = [F.count(F.lit(1)).alias(N)]
        if plan.weight is not None:
            w, ok = _weight(_col(plan.weight), types[plan.weight], plan.missing)
            sums += [
                F.sum(F.when(ok, w)).alias(W),
                F.sum(F.when(ok, w * w)).alias(W2),
                F.count(F.when(~F.coalesce(ok, F.lit(False)), 1)).alias(W_BAD),
                F.count(F.when(ok & (w > 0), 1)).alias(N_POS),
            ]
        if plan.only is not None:
            key, values = plan.only
            if len(values) > ONLY_AS_JOIN:
                frame = _semi_join(frame, key.column, values)
            else:
                frame = frame.where(_only(_col(key.column), types[key.column], values))
        smallest = [F.min(_col(k.column)).alias(k.name) for k in placed]
        try:
            grouped = frame.groupBy(*keys).agg(*sums, *smallest)
            if plan.repeated:
                grouped = grouped.where(F.col(N) > 1)
            table = grouped.toArrow()
        except Exception as exc:
            raise DataError(f"spark cannot aggregate the dataset: {_first_line(exc)}") from None
        names = [FILE] * by_file + [k.name for k in plan.keys]
        sums_out = [c for c in (N, W, W2, W_BAD, N_POS) if c in table.column_names]
        table = table.select(names + sums_out)
        if by_file:
            table = _files_as_listed(table, source)
        return normalise(table)


def _with_absent_columns(frame, source: Source, plans: Sequence[GroupPlan]):
    """The frame with the plans' columns that the dataset has but none of the files
    read has (a rerun reading only a new file from which a question was dropped)
    as nulls of the dataset's type, as they read when every file is scanned."""
    if source.schema is None:
        return frame
    import pyarrow as pa
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_type

    wanted = columns_read(plans)
    there = set(frame.columns)
    for field in source.schema:
        if field.name in wanted and field.name not in there:
            kind = field.type.value_type if pa.types.is_dictionary(field.type) else field.type
            frame = frame.withColumn(field.name, F.lit(None).cast(from_arrow_type(kind)))
    return frame


ONLY_AS_JOIN = 1000  # more values than this: a semi-join, not isin (101,058 ids: 37 s -> 3 s)


def _semi_join(frame, column: str, values):
    """Rows whose ``column`` is one of ``values`` (many: the repeated ids of a day
    loaded twice), as a join with a broadcast table of them typed as the column."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import StructField, StructType

    name = "__cxsurvey_only"
    kind = frame.schema[column].dataType
    wanted = frame.sparkSession.createDataFrame(
        [(v,) for v in values], StructType([StructField(name, kind)])
    )
    return frame.join(F.broadcast(wanted), _col(column) == F.col(name), "left_semi")


def _weight(col, kind, missing):
    """(the weight as a double, whether it is usable): text read as reading.cells reads
    a cell (base: text weights), a number >= 0, finite and not a missing code."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType

    w, ok = col.try_cast("double"), F.lit(True)
    if isinstance(kind, StringType):
        text = F.regexp_replace(col, f"^{SPACE}+|{SPACE}+$", "")
        w = F.when(text.rlike(NUMBER_PATTERN), text.try_cast("double"))
        texts = [m for m in missing if isinstance(m, str)]
        ok = ~text.isin(texts) if texts else ok
    ok = ok & (w >= 0) & ~F.isnan(w) & (w != float("inf"))
    for m in missing:
        if not isinstance(m, str):
            ok = ok & (w != float(m))
    return w, ok


def _only(col, kind, values):
    """The column is one of ``values``: NaN by isnan (``isin`` finds no NaN), a whole
    number beyond 64 bits (an unsigned id, read as a decimal) as a decimal."""
    from decimal import Decimal

    from pyspark.sql import functions as F
    from pyspark.sql.types import DecimalType

    nan = any(isinstance(v, float) and math.isnan(v) for v in values)
    rest = [v for v in values if not (isinstance(v, float) and math.isnan(v))]
    if isinstance(kind, DecimalType):
        rest = [Decimal(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in rest]
    found = col.isin(rest) if rest else F.lit(False)
    return found | F.isnan(col) if nan else found


def _col(name: str):
    from pyspark.sql import functions as F

    return F.col("`" + name.replace("`", "``") + "`")


def _key(key: Key, types: dict, ranges: dict):
    from pyspark.sql import functions as F
    from pyspark.sql.types import TimestampNTZType, TimestampType

    col = _col(key.column)
    kind = types[key.column]
    if key.local_day is not None:
        if isinstance(kind, TimestampType):  # an instant: its day in the zone (local_day.py)
            col = _local_day(col, key.local_day, ranges.get(key.column))
        elif isinstance(kind, TimestampNTZType):
            col = F.to_date(col)
    return col


def _instant_years(frame, keys) -> dict:
    """column -> the UTC years of the instants a calendar-day key reads (empty when
    the column has none): the zone's offsets are found over these years only, so a
    "never" sentinel in 9999 beside 2026 costs a few branches, not eight thousand."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import TimestampType

    types = {field.name: field.dataType for field in frame.schema.fields}
    cols = list(dict.fromkeys(k.column for k in keys if k.local_day is not None
                              and isinstance(types.get(k.column), TimestampType)))  # fmt: skip
    out = {}
    for c in cols:
        try:
            rows = frame.select(F.year(_col(c)).alias("y")).distinct().collect()
        except Exception as exc:
            raise DataError(f"spark cannot aggregate the dataset: {_first_line(exc)}") from None
        out[c] = sorted(r["y"] for r in rows if r["y"] is not None)
    return out


def _local_day(col, zone: str, years):
    """The calendar day in ``zone`` of the instant ``col``, from the zone's offsets in
    Python's tz database (as DuckDB and the memory path find them), not the JVM's:
    floor((epoch us + offset us) / day) in exact long arithmetic."""
    from pyspark.sql import functions as F

    if not years:  # no instant in the column: every day is null
        return F.lit(None).cast("date")
    first, changes = offsets_in_years(zone, years)
    epoch = F.unix_micros(col)
    offset = F.lit(first) if not changes else None
    for i, (at, _) in enumerate(changes):
        before = first if i == 0 else changes[i - 1][1]
        offset = F.when(epoch < at, before) if offset is None else offset.when(epoch < at, before)
    if changes:
        offset = offset.otherwise(changes[-1][1])
    local = epoch + offset
    whole = local - F.pmod(local, F.lit(DAY_US))  # a multiple of a day: divides exactly
    return F.date_from_unix_date(F.round(whole / DAY_US).cast("int"))


_PLACE = "__place_"


def _placed(key: Key, types: dict) -> bool:
    """A bounds key of a numeric column: grouped by its place among the bounds."""
    from pyspark.sql.types import NumericType

    return key.bounds is not None and isinstance(types[key.column], NumericType)


def _place(key: Key):
    """2 x (bounds below the value) + (1 when it equals one); -1 for NaN (as DuckDB)."""
    from pyspark.sql import functions as F

    x = _col(key.column).cast("double")
    below = sum(((x > float(b)).cast("int") for b in key.bounds), F.lit(0))
    equal = F.lit(False)
    for b in key.bounds:
        equal = equal | (x == float(b))
    return F.when(F.isnan(x), F.lit(-1)).otherwise(2 * below + equal.cast("int"))


def _union(reader, source: Source):
    """The files read in groups of one schema, each column cast to the type of the
    files' schemas unified as DuckDB's ``union_by_name`` does (int and bigint:
    bigint; bigint and double: double; a column a file lacks: null), then stacked.
    Spark's own merge refuses bigint beside double, and its reader cannot read a
    bigint file as double (pandas writes a day without blanks as int64, one with a
    blank as double)."""
    from functools import reduce

    import pyarrow as pa
    import pyarrow.parquet as pq
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_type

    from cxsurvey.reading.parquet import files_schema

    schemas = {f: pq.read_schema(f).remove_metadata() for f in source.files}
    widened = files_schema(Path(source.root), list(source.files))
    fields = [(f.name, from_arrow_type(f.type)) for f in widened.remove_metadata()]
    fields += [(n, from_arrow_type(pa.string())) for n in source.partition_columns
               if n not in widened.names]  # fmt: skip
    groups: dict[str, list[str]] = {}
    for file, schema in schemas.items():
        groups.setdefault(str(schema), []).append(_GLOB.sub(r"\\\1", file))
    frames = []
    for paths in groups.values():
        frame = reader.parquet(*paths)
        have = set(frame.columns)
        frames.append(frame.select([
            (_col(n) if n in have else F.lit(None)).cast(kind).alias(n) for n, kind in fields
        ]))  # fmt: skip
    return reduce(lambda a, b: a.unionByName(b), frames)


def _files_as_listed(table, source: Source):
    """Spark names files by URI (``file:///a%20b/x.parquet``): back to the source's own strings."""
    from urllib.parse import unquote, urlsplit

    import pyarrow as pa
    import pyarrow.compute as pc

    listed = {os.path.abspath(f): f for f in source.files if "://" not in f}
    listed.update({f: f for f in source.files})
    column = table.column(FILE)
    seen = pc.unique(column)
    plain = []
    for uri in seen.to_pylist():  # one per file, not per respondent
        path = unquote(urlsplit(uri).path) if uri.startswith("file:") else unquote(uri)
        plain.append(listed.get(path, listed.get(uri, path)))
    mapped = pc.take(pa.array(plain, pa.string()), pc.index_in(column, value_set=seen))
    return table.set_column(table.column_names.index(FILE), FILE, mapped)
