"""What every figure kind takes from the scored respondents, computed once per run:
the respondents a figure's ``filter`` keeps, and the weights (rim weights or
``source.weight``).
Cross-tabs (figure.py) and key drivers (drivers.py) both read them from here."""

from __future__ import annotations

import numpy as np

from cxsurvey.scoring.filters import filter_mask
from cxsurvey.scoring.run import ScoreResult, analysis_weights
from cxsurvey.study import models


def filter_keep(fig: models.Figure, scores: ScoreResult) -> np.ndarray:
    """Which included respondents the figure's ``filter`` keeps (all: no filter)."""
    responses = scores.responses
    if not fig.filter:
        return np.ones(responses.included, dtype=bool)

    def compute() -> np.ndarray:
        full = filter_mask(responses.export.table, fig.filter, responses.missing)
        return full[responses.row_numbers]

    return responses.memo(("filter", repr(fig.filter)), compute)


def figure_weights(scores: ScoreResult) -> np.ndarray | None:
    """The included respondents' weights (None: unweighted): rim weights when the
    study rakes, else ``source.weight`` (validated; see scoring/run.analysis_weights)."""
    return analysis_weights(scores.study.study, scores.responses, scores.weighting)
