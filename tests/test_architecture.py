"""Import rules: a fast CLI start-up and a core that knows nothing of the CLI."""

from __future__ import annotations

import ast
import subprocess
import sys

from tests.conftest import REPO

PACKAGE = REPO / "cxsurvey"
HEAVY = ("pandas", "pyarrow", "scipy", "numpy")


def test_help_does_not_import_heavy_libraries():
    code = (
        "import sys\nfrom cxsurvey.cli import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"


def _imports(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield ("." * node.level) + (node.module or "")


def test_core_does_not_import_cli_typer_or_rich():
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).parts
        if rel[0] in ("cli", "__main__.py") or rel[:2] == ("outputs", "terminal"):
            continue
        for name in _imports(path):
            root = name.lstrip(".").split(".")[0]
            assert root not in ("typer", "rich", "click"), f"{path} imports {name}"
            assert not name.lstrip(".").startswith("cli"), f"{path} imports {name}"


def test_tabulation_imports_no_private_names_of_other_modules():
    # review: drivers.py imported figure._filter_keep and figure._weights; what
    # several figure kinds share is public in one module (tabulation/figure_inputs.py)
    private = []
    for path in (PACKAGE / "tabulation").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("cxsurvey"):
                private += [
                    f"{path.name}: {a.name}"
                    for a in node.names
                    if a.name[0] == "_" and a.name[:2] != "__"
                ]
    assert private == []


def test_pipeline_stages_never_import_outputs_or_cli():
    """Data flows one way: reading/study -> scoring -> tabulation -> outputs -> cli."""
    stages = ("reading", "study", "scoring", "tabulation", "stats", "checks", "codebook", "sample")
    wrong = []
    for stage in stages:
        for path in (PACKAGE / stage).rglob("*.py"):
            for name in _imports(path):
                if name.startswith(("cxsurvey.outputs", "cxsurvey.cli")):
                    wrong.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert wrong == []
