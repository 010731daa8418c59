"""The study file: models, loading with positions, semantic checks."""

from cxsurvey.study.load import StudyFile, load_study, parse_study
from cxsurvey.study.models import Study

__all__ = ["Study", "StudyFile", "load_study", "parse_study"]
