"""Zendesk, Gorgias and Freshdesk endpoints for tests. Their specs are not redistributable, so these
fixtures are written by this project from the vendors' public API docs: each checks the documented basic
auth and the documented body (tools/connectors/helpdesk/contracts.py) and answers in the documented shape."""

from __future__ import annotations

import base64
import itertools
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

    async def endpoint(self, request: Request) -> JSONResponse:
        path, method = request.url.path, request.method
        system = "zendesk" if method == "PUT" else "gorgias" if path.startswith("/api/tickets/") else "freshdesk"
        user, secret = USERS[system]
        expected = "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()
        if request.headers.get("authorization") != expected:
            return JSONResponse({"error": "Couldn't authenticate you"}, status_code=401)
        if self.rate_limit_next > 0:
            self.rate_limit_next -= 1
            return JSONResponse({"error": "APIRateLimitExceeded"}, status_code=429, headers={"Retry-After": "1"})
        body = await request.json()
        errors = check(VendorRequest(system=system, operation="-", method=method, url=str(request.url), body=body))
        if errors:
            self.violations.extend(errors)
            return JSONResponse({"description": "Validation failed", "errors": errors}, status_code=400)
        self.received.append((system, method, path, body))
        ticket = path.split("/")[4] if system != "gorgias" else path.split("/")[3]
        if system == "zendesk":
            return JSONResponse({"ticket": {"id": int(ticket), "status": "open"},
                                 "audit": {"id": next(_ids), "events": [{"type": "Comment", **body["ticket"]["comment"]}]}})
        if system == "gorgias":
            return JSONResponse({"id": next(_ids), "ticket_id": int(ticket), "channel": body["channel"],
                                 "sent_datetime": None, **{k: body[k] for k in ("body_text", "external_id")}},
                                status_code=201)
        return JSONResponse({"id": next(_ids), "ticket_id": int(ticket), "body": body["body"],
                             "private": body.get("private", False)}, status_code=201)
