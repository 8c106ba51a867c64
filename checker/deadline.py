"""A time budget for one check, tested between pieces of work.

A deadline is an absolute reading of ``time.monotonic()`` (the system-wide monotonic
clock on Linux, so a deadline set in one process holds in another). The checker tests it
between chunks and batches: this stops a long check cleanly and quickly, but not in the
middle of one call into spaCy. The API therefore also runs checks in worker processes that
it can stop (api/checkpool.py); this is the polite stop, that one the forced one.
"""

from __future__ import annotations

import time


class CheckTimeout(Exception):
    """The check ran past its deadline; no partial report is returned."""

    def __str__(self) -> str:
        return "the check ran past its time budget"


def deadline_after(seconds: float | None) -> float | None:
    """The deadline ``seconds`` from now (None: no deadline)."""
    return None if seconds is None else time.monotonic() + seconds


def enforce(deadline: float | None) -> None:
    """Raise CheckTimeout when the deadline has passed."""
    if deadline is not None and time.monotonic() > deadline:
        raise CheckTimeout()
