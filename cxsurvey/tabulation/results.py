"""Figure results as plain frozen data: what renderers and writers consume.

``FiguresResult.to_dict()`` is the spec's ``--format json`` output contract;
``to_frame()`` is its tidy long form (one row per cell).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cxsurvey.numbers import format_number

# Cell fields every cell carries in JSON, CSV and to_frame(), weighted or not.
DESIGN_FIELDS = ("n", "se", "deff", "effective_base")


@dataclass(frozen=True)
class Gap:
    points: float | None  # high minus low, in points (or scale units for means)
    test: str  # "z", "fisher", "welch", "nps-z", or "design-t" under a design
    p_value: float | None
    significant: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "points": self.points,
            "test": self.test,
            "p_value": self.p_value,
            "significant": self.significant,
        }


@dataclass(frozen=True)
class Cell:
    value: float | None  # percent, mean or NPS; None for an empty base
    count: float
    base: float
    ci: tuple[float, float] | None = None
    effective_base: float | None = None  # design-based: n / deff
    small_base: bool = False
    sd: float | None = None  # standard deviation, for mean cells
    higher_than: tuple[str, ...] | None = None  # letters, with 3+ banner groups
    change: Gap | None = None  # change from the previous period, with a date banner
    unit: str | None = None  # display kind when it is not the figure's stat (drivers)
    n: int = 0  # respondents in the base (with a positive weight)
    se: float | None = None  # design-based (linearised) standard error, value's units
    deff: float | None = None  # design effect against SRS with replacement

    @property
    def test_base(self) -> float:
        """The base the classical (unweighted) tests use."""
        return self.base

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"value": self.value, "count": self.count, "base": self.base}
        out["n"] = self.n
        if self.ci is not None:
            out["ci"] = list(self.ci)
        if self.sd is not None:
            out["sd"] = self.sd
        out["se"] = self.se
        out["deff"] = self.deff
        out["effective_base"] = self.effective_base
        if self.small_base:
            out["small_base"] = True
        if self.higher_than is not None:
            out["higher_than"] = list(self.higher_than)
        if self.change is not None:
            out["change"] = self.change.to_dict()
        return out


@dataclass(frozen=True)
class Row:
    label: str
    cells: dict[str, Cell]
    gap: Gap | None = None
    # design-based pairwise tests of the row's columns (tabulation.cell_stats);
    # None for a simple random sample, which keeps the classical tests
    design: Any = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "label": self.label,
            "cells": {k: c.to_dict() for k, c in self.cells.items()},
        }
        if self.gap is not None:
            out["gap"] = self.gap.to_dict()
        return out


@dataclass(frozen=True)
class DriversInfo:
    """What a key-drivers figure was computed from (``kind: drivers``)."""

    outcome: str
    outcome_label: str
    predictors: int
    n: int  # respondents with every answer (listwise complete)
    excluded: int  # in the figure's base but missing the outcome or a predictor
    weighted_base: float | None  # sum of weights of the n, when weighted
    r2: float
    r2_ci: tuple[float, float] | None
    replicates: int
    dropped: int  # bootstrap replicates with a singular correlation matrix
    seed: int
    level: float = 0.95
    missing: str = "listwise"
    yes_no: bool = False  # outcome_is: 1 for that answer, 0 for the others

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "outcome_label": self.outcome_label,
            "predictors": self.predictors,
            "n": self.n,
            "excluded": self.excluded,
            "weighted_base": self.weighted_base,
            "r2": self.r2,
            "r2_ci": list(self.r2_ci) if self.r2_ci else None,
            "bootstrap": {
                "replicates": self.replicates,
                "dropped": self.dropped,
                "seed": self.seed,
                "level": self.level,
                "interval": "percentile",
            },
            "missing": self.missing,
            "yes_no": self.yes_no,
        }


@dataclass(frozen=True)
class TableTest:
    """A whole-table test of independence of rows and banner groups."""

    test: str  # "rao-scott": R's svychisq(statistic = "F")
    scope: str | None  # the grid item it covers, or None for the whole figure
    statistic: float | None
    ndf: float | None
    ddf: float | None
    p_value: float | None
    significant: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "test": self.test,
            "scope": self.scope,
            "statistic": self.statistic,
            "ndf": self.ndf,
            "ddf": self.ddf,
            "p_value": self.p_value,
            "significant": self.significant,
        }

    def describe(self) -> str:
        where = f" ({self.scope})" if self.scope else ""
        if self.p_value is None:
            return f"Rao-Scott F test{where}: not computable (fewer than 2 rows or groups)"
        return (
            f"Rao-Scott F test{where}: F = {format_number(self.statistic, 3)} on "
            f"{format_number(self.ndf, 2)} and {format_number(self.ddf, 2)} df, "
            f"p = {format_number(self.p_value, 4)}"
        )


@dataclass(frozen=True)
class FigureResult:
    id: str
    title: str
    question: str
    stat: str
    by: str | None
    columns: list[str]
    rows: list[Row]
    warnings: list[str] = field(default_factory=list)
    letters: dict[str, str] | None = None
    filter: str | None = None  # the figure's filter in words, for footnotes
    drivers: DriversInfo | None = None  # key-drivers figures only
    interval: str | None = "wilson"  # percent intervals' method; "t" for means
    design: str | None = None  # the design in words; None = simple random sampling
    table_tests: list[TableTest] = field(default_factory=list)  # e.g. Rao-Scott
    wording: str | None = None  # the question as asked: the study's text or the export's
    measure: str | None = None  # what the values count, e.g. "% High priority or Critical"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "question": self.question,
            "wording": self.wording,
            "measure": self.measure,
            "stat": self.stat,
            "by": self.by,
            "columns": self.columns,
            "rows": [r.to_dict() for r in self.rows],
            "warnings": self.warnings,
        }
        if self.letters is not None:
            out["letters"] = self.letters
        if self.drivers is not None:
            out["kind"] = "drivers"
            out["drivers"] = self.drivers.to_dict()
        out["interval"] = self.interval
        out["design"] = self.design
        if self.table_tests:
            out["table_tests"] = [t.to_dict() for t in self.table_tests]
        return out


@dataclass(frozen=True)
class FiguresResult:
    study: str
    cxsurvey_version: str
    config_sha256: str
    data_sha256: str
    respondents: dict[str, Any]
    figures: list[FigureResult]
    alpha: float = 0.05
    adjust: str = "bonferroni"
    small_base: int = 30  # not in the JSON contract; reports state it
    export: dict[str, Any] = field(default_factory=dict)  # how the export was read

    def to_dict(self) -> dict[str, Any]:
        return {
            "study": self.study,
            "cxsurvey_version": self.cxsurvey_version,
            "config_sha256": self.config_sha256,
            "data_sha256": self.data_sha256,
            "respondents": self.respondents,
            "alpha": self.alpha,
            "adjust": self.adjust,
            "figures": [f.to_dict() for f in self.figures],
            "export": self.export,
        }

    def records(self) -> list[dict[str, Any]]:
        """The tidy long form: one record per cell. The spec's ten CSV columns come
        first; then what tables show: the column's letter, the letters it is higher
        than, the gap's test and verdict, the change from the previous period."""
        out = []
        for fig in self.figures:
            letters = fig.letters or {}
            for row in fig.rows:
                gap = row.gap
                for column, cell in row.cells.items():
                    change = cell.change
                    out.append(
                        {
                            "figure": fig.id,
                            "row": row.label,
                            "column": column,
                            "value": cell.value,
                            "count": cell.count,
                            "base": cell.base,
                            "ci_low": cell.ci[0] if cell.ci else None,
                            "ci_high": cell.ci[1] if cell.ci else None,
                            "gap_points": gap.points if gap else None,
                            "p_value": gap.p_value if gap else None,
                            "gap_test": gap.test if gap else None,
                            "gap_significant": gap.significant if gap else None,
                            "letter": letters.get(column),
                            "higher_than": (
                                "".join(cell.higher_than) if cell.higher_than is not None else None
                            ),
                            "change_points": change.points if change else None,
                            "change_test": change.test if change else None,
                            "change_p_value": change.p_value if change else None,
                            "change_significant": change.significant if change else None,
                            "sd": cell.sd,
                            "n": cell.n,
                            "se": cell.se,
                            "deff": cell.deff,
                            "effective_base": cell.effective_base,
                            "small_base": cell.small_base,
                            "unit": cell.unit or _unit(fig.stat, row.label),
                        }
                    )
        return out

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame.from_records(self.records(), columns=CSV_COLUMNS)


CSV_COLUMNS = [
    "figure",
    "row",
    "column",
    "value",
    "count",
    "base",
    "ci_low",
    "ci_high",
    "gap_points",
    "p_value",
    "gap_test",
    "gap_significant",
    "letter",
    "higher_than",
    "change_points",
    "change_test",
    "change_p_value",
    "change_significant",
    "sd",
    "n",
    "se",
    "deff",
    "effective_base",
    "small_base",
    "unit",
]


def _unit(stat: str, label: str) -> str:
    """What a value is: percent, mean, or nps (the NPS row of an NPS figure)."""
    if stat == "nps" and label == "NPS":
        return "nps"
    return "mean" if stat == "mean" else "percent"
