"""Where the bundled default study and sample export live.

In a wheel the ``configs/`` folder is shipped inside the package
(``cxsurvey/configs``); in a source checkout it is the repository's ``configs/``.
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_STUDY = "cx_practitioner_study.yaml"
SAMPLE_EXPORT = "cx_practitioner_sample.csv"
# Bundled studies by short name: `--study feedback` is the feedback program.
BUNDLED = {"practitioner": DEFAULT_STUDY, "feedback": "feedback_program.yaml"}


def configs_dir() -> Path:
    packaged = Path(__file__).parent / "configs"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "configs"


def default_study_path() -> Path:
    return configs_dir() / DEFAULT_STUDY


def bundled_study(name: str) -> Path | None:
    """The bundled study a short name (``practitioner``, ``feedback``) stands for."""
    file = BUNDLED.get(name)
    return None if file is None else configs_dir() / file
