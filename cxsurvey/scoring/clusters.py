"""Cluster tiers (``kind: clusters``): k-means on standardised scores, saved as a
model so that later waves are classified the same way.

Fit (scikit-learn, the optional ``clusters`` extra): the respondents with every
variable (listwise) are standardised (mean 0, population sd 1), k-means runs
``starts`` times from seeded k-means++ starts and keeps the best; with a range
of k the k with the highest mean silhouette wins (ties: the smaller k). Tiers
are ordered by the mean ``order_by`` score of their members, highest first, and
labelled ``labels`` in that order (default ``Tier 1``...).

Classify (numpy only): standardise with the *saved* means and sds and assign
each respondent the nearest saved centroid (Euclidean; ties: the first, i.e.
higher tier). A respondent missing a variable (unanswered, not scored, or an
answer that is not a number or outside the question's range) is in no tier; how
many, and why, is a warning of every figure with that segment as banner.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from cxsurvey.errors import DataError, shorten
from cxsurvey.scoring.responses import Responses
from cxsurvey.scoring.scales import ScaleScores
from cxsurvey.scoring.segments import NONE
from cxsurvey.study import models

MODEL_VERSION = 1
SILHOUETTE_SAMPLE = 10_000


@dataclass(frozen=True)
class ClusterModel:
    variables: list[str]
    mean: list[float]
    sd: list[float]
    centroids: list[list[float]]  # standardised, in tier order
    labels: list[str]
    order_by: str
    k: int
    seed: int
    starts: int
    silhouette: dict[str, float]  # k -> mean silhouette (the k tried)
    n: int  # respondents the model was fitted on

    def to_dict(self) -> dict[str, Any]:
        return {"cxsurvey_cluster_model": MODEL_VERSION, **self.__dict__}

    @classmethod
    def read(cls, path: Path, segment: str) -> ClusterModel:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.pop("cxsurvey_cluster_model") != MODEL_VERSION:
                raise ValueError("unknown version")
            model = cls(**data)
            shape = np.asarray(model.centroids, dtype=float).shape
            if shape != (model.k, len(model.variables)) or len(model.labels) != model.k:
                raise ValueError("centroids do not match k and the variables")
            if len(model.mean) != len(model.variables) or len(model.sd) != len(model.variables):
                raise ValueError("means or sds do not match the variables")
            problem = model.problem()
        except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
            raise DataError(
                f"{path}: not a cluster model of segment {segment!r} ({exc}); refit it with "
                "cxsurvey score --fit-clusters after moving it away"
            ) from None
        if problem:
            raise DataError(
                f"{path}: the cluster model of segment {segment!r} is unusable: {problem}; "
                "refit it with cxsurvey score --fit-clusters after moving it away"
            )
        return model

    def problem(self) -> str | None:
        """What makes the scaling or the centroids unusable (a NaN mean or an sd of 0
        would put every respondent in one tier), or None."""
        mean = np.asarray(self.mean, dtype=float)
        sd = np.asarray(self.sd, dtype=float)
        for key, values, ok in (
            ("mean", mean, np.isfinite(mean)),
            ("sd", sd, np.isfinite(sd) & (sd > 0)),
        ):
            if not ok.all():
                j = int(np.argmin(ok))
                return (
                    f"key {key!r} of {self.variables[j]!r} is {values[j]:g} (must be a finite "
                    + ("number)" if key == "mean" else "number above 0)")
                )
        centroids = np.isfinite(np.asarray(self.centroids, dtype=float)).all(axis=1)
        if not centroids.all():
            j = int(np.argmin(centroids))
            return f"key 'centroids' of tier {self.labels[j]!r} is not finite"
        return None


@dataclass(frozen=True)
class ClusterInfo:
    """How a clusters segment was made, for reports and JSON."""

    model: ClusterModel
    path: Path | None  # the saved model, or None when fitted in memory
    fitted: bool  # fitted on this run (False: classified with a saved model)
    warning: str | None = None  # respondents in no tier, counted and named


def variable_values(
    names: list[str],
    study: models.Study,
    scales: dict[str, ScaleScores],
    responses: Responses,
    invalid: dict[str, np.ndarray] | None = None,
) -> tuple[list[str], np.ndarray]:
    """(labels, n x p values with NaN when missing) of the clustering variables;
    ``invalid`` (if given) receives, per question, the answered cells that are not a
    number or lie outside the question's range."""
    labels, columns = [], []
    for name in names:
        scale_name, _, part = name.partition(".")
        if scale_name in scales:
            s = scales[scale_name]
            if not part:
                labels.append(name)
                columns.append(s.total)
            elif part == "groups":
                labels += [f"{scale_name}.{g}" for g in s.groups]
                columns += list(s.groups.values())
            else:
                labels.append(name)
                columns.append(s.groups[part])
            continue
        q = study.questions[name]
        cells = responses.cells(q.column)
        x = np.where(cells.missing, np.nan, cells.numbers)
        if q.range is not None:
            x = np.where((x >= q.range[0]) & (x <= q.range[1]), x, np.nan)
        if invalid is not None:
            invalid[name] = ~cells.missing & ~np.isfinite(x)
        labels.append(name)
        columns.append(x)
    return labels, np.column_stack(columns).astype(float)


def order_values(
    seg: models.Segment, labels: list[str], x: np.ndarray, scales: dict[str, ScaleScores]
) -> np.ndarray:
    name = seg.order_by or labels[0]
    if name in labels:
        return x[:, labels.index(name)]
    scale_name, _, part = name.partition(".")
    s = scales[scale_name]
    return s.total if not part else s.groups[part]


def fit(name: str, seg: models.Segment, labels: list[str], x: np.ndarray, order) -> ClusterModel:
    from cxsurvey.extras import require

    require("sklearn", "clusters", f"segment {name!r}: fitting clusters")
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    ok = np.isfinite(x).all(axis=1)
    ks = [seg.k] if isinstance(seg.k, int) else list(range(seg.k.min, seg.k.max + 1))
    n = int(ok.sum())
    if n <= max(ks):
        raise DataError(
            f"segment {name!r}: {n} respondent(s) have every clustering variable; "
            f"{max(ks)} clusters need more"
        )
    mean = x[ok].mean(axis=0)
    sd = x[ok].std(axis=0)
    if (sd == 0).any():
        flat = labels[int(np.argmax(sd == 0))]
        raise DataError(f"segment {name!r}: {flat!r} has one value for everyone; drop it")
    z = (x[ok] - mean) / sd
    fits, scores = {}, {}
    for k in ks:
        km = KMeans(n_clusters=k, n_init=seg.starts, random_state=seg.seed).fit(z)
        fits[k] = km
        if len(ks) > 1:
            size = min(n, SILHOUETTE_SAMPLE)
            scores[k] = float(
                silhouette_score(z, km.labels_, sample_size=size, random_state=seg.seed)
            )
    best = max(ks, key=lambda k: (scores.get(k, 0.0), -k))
    km = fits[best]
    means = np.array([np.nanmean(order[ok][km.labels_ == c]) for c in range(best)])
    tier_of = np.argsort(-means, kind="stable")  # tier order: highest mean first
    names = seg.labels or [f"Tier {i + 1}" for i in range(best)]
    return ClusterModel(
        labels,
        mean.tolist(),
        sd.tolist(),
        km.cluster_centers_[tier_of].tolist(),
        list(names),
        seg.order_by or labels[0],
        best,
        seg.seed,
        seg.starts,
        {str(k): v for k, v in scores.items()},
        n,
    )


def classify(model: ClusterModel, x: np.ndarray) -> np.ndarray:
    """Tier index per respondent (nearest saved centroid after the saved scaling)."""
    ok = np.isfinite(x).all(axis=1)
    z = (x - np.asarray(model.mean)) / np.asarray(model.sd)
    # one centroid at a time: n x k distances, never an n x k x p array
    dist = np.column_stack([((z - c) ** 2).sum(axis=1) for c in np.asarray(model.centroids)])
    group = np.full(len(x), NONE, dtype=np.int8)
    group[ok] = np.argmin(dist[ok], axis=1)
    return group


def model_path(seg: models.Segment, study_file: Any) -> Path | None:
    if seg.model is None:
        return None
    base = Path(study_file.file).parent if getattr(study_file, "file", None) else Path(".")
    return base / seg.model


def cluster_segment(name: str, seg: models.Segment, study_file, scales, responses, fit_new: bool):
    """(group codes, labels, ClusterInfo) of a clusters segment; see the module doc."""
    study = study_file.study
    invalid: dict[str, np.ndarray] = {}
    labels, x = variable_values(seg.variables, study, scales, responses, invalid)
    warning = unclassified_warning(name, study, x, invalid, responses)
    path = model_path(seg, study_file)
    if path is not None and path.exists():
        model = ClusterModel.read(path, name)
        if model.variables != labels:
            raise DataError(
                f"{path}: the model of segment {name!r} was fitted on {model.variables}, the "
                f"study now names {labels}; restore the variables or refit into a new file"
            )
        return classify(model, x), model, ClusterInfo(model, path, False, warning)
    if path is not None and not fit_new:
        raise DataError(
            f"segment {name!r}: its model {path} does not exist; fit and save it with "
            "cxsurvey score --fit-clusters (it is never overwritten once written)"
        )
    model = fit(name, seg, labels, x, order_values(seg, labels, x, scales))
    return classify(model, x), model, ClusterInfo(model, path, True, warning)


def unclassified_warning(
    name: str, study: models.Study, x: np.ndarray, invalid: dict[str, np.ndarray], responses
) -> str | None:
    """How many respondents no tier can hold, and why: a variable unanswered or not
    scored, or (per question) an answer that is not a number or outside its range."""
    none = ~np.isfinite(x).all(axis=1)
    if not none.any():
        return None
    bad_any = np.zeros(len(x), dtype=bool)
    reasons = []
    for var, bad in invalid.items():
        if bad.any():
            bad_any |= bad
            column = study.questions[var].column
            examples = ", ".join(
                f"{responses.describe_row(int(i))}: {shorten(responses.text(column)[int(i)].as_py())}"
                for i in np.flatnonzero(bad)[:2]
            )
            reasons.append(
                f"{var!r} not a number or outside its range for {int(bad.sum())} (e.g. {examples})"
            )
    unanswered = none & ~bad_any
    if unanswered.any():
        examples = ", ".join(responses.describe_row(int(i)) for i in np.flatnonzero(unanswered)[:2])
        reasons.insert(
            0,
            f"{int(unanswered.sum())} with a clustering variable unanswered or not scored "
            f"(e.g. {examples})",
        )
    return (
        f"{int(none.sum())} respondent(s) are in no tier of segment {name!r}: "
        f"{'; '.join(reasons)}; they count in Total only"
    )
