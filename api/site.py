"""The web page for patient advocates (``/`` and its static files) and the API's
interactive documentation (``/docs``, Swagger UI), both served from this package with a
strict Content-Security-Policy and nothing fetched from elsewhere, so both work offline.

Swagger UI's files come from the fastapi-offline package (which bundles them for exactly
this); the page that starts it and its settings script are ours, so no inline script is
needed and the policy stays strict."""

from __future__ import annotations

from importlib.resources import files
from typing import Callable

from fastapi import FastAPI
from fastapi.responses import Response

from checker.resources import resource_dir

STATIC_DIR = resource_dir("api", "static")
SWAGGER_DIR = files("fastapi_offline") / "static"

_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI sets style attributes from script; scripts stay 'self' only.
_DOCS_CSP = _CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
_JS = "text/javascript; charset=utf-8"
_CSS = "text/css; charset=utf-8"
_HTML = "text/html; charset=utf-8"

# path -> (folder, file name, media type, policy)
_FILES = {
    "/": (STATIC_DIR, "index.html", _HTML, _CSP),
    "/static/app.js": (STATIC_DIR, "app.js", _JS, _CSP),
    "/static/style.css": (STATIC_DIR, "style.css", _CSS, _CSP),
    "/docs": (STATIC_DIR, "docs.html", _HTML, _DOCS_CSP),
    "/static/docs.js": (STATIC_DIR, "docs.js", _JS, _DOCS_CSP),
    "/static/swagger-ui-bundle.js": (SWAGGER_DIR, "swagger-ui-bundle.js", _JS, _DOCS_CSP),
    "/static/swagger-ui.css": (SWAGGER_DIR, "swagger-ui.css", _CSS, _DOCS_CSP),
}


def _static_endpoint(content: bytes, media_type: str, policy: str) -> Callable[[], Response]:
    headers = {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-cache",
    }

    async def serve() -> Response:
        return Response(content, media_type=media_type, headers=headers)

    return serve


def add_site(app: FastAPI) -> None:
    """Serve the web page and /docs (the app is built with FastAPI's own, CDN-based docs
    turned off)."""
    for path, (folder, name, media_type, policy) in _FILES.items():
        content = (folder / name).read_bytes()
        app.add_api_route(path, _static_endpoint(content, media_type, policy), methods=["GET"], include_in_schema=False)
