"""The ``score`` job: every scale and segment of a study for one export.

Returns a ``ScoreResult``; ``ScoreResult.table()`` is the spec's ``score``
output (id, then per scale ``S.<group>``..., ``S``, ``S.band``, then one column
per segment), which the writers in ``io.scores_out`` serialise.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from cxsurvey.errors import DataError
from cxsurvey.scoring.export_options import needs_export_options, with_export_options
from cxsurvey.scoring.responses import Responses, export_record, load_responses
from cxsurvey.scoring.scales import ScaleScores, score_scale
from cxsurvey.scoring.segments import NONE, SegmentSplit, median_split
from cxsurvey.scoring.weighting import RakeResult, base_weights, rake
from cxsurvey.study.load import StudyFile
from cxsurvey.study.models import question_columns


@dataclass(frozen=True)
class ScoreResult:
    study: StudyFile
    responses: Responses
    scales: dict[str, ScaleScores]
    segments: dict[str, SegmentSplit]
    weighting: RakeResult | None = None  # rim weights, when the study declares them

    @property
    def respondents(self) -> dict:
        """The spec's ``respondents`` record: read, included, scored per scale."""
        out = {
            "read": self.responses.n_read,
            "included": self.responses.n_included,
            "scored": {name: s.n_scored for name, s in self.scales.items()},
        }
        if self.responses.quality is not None:
            out["quality"] = quality_summary(self.responses)
        if self.responses.window is not None:
            out["window"] = {k: v for k, v in self.responses.window.items() if k != "warnings"}
        return out

    @property
    def export(self) -> dict:
        """How the export was read (an addition to the output contract): layout,
        encoding, delimiter, header rows, the missing codes in force, and the
        integrity warnings (duplicate ids, tolerant column matches)."""
        responses = self.responses
        record = export_record(responses.export.path, responses.export.layout, responses.study)
        record["warnings"] = responses.integrity_warnings()
        if responses.export.partitions is not None:
            read, total = responses.export.partitions
            record["partitions"] = {"read": read, "of": total}
        return record

    def new_models(self) -> dict[Path, dict]:
        """Cluster models fitted on this run that the study wants saved (path -> JSON)."""
        out = {}
        for seg in self.segments.values():
            info = seg.clusters
            if info is not None and info.fitted and info.path is not None:
                out[info.path] = info.model.to_dict()
        return out

    def table(self) -> pa.Table:
        """One row per included respondent, in the export's order."""
        self.responses.require_respondents("score tables")
        id_name = self.responses.id_column or "row"
        names, arrays = [id_name], [self.responses.ids]
        for name, scale in self.scales.items():
            for group, values in scale.groups.items():
                names.append(f"{name}.{group}")
                arrays.append(pa.array(values, from_pandas=True))
            names.append(name)
            arrays.append(pa.array(scale.total, from_pandas=True))
            if scale.band_labels:
                names.append(f"{name}.band")
                arrays.append(_labels(scale.band, scale.band_labels))
        for name, seg in self.segments.items():
            names.append(name)
            arrays.append(_labels(seg.group.astype(np.int64), seg.labels))
        if self.responses.quality is not None:
            for name, flags in self.responses.quality.columns().items():
                names.append(name)
                arrays.append(pa.array(flags[self.responses.row_numbers]))
        if self.weighting is not None:
            names.append(self.weighting.column)
            arrays.append(pa.array(self.weighting.weights))
        return pa.table(arrays, names=names)


def quality_summary(responses: Responses) -> dict:
    """Screening counts: rows the rules judged (kept by the other include filters),
    how many each rule flagged, how many each rule could not judge (never flagged),
    and how many the quality filters screened out."""
    q = responses.quality
    screened = int(q.screened.sum())
    return {
        "screened": screened,
        "flagged": q.counts(),
        "unjudged": q.unjudged,
        "excluded": screened - responses.n_included,
        "rules": q.rules,
    }


def _labels(codes: np.ndarray, labels: list[str]) -> pa.Array:
    indices = pa.array(codes.astype(np.int32), mask=codes == NONE)
    return pa.DictionaryArray.from_arrays(indices, pa.array(labels, pa.string())).cast(pa.string())


def score(
    export: str | Path,
    study: StudyFile,
    fit_clusters: bool = False,
    since: str | None = None,
    until: str | None = None,
) -> ScoreResult:
    """Read ``export``, score every scale and split every segment of ``study``;
    ``since``/``until`` (YYYY-MM-DD or YYYY-MM) keep the responses dated inside them."""
    responses = load_responses(export, study.study, since, until)
    if needs_export_options(study.study):
        study = with_export_options(study, responses.export)
        responses.study = study.study
    return score_responses(responses, study, fit_clusters)


def _clusters(name, seg, study, scales, responses, fit_clusters: bool) -> SegmentSplit:
    from cxsurvey.scoring.clusters import cluster_segment

    group, model, info = cluster_segment(name, seg, study, scales, responses, fit_clusters)
    return SegmentSplit(name, seg.label or name, model.order_by, None, model.labels, group, info)


def score_responses(
    responses: Responses, study: StudyFile, fit_clusters: bool = False
) -> ScoreResult:
    """Score every scale and split every segment of already loaded responses.

    ``fit_clusters``: fit the clusters segments whose model file does not exist yet
    (``ScoreResult.new_models`` holds them for the caller to save). Scales,
    segments and rim weights need one row per respondent (not an aggregated export)."""
    spec = study.study
    for what, present in (("scales", spec.scales), ("segments", spec.segments),
                          ("rim weights (weighting)", spec.weighting)):  # fmt: skip
        if present:
            responses.require_respondents(what)
    items = [c for scale in study.study.scales.values() for c in scale.items]
    responses.prefetch(items)
    scales = {
        name: score_scale(name, scale, responses) for name, scale in study.study.scales.items()
    }
    questions = {c for q in study.study.questions.values() for c in question_columns(q)}
    responses.forget(c for c in items if c not in questions)
    segments = {}
    for name, seg in study.study.segments.items():
        if seg.kind == "clusters":
            segments[name] = _clusters(name, seg, study, scales, responses, fit_clusters)
        else:
            segments[name] = median_split(name, seg, scales[seg.median_split])
    weighting = None
    if study.study.weighting is not None:
        circular = [
            n for n in study.study.weighting.targets if study.study.segments.get(n) is not None
            and study.study.segments[n].split == "weighted"
        ]  # fmt: skip
        if circular:
            raise DataError(
                f"weighting.targets.{circular[0]}: a segment with split: weighted depends on "
                "the weights; rake on an unweighted split or on the scale's bands"
            )
        weighting = rake(study.study.weighting, study.study, responses, scales, segments)
    weights = analysis_weights(study.study, responses, weighting)
    for name, seg in study.study.segments.items():
        if seg.kind != "clusters" and seg.split == "weighted" and weights is not None:
            segments[name] = median_split(name, seg, scales[seg.median_split], weights)
    return ScoreResult(study, responses, scales, segments, weighting)


def analysis_weights(study, responses, weighting: RakeResult | None) -> np.ndarray | None:
    """The weights figures use: rim weights when declared, else source.weight."""
    if weighting is not None:
        return weighting.weights
    return responses.memo(("base weights",), lambda: base_weights(responses, study))
