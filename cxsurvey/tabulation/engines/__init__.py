"""Engines that aggregate a Parquet export for the figures: DuckDB and Spark.

``memory`` is cxsurvey's own per-respondent path (every export kind); the
engines read Parquet files and datasets only (``cxsurvey convert`` makes them).
``auto`` (the default) takes DuckDB for Parquet exports and memory otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from cxsurvey.errors import DataError

ENGINES = ("auto", "memory", "duckdb", "spark")


@dataclass(frozen=True)
class EngineChoice:
    name: str  # the engine that runs: memory, duckdb or spark
    note: str | None = None  # why it is not the one asked for, when it is not
    engine: object = None  # the engine object (None for memory)
    aggregates: dict | None = None  # files aggregated and reused (partition_cache)

    def record(self) -> dict:
        out: dict = {"name": self.name}
        if self.note:
            out["note"] = self.note
        if self.aggregates is not None:
            out["aggregates"] = self.aggregates
        return out


def choose_engine(requested: str | None, export: str | Path, study, figures) -> EngineChoice:
    """The engine for a figures run: ``requested`` (the --engine option), else the
    study's ``engine``; auto picks DuckDB for Parquet. A run whose figures need each
    respondent's row (tabulation.plan.respondent_level) runs in memory, noted."""
    from cxsurvey.reading.parquet import is_parquet
    from cxsurvey.tabulation.plan import respondent_level

    name = requested or study.engine
    if not Path(export).exists():
        if re.match(r"^[A-Za-z][A-Za-z0-9+.-]+:/", str(export)):  # s3a://..., hdfs://...
            raise DataError(
                f"{export}: cxsurvey reads datasets on this machine's file system (it lists and "
                "hashes their files); mount the bucket or HDFS folder (NFS, s3fs, a FUSE mount) "
                "and give its local path"
            )
        raise DataError(f"{export}: export not found; check the path")
    parquet = is_parquet(Path(export))
    if name == "memory" or (name == "auto" and not parquet):
        return EngineChoice("memory")
    if Path(export).is_dir() and not parquet:
        raise DataError(f"{export}: is a directory with no .parquet files; give the export file")
    if not parquet and Path(export).suffix.lower() == ".parquet":  # named so, yet no Parquet
        if Path(export).stat().st_size == 0:
            raise DataError(
                f"{export}: an empty file (0 bytes), not Parquet; write it again, or rerun once "
                "its writer has finished"
            )
        raise DataError(f"{export}: cannot read it as Parquet (no Parquet magic bytes)")
    if not parquet:
        raise DataError(
            f"{export}: the {name} engine reads Parquet files and datasets; convert the export "
            f"first (cxsurvey convert {export} --out DIR) or use --engine memory"
        )
    why = respondent_level(study, figures)
    if why is not None:
        label = "auto" if name == "auto" else name
        return EngineChoice("memory", f"computed in memory, not by {label}: {why}")
    if name == "auto":
        name = "duckdb"
    return EngineChoice(name, None, load_engine(name))


def load_engine(name: str):
    if name == "duckdb":
        from cxsurvey.tabulation.engines.duckdb import DuckDBEngine

        return DuckDBEngine()
    if name == "spark":
        from cxsurvey.tabulation.engines.spark import SparkEngine

        return SparkEngine()
    raise DataError(f"no engine {name!r}; choose one of {', '.join(ENGINES)}")
