"""SPSS .sav exports through pyreadstat (optional extra ``cxsurvey[spss]``)."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path

from cxsurvey.errors import DataError
from cxsurvey.reading.sniff import Layout


def read_sav(
    p: Path, layout: Layout, columns: Sequence[str], optional: Sequence[str], where: dict[str, str]
):
    try:
        import pyreadstat
    except ImportError:
        raise DataError(
            f"{p}: reading SPSS .sav files needs pyreadstat; install it with "
            "pip install 'cxsurvey[spss]'"
        ) from None
    import pyarrow as pa

    try:
        _, meta = pyreadstat.read_sav(str(p), metadataonly=True)
    except Exception as exc:  # pyreadstat raises its own untyped errors
        raise DataError(f"{p}: cannot read the .sav file ({exc})") from None
    header = list(meta.column_names)
    missing = [c for c in columns if c not in header]
    if missing:
        close = difflib.get_close_matches(missing[0], header, n=3, cutoff=0.6)
        hint = f"; closest: {', '.join(close)}" if close else ""
        used = f" (used by {where[missing[0]]})" if missing[0] in where else ""
        raise DataError(f"{p}: column {missing[0]!r}{used} is not in the export{hint}")
    wanted = [c for c in dict.fromkeys([*columns, *optional]) if c in header]
    frame, _ = pyreadstat.read_sav(
        str(p), usecols=wanted, apply_value_formats=False, user_missing=False
    )
    if len(frame) == 0:
        raise DataError(f"{p}: the export has a header but no responses")
    arrays = []
    for c in wanted:
        col = frame[c]
        arrays.append(
            pa.array(col.to_numpy(dtype="float64", na_value=float("nan")), from_pandas=True)
            if col.dtype.kind in "fiub"
            else pa.array(col.astype("string"), from_pandas=True)
        )
    from cxsurvey.reading.export import Export

    labels = {c: meta.column_names_to_labels.get(c) or "" for c in wanted}
    return Export(
        str(p),
        Layout("sav", "binary", header=header),
        pa.table(arrays, names=wanted),
        header,
        labels,
    )
