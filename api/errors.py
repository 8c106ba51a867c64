"""Every error the API returns is JSON: ``{"error": {"code": ..., "message": ...}}``.

Validation errors add ``details`` (location, message, type; never the submitted
value, which may be a whole page of text).  Status codes and their ``code``:

====  ========================  ==============================================
400   malformed_json            Body is not valid JSON.
400   invalid_utf8              Body is not valid UTF-8.
404   not_found                 No such path.
404   rule_not_found            ``GET /v1/rules/{rule_id}`` for an unknown id.
405   method_not_allowed        Path exists, method does not (``Allow`` header set).
413   body_too_large            Body over STEMCHECK_MAX_BODY_BYTES (declared or streamed).
413   too_many_segments         Batch over STEMCHECK_MAX_SEGMENTS.
413   too_many_documents        Batch over STEMCHECK_MAX_DOCUMENTS.
415   unsupported_media_type    POST body is not ``application/json`` (UTF-8).
422   validation_error          Well-formed JSON that does not fit the request model.
422   unknown_category          A category filter names no category of the pack.
422   invalid_html              HTML the extractor refuses (e.g. nested too deeply).
429   rate_limited              Too many requests; ``Retry-After`` says when to retry.
500   internal_error            A bug on our side (logged without the submitted text).
503   check_timeout             The check ran past STEMCHECK_CHECK_TIMEOUT and was stopped.
====  ========================  ==============================================
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from .models import ErrorResponse

logger = logging.getLogger("stemcheck.api")

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    408: "request_timeout",
    409: "conflict",
    413: "body_too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    431: "headers_too_large",
    500: "internal_error",
    503: "unavailable",
}


class ApiError(Exception):
    """Raise anywhere in a request to answer with a JSON error."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        details: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
        self.details = details

    def __reduce__(self):
        # Raised inside check worker processes and sent back pickled: rebuild it whole
        # (the default would call __init__ with the message alone).
        return (_rebuild_api_error, (self.status, self.code, self.message, self.headers, self.details))


def _rebuild_api_error(status, code, message, headers, details) -> ApiError:
    return ApiError(status, code, message, headers=headers, details=details)


def error_body(code: str, message: str, details: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    err: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        err["details"] = details
    return {"error": err}


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    headers: dict[str, str] | None = None,
    details: list[dict[str, Any]] | None = None,
) -> JSONResponse:
    return JSONResponse(error_body(code, message, details), status_code=status, headers=headers)


async def send_error(send, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
    """Answer from a pure ASGI middleware, before the app has run."""
    import json

    body = json.dumps(error_body(code, message), separators=(",", ":")).encode()
    raw = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    for k, v in (headers or {}).items():
        raw.append((k.lower().encode("latin-1"), v.encode("latin-1")))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def _loc(loc: tuple | list) -> str:
    parts = [str(p) for p in loc if p not in ("body",)]
    out = ""
    for p in parts:
        out += f"[{p}]" if p.isdigit() else (f".{p}" if out else p)
    return out or "body"


def _details(exc: RequestValidationError) -> list[dict[str, Any]]:
    details = []
    for err in exc.errors()[:20]:
        msg = str(err.get("msg", "invalid"))
        # pydantic prefixes messages from our validators with "Value error, "
        msg = msg.removeprefix("Value error, ")
        details.append({"loc": _loc(err.get("loc", ())), "msg": msg, "type": str(err.get("type", ""))})
    return details


async def _api_error(_request: Request, exc: ApiError) -> Response:
    return error_response(exc.status, exc.code, exc.message, headers=exc.headers, details=exc.details)


async def _http_error(_request: Request, exc: StarletteHTTPException) -> Response:
    status = exc.status_code
    code = _STATUS_CODES.get(status, "error")
    if status == 404:
        message = "No such endpoint. See /docs for the API, or GET /v1/info."
    elif status == 405:
        allow = (exc.headers or {}).get("Allow") or (exc.headers or {}).get("allow")
        message = f"Method not allowed here{'; use ' + allow if allow else ''}."
    else:
        message = exc.detail if isinstance(exc.detail, str) else "HTTP error"
    return error_response(status, code, message, headers=exc.headers)


async def _validation_error(_request: Request, exc: RequestValidationError) -> Response:
    details = _details(exc)
    if any(d["type"] == "json_invalid" for d in details):  # normally caught earlier by BodyGuard
        return error_response(400, "malformed_json", "The request body is not valid JSON.")
    first = details[0] if details else {"loc": "body", "msg": "invalid request"}
    message = f"Invalid request: {first['loc']}: {first['msg']}"
    if len(details) > 1:
        message += f" (and {len(details) - 1} more)"
    return error_response(422, "validation_error", message, details=details)


class CatchAllMiddleware:
    """Outermost guard: any exception becomes a JSON 500 and is logged without the text.

    Starlette's own ServerErrorMiddleware would re-raise to the server, which
    logs the exception message; that message may quote the submitted text.
    Here only the type and the stack are logged, unless STEMCHECK_LOG_TEXT is on.
    """

    def __init__(self, app, log_text: bool = False) -> None:
        self.app = app
        self.log_text = log_text

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:  # noqa: BLE001 - this is the catch-all
            frames = "".join(traceback.format_tb(exc.__traceback__))
            what = f"{type(exc).__name__}: {exc}" if self.log_text else type(exc).__name__
            logger.error("unhandled error on %s %s: %s\n%s", scope.get("method"), scope.get("path"), what, frames)
            if not started:
                await send_error(send, 500, "internal_error", "Internal error; it has been logged. Please report it.")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries (with examples) for the given error statuses."""
    examples = {
        400: ("malformed_json", "The request body is not valid JSON: Expecting value at line 1 column 10."),
        404: ("rule_not_found", "No rule 'cure-claim.nope'. GET /v1/rules lists them."),
        405: ("method_not_allowed", "Method not allowed here; use POST."),
        413: ("body_too_large", "The request body is larger than the limit of 2,000,000 bytes."),
        415: ("unsupported_media_type", "Send the body as JSON with Content-Type: application/json."),
        422: ("validation_error", "Invalid request: body: give exactly one of 'text' or 'html'"),
        429: ("rate_limited", "Too many requests; retry after 2 seconds."),
        500: ("internal_error", "Internal error; it has been logged. Please report it."),
        503: ("check_timeout", "The check took longer than its budget of 10 s and was stopped. Send less text per request."),
    }
    descriptions = {
        400: "Malformed JSON or invalid UTF-8 body",
        404: "Not found",
        405: "Method not allowed",
        413: "Body, segment count or document count over the limit",
        415: "Content-Type is not application/json",
        422: "Validation error",
        429: "Rate limited (see Retry-After)",
        500: "Internal error (a bug)",
        503: "The check ran past its time budget (STEMCHECK_CHECK_TIMEOUT) and was stopped",
    }
    out: dict[int | str, dict[str, Any]] = {}
    for s in statuses:
        code, msg = examples[s]
        out[s] = {
            "model": ErrorResponse,
            "description": descriptions[s],
            "content": {"application/json": {"example": error_body(code, msg)}},
        }
    if 429 in out:
        out[429]["headers"] = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}
    return out
