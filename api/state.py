"""Where checks run for one app: the checker loaded once (in worker processes or here),
and ``run_check``, which runs one check within its budget and turns the outcomes a client
must hear about (overrun, client gone, worker lost) into answers."""

from __future__ import annotations

import logging
from typing import Any

import anyio
import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.responses import Response

from checker.deadline import CheckTimeout, deadline_after

from .catalogue import Catalogue, build_catalogue
from .checkpool import CheckPool, ClientGone, WorkerLost
from .errors import ApiError
from .service import CheckService, log_request_text, timed_call
from .settings import Settings

logger = logging.getLogger("stemcheck.api")

JSON = "application/json"


def json_response(data: bytes, status: int = 200) -> Response:
    return Response(content=data, status_code=status, media_type=JSON)


class LoadedChecker:
    """Where checks run: ``pool`` (worker processes) or ``service`` on threads bounded by
    ``limiter``; and the rule pack's read-only answers."""

    def __init__(
        self,
        catalogue: Catalogue,
        pool: CheckPool | None = None,
        service: CheckService | None = None,
        limiter: anyio.CapacityLimiter | None = None,
    ) -> None:
        self.catalogue = catalogue
        self.pool = pool
        self.service = service
        self.limiter = limiter


def loaded(app: FastAPI) -> LoadedChecker:
    """The loaded checker (built on first need: in the lifespan, or at the first request
    of an app run without one). Blocks while it loads."""
    state = getattr(app.state, "loaded", None)
    if state is None:
        settings: Settings = app.state.settings
        if settings.check_processes > 0:
            pool = CheckPool(app.state.checker_factory, settings)
            state = LoadedChecker(pool.catalogue(), pool=pool)
        else:
            checker = app.state.checker_factory()
            state = LoadedChecker(
                build_catalogue(checker, settings),
                service=CheckService(checker, settings),
                limiter=anyio.CapacityLimiter(settings.check_threads),
            )
        app.state.loaded = state
    return state


def warm_up(service: CheckService) -> None:
    # The first check initialises lazy parts of the pipeline; pay that before serving.
    service.checker.check("Warm-up: our stem cell therapy cures MS.")


async def run_check(request: Request, method: str, body: Any) -> Response:
    """Run ``CheckService.<method>(body)`` within the check budget, in a worker process (or
    on a thread); Server-Timing tells how long the work itself took (checking, filtering and
    serializing), so clients can tell it from network and queue time."""
    state = loaded(request.app)
    settings: Settings = request.app.state.settings
    deadline = deadline_after(settings.check_timeout_s)  # the budget counts the queue too
    if settings.log_text:
        log_request_text(body)
    try:
        if state.pool is not None:
            data, seconds = await state.pool.check(
                method, body, deadline=deadline, disconnected=request.is_disconnected
            )
        else:
            data, seconds = await anyio.to_thread.run_sync(
                timed_call, state.service, method, body, deadline, limiter=state.limiter
            )
    except CheckTimeout:
        raise ApiError(
            503, "check_timeout",
            f"The check took longer than its budget of {settings.check_timeout_s:g} s and was stopped. "
            "Send less text per request (for example a page's sections one by one).",
        ) from None
    except ClientGone:
        logger.info("client left during a check; its work was stopped")
        return Response(status_code=499)  # nobody is listening; nginx's "client closed request"
    except WorkerLost as exc:
        logger.error("check worker lost: %s", exc)
        raise ApiError(500, "internal_error", "The check stopped unexpectedly on our side; please retry.") from None
    response = json_response(data)
    response.headers["Server-Timing"] = f"check;dur={seconds * 1000:.2f}"
    return response
