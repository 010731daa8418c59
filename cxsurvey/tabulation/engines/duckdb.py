"""The DuckDB engine: every plan of a run in one ``GROUP BY GROUPING SETS`` scan.

DuckDB reads only the plans' columns (column pruning), only the files the source
lists (partitions outside ``--since``/``--until`` never opened), computes every
grouping set in one pass over the data on every core, and spills to disk past
its memory limit, so a dataset larger than memory is aggregated in a bounded
footprint. A calendar-day key of a timestamp with a time zone is integer
arithmetic on the instant (engines/local_day.py). Installed with cxsurvey: the
default engine for Parquet exports.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from cxsurvey.errors import DataError
from cxsurvey.reading.labels import NUMBER_PATTERN
from cxsurvey.reading.zones import SPARSE_YEARS
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
from cxsurvey.tabulation.engines.local_day import DAY_US, floor_div, offset_case, offsets_in_years

_ENDS = f"^{SPACE}+|{SPACE}+$"  # leading or trailing whitespace, trimmed off a text weight
MEMORY_LIMIT = "1GB"  # DuckDB spills its hash tables to disk past this
GID = "__gid"
# Key aliases: GROUP BY binds a name to the dataset's column before the select's
# alias (case-insensitively), so they must not be names a dataset uses (k0, K1).
ALIAS = "__k"
HASHES = "__cxsurvey_repeated_hashes"  # the hashes of repeated ids, registered for a join


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value) -> str:
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else f"CAST('{value!r}' AS DOUBLE)"  # nan, inf
    return str(int(value))


class DuckDBEngine:
    name = "duckdb"

    def __init__(self, threads: int | None = None):
        try:
            import duckdb
        except ImportError:  # a core dependency: only a broken install lacks it
            raise DataError(
                "the duckdb engine needs the duckdb package, a dependency of cxsurvey; "
                "reinstall cxsurvey (or use --engine memory)"
            ) from None
        self.con = duckdb.connect(config={"memory_limit": MEMORY_LIMIT})
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        self.con.execute("SET TimeZone = 'UTC'")
        self._types: dict[str, dict[str, str]] = {}

    def aggregate(self, source: Source, plans: Sequence[GroupPlan], by_file: bool = False) -> list:
        files = "[" + ", ".join(_literal(f) for f in source.files) + "]"
        hive = "true" if source.partition_columns else "false"
        scan = (
            f"read_parquet({files}, hive_partitioning = {hive}, hive_types_autocast = false,"
            f" union_by_name = true, filename = {_literal(FILE) if by_file else 'false'})"
        )  # the file column named __file: a dataset may hold a column named filename
        scan = self._with_absent_columns(scan, source, plans)
        keys = _Keys(self, scan, [k for p in plans for k in p.keys])
        out: list = [None] * len(plans)
        together: dict[tuple, list[int]] = {}
        for i, p in enumerate(plans):
            if p.only is None and not p.repeated:
                together.setdefault((p.weight, p.missing), []).append(i)
            elif p.repeated and p.only is None and len(p.keys) == 1 and not by_file:
                out[i] = self._repeated(scan, keys, p)
            else:
                out[i] = self._sets(scan, keys, [p], by_file)[0]
        for members in together.values():
            for batch in _batches(members, plans):
                tables = self._sets(scan, keys, [plans[i] for i in batch], by_file)
                for i, table in zip(batch, tables, strict=True):
                    out[i] = table
        return out

    def _with_absent_columns(self, scan: str, source: Source, plans: Sequence[GroupPlan]) -> str:
        """The scan with the plans' columns that the dataset has but none of the files
        read has (a rerun reading only a new file from which a question was dropped)
        as nulls of the dataset's type, as they read when every file is scanned."""
        if source.schema is None:
            return scan
        wanted = columns_read(plans)
        there = set(self.types(scan))
        absent = [f for f in source.schema if f.name in wanted - there]
        if not absent:
            return scan
        import pyarrow as pa

        fields = [f.with_type(f.type.value_type) if pa.types.is_dictionary(f.type) else f
                  for f in absent]  # fmt: skip
        kinds = self.con.from_arrow(pa.schema(fields).empty_table()).types
        nulls = ", ".join(
            f"CAST(NULL AS {kind}) AS {_quote(f.name)}"
            for f, kind in zip(fields, kinds, strict=True)
        )
        return f"(SELECT *, {nulls} FROM {scan})"

    def _repeated(self, scan: str, keys: _Keys, plan: GroupPlan):
        """Values of one key in more than one row (duplicate ids): the repeated
        64-bit hashes first (sorted in numpy: 8 bytes a row, no hash table of
        millions of ids to spill), then the values behind them, counted exactly (a
        hash collision only adds a candidate)."""
        import numpy as np

        (key,) = plan.keys
        col = keys.expr[keys.alias(key)]
        found = self.run(f"SELECT hash({col}) AS h FROM {scan}").column(0).to_numpy()
        found = np.sort(found)  # 8 bytes a row: sorting beats a hash table of millions of ids
        twice = np.unique(found[1:][found[1:] == found[:-1]])
        where = "FALSE"  # no row, typed
        if len(twice):  # a table to semi-join: a literal IN list of 100,000 hashes (a day
            import pyarrow as pa  # loaded twice) took DuckDB 22 s to plan, the join 0.3 s

            self.con.register(HASHES, pa.table({"h": pa.array(twice, pa.uint64())}))
            where = f"hash({col}) IN (SELECT h FROM {HASHES})"
        sql = (
            f"SELECT {col} AS {_quote(key.name)}, {', '.join(_sums(plan))} FROM {scan} "
            f"WHERE {where} GROUP BY 1 HAVING COUNT(*) > 1"
        )
        try:
            return normalise(self.run(sql))
        finally:
            if len(twice):
                self.con.unregister(HASHES)

    def types(self, scan: str) -> dict[str, str]:
        """Column -> DuckDB type of a scan (asked once per scan and engine)."""
        if scan not in self._types:
            rows = self.run(f"DESCRIBE SELECT * FROM {scan}")
            names, kinds = rows.column(0).to_pylist(), rows.column(1).to_pylist()
            self._types[scan] = dict(zip(names, kinds, strict=True))
        return self._types[scan]

    def run(self, sql: str, params: Sequence = ()):
        try:
            return self.con.execute(sql, list(params) or None).to_arrow_table()
        except Exception as exc:  # duckdb's errors have no common base worth naming
            raise DataError(_message(exc)) from None

    def _sets(self, scan: str, keys: _Keys, plans: Sequence[GroupPlan], by_file: bool) -> list:
        """The plans (one weight) in one scan: a grouping set per distinct key set."""
        plan = plans[0]
        sets = list(dict.fromkeys(tuple(keys.alias(k) for k in p.keys) for p in plans))
        used = list(dict.fromkeys(a for s in sets for a in s))
        if by_file:
            used.insert(0, _quote(FILE))
            sets = [(_quote(FILE), *s) for s in sets]
        select = [f"{keys.expr[a]} AS {a}" for a in used if a != _quote(FILE)]
        select += [f"{keys.smallest[a]} AS {_quote('min_' + a.strip(chr(34)))}"
                   for a in used if a in keys.smallest]  # fmt: skip
        if by_file:
            select.insert(0, _quote(FILE))
        if len(sets) > 1:
            select.append(f"GROUPING_ID({', '.join(used)}) AS {GID}")
        select += _sums(plan, keys.types.get(plan.weight, ""))
        sql = f"SELECT {', '.join(select)} FROM {scan}"
        params: list = []
        if plan.only is not None:
            sql += " WHERE " + _only(*plan.only, params)
        if len(sets) > 1:
            sql += " GROUP BY GROUPING SETS (" + ", ".join(f"({', '.join(s)})" for s in sets) + ")"
        elif sets[0]:
            sql += f" GROUP BY {', '.join(sets[0])}"
        if plan.repeated:
            sql += " HAVING COUNT(*) > 1"
        table = self.run(sql, params)
        return [self._part(table, keys, p, used, len(sets) > 1, by_file) for p in plans]

    def _part(self, table, keys: _Keys, plan: GroupPlan, used, grouped: bool, by_file: bool):
        import pyarrow.compute as pc

        aliases = [keys.alias(k) for k in plan.keys]
        if by_file:
            aliases.insert(0, _quote(FILE))
        if grouped:
            gid = sum(1 << (len(used) - 1 - i) for i, a in enumerate(used) if a not in aliases)
            table = table.filter(pc.equal(table.column(GID), gid))
        names = [FILE] * by_file + [k.name for k in plan.keys]
        columns = [table.column(_shown(a, keys)) for a in aliases]
        sums = [c for c in (N, W, W2, W_BAD, N_POS) if c in table.column_names]
        import pyarrow as pa

        part = pa.table(columns + [table.column(c) for c in sums], names=names + sums)
        return normalise(part, [k.name for k in plan.keys if keys.is_day_number(k)])


def _only(key: Key, values: Sequence, params: list) -> str:
    """SQL: the key is one of ``values``, bound as parameters (so typed as given:
    decimals, dates, bytes); NaN by isnan, as DuckDB's Parquet scan finds no NaN
    equal to a NaN parameter or literal (its statistics skip them)."""
    col = _quote(key.column)
    nan = any(isinstance(v, float) and math.isnan(v) for v in values)
    params += [v for v in values if not (isinstance(v, float) and math.isnan(v))]
    sql = f"{col} IN ({', '.join('?' * len(params))})" if params else "FALSE"
    return f"({sql} OR isnan({col}))" if nan else sql


def _message(exc: Exception) -> str:
    """DuckDB's error as one line, naming the damaged file when it names one."""
    import re

    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    file = re.search(r"file ['\"]?([^'\"]+\.parquet)", first)
    if file:
        return f"{file.group(1)}: cannot read it as Parquet (duckdb: {first})"
    return f"duckdb cannot aggregate the dataset: {first}"


MAX_GROUPING = 60  # DuckDB's GROUPING_ID takes at most 64 columns


def _batches(members: list[int], plans: Sequence[GroupPlan]) -> list[list[int]]:
    """Plans packed into queries whose grouping sets use at most MAX_GROUPING
    distinct keys (a plan with more runs alone, as a plain GROUP BY)."""
    batches: list[tuple[list[int], set]] = []
    for i in members:
        idents = {k.ident for k in plans[i].keys}
        for batch, used in batches:
            if len(used | idents) <= MAX_GROUPING:
                batch.append(i)
                used |= idents
                break
        else:
            batches.append(([i], idents))
    return [batch for batch, _ in batches]


def _shown(alias: str, keys: _Keys) -> str:
    """The result column of a key: a bounds key shows its group's smallest value."""
    return ("min_" if alias in keys.smallest else "") + alias.strip('"')


class _Keys:
    """Each distinct key of a query: its SQL expression and alias (__k0, __k1, ...)."""

    def __init__(self, engine: DuckDBEngine, scan: str, keys: list[Key]):
        self.types = engine.types(scan)
        self.expr: dict[str, str] = {}
        self.smallest: dict[str, str] = {}  # bounds keys: alias -> min(column)
        self._alias: dict[tuple, str] = {}
        self._days: set[tuple] = set()
        zoned = [
            k for k in dict.fromkeys((k.column, k.local_day) for k in keys)
            if k[1] is not None and self._kind(k[0]).startswith("TIMESTAMP WITH TIME ZONE")
        ]  # fmt: skip
        ranges = {}  # column -> the UTC years of its instants (the zone's offsets over them)
        if zoned:
            cols = list(dict.fromkeys(c for c, _ in zoned))
            sql = ", ".join(f"year(min({_quote(c)})), year(max({_quote(c)}))" for c in cols)
            found = list(engine.run(f"SELECT {sql} FROM {scan}").to_pylist()[0].values())
            for i, c in enumerate(cols):
                lo, hi = found[2 * i], found[2 * i + 1]
                ranges[c] = [] if lo is None else list(range(lo, hi + 1))
                if len(ranges[c]) > SPARSE_YEARS:  # a far sentinel (9999): the years with data
                    sql = f"SELECT DISTINCT year({_quote(c)}) FROM {scan} WHERE {_quote(c)} IS NOT NULL"
                    ranges[c] = sorted(engine.run(sql).column(0).to_pylist())
        for k in keys:
            if k.ident in self._alias:
                continue
            alias = f'"{ALIAS}{len(self._alias)}"'
            self._alias[k.ident] = alias
            self.expr[alias] = self._expression(k, ranges)
            if k.bounds is not None and _numeric(self._kind(k.column)):
                self.expr[alias] = _place(_quote(k.column), k.bounds)
                self.smallest[alias] = f"min({_quote(k.column)})"

    def _kind(self, column: str) -> str:
        return self.types.get(column, "")

    def alias(self, key: Key) -> str:
        return self._alias[key.ident]

    def is_day_number(self, key: Key) -> bool:
        return (key.column, key.local_day) in self._days

    def _expression(self, key: Key, ranges) -> str:
        col, kind = _quote(key.column), self._kind(key.column)
        if key.local_day is None:
            return col
        if kind.startswith("TIMESTAMP WITH TIME ZONE"):
            years = ranges.get(key.column)
            if not years:  # no dated row: every day is null
                return "CAST(NULL AS BIGINT)"
            first, changes = offsets_in_years(key.local_day, years)
            epoch = f"epoch_us({col})"  # exact integers: epoch_ms rounds toward 1970
            self._days.add((key.column, key.local_day))
            return floor_div(f"{epoch} + {offset_case(epoch, first, changes)}", DAY_US)
        if kind.startswith("TIMESTAMP"):
            return f"CAST({col} AS DATE)"
        return col


_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
            "UINTEGER", "UBIGINT", "FLOAT", "DOUBLE", "REAL", "DECIMAL")  # fmt: skip


def _numeric(kind: str) -> bool:
    return kind.startswith(_NUMERIC)


def _place(col: str, bounds: Sequence[float]) -> str:
    """SQL: 2 x (bounds below the value) + (1 when it equals one); -1 for NaN."""
    x = f"CAST({col} AS DOUBLE)"
    below = " + ".join(f"CAST({x} > {_literal(float(b))} AS INTEGER)" for b in bounds) or "0"
    equal = " OR ".join(f"{x} = {_literal(float(b))}" for b in bounds) or "FALSE"
    return f"CASE WHEN isnan({x}) THEN -1 ELSE 2 * ({below}) + CAST({equal} AS INTEGER) END"


def _sums(plan: GroupPlan, kind: str = "") -> list[str]:
    """The counts and weight sums; ``kind``: the weight column's DuckDB type."""
    sums = [f"COUNT(*) AS {N}"]
    if plan.weight is not None:
        w, codes = f"TRY_CAST({_quote(plan.weight)} AS DOUBLE)", ""
        if kind == "VARCHAR":  # as reading.cells reads a cell (base: text weights)
            text = f"regexp_replace({_quote(plan.weight)}, {_literal(_ENDS)}, '', 'g')"
            w = f"(CASE WHEN regexp_matches({text}, {_literal(NUMBER_PATTERN)}) THEN TRY_CAST({text} AS DOUBLE) END)"  # fmt: skip
            texts = [m for m in plan.missing if isinstance(m, str)]
            codes = f" AND {text} NOT IN ({', '.join(map(_literal, texts))})" if texts else ""
        numbers = [m for m in plan.missing if not isinstance(m, str)]
        ok = f"({w} >= 0 AND isfinite({w})"
        ok += "".join(f" AND {w} <> {_literal(float(m))}" for m in numbers) + codes + ")"
        sums += [
            f"SUM({w}) FILTER (WHERE {ok}) AS {W}",
            f"SUM({w} * {w}) FILTER (WHERE {ok}) AS {W2}",
            f"COUNT(*) FILTER (WHERE NOT coalesce({ok}, false)) AS {W_BAD}",
            f"COUNT(*) FILTER (WHERE {ok} AND {w} > 0) AS {N_POS}",
        ]
    return sums
