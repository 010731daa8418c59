"""Where the bundled default study and sample export live.

In a wheel the ``configs/`` folder is shipped inside the package
(``cxsurvey/configs``); in a source checkout it is the repository's ``configs/``.
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_STUDY = "cx_practitioner_study.yaml"
SAMPLE_EXPORT = "cx_practitioner_sample.csv"


def configs_dir() -> Path:
    packaged = Path(__file__).parent / "configs"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "configs"


def default_study_path() -> Path:
    return configs_dir() / DEFAULT_STUDY
