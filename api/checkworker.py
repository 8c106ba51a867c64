"""What runs inside a check worker process (started and stopped by api/checkpool.py).

Each worker builds its checker once, in ``init_worker``, then answers ``run_check`` calls:
one request at a time, so stopping the process stops exactly that request's work.
"""

from __future__ import annotations

import gc
import signal
from typing import Callable

from checker.pipeline import Checker

from .catalogue import Catalogue, build_catalogue
from .service import CheckService, timed_call
from .settings import Settings

_service: CheckService | None = None
_settings: Settings | None = None


def init_worker(factory: Callable[[], Checker], settings: Settings) -> None:
    global _service, _settings
    # Ctrl-C in a terminal reaches the whole process group; the server stops its workers
    # itself, in order, so they must not die first with a traceback each.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # pebble stops a worker with SIGTERM and a Python handler, which cannot run while a call
    # into C code (spaCy, a regex) holds the interpreter; only after 3 s would it send SIGKILL.
    # A worker keeps nothing that needs a clean exit, so the default action: ended at once.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _settings = settings
    _service = CheckService(factory(), settings)
    _service.checker.check("Warm-up: our stem cell therapy cures MS.")
    gc.collect()
    gc.freeze()  # the pipeline's long-lived objects, out of the collector's full scans


def run_check(method: str, request: object, deadline: float | None) -> tuple[bytes, float]:
    """``CheckService.<method>(request, deadline)``: the JSON answer and the seconds it took."""
    assert _service is not None, "init_worker did not run"
    return timed_call(_service, method, request, deadline)


def catalogue() -> Catalogue:
    assert _service is not None and _settings is not None, "init_worker did not run"
    return build_catalogue(_service.checker, _settings)
