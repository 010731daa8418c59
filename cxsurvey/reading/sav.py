"""SPSS .sav exports through pyreadstat (optional extra ``cxsurvey[spss]``).

Columns are matched as in CSV exports (``reading.columns``): a study written for
the CSV finds ``Duration (in seconds)`` as the .sav's ``Duration__in_seconds_``.
Variable labels take the place of the question-text row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from cxsurvey.errors import DataError
from cxsurvey.reading.header import Header
from cxsurvey.reading.sniff import Layout


def sav_metadata(p: Path):
    """pyreadstat's metadata of a .sav file (names, labels, value labels, user-missing
    ranges in ``missing_ranges``); no data."""
    pyreadstat = pyreadstat_for(p)
    try:
        _, meta = pyreadstat.read_sav(str(p), metadataonly=True, user_missing=True)
    except Exception as exc:  # pyreadstat raises its own untyped errors
        raise DataError(f"{p}: cannot read the .sav file ({exc})") from None
    return meta


def sav_header(p: Path) -> Header:
    """Variable names and labels of a .sav file (metadata only)."""
    meta = sav_metadata(p)
    names = list(meta.column_names)
    labels = [meta.column_names_to_labels.get(c) or "" for c in names]
    return Header.from_records(names, labels)


def pyreadstat_for(p: Path):
    """pyreadstat, or a one-line error naming the ``spss`` extra."""
    from cxsurvey.extras import require

    return require("pyreadstat", "spss", f"{p}: reading SPSS .sav files")


def read_sav(
    p: Path, layout: Layout, columns: Sequence[str], optional: Sequence[str], where: dict[str, str]
):
    import pyarrow as pa

    from cxsurvey.reading.export import Export, require_columns

    pyreadstat = pyreadstat_for(p)
    header = sav_header(p)
    layout = replace(layout, columns=header)  # sniff reads no header from a .sav
    found = require_columns(p, layout, columns, optional, where)
    wanted = [header.names[i] for i in sorted(set(found.positions.values()))]
    frame, meta = pyreadstat.read_sav(
        str(p), usecols=wanted, apply_value_formats=False, user_missing=False
    )
    if len(frame) == 0:
        raise DataError(f"{p}: the export has a header but no responses")
    arrays = []
    names = []
    for name, pos in found.positions.items():
        col = frame[header.names[pos]]
        names.append(name)
        arrays.append(
            pa.array(col.to_numpy(dtype="float64", na_value=float("nan")), from_pandas=True)
            if col.dtype.kind in "fiub"
            else pa.array(col.astype("string"), from_pandas=True)
        )
    labels = {name: header.text(pos) for name, pos in found.positions.items()}
    value_labels = {
        name: {float(code): str(label) for code, label in given.items()}
        for name, pos in found.positions.items()
        if (given := meta.variable_value_labels.get(header.names[pos]))
    }
    return Export(
        str(p),
        layout,
        pa.table(arrays, names=names),
        list(header.names),
        labels,
        notes=found.notes,
        positions=found.positions,
        value_labels=value_labels,
    )
