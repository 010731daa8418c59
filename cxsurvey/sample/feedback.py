"""Synthetic transactional feedback: one response per interaction, a year of them.

Each response's latent satisfaction is the sum of a channel effect (in person and
app highest, social and SMS lowest), a business-unit effect, a slow upward trend
over the year with a dip in one month, and noise. NPS (0-10), CSAT (1-5) and CES
(1-7) follow it with their own noise, so they agree without being copies; the
hours until follow-up fall with a unit's effect (lognormal, some never followed
up). Questions are found by type and name in the study (``nps``, ``csat``,
``ces``, ``channel``, ``industry``, ``followup``); any other question is made
by the practitioner generator's rules, so an edited copy of the study still gets
a complete export.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from cxsurvey.sample.generator import FREE_TEXT, FREE_TEXT_COLUMN, _metadata, _question
from cxsurvey.study import models
from cxsurvey.study.models import Study

FIRST_DAY = "2025-07-01T00:00:00"
DAYS = 365
CHANNEL_EFFECT = [0.0, -0.35, 0.05, 0.3, -0.1, 0.1, -0.5, 0.45]
CHANNEL_SHARE = [0.2, 0.08, 0.2, 0.15, 0.18, 0.11, 0.03, 0.05]
COMMENTS = [
    "Quick and friendly, thanks!",
    "Had to explain my issue three times, to three people.",
    'The agent said "we will call you back" and nobody did.',
    "App crashed twice, but support fixed it.",
    "Wait time on the phone was over 40 minutes.",
    "Great service, as always.",
    "Rechnung war falsch, Korrektur hat zwei Wochen gedauert.",
    '=HYPERLINK("x") looks like a formula',
    "Easy, fast, done.",
    "Delivery was late,\nand the tracking page did not update.",
]


def feedback_chunk(
    study: Study, rng: np.random.Generator, n: int, start: int
) -> dict[str, pa.Array]:
    finished = rng.random(n) >= 0.03
    status = rng.choice([0, 1, 8], size=n, p=[0.97, 0.01, 0.02])
    progress = np.where(finished, 100, rng.integers(20, 95, n))
    out = _metadata(rng, n, start, status, finished, progress, FIRST_DAY, DAYS)
    recorded = np.asarray(pa.array(out["RecordedDate"]).to_numpy(zero_copy_only=False))
    day = (recorded.astype("datetime64[D]") - np.datetime64(FIRST_DAY[:10])).astype(np.int64)
    q = study.questions
    n_units = len(q["industry"].options) if isinstance(q.get("industry"), models.Single) else 12
    unit_effect = np.random.default_rng(7).normal(0, 0.35, n_units)
    channel = rng.choice(len(CHANNEL_SHARE), size=n, p=CHANNEL_SHARE)
    unit = rng.integers(0, n_units, n)
    trend = 0.25 * day / DAYS - 0.3 * ((day // 30) == 7)  # better over the year; one bad month
    satisfaction = (
        np.array(CHANNEL_EFFECT)[channel] + unit_effect[unit] + trend + rng.standard_normal(n)
    )
    made = {
        "nps": lambda: np.clip(np.rint(7.9 + 1.7 * satisfaction + rng.normal(0, 1.1, n)), 0, 10),
        "csat": lambda: (
            1 + np.digitize(satisfaction + rng.normal(0, 0.6, n), [-1.6, -0.8, 0.0, 0.9])
        ),
        "ces": lambda: (
            1
            + np.digitize(satisfaction + rng.normal(0, 0.7, n), [-1.9, -1.3, -0.7, -0.2, 0.5, 1.2])
        ),
        "channel": lambda: channel + 1,
        "industry": lambda: unit + 1,
    }
    for name, question in q.items():
        if name in made and isinstance(question, models.Single | models.Nps):
            codes = made[name]().astype(np.int64)
            codes[rng.random(n) < 0.01] = -99
            blank = rng.random(n) < (0.0 if name in ("channel", "industry") else 0.02)
            out[question.column] = pa.array(codes, mask=blank)
        elif name == "followup" and isinstance(question, models.Numeric):
            hours = rng.lognormal(np.log(16.0) - 0.8 * unit_effect[unit], 1.0)
            hi = question.range[1] if question.range else 2160
            hours = np.round(np.clip(hours, 0, hi), 1)
            out[question.column] = pa.array(hours, mask=rng.random(n) < 0.2)  # never followed up
        elif isinstance(question, models.Text):
            text = np.array(COMMENTS, dtype=object)[rng.integers(0, len(COMMENTS), n)]
            out[question.column] = pa.array(text, pa.string(), mask=rng.random(n) < 0.6)
        else:
            out.update(_question(rng, name, question, satisfaction, n))
    text = np.array(FREE_TEXT, dtype=object)[rng.integers(0, len(FREE_TEXT), n)]
    out[FREE_TEXT_COLUMN[0]] = pa.array(text, pa.string(), mask=rng.random(n) < 0.9)
    return out
