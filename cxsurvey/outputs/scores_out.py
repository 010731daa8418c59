"""Write a ``ScoreResult`` as CSV (pyarrow's writer) or JSON (with provenance)."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import IO

from cxsurvey import __version__
from cxsurvey.outputs.atomic import atomic_output
from cxsurvey.outputs.safe_text import neutralise_table
from cxsurvey.reading.export import file_sha256
from cxsurvey.scoring.run import ScoreResult


def scores_csv(result: ScoreResult, out: IO[bytes]) -> None:
    from pyarrow import csv as pacsv

    pacsv.write_csv(
        neutralise_table(_rounded(result.table())), out, pacsv.WriteOptions(quoting_style="needed")
    )


def _rounded(table):
    """Scores at the precision bands and the median are compared at (``DECIMALS``), so a
    written 21.5 is the 21.5 the bands saw, not float noise such as 21.499999999999996."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from cxsurvey.scoring.scales import DECIMALS

    columns = [pc.round(c, DECIMALS) if pa.types.is_floating(c.type) else c for c in table.columns]
    return pa.table(columns, names=table.column_names)


def scores_json(result: ScoreResult, out: IO[bytes]) -> None:
    frame = result.table().to_pandas()
    head = {
        "study": result.study.study.study,
        "cxsurvey_version": __version__,
        "config_sha256": result.study.sha256,
        "data_sha256": file_sha256(result.responses.export.path),
        "respondents": result.respondents,
        "segments": {
            name: {"scale": s.scale, "median": s.median, "sizes": s.sizes()}
            | (_clusters(s.clusters) if s.clusters is not None else {})
            | ({"weighted_shares": s.weighted_shares} if s.weighted_shares else {})
            for name, s in result.segments.items()
        },
        "columns": list(frame.columns),
        "export": result.export,
    }
    if result.weighting is not None:
        head["weighting"] = result.weighting.to_dict()
    text = json.dumps(head, ensure_ascii=False, indent=1)
    rows = frame.to_json(orient="records", double_precision=15, force_ascii=False)
    out.write((text[:-2] + ',\n "rows": ' + rows + "\n}\n").encode())


def _clusters(info) -> dict:
    return {
        "kind": "clusters",
        "model": str(info.path) if info.path else None,
        "fitted": info.fitted,
        "k": info.model.k,
        "silhouette": info.model.silhouette,
        "warnings": [info.warning] if info.warning else [],  # respondents in no tier
    }


WRITERS = {"csv": scores_csv, "json": scores_json}


def write_scores(result: ScoreResult, fmt: str, path: str | Path | None) -> None:
    """Write to ``path`` atomically, or to stdout when ``path`` is None or '-'."""
    writer = WRITERS[fmt]
    if path is None or str(path) == "-":
        buffer = io.BytesIO()
        writer(result, buffer)
        sys.stdout.buffer.write(buffer.getvalue())
        sys.stdout.flush()
        return
    with atomic_output(path, "wb") as fh:
        writer(result, fh)
