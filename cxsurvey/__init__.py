"""cxsurvey: score, segment and tabulate CX surveys from raw exports.

The public API is imported lazily so that ``cxsurvey --help`` stays fast::

    import cxsurvey
    study = cxsurvey.load_study("configs/cx_practitioner_study.yaml")
    result = cxsurvey.score("export.csv", study)
    result.table().to_pandas()
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_API = {
    "load_study": ".study.load",
    "parse_study": ".study.load",
    "StudyFile": ".study.load",
    "load_export": ".reading.export",
    "read_header": ".reading.export",
    "load_responses": ".scoring.responses",
    "score": ".scoring.run",
    "ScoreResult": ".scoring.run",
    "default_study_path": ".defaults",
    "figures": ".tabulation.run",
    "FiguresResult": ".tabulation.results",
    "Options": ".tabulation.figure",
    "build_codebook": ".codebook.build",
    "draft_study": ".codebook.draft",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name in _API:
        return getattr(import_module(_API[name], __name__), name)
    raise AttributeError(f"module 'cxsurvey' has no attribute {name!r}")
