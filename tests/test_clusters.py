"""Cluster tiers: fitting, the saved model (reused, never overwritten, the same
classification on a second run and on a new file), tier order by the named
score, k by silhouette, the banner, refusals and study-file rules."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

import cxsurvey
from cxsurvey.cli import app
from cxsurvey.errors import DataError, StudyError
from cxsurvey.study import parse_study
from tests.conftest import REPO, SAMPLE_EXPORT, render_export

ANALYTICS = REPO / "configs" / "cx_practitioner_analytics.yaml"


def _study(tmp_path, model="tiers.json"):
    text = ANALYTICS.read_text().replace("models/cx_tiers.json", model)
    path = tmp_path / "study.yaml"
    path.write_text(text)
    return path, cxsurvey.load_study(path)


def _fit(tmp_path):
    path, study = _study(tmp_path)
    out = CliRunner().invoke(
        app, ["score", "-s", str(path), str(SAMPLE_EXPORT), "-o", str(tmp_path / "s.csv"),
              "--fit-clusters"],
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    assert f"wrote cluster model {tmp_path / 'tiers.json'}" in out.output
    return path, study


def _nearest(model: dict, x: np.ndarray) -> np.ndarray:
    """Independent classification: standardise with the saved scaling, nearest centroid."""
    z = (x - np.array(model["mean"])) / np.array(model["sd"])
    out = np.full(len(x), -1)
    for i, row in enumerate(z):
        if np.isfinite(row).all():
            d = [float(((row - np.array(c)) ** 2).sum()) for c in model["centroids"]]
            out[i] = int(np.argmin(d))
    return out


def test_fit_saves_a_model_and_a_second_run_classifies_identically(tmp_path):
    _path, study = _fit(tmp_path)
    model = json.loads((tmp_path / "tiers.json").read_text())
    assert model["k"] == 3 and model["labels"] == ["Elite", "Professional", "Amateur"]
    assert model["variables"] == [f"maturity.{g}" for g in
                                  ("Lead", "Realize", "Activate", "Enlighten", "Respond", "Disrupt")]  # fmt: skip
    fitted = cxsurvey.score(SAMPLE_EXPORT, study, fit_clusters=True)  # in memory: file exists
    assert fitted.segments["tiers"].clusters.fitted is False
    first = cxsurvey.score(SAMPLE_EXPORT, study).segments["tiers"]
    second = cxsurvey.score(SAMPLE_EXPORT, study).segments["tiers"]
    assert np.array_equal(first.group, second.group)
    scores = cxsurvey.score(SAMPLE_EXPORT, study)
    x = np.column_stack(list(scores.scales["maturity"].groups.values()))
    assert np.array_equal(first.group, _nearest(model, x))
    # the tiers written by the fitting run are the ones the model gives
    with open(tmp_path / "s.csv", newline="") as fh:
        written = list(csv.reader(fh))
    col = written[0].index("tiers")
    labels = [line[col] for line in written[1:]]
    expect = [model["labels"][g] if g >= 0 else "" for g in first.group]
    assert labels == expect


def test_tiers_are_ordered_by_the_named_score(tmp_path):
    _, study = _fit(tmp_path)
    scores = cxsurvey.score(SAMPLE_EXPORT, study)
    seg = scores.segments["tiers"]
    total = scores.scales["maturity"].total
    means = [total[seg.group == t].mean() for t in range(3)]
    assert means == sorted(means, reverse=True)
    assert seg.sizes() == {k: int((seg.group == i).sum()) for i, k in enumerate(seg.labels)}


def test_a_new_wave_is_classified_by_the_saved_model_not_refitted(tmp_path):
    _path, study = _fit(tmp_path)
    model_bytes = (tmp_path / "tiers.json").read_bytes()
    model = json.loads(model_bytes)
    wave2 = tmp_path / "wave2.csv"
    out = CliRunner().invoke(app, ["sample", "--rows", "400", "--seed", "99", "-o", str(wave2)])
    assert out.exit_code == 0, out.output
    scores = cxsurvey.score(wave2, study, fit_clusters=True)
    seg = scores.segments["tiers"]
    assert seg.clusters.fitted is False
    x = np.column_stack(list(scores.scales["maturity"].groups.values()))
    assert np.array_equal(seg.group, _nearest(model, x))
    assert (tmp_path / "tiers.json").read_bytes() == model_bytes  # never overwritten


def test_a_missing_model_is_an_error_unless_fitting(tmp_path):
    path, study = _study(tmp_path)
    with pytest.raises(DataError, match=r"its model .*tiers\.json does not exist; fit and save"):
        cxsurvey.score(SAMPLE_EXPORT, study)
    out = CliRunner().invoke(app, ["figures", "-s", str(path), str(SAMPLE_EXPORT)])
    assert out.exit_code == 2 and "--fit-clusters" in out.output


def test_the_tiers_are_a_banner_and_profile(tmp_path):
    _, study = _fit(tmp_path)
    result = cxsurvey.figures(SAMPLE_EXPORT, study, ["tier_profile"])
    fig = result.figures[0]
    assert fig.columns == ["Total", "Elite", "Professional", "Amateur"]
    assert fig.letters == {"Elite": "A", "Professional": "B", "Amateur": "C"}
    scores = cxsurvey.score(SAMPLE_EXPORT, study)
    seg = scores.segments["tiers"]
    lead = scores.scales["maturity"].groups["Lead"]
    row = next(r for r in fig.rows if r.label == "Lead")
    for t, label in enumerate(seg.labels):
        assert row.cells[label].base == int((seg.group == t).sum())
        assert row.cells[label].value == pytest.approx(lead[seg.group == t].mean(), abs=1e-12)


BLOBS = """\
version: 1
study: Blobs
source: {id: id, format: csv}
questions:
  x: {type: numeric, column: x}
  y: {type: numeric, column: y}
segments:
  c:
    kind: clusters
    variables: [x, y]
    k: {min: 2, max: 6}
    order_by: x
    seed: 3
"""


def _blobs(tmp_path, k=4):
    rng = np.random.default_rng(0)
    centres = [(0, 0), (10, 0), (0, 10), (10, 10), (20, 20)][:k]
    pts = np.concatenate([rng.normal(c, 0.5, size=(30, 2)) for c in centres])
    rows = [[f"p{i}", f"{a:.4f}", f"{b:.4f}"] for i, (a, b) in enumerate(pts)]
    rows.append(["gap", "", "1"])  # a missing variable: no tier
    path = tmp_path / "blobs.csv"
    path.write_text(render_export(["id", "x", "y"], rows))
    return path


def test_k_is_chosen_by_silhouette_and_tiers_are_numbered(tmp_path):
    path = _blobs(tmp_path)
    scores = cxsurvey.score(path, parse_study(BLOBS, "blobs.yaml"))
    seg = scores.segments["c"]
    m = seg.clusters.model
    assert m.k == 4 and max(m.silhouette, key=m.silhouette.get) == "4"
    assert list(m.silhouette) == ["2", "3", "4", "5", "6"]
    assert seg.labels == ["Tier 1", "Tier 2", "Tier 3", "Tier 4"]
    assert seg.group[-1] == -1 and seg.sizes() == {f"Tier {i}": 30 for i in range(1, 5)}
    # each blob is one tier, tier 1 has the highest mean x
    x = scores.responses.cells("x").numbers
    means = [x[seg.group == t].mean() for t in range(4)]
    assert means == sorted(means, reverse=True)
    for b in range(4):
        assert len(set(seg.group[30 * b : 30 * b + 30].tolist())) == 1


def test_fitting_without_scikit_learn_names_the_extra(tmp_path, monkeypatch):
    path = _blobs(tmp_path)
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.cluster", None)
    with pytest.raises(DataError, match=r"pip install 'cxsurvey\[clusters\]'"):
        cxsurvey.score(path, parse_study(BLOBS, "blobs.yaml"))


def test_a_broken_model_file_is_a_one_line_error(tmp_path):
    _path, study = _study(tmp_path)
    (tmp_path / "tiers.json").write_text('{"cxsurvey_cluster_model": 1, "k": 3}')
    with pytest.raises(DataError, match="not a cluster model of segment 'tiers'"):
        cxsurvey.score(SAMPLE_EXPORT, study)


def test_a_model_for_other_variables_is_refused(tmp_path):
    path, _ = _fit(tmp_path)
    text = path.read_text().replace("variables: [maturity.groups]", "variables: [culture.groups]")
    path.write_text(text)
    with pytest.raises(DataError, match="was fitted on"):
        cxsurvey.score(SAMPLE_EXPORT, cxsurvey.load_study(path))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("variables: [x, y]", "variables: [x, z]"), "clustering variable 'z' is unknown"),
        (("order_by: x", "order_by: y2"), "order_by 'y2' must be a scale score"),
        (("seed: 3", "seed: 3\n    labels: [A, B]"), "`labels` needs a fixed `k`"),
        (("k: {min: 2, max: 6}", "k: 3\n    labels: [A, B]"), "`labels` has 2 labels for k = 3"),
        (("k: {min: 2, max: 6}", "k: {min: 5, max: 2}"), "`min` (5) is greater than `max` (2)"),
        (("    variables: [x, y]\n", ""), "a clusters segment needs `variables`"),
        (("kind: clusters", "kind: clusters\n    high: H"), "do not apply to `kind: clusters`"),
        (("seed: 3", "seed: 3\n    model: tiers.yaml"), "`model` must name a .json file"),
    ],
)  # fmt: skip
def test_study_rules_for_clusters(change, message):
    with pytest.raises(StudyError) as info:
        parse_study(BLOBS.replace(*change), "blobs.yaml")
    problems = [str(p) for p in info.value.problems]
    assert any(message in p for p in problems), problems


# --- review findings: model saved last, models validated, unclassified counted ----------


def test_a_failed_fit_run_leaves_no_model_behind(tmp_path):
    # --out in a missing folder fails the run: the model must not be saved either,
    # or every later run would silently use a model of a run that never finished
    path, _ = _study(tmp_path)
    out = CliRunner().invoke(
        app, ["score", "-s", str(path), str(SAMPLE_EXPORT), "-o", str(tmp_path / "nodir" / "x.csv"),
              "--fit-clusters"],
    )  # fmt: skip
    assert out.exit_code == 2, out.output
    assert "nodir does not exist" in out.output
    assert not (tmp_path / "tiers.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["study.yaml"]


def test_a_model_whose_folder_is_missing_fails_before_the_scores_are_written(tmp_path):
    path, _ = _study(tmp_path, model="models/tiers.json")
    scores = tmp_path / "s.csv"
    out = CliRunner().invoke(
        app, ["score", "-s", str(path), str(SAMPLE_EXPORT), "-o", str(scores), "--fit-clusters"]
    )
    assert out.exit_code == 2, out.output
    assert "models does not exist" in out.output and not scores.exists()


def _broken_model(tmp_path, key, index, value):
    _fit(tmp_path)
    model = json.loads((tmp_path / "tiers.json").read_text())
    if key == "centroids":
        model[key][index][1] = value
    else:
        model[key][index] = value
    # json writes NaN / Infinity as bare words, which Python's json reads back
    (tmp_path / "tiers.json").write_text(json.dumps(model))


@pytest.mark.parametrize(
    ("key", "index", "value", "message"),
    [
        ("sd", 0, 0.0, r"key 'sd' of 'maturity.Lead' is 0"),
        ("sd", 2, -1.0, r"key 'sd' of 'maturity.Activate' is -1"),
        ("sd", 1, float("nan"), r"key 'sd' of 'maturity.Realize' is nan"),
        ("mean", 0, float("nan"), r"key 'mean' of 'maturity.Lead' is nan"),
        ("mean", 5, float("inf"), r"key 'mean' of 'maturity.Disrupt' is inf"),
        ("centroids", 1, float("nan"), r"key 'centroids' of tier 'Professional' is not finite"),
    ],
)
def test_a_model_with_a_zero_sd_or_a_nan_is_refused_in_one_line(
    tmp_path, key, index, value, message
):
    _broken_model(tmp_path, key, index, value)
    path = tmp_path / "study.yaml"
    out = CliRunner().invoke(app, ["figures", "-s", str(path), str(SAMPLE_EXPORT)])
    assert out.exit_code == 2, out.output
    assert out.stdout == ""
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert str(tmp_path / "tiers.json") in out.stderr and "RuntimeWarning" not in out.stderr
    assert re.search(message, out.stderr), out.stderr


def test_a_model_with_a_nan_is_refused_without_a_numpy_warning(tmp_path):
    _broken_model(tmp_path, "sd", 0, 0.0)
    path = tmp_path / "study.yaml"
    proc = subprocess.run(
        [sys.executable, "-m", "cxsurvey", "figures", "-s", str(path), str(SAMPLE_EXPORT)],
        capture_output=True, text=True, cwd=REPO,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "Warning" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


TIERS_BY_Q = """
version: 1
study: Tiers
source: {id: id, format: csv}
questions:
  x: {type: numeric, column: x, range: [0, 100]}
  y: {type: numeric, column: y}
  size: {type: single, column: size, options: {1: Small, 2: Large}}
segments:
  c:
    kind: clusters
    variables: [x, y]
    k: 2
    seed: 1
figures:
  - {id: f1, question: size, by: c}
  - {id: f2, question: size}
"""


def test_respondents_in_no_tier_are_counted_and_named_in_the_banner_figures(tmp_path):
    rows = [[f"p{i}", str(10 + i % 3), str(i % 5), "1"] for i in range(20)]
    rows += [[f"q{i}", str(80 + i % 3), str(50 + i % 5), "2"] for i in range(20)]
    rows += [
        ["blank", "", "3", "1"],  # unanswered
        ["text", "lots", "3", "1"],  # not a number
        ["high", "120", "3", "2"],  # outside the question's range
        ["none", "50", "", "2"],  # unanswered
    ]
    path = tmp_path / "e.csv"
    path.write_text(render_export(["id", "x", "y", "size"], rows))
    study = parse_study(TIERS_BY_Q, "t.yaml")
    scores = cxsurvey.score(path, study)
    seg = scores.segments["c"]
    assert (seg.group == -1).sum() == 4 and seg.sizes() == {"Tier 1": 20, "Tier 2": 20}
    figs = {f.id: f for f in cxsurvey.figures(path, study, scores=scores).figures}
    (warning,) = [w for w in figs["f1"].warnings if "no tier" in w]
    assert warning.startswith("4 respondent(s) are in no tier of segment 'c'")
    assert (
        "2 with a clustering variable unanswered or not scored (e.g. respondent blank "
        "(data row 41), respondent none (data row 44)); 'x' not a number or outside its range "
        "for 2 (e.g. respondent text (data row 42): 'lots', respondent high (data row 43): "
        "'120'); they count in Total only"
    ) in warning
    assert not any("no tier" in w for w in figs["f2"].warnings)  # not banner-ed by c
    study_path = tmp_path / "t.yaml"
    study_path.write_text(TIERS_BY_Q)
    out = CliRunner().invoke(app, ["score", "-s", str(study_path), str(path), "-f", "json"])
    assert json.loads(out.stdout)["segments"]["c"]["warnings"] == [warning]
    out = CliRunner().invoke(
        app, ["score", "-s", str(study_path), str(path), "-o", str(tmp_path / "s.csv")]
    )
    assert "warning: 4 respondent(s) are in no tier of segment 'c'" in " ".join(out.output.split())
    # the Total column counts them; the tier columns do not
    assert figs["f1"].rows[0].cells["Total"].base == 44


def test_scores_are_never_written_over_the_model_being_fitted(tmp_path):
    path, _ = _study(tmp_path)
    out = CliRunner().invoke(
        app, ["score", "-s", str(path), str(SAMPLE_EXPORT), "-o", str(tmp_path / "tiers.json"),
              "-f", "json", "--fit-clusters"],
    )  # fmt: skip
    assert out.exit_code == 2, out.output
    assert "--out is the cluster model file" in out.output
    assert not (tmp_path / "tiers.json").exists()
