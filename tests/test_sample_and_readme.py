"""The bundled sample behaves like the published studies; the README's promises hold."""

from __future__ import annotations

import re

import numpy as np

import cxsurvey
from tests.conftest import DEFAULT_STUDY, REPO, SAMPLE_EXPORT
from tests.recount import included_rows


def test_sample_has_what_real_exports_have():
    text = SAMPLE_EXPORT.read_text(encoding="utf-8")
    assert '"{""ImportId"":""QID5_1""}"' in text.splitlines()[2]
    for needle in ("-99", '""customer first""', "客户体验", "Zespół", "Нам", "\nAdoption"):
        assert needle in text
    result = cxsurvey.score(SAMPLE_EXPORT, cxsurvey.load_study(DEFAULT_STUDY))
    assert result.respondents["read"] == 260
    # previews, spam and unfinished responses dropped (recounted with the csv module)
    assert result.respondents["included"] == len(included_rows()) == 231


def test_leaders_and_laggards_differ_as_published():
    result = cxsurvey.score(SAMPLE_EXPORT, cxsurvey.load_study(DEFAULT_STUDY))
    group = result.segments["cx_group"].group
    leaders, laggards = group == 0, group == 1

    def share(column, codes):
        x = result.responses.cells(column).numbers
        hit = np.isin(x, codes)
        return hit[leaders].mean(), hit[laggards].mean()

    ceo = share("Q9", [4, 5])
    fin = share("Q23", [4, 5])
    assert ceo[0] > ceo[1] + 0.15 and fin[0] > fin[1] + 0.15
    barriers = result.responses.text("Q18").to_pylist()
    counts = np.array([len(b.split(",")) if b else 0 for b in barriers])
    assert counts[laggards].mean() > counts[leaders].mean() + 0.5


def test_readme_quickstart_commands():
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```bash\n(.*?)\n```", section, re.S)
    assert commands == [
        "pip install . && cxsurvey score sample_data/cx_practitioner_sample.csv",
        'pip install ".[test]" && python -m pytest',
    ]
    assert commands[1] in (REPO / ".ci" / "run").read_text()
    assert (REPO / "sample_data" / "cx_practitioner_sample.csv").exists()
