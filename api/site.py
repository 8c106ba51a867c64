"""The web page for patient advocates (``/`` and its static files), served with a strict
Content-Security-Policy."""

from __future__ import annotations

from typing import Callable

from fastapi import FastAPI
from fastapi.responses import Response

from checker.resources import resource_dir

STATIC_DIR = resource_dir("api", "static")

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


def add_site(app: FastAPI) -> None:
    for path, (name, media_type) in _STATIC.items():
        content = (STATIC_DIR / name).read_bytes()
        app.add_api_route(path, _static_endpoint(content, media_type), methods=["GET"], include_in_schema=False)
