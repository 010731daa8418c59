"""The DuckDB engine: each plan is one ``GROUP BY`` over ``read_parquet``.

DuckDB reads only the plan's columns (column pruning), only the files the
source lists (partitions outside ``--since``/``--until`` never opened), runs on
every core and spills to disk past its memory limit, so a dataset larger than
memory is aggregated in a bounded footprint. Installed with cxsurvey (the
default engine for Parquet exports).
"""

from __future__ import annotations

from collections.abc import Sequence

from cxsurvey.errors import DataError
from cxsurvey.extras import require
from cxsurvey.tabulation.engines.base import FILE, W2, W_BAD, GroupPlan, Key, N, Source, W

MEMORY_LIMIT = "1GB"  # DuckDB spills its hash tables to disk past this


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return repr(float(value)) if isinstance(value, float) else str(int(value))


class DuckDBEngine:
    name = "duckdb"

    def __init__(self, threads: int | None = None):
        duckdb = require("duckdb", "duckdb", "the duckdb engine")
        self.con = duckdb.connect(config={"memory_limit": MEMORY_LIMIT})
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        self.con.execute("SET TimeZone = 'UTC'")

    def aggregate(self, source: Source, plans: Sequence[GroupPlan], by_file: bool = False) -> list:
        files = "[" + ", ".join(_literal(f) for f in source.files) + "]"
        hive = "true" if source.partition_columns else "false"
        scan = (
            f"read_parquet({files}, hive_partitioning = {hive}, hive_types_autocast = false,"
            f" union_by_name = true, filename = {'true' if by_file else 'false'})"
        )
        types = self._types(scan)
        return [self._one(scan, types, plan, by_file) for plan in plans]

    def _types(self, scan: str) -> dict[str, str]:
        try:
            rows = self.con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()
        except Exception as exc:  # duckdb's errors have no common base worth naming
            raise DataError(f"duckdb cannot read the dataset: {str(exc).splitlines()[0]}") from None
        return {name: kind for name, kind, *_ in rows}

    def _key(self, key: Key, types: dict[str, str]) -> str:
        col = _quote(key.column)
        kind = types.get(key.column, "")
        if key.local_day is not None:
            if kind.startswith("TIMESTAMP WITH TIME ZONE"):
                col = f"CAST(timezone({_literal(key.local_day)}, {col}) AS DATE)"
            elif kind.startswith("TIMESTAMP"):
                col = f"CAST({col} AS DATE)"
        return f"{col} AS {_quote(key.name)}"

    def _one(self, scan: str, types: dict[str, str], plan: GroupPlan, by_file: bool):
        keys = [self._key(k, types) for k in plan.keys]
        if by_file:
            keys.insert(0, f"filename AS {_quote(FILE)}")
        sums = [f"COUNT(*) AS {N}"]
        if plan.weight is not None:
            w = f"TRY_CAST({_quote(plan.weight)} AS DOUBLE)"
            ok = f"({w} >= 0 AND isfinite({w})"
            ok += "".join(f" AND {w} <> {_literal(float(m))}" for m in plan.missing) + ")"
            sums += [
                f"SUM({w}) FILTER (WHERE {ok}) AS {W}",
                f"SUM({w} * {w}) FILTER (WHERE {ok}) AS {W2}",
                f"COUNT(*) FILTER (WHERE NOT coalesce({ok}, false)) AS {W_BAD}",
            ]
        where = ""
        if plan.only is not None:
            key, values = plan.only
            where = f" WHERE {_quote(key.column)} IN ({', '.join(_literal(v) for v in values)})"
        groups = ", ".join(str(i + 1) for i in range(len(keys)))
        sql = f"SELECT {', '.join(keys + sums)} FROM {scan}{where}"
        sql += f" GROUP BY {groups}" if keys else ""
        sql += " HAVING COUNT(*) > 1" if plan.repeated else ""
        try:
            table = self.con.execute(sql).fetch_arrow_table()
        except Exception as exc:
            raise DataError(
                f"duckdb cannot aggregate the dataset: {str(exc).splitlines()[0]}"
            ) from None
        return _normalise(table, plan)


def _normalise(table, plan: GroupPlan):
    """Sums typed as the contract says (an empty group has zero sums, not nulls)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = {}
    for name in table.column_names:
        col = table.column(name)
        if name in (N, W_BAD):
            col = col.cast(pa.int64())
        elif name in (W, W2):
            col = pc.fill_null(col.cast(pa.float64()), 0.0)
        columns[name] = col
    return pa.table(columns)
