"""``verify``: regenerated figures against approved values.

Two kinds of approved file:

- a **snapshot**: a ``cxsurvey figures --format json`` output kept in the
  repository. Every cell is compared: base and count exactly (to 1e-9 for
  weighted sums), value within ``tolerance`` (default 1e-9: float noise only),
  and each gap's significance flag. Figures, rows or columns that appear or
  disappear are differences too. The figures are regenerated with the
  snapshot's ``alpha`` and ``adjust``.
- **expectations** (YAML), for published reports whose numbers are rounded::

      tolerance: 0.5            # optional; default 0.5 points
      expect:
        - {figure: exec_support_by_group, row: Strongly or very strongly,
           column: CX leaders, value: 73}
        - {figure: maturity_stages, row: Investigate, base: 219, tolerance: 1}

  ``column`` defaults to ``Total``; each entry gives a ``value``, a ``base`` or
  both. Bases must match exactly.
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from cxsurvey.errors import DataError, clean_message, shorten
from cxsurvey.study.load import data_path
from cxsurvey.tabulation.results import FiguresResult

SNAPSHOT_TOLERANCE = 1e-9
EXPECTATION_TOLERANCE = 0.5


@dataclass(frozen=True)
class Difference:
    figure: str
    row: str
    column: str
    field: str  # value, base, count, significant, or "figure"/"row"/"column" presence
    approved: Any
    now: Any


@dataclass(frozen=True)
class Verification:
    kind: str  # "snapshot" or "expectations"
    checked: int  # cells (snapshot) or expectations compared
    differences: list[Difference]

    @property
    def passed(self) -> bool:
        return not self.differences


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Text = Annotated[str, Field(strict=True)]
# `row: 10` in hand-written expectations means the row labelled "10".
Label = Annotated[
    str,
    BeforeValidator(lambda v: str(v) if isinstance(v, int) and not isinstance(v, bool) else v),
    Field(strict=True),
]


class Expectation(_Model):
    figure: Label
    row: Label
    column: Label = "Total"
    value: Number | None = None
    base: Number | None = None
    tolerance: Number | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _something_to_check(self) -> Expectation:
        if self.value is None and self.base is None:
            raise ValueError("give a `value`, a `base` or both")
        return self


class Expectations(_Model):
    tolerance: Number = Field(default=EXPECTATION_TOLERANCE, ge=0)
    expect: list[Expectation] = Field(min_length=1)


# The parts of a `figures --format json` snapshot that verify reads; the rest is
# carried along (extra="allow") so newer snapshots with more fields still verify.
class _Loose(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class SnapshotCell(_Loose):
    base: Number | None = None
    count: Number | None = None
    value: Number | None = None


class SnapshotGap(_Loose):
    significant: Annotated[bool, Field(strict=True)] | None = None


class SnapshotRow(_Loose):
    label: Text
    cells: dict[str, SnapshotCell]
    gap: SnapshotGap | None = None


class SnapshotFigure(_Loose):
    id: Text
    rows: list[SnapshotRow] = []


class Snapshot(_Loose):
    alpha: Number = Field(default=0.05, ge=0, le=1)
    adjust: Literal["none", "bonferroni", "bh"] = "bonferroni"
    figures: list[SnapshotFigure]


def read_approved(path: str | Path) -> tuple[str, Any]:
    """("snapshot", dict) or ("expectations", Expectations) from an approved file,
    validated before use: a hand-broken file is a one-line error naming the place."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError(
            f"{p}: approved file not found; create a snapshot with `cxsurvey verify ... "
            "--update` or `cxsurvey figures ... --format json --out FILE`"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{p}: cannot read the approved file ({exc})") from None
    if text.lstrip().startswith("{"):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataError(f"{p}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from None
        except (ValueError, RecursionError):  # digits past Python's limit, absurd nesting
            raise DataError(f"{p}: not a figures snapshot (unreadable JSON)") from None
        _check_snapshot(p, doc)
        return "snapshot", doc
    return "expectations", _read_expectations(p, text)


def _check_snapshot(p: Path, doc: Any) -> None:
    if not isinstance(doc, dict) or not isinstance(doc.get("figures"), list):
        raise DataError(f"{p}: not a figures snapshot (no `figures` list)")
    try:
        Snapshot.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors()[0]
        message = _explain(err, data_path(tuple(err["loc"]), doc))
        raise DataError(f"{p}: {message}; regenerate the snapshot with --update") from None


def _explain(err: dict[str, Any], path: tuple[Any, ...]) -> str:
    """``place: what is wrong`` of a validation error at ``path`` (``study.load.data_path``:
    the error's location in the data, without pydantic's union and validator tags)."""
    if err["type"] == "missing":
        return f"{_where(path)}: missing `{err['loc'][-1]}`"
    if err["type"] == "extra_forbidden" and path:
        key = path[-1]
        valid = list((Expectation if len(path) > 1 else Expectations).model_fields)
        hint = difflib.get_close_matches(str(key), valid, n=1, cutoff=0.5)
        more = f"did you mean {hint[0]!r}?" if hint else f"the keys are {', '.join(valid)}"
        return f"{_where(path[:-1])}: unknown key {shorten(key, 60)}; {more}"
    return f"{_where(path)}: {_what(err)}"


def _where(path: tuple[Any, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "top level"


def _what(err: dict[str, Any]) -> str:
    kind = err["type"]
    shown = shorten(err.get("input"), 60)
    if kind in ("float_type", "finite_number"):
        return f"expected a number, got {shown}"
    if kind == "bool_type":
        return f"expected true or false, got {shown}"
    if kind in ("string_type", "str_type"):
        return f"expected text, got {shown}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"expected a mapping, got {shown}"
    if kind == "list_type":
        return f"expected a list, got {shown}"
    return clean_message(str(err["msg"]).removeprefix("Value error, "), 300)


def _read_expectations(p: Path, text: str) -> Expectations:
    from cxsurvey.errors import StudyError
    from cxsurvey.study.yamlpos import locate, read_yaml

    try:
        doc, pos, _ = read_yaml(text, str(p))  # bounded: aliases, depth, numbers
    except StudyError as exc:
        raise DataError(str(exc.problems[0]).replace(": error: ", ": ", 1)) from None
    prefix: tuple[Any, ...] = ()
    if isinstance(doc, list):
        doc, prefix = {"expect": doc}, ("expect",)
    if not isinstance(doc, dict):
        raise DataError(f"{p}: expected a list of expectations or a mapping with `expect`")
    try:
        return Expectations.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors()[0]
        path = data_path(tuple(err["loc"]), doc)
        in_file = path[len(prefix) :] if prefix and path[: len(prefix)] == prefix else path
        # An unknown key is shown where the key is, as in study files.
        line, col = locate(pos, in_file, key=err["type"] == "extra_forbidden")
        where = f":{line}:{col}" if line is not None else ""
        raise DataError(
            f"{p}{where}: {_explain(err, path)}; each expectation needs figure, row, "
            "and value or base (column defaults to Total)"
        ) from None


def verify(result: FiguresResult, kind: str, approved: Any) -> Verification:
    if kind == "snapshot":
        return _verify_snapshot(result.to_dict(), approved)
    return _verify_expectations(result.to_dict(), approved)


def _cells(doc: dict[str, Any]) -> dict[tuple[str, str, str], dict[str, Any]]:
    """(figure, row, column) -> cell dict, with the row's gap significance under 'gap'."""
    out = {}
    for fig in doc["figures"]:
        for row in fig.get("rows", []):
            for column, cell in row.get("cells", {}).items():
                out[(fig["id"], row["label"], column)] = {**cell, "gap": row.get("gap")}
    return out


def _same(a: Any, b: Any, tolerance: float) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(float(a), float(b), rel_tol=0.0, abs_tol=tolerance)


def _verify_snapshot(now: dict[str, Any], approved: dict[str, Any]) -> Verification:
    diffs: list[Difference] = []
    then_ids = [f["id"] for f in approved["figures"]]
    now_ids = [f["id"] for f in now["figures"]]
    for fid in then_ids:
        if fid not in now_ids:
            diffs.append(Difference(fid, "", "", "figure", "present", "missing"))
    for fid in now_ids:
        if fid not in then_ids:
            diffs.append(Difference(fid, "", "", "figure", "missing", "present"))
    then_cells, now_cells = _cells(approved), _cells(now)
    shared = set(then_ids) & set(now_ids)
    for key in then_cells.keys() | now_cells.keys():
        if key[0] not in shared:
            continue
        a, b = then_cells.get(key), now_cells.get(key)
        if a is None or b is None:
            diffs.append(
                Difference(
                    *key, "cell", "present" if a else "missing", "present" if b else "missing"
                )
            )
            continue
        diffs += _cell_differences(key, a, b)
    order = {fid: i for i, fid in enumerate(now_ids + then_ids)}
    diffs.sort(key=lambda d: (order.get(d.figure, 0), d.row, d.column))
    return Verification("snapshot", len(then_cells), diffs)


def _cell_differences(key, a: dict[str, Any], b: dict[str, Any]) -> Iterator[Difference]:
    for name in ("base", "count"):
        if not _same(a.get(name), b.get(name), SNAPSHOT_TOLERANCE):
            yield Difference(*key, name, a.get(name), b.get(name))
    if not _same(a.get("value"), b.get("value"), SNAPSHOT_TOLERANCE):
        yield Difference(*key, "value", a.get("value"), b.get("value"))
    gap_a, gap_b = a.get("gap"), b.get("gap")
    sig_a = gap_a.get("significant") if gap_a else None
    sig_b = gap_b.get("significant") if gap_b else None
    if key[2] == "Total" and sig_a != sig_b:  # once per row
        yield Difference(key[0], key[1], "gap", "significant", sig_a, sig_b)


def _verify_expectations(now: dict[str, Any], approved: Expectations) -> Verification:
    cells = _cells(now)
    figures = {f["id"] for f in now["figures"]}
    diffs: list[Difference] = []
    for e in approved.expect:
        cell = cells.get((e.figure, e.row, e.column))
        if cell is None:
            what = "figure" if e.figure not in figures else "cell"
            diffs.append(Difference(e.figure, e.row, e.column, what, "expected", "missing"))
            continue
        tolerance = approved.tolerance if e.tolerance is None else e.tolerance
        if e.base is not None and not _same(e.base, cell["base"], SNAPSHOT_TOLERANCE):
            diffs.append(Difference(e.figure, e.row, e.column, "base", e.base, cell["base"]))
        if e.value is not None and not _same(e.value, cell["value"], tolerance):
            diffs.append(Difference(e.figure, e.row, e.column, "value", e.value, cell["value"]))
    return Verification("expectations", len(approved.expect), diffs)
