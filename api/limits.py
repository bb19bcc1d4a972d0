"""A cap on request bodies, checked before anything is read and again while the body streams in; and no NUL in a
query string (PostgreSQL text cannot hold one, so it used to answer 500).

Without it an unsigned 150 MB POST was read whole before its 401, and a signed 20 MB body was stored.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from copilot.core.errors import PayloadTooLarge


def _too_large(limit: int) -> str:
    return f"the body is larger than {limit} bytes (COPILOT_MAX_BODY_BYTES)"


class BodyLimit:
    """Pure ASGI middleware: a declared Content-Length over the limit is refused at once (413), and a body
    without one (chunked) is cut off as soon as it passes the limit. `page` answers a refusal on a path it
    claims as an HTML page (the desk's); every other path gets the API's JSON error."""

    def __init__(self, app: ASGIApp, max_bytes: int,
                 page: Callable[[Request, int, str], Response | None] | None = None) -> None:
        self.app, self.max_bytes, self.page = app, max_bytes, page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if b"\x00" in unquote_to_bytes(scope.get("query_string", b"")):
            # PostgreSQL text cannot hold NUL: a filter carrying one is refused before any query sees it.
            await self._refuse(scope, receive, send, 422, "invalid_input",
                               "query parameters may not contain NUL (%00) characters")
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                await self._refuse(scope, receive, send, 400, "bad_request", "Content-Length is not a number")
                return
            if int(declared) > self.max_bytes:
                await self._refuse(scope, receive, send, 413, PayloadTooLarge.code, _too_large(self.max_bytes))
                return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    # Raised inside the route's read: the app's CopilotError handler answers 413.
                    raise PayloadTooLarge(_too_large(self.max_bytes))
            return message

        await self.app(scope, counted, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, status: int, code: str, message: str) -> None:
        html = self.page(Request(scope), status, message) if self.page is not None else None
        if html is not None:
            html.headers["connection"] = "close"
            await html(scope, receive, send)
            return
        await _refuse(send, status, code, message)


async def _refuse(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": body})
