"""The stemcheck HTTP API (FastAPI).

Run with ``python -m api`` (see ``api/__main__.py``) or ``uvicorn api.app:app``.

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
import logging
from contextlib import asynccontextmanager
from typing import Any, Callable

import anyio
import anyio.to_thread
from fastapi import Body, FastAPI, Request
from fastapi.responses import Response
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse

from checker import __version__
from checker.deadline import CheckTimeout, deadline_after
from checker.pipeline import Checker, default_checker
from checker.resources import resource_dir

from .bodyguard import JsonBodyGuard
from .catalogue import Catalogue, build_catalogue
from .checkpool import CheckPool, ClientGone, WorkerLost
from .errors import ApiError, CatchAllMiddleware, error_body, error_responses, install_error_handlers
from .models import (
    BatchRequest,
    BatchResponse,
    CheckRequest,
    CheckResponse,
    DocumentsResponse,
    HealthResponse,
    InfoResponse,
    RuleDetail,
    RulesResponse,
    SegmentsResponse,
)
from .ratelimit import RateLimitMiddleware, TokenBucketLimiter
from .service import CheckService, log_request_text, timed_call
from .settings import Settings

logger = logging.getLogger("stemcheck.api")

STATIC_DIR = resource_dir("api", "static")
CHECK_PATHS = frozenset({"/v1/check", "/v1/check/batch"})
JSON = "application/json"

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


def _example(model) -> dict[str, Any]:
    return model.model_config["json_schema_extra"]["examples"][0]


def _ok(example: Any, description: str = "Success") -> dict[int | str, dict[str, Any]]:
    return {200: {"description": description, "content": {JSON: {"example": example}}}}


def _json(data: bytes, status: int = 200) -> Response:
    return Response(content=data, status_code=status, media_type=JSON)


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
        state = await anyio.to_thread.run_sync(_state, app)
        if state.service is not None:
            await anyio.to_thread.run_sync(_warm_up, state.service)
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

    _add_routes(app, settings)
    _add_static(app)
    return app


class _State:
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


def _state(app: FastAPI) -> _State:
    """The loaded checker (built on first need: in the lifespan, or at the first request
    of an app run without one). Blocks while it loads."""
    state = getattr(app.state, "loaded", None)
    if state is None:
        settings: Settings = app.state.settings
        if settings.check_processes > 0:
            pool = CheckPool(app.state.checker_factory, settings)
            state = _State(pool.catalogue(), pool=pool)
        else:
            checker = app.state.checker_factory()
            state = _State(
                build_catalogue(checker, settings),
                service=CheckService(checker, settings),
                limiter=anyio.CapacityLimiter(settings.check_threads),
            )
        app.state.loaded = state
    return state


def _warm_up(service: CheckService) -> None:
    # The first check initialises lazy parts of the pipeline; pay that before serving.
    service.checker.check("Warm-up: our stem cell therapy cures MS.")


async def _run(request: Request, method: str, body: Any) -> Response:
    """Run ``CheckService.<method>(body)`` within the check budget, in a worker process (or
    on a thread); Server-Timing tells how long the work itself took (checking, filtering and
    serializing), so clients can tell it from network and queue time."""
    state = _state(request.app)
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
    response = _json(data)
    response.headers["Server-Timing"] = f"check;dur={seconds * 1000:.2f}"
    return response


def _add_routes(app: FastAPI, settings: Settings) -> None:
    # -- check ---------------------------------------------------------------------
    @app.post(
        "/v1/check",
        tags=["check"],
        summary="Check one text or HTML page",
        response_model=CheckResponse,
        responses={**_ok(_example(CheckResponse)), **error_responses(400, 413, 415, 422, 429, 503)},
        description=(
            "Send exactly one of `text` or `html`. Returns the checker's Report: warnings (or, with "
            "`include_all`, every match), filtered by `categories` / `exclude_categories` / "
            "`min_severity`, with the summary recomputed. For HTML, only visible text is checked and "
            "`html[html_start:html_end]` is the claim in the submitted string (inline tags within "
            "it included). Malformed HTML is accepted; HTML nested too deeply gives 422 `invalid_html`."
        ),
    )
    async def check(
        request: Request,
        body: CheckRequest = Body(
            openapi_examples={
                "text": {
                    "summary": "Plain text",
                    "value": {"text": "Our stem cell therapy cures multiple sclerosis. It is FDA-approved."},
                },
                "html": {
                    "summary": "HTML, high severity and above",
                    "value": {
                        "html": "<p>It is <span>FDA</span>-approved and has <b>no side effects</b>.</p>",
                        "min_severity": "high",
                        "include_text": True,
                    },
                },
                "filtered": {
                    "summary": "Only some categories, with non-warnings",
                    "value": {
                        "text": "Stem cells are not a cure for MS. The procedure has no side effects.",
                        "categories": ["cure-claim", "risk-denial"],
                        "include_all": True,
                    },
                },
            }
        ),
    ) -> Response:
        return await _run(request, "check", body)

    @app.post(
        "/v1/check/batch",
        tags=["check"],
        summary="Check a page's text nodes, or several documents",
        response_model=BatchResponse,
        responses={
            200: {
                "description": "`mode` tells which shape: `segments` or `documents`.",
                "content": {
                    JSON: {
                        "examples": {
                            "segments": {"summary": "segments", "value": _example(SegmentsResponse)},
                            "documents": {"summary": "documents", "value": _example(DocumentsResponse)},
                        }
                    }
                },
            },
            **error_responses(400, 413, 415, 422, 429, 503),
        },
        description=(
            "Send exactly one of `segments` or `documents`.\n\n"
            "**segments** (browser extensions): a page's text nodes in document order. Segments with "
            "the same `block` are joined in order of appearance with no separator and checked as one "
            "text, so a sentence spread over several nodes is found; different blocks are checked "
            "separately and never run together. Each finding has `block` and `pieces`: one per "
            "segment its span covers, with offsets into that segment's own text (`start_utf16`/"
            "`end_utf16` for JavaScript). Finding offsets index the block's joined text. `blocks` "
            "summarises each block that has findings; `summary` covers the page. At most "
            f"STEMCHECK_MAX_SEGMENTS ({settings.max_segments:,}) segments, else 413 `too_many_segments`.\n\n"
            "**documents**: independent texts or HTML pages, each with its own report (the shape of "
            f"/v1/check's response plus `id`). At most STEMCHECK_MAX_DOCUMENTS "
            f"({settings.max_documents:,}), else 413 `too_many_documents`.\n\n"
            "Ids must be unique (422 otherwise). The options apply to every block or document."
        ),
    )
    async def check_batch(
        request: Request,
        body: BatchRequest = Body(
            openapi_examples={
                "segments": {
                    "summary": "Text nodes of a page",
                    "value": _example(BatchRequest),
                },
                "documents": {
                    "summary": "Independent documents",
                    "value": BatchRequest.model_config["json_schema_extra"]["examples"][1],
                },
            }
        ),
    ) -> Response:
        return await _run(request, "batch", body)

    # -- rules -----------------------------------------------------------------------
    @app.get(
        "/v1/rules",
        tags=["rules"],
        summary="List categories and rules",
        response_model=RulesResponse,
        responses={**_ok(_example(RulesResponse)), **error_responses(429)},
    )
    async def rules(request: Request) -> Response:
        return _json(_state(request.app).catalogue.rules)

    @app.get(
        "/v1/rules/{rule_id}",
        tags=["rules"],
        summary="One rule, with its examples and sources",
        response_model=RuleDetail,
        responses={**_ok(_example(RuleDetail)), **error_responses(404, 429)},
    )
    async def rule(request: Request, rule_id: str) -> Response:
        data = _state(request.app).catalogue.rule_details.get(rule_id)
        if data is None:
            raise ApiError(404, "rule_not_found", f"No rule {rule_id!r}. GET /v1/rules lists them.")
        return _json(data)

    # -- meta ------------------------------------------------------------------------
    @app.get(
        "/v1/info",
        tags=["meta"],
        summary="Versions, rule pack and limits",
        response_model=InfoResponse,
        responses={**_ok(_example(InfoResponse)), **error_responses(429)},
    )
    async def info(request: Request) -> Response:
        return _json(_state(request.app).catalogue.info)

    health = b'{"status":"ok"}'

    @app.get(
        "/healthz",
        tags=["meta"],
        summary="Liveness: the server is up and the checker is loaded",
        response_model=HealthResponse,
        responses=_ok({"status": "ok"}),
    )
    async def healthz() -> Response:
        return _json(health)


# -- the web page for patient advocates ---------------------------------------------------

_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_STATIC = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/static/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/static/style.css": ("style.css", "text/css; charset=utf-8"),
}


def _static_endpoint(content: bytes, media_type: str) -> Callable[[], Response]:
    headers = {
        "Content-Security-Policy": _CSP,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-cache",
    }

    async def serve() -> Response:
        return Response(content, media_type=media_type, headers=headers)

    return serve


def _add_static(app: FastAPI) -> None:
    for path, (name, media_type) in _STATIC.items():
        content = (STATIC_DIR / name).read_bytes()
        app.add_api_route(path, _static_endpoint(content, media_type), methods=["GET"], include_in_schema=False)


app = create_app()
