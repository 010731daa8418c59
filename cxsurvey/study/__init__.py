"""The study file: models, loading with positions, semantic checks."""

from .load import StudyFile, load_study, parse_study
from .models import Study

__all__ = ["Study", "StudyFile", "load_study", "parse_study"]
