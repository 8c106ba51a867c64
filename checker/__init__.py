"""stemcheck: flags stem-cell marketing claims that contradict medical evidence.

    from checker import check
    report = check("Our stem cells cure MS.")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["Assertion", "Checker", "Finding", "Report", "Severity", "__version__", "check", "check_many"]

if TYPE_CHECKING:  # pragma: no cover
    from checker.pipeline import Checker, check, check_many
    from checker.models import Assertion, Finding, Report, Severity

_LAZY = {
    "Checker": "pipeline", "check": "pipeline", "check_many": "pipeline",
    "Assertion": "models", "Finding": "models", "Report": "models", "Severity": "models",
}


def __getattr__(name: str) -> Any:
    # Imported on first use, so `stemcheck` can report a bad input file
    # before paying for importing spaCy.
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'checker' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
