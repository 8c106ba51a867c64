"""stemcheck: flags stem-cell marketing claims that contradict medical evidence.

    from checker import check
    report = check("Our stem cells cure MS.")
"""

from __future__ import annotations

__version__ = "0.1.0"

from .engine import Checker, check, check_many  # noqa: E402
from .models import Assertion, Finding, Report, Severity  # noqa: E402

__all__ = ["Assertion", "Checker", "Finding", "Report", "Severity", "__version__", "check", "check_many"]
