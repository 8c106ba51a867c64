"""The stemcheck HTTP API (FastAPI).

Run with ``python -m api`` (see ``api/__main__.py``) or ``uvicorn api.app:app``.

Modules: this one builds the app (middleware, lifespan); ``routes`` holds the endpoints,
``state`` where checks run, ``site`` the web page.

Layers, outermost first: CORS -> catch-all (JSON 500, logged without text) ->
rate limit (/v1/*) -> JSON body guard (415/413/400 for the check endpoints) ->
FastAPI routing and validation (404/405/422).

Checks run in STEMCHECK_CHECK_PROCESSES worker processes (api/checkpool.py), each with the
pipeline loaded once; a check that overruns STEMCHECK_CHECK_TIMEOUT, or whose client leaves,
has its worker stopped and replaced, and this process stays free for every other request.
With 0 check processes, checks run on threads here instead (at most STEMCHECK_CHECK_THREADS
at once), and the budget is only tested between chunks.
"""

from __future__ import annotations

import gc
from contextlib import asynccontextmanager
from typing import Callable

import anyio
import anyio.to_thread
from fastapi import FastAPI
from fastapi.responses import Response
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse

from checker import __version__
from checker.pipeline import Checker, default_checker

from .bodyguard import JsonBodyGuard
from .errors import CatchAllMiddleware, error_body, install_error_handlers
from .ratelimit import RateLimitMiddleware, TokenBucketLimiter
from .routes import router
from .settings import Settings
from .site import add_site
from .state import loaded, warm_up

CHECK_PATHS = frozenset({"/v1/check", "/v1/check/batch"})

_DESCRIPTION = """
Flags stem-cell clinic marketing claims that contradict medical evidence.

* `POST /v1/check` checks one text or HTML page and returns the checker's Report.
* `POST /v1/check/batch` checks a page's text nodes (`segments`, for browser
  extensions) or several independent `documents`.
* `GET /v1/rules`, `GET /v1/rules/{rule_id}`, `GET /v1/info`, `GET /healthz`.

Offsets: `start`/`end` are code points, `start_utf16`/`end_utf16` UTF-16 code
units (use these in JavaScript), `html_start`/`html_end` index the submitted HTML.

Every error is JSON: `{"error": {"code": "...", "message": "..."}}`.
Submitted text is never stored or logged (unless STEMCHECK_LOG_TEXT is set).
"""


class _JsonCORSMiddleware(CORSMiddleware):
    """Starlette's CORS middleware, with a JSON body for refused preflights."""

    def preflight_response(self, request_headers) -> Response:  # type: ignore[override]
        response = super().preflight_response(request_headers)
        if response.status_code == 400:
            headers = {
                k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-type")
            }
            message = response.body.decode("utf-8", "replace") or "Disallowed CORS request"
            return JSONResponse(error_body("cors_rejected", message + "."), status_code=400, headers=headers)
        return response


def create_app(settings: Settings | None = None, *, checker_factory: Callable[[], Checker] = default_checker) -> FastAPI:
    """Build the app.  ``settings`` default to the environment (Settings.from_env())."""
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # Load the pipeline and rule pack once (in the check workers, or here), before serving.
        state = await anyio.to_thread.run_sync(loaded, app)
        if state.service is not None:
            await anyio.to_thread.run_sync(warm_up, state.service)
        # The pipeline, vocabulary and compiled patterns are ~200k long-lived objects;
        # every full (generation 2) garbage collection would scan them all, an ~90 ms
        # pause in the middle of some request.  Freezing moves them out of the
        # collector's view (they live as long as the process anyway).
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            if state.pool is not None:
                # Requests in flight have been drained by now (uvicorn's graceful shutdown).
                await anyio.to_thread.run_sync(state.pool.close, 2.0)

    app = FastAPI(
        title="stemcheck API",
        version=__version__,
        description=_DESCRIPTION,
        lifespan=lifespan,
        # FastAPI's own pages load Swagger UI and ReDoc from a CDN; site.py serves /docs
        # from this package instead.
        docs_url=None,
        redoc_url=None,
        openapi_tags=[
            {"name": "check", "description": "Check text, HTML or a page's text nodes."},
            {"name": "rules", "description": "The rule pack: categories, rules, examples, sources."},
            {"name": "meta", "description": "Versions, limits and health."},
        ],
    )
    app.state.settings = settings
    app.state.checker_factory = checker_factory

    install_error_handlers(app)
    # add_middleware puts each new layer outside the previous ones.
    app.add_middleware(JsonBodyGuard, max_bytes=settings.max_body_bytes, paths=CHECK_PATHS)
    if settings.rate_limit_per_minute > 0:
        limiter = TokenBucketLimiter(settings.rate_limit_per_minute, settings.rate_burst)
        app.add_middleware(RateLimitMiddleware, limiter=limiter)
        app.state.rate_limiter = limiter
    app.add_middleware(CatchAllMiddleware, log_text=settings.log_text)
    cors = settings.cors_config()
    if cors is not None:
        origins, regex = cors
        app.add_middleware(
            _JsonCORSMiddleware,
            allow_origins=origins,
            allow_origin_regex=regex,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Content-Type"],
            allow_credentials=False,
            expose_headers=["Retry-After"],
            max_age=600,
        )

    app.include_router(router)
    add_site(app)
    return app


app = create_app()
