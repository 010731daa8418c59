"""init on a .sav with SPSS user-missing values: they go to source.missing, not to the
options, and the draft passes validate --strict (expected values written by hand)."""

from __future__ import annotations

import pytest
import yaml
from typer.testing import CliRunner

from cxsurvey.cli import app
from cxsurvey.codebook.build import build_codebook

runner = CliRunner()


def _sav(tmp_path, extra=None):
    pyreadstat = pytest.importorskip("pyreadstat")
    import pandas as pd

    data = {"ResponseId": ["R_1", "R_2", "R_3", "R_4"], "sat": [1.0, 2.0, -99.0, 2.0],
            "g_1": [1.0, 2.0, -99.0, 3.0], "g_2": [2.0, 2.0, 3.0, -98.0]}  # fmt: skip
    labels = {"sat": {1: "Happy", 2: "Unhappy", -99: "Seen but not answered"},
              "g_1": {1: "Bad", 2: "OK", 3: "Good", -99: "Seen but not answered"},
              "g_2": {1: "Bad", 2: "OK", 3: "Good", -98: "Refused"}}  # fmt: skip
    missing = {"sat": [-99], "g_1": [{"lo": -99.0, "hi": -99.0}], "g_2": [-98]}
    column_labels = ["Response ID", "Satisfaction", "Rate - Fast", "Rate - Friendly"]
    if extra:
        data["age"] = [34.0, -98.0, 51.0, 29.0]
        labels["age"] = {-98: "Refused", 99: "99 or older"}
        column_labels.append("Age")
        missing["age"] = [{"lo": 98.0, "hi": 99.0}]  # -98 is an answer here, 98..99 are not
    path = tmp_path / "t.sav"
    pyreadstat.write_sav(pd.DataFrame(data), str(path), column_labels=column_labels,
                         variable_value_labels=labels, missing_ranges=missing)  # fmt: skip
    return path


def test_user_missing_codes_go_to_source_missing_not_to_the_options(tmp_path):
    path = _sav(tmp_path)
    cb = build_codebook(path)
    q = {e.name: e for e in cb.entries}
    assert [(o.code, o.label, o.count) for o in q["sat"].options] == [
        (1, "Happy", 1),
        (2, "Unhappy", 2),
    ]
    assert [o.code for o in q["g"].options] == [1, 2, 3]
    assert cb.missing == (-99, -98)
    out = tmp_path / "t.yaml"
    assert runner.invoke(app, ["init", str(path), "--out", str(out)]).exit_code == 0
    draft = yaml.safe_load(out.read_text())
    assert draft["source"]["missing"] == [-99, -98]
    assert draft["questions"]["sat"]["options"] == {1: "Happy", 2: "Unhappy"}
    checked = runner.invoke(app, ["validate", str(out), "--strict"])
    assert checked.exit_code == 0, checked.output
    figs = runner.invoke(app, ["figures", str(path), "--study", str(out), "--format", "json"])
    assert figs.exit_code == 0, figs.output
    import json

    sat = next(f for f in json.loads(figs.stdout)["figures"] if f["id"] == "sat")
    assert [(r["label"], r["cells"]["Total"]["count"]) for r in sat["rows"]] == [
        ("Happy", 1),
        ("Unhappy", 2),
    ]
    assert sat["rows"][0]["cells"]["Total"]["base"] == 3  # R_3's -99 is not an answer


def test_a_user_missing_code_that_is_an_answer_elsewhere_is_not_made_global(tmp_path):
    path = _sav(tmp_path, extra=True)
    cb = build_codebook(path)
    # -98 is user-missing in g_2 but the answer "Refused" of age: named, not global;
    # 98 and 99 (age's range 98..99) are listed code by code
    assert cb.missing == (-99, 98, 99)
    (warning,) = [w for w in cb.warnings if "user-missing" in w]
    assert "-98" in warning and "age" in warning
