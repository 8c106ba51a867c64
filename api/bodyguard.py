"""Guards JSON request bodies before the app sees them (pure ASGI middleware).

For POSTs to the check endpoints, in this order:

1. ``Content-Type`` must be ``application/json`` (a ``charset`` other than
   UTF-8 is refused) and the body must not be compressed: else 415.
2. A declared ``Content-Length`` over the limit: 413 at once, without reading.
3. The body is read as it streams and counted; passing the limit (a chunked or
   otherwise lying client) stops reading and answers 413.
4. The body must be strict UTF-8 (a leading BOM is tolerated): else 400.
5. The body must parse as JSON: else 400 (also for absurdly deep nesting).

The body is then replayed to the app unchanged.  Nothing here logs or keeps it.
"""

from __future__ import annotations

import json

from .errors import send_error


class JsonBodyGuard:
    def __init__(self, app, max_bytes: int, paths: frozenset[str]) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.paths = paths

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return

        content_type = b""
        content_length: bytes | None = None
        content_encoding = b""
        for name, value in scope["headers"]:
            if name == b"content-type":
                content_type = value
            elif name == b"content-length":
                content_length = value
            elif name == b"content-encoding":
                content_encoding = value

        problem = _content_type_problem(content_type)
        if problem is None and content_encoding.strip().lower() not in (b"", b"identity"):
            problem = (
                f"Content-Encoding {content_encoding.decode('latin-1')!r} is not supported; send the JSON uncompressed."
            )
        if problem:
            await send_error(send, 415, "unsupported_media_type", problem)
            return

        limit = self.max_bytes
        too_large = f"The request body is larger than the limit of {limit:,} bytes."
        if content_length is not None:
            try:
                declared = int(content_length)
            except ValueError:
                await send_error(send, 400, "bad_request", "Content-Length is not a number.")
                return
            if declared > limit:
                await send_error(send, 413, "body_too_large", too_large)
                return

        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # client went away; nobody to answer
            chunk = message.get("body", b"")
            if chunk:
                size += len(chunk)
                if size > limit:
                    await send_error(send, 413, "body_too_large", too_large)
                    return
                chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)

        raw = body[3:] if body.startswith(b"\xef\xbb\xbf") else body
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            await send_error(
                send, 400, "invalid_utf8",
                f"The request body is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}).",
            )
            return
        if not text.strip():
            await send_error(send, 400, "malformed_json", "The request body is empty; send a JSON object.")
            return
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            await send_error(
                send, 400, "malformed_json",
                f"The request body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}.",
            )
            return
        except (RecursionError, ValueError):
            await send_error(send, 400, "malformed_json", "The request body is not valid JSON (nested too deeply).")
            return

        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


def _content_type_problem(value: bytes) -> str | None:
    if not value:
        return "Missing Content-Type; send the body as JSON with Content-Type: application/json."
    try:
        decoded = value.decode("latin-1")
    except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes anything
        decoded = ""
    media, _, params = decoded.partition(";")
    if media.strip().lower() != "application/json":
        return (
            f"Content-Type {media.strip()!r} is not supported; send the body as JSON with "
            "Content-Type: application/json."
        )
    for param in params.split(";"):
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset" and val.strip().strip('"').lower() not in ("utf-8", "utf8"):
            return f"Charset {val.strip()!r} is not supported; send UTF-8 JSON."
    return None
