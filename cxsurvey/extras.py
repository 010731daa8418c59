"""Optional libraries (pyproject extras): import one, or say in one line which extra brings it."""

from __future__ import annotations

import importlib
from types import ModuleType

from cxsurvey.errors import DataError


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """``module`` imported, or a DataError naming ``extra`` and both ways to install it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        package = module.split(".")[0]
        raise DataError(
            f"{purpose} needs {package}, from the optional '{extra}' extra: "
            f"pip install 'cxsurvey[{extra}]' (in a checkout: pip install '.[{extra}]')"
        ) from None
