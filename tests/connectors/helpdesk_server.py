"""Zendesk, Gorgias and Freshdesk endpoints for tests. Their specs are not redistributable, so these
fixtures are written by this project from the vendors' public API docs: each checks the documented basic
auth and the documented body (tools/connectors/helpdesk/contracts.py) and answers in the documented shape."""

from __future__ import annotations

import asyncio
import base64
import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from tools.connectors.helpdesk.contracts import check
from tools.connectors.outbox import VendorRequest

USERS = {"zendesk": ("agent@shop.example/token", "zd-token"), "gorgias": ("agent@shop.example", "gg-key"),
         "freshdesk": ("fd-key", "X")}
_ids = itertools.count(500)


@dataclass
class Helpdesks:
    received: list[tuple[str, str, str, dict[str, Any]]] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    rate_limit_next: int = 0
    threads: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)  # (system, ticket) -> posts
    hold_answers: threading.Event | None = None  # clear: the message is posted, the answer waits

    @staticmethod
    def system_of(method: str, path: str) -> str:
        zendesk_read = path == "/api/v2/users/me" or (path.startswith("/api/v2/tickets/") and path.endswith("/comments"))
        if method == "PUT" or zendesk_read:
            return "zendesk"
        return "gorgias" if path.startswith("/api/tickets/") or path == "/api/account" else "freshdesk"

    def _read(self, system: str, path: str) -> JSONResponse:
        """Who the credentials are (`connectors check`), or a ticket's thread as each helpdesk lists it."""
        if path == "/api/v2/users/me":
            return JSONResponse({"user": {"id": 42, "email": "agent@shop.example", "role": "agent"}})
        if path == "/api/account":
            return JSONResponse({"domain": "shop", "status": {"status": "active"}})
        if path == "/api/v2/agents/me":
            return JSONResponse({"id": 43, "contact": {"email": "agent@shop.example"}, "available": True})
        ticket = path.split("/")[4] if system != "gorgias" else path.split("/")[3]
        posted = self.threads.get((system, ticket), [])
        if system == "zendesk":
            return JSONResponse({"comments": posted, "count": len(posted)})
        if system == "gorgias":
            return JSONResponse({"data": posted, "meta": {"next_cursor": None}})
        return JSONResponse(posted)

    async def endpoint(self, request: Request) -> JSONResponse:
        path, method = request.url.path, request.method
        system = self.system_of(method, path)
        user, secret = USERS[system]
        expected = "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()
        if request.headers.get("authorization") != expected:
            return JSONResponse({"error": "Couldn't authenticate you"}, status_code=401)
        if self.rate_limit_next > 0:
            self.rate_limit_next -= 1
            return JSONResponse({"error": "APIRateLimitExceeded"}, status_code=429, headers={"Retry-After": "1"})
        if method == "GET":
            return self._read(system, path)
        body = await request.json()
        errors = check(VendorRequest(system=system, operation="-", method=method, url=str(request.url), body=body))
        if errors:
            self.violations.extend(errors)
            return JSONResponse({"description": "Validation failed", "errors": errors}, status_code=400)
        self.received.append((system, method, path, body))
        ticket = path.split("/")[4] if system != "gorgias" else path.split("/")[3]
        answer, status = self._post(system, ticket, body)
        if self.hold_answers is not None:
            await asyncio.to_thread(self.hold_answers.wait)
        return JSONResponse(answer, status_code=status)

    def _post(self, system: str, ticket: str, body: dict[str, Any]) -> tuple[dict[str, Any], int]:
        posted = self.threads.setdefault((system, ticket), [])
        if system == "zendesk":
            comment = {"id": next(_ids), **body["ticket"]["comment"]}
            posted.append(comment)
            return {"ticket": {"id": int(ticket), "status": "open"},
                    "audit": {"id": next(_ids), "events": [{"type": "Comment", **body["ticket"]["comment"]}]}}, 200
        if system == "gorgias":
            message = {"id": next(_ids), "ticket_id": int(ticket), "channel": body["channel"], "sent_datetime": None,
                       **{k: body[k] for k in ("body_text", "external_id")}}
            posted.append(message)
            return message, 201
        conversation = {"id": next(_ids), "ticket_id": int(ticket), "body": f"<div>{body['body']}</div>",
                        "body_text": body["body"], "private": body.get("private", False)}
        posted.append(conversation)
        return {k: conversation[k] for k in ("id", "ticket_id", "body", "private")} | {"body": body["body"]}, 201
