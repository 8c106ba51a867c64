"""The API's routes: checking (`/v1/check`, `/v1/check/batch`), the rule pack
(`/v1/rules`, `/v1/rules/{rule_id}`) and meta (`/v1/info`, `/healthz`), with the OpenAPI
text and examples each shows in /docs. The work itself is ``state.run_check``'s."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import Response

from .errors import ApiError, error_responses
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
from .settings import Settings
from .state import JSON, json_response, loaded, run_check

router = APIRouter()
_DEFAULTS = Settings()


def _example(model) -> dict[str, Any]:
    return model.model_config["json_schema_extra"]["examples"][0]


def _ok(example: Any, description: str = "Success") -> dict[int | str, dict[str, Any]]:
    return {200: {"description": description, "content": {JSON: {"example": example}}}}


# -- check ---------------------------------------------------------------------
@router.post(
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
    return await run_check(request, "check", body)

@router.post(
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
        f"STEMCHECK_MAX_SEGMENTS segments (default {_DEFAULTS.max_segments:,}; `GET /v1/info` gives this "
    "server's), else 413 `too_many_segments`.\n\n"
        "**documents**: independent texts or HTML pages, each with its own report (the shape of "
        f"/v1/check's response plus `id`). At most STEMCHECK_MAX_DOCUMENTS "
        f"(default {_DEFAULTS.max_documents:,}), else 413 `too_many_documents`.\n\n"
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
    return await run_check(request, "batch", body)

# -- rules -----------------------------------------------------------------------
@router.get(
    "/v1/rules",
    tags=["rules"],
    summary="List categories and rules",
    response_model=RulesResponse,
    responses={**_ok(_example(RulesResponse)), **error_responses(429)},
)
async def rules(request: Request) -> Response:
    return json_response(loaded(request.app).catalogue.rules)

@router.get(
    "/v1/rules/{rule_id}",
    tags=["rules"],
    summary="One rule, with its examples and sources",
    response_model=RuleDetail,
    responses={**_ok(_example(RuleDetail)), **error_responses(404, 429)},
)
async def rule(request: Request, rule_id: str) -> Response:
    data = loaded(request.app).catalogue.rule_details.get(rule_id)
    if data is None:
        raise ApiError(404, "rule_not_found", f"No rule {rule_id!r}. GET /v1/rules lists them.")
    return json_response(data)

# -- meta ------------------------------------------------------------------------
@router.get(
    "/v1/info",
    tags=["meta"],
    summary="Versions, rule pack and limits",
    response_model=InfoResponse,
    responses={**_ok(_example(InfoResponse)), **error_responses(429)},
)
async def info(request: Request) -> Response:
    return json_response(loaded(request.app).catalogue.info)

health = b'{"status":"ok"}'

@router.get(
    "/healthz",
    tags=["meta"],
    summary="Liveness: the server is up and the checker is loaded",
    response_model=HealthResponse,
    responses=_ok({"status": "ok"}),
)
async def healthz() -> Response:
    return json_response(health)
