"""A missing optional library is one line naming the extra that brings it, both ways to install."""

from __future__ import annotations

import sys

import pytest

from cxsurvey.errors import DataError
from cxsurvey.extras import require


@pytest.mark.parametrize(
    ("module", "extra"),
    [
        ("matplotlib", "charts"),
        ("pyreadstat", "spss"),
        ("xlsxwriter", "xlsx"),
        ("sklearn", "clusters"),
        ("pyspark", "spark"),
    ],
)
def test_missing_extra_names_it_and_both_install_commands(monkeypatch, module, extra):
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(DataError) as caught:
        require(module, extra, "doing the thing")
    assert str(caught.value) == (
        f"doing the thing needs {module}, from the optional '{extra}' extra: "
        f"pip install 'cxsurvey[{extra}]' (in a checkout: pip install '.[{extra}]')"
    )


def test_every_extra_named_in_the_code_exists_in_pyproject():
    import re
    import tomllib

    from tests.conftest import REPO

    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    named = set()
    for path in (REPO / "cxsurvey").rglob("*.py"):
        named |= set(re.findall(r'require\(\s*"[\w.]+",\s*"(\w+)"', path.read_text()))
    assert named and named <= set(extras), named - set(extras)
