"""A Stripe endpoint for tests: the wire body is decoded from bracket notation, typed by the operation's
schema and validated against Stripe's OpenAPI (2023-08-16); answers are Stripe's own example objects
(fixtures3) with this test's ids. Idempotency-Key replays the first answer, as Stripe documents.

Knobs: `decline_next` (402 card_error with that decline code), `rate_limit_next` (429 + Retry-After).
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse

from tools.connectors.contracts import check_openapi_form, openapi_operation

API_KEY = "sk_test_contract"
_ids = itertools.count(1)


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = spec
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def _typed(spec: dict[str, Any], schema: dict[str, Any], value: Any) -> Any:
    """A form string as the type the schema's first matching branch wants (integer, boolean, object...)."""
    schema = _resolve(spec, schema)
    for branch in schema.get("anyOf", []):
        branch = _resolve(spec, branch)
        if isinstance(value, dict) == (branch.get("type") == "object"):
            return _typed(spec, branch, value)
    kind = schema.get("type")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        return {k: _typed(spec, props.get(k, {}), v) for k, v in value.items()}
    if kind == "integer" and re.fullmatch(r"-?\d+", value):
        return int(value)
    if kind == "boolean" and value in ("true", "false"):
        return value == "true"
    return value


def decode_form(raw: bytes) -> dict[str, Any]:
    """`evidence[customer_name]=Ann&submit=false` -> {"evidence": {"customer_name": "Ann"}, "submit": "false"}."""
    out: dict[str, Any] = {}
    for key, value in parse_qsl(raw.decode(), keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", key)
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


@dataclass
class StripeAccount:
    spec: dict[str, Any]
    fixtures: dict[str, Any]
    intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    disputes: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    replays: dict[str, tuple[str, int, Any]] = field(default_factory=dict)
    requests: list[tuple[str, str, dict[str, Any], str | None]] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    decline_next: str | None = None
    refuse_refunds: str | None = None  # a message: refunds answer 400 charge_already_refunded with it
    hold_answers: threading.Event | None = None  # set: answers flow; clear: the effect is done, the answer waits
    rate_limit_next: int = 0
    retry_after: str = "1"

    @classmethod
    def load(cls, contracts_dir: Path) -> StripeAccount:
        spec = json.loads((contracts_dir / "stripe" / "openapi.spec3.trimmed.json").read_text())
        fixtures = json.loads((contracts_dir / "stripe" / "fixtures3.trimmed.json").read_text())["resources"]
        return cls(spec=spec, fixtures=fixtures)

    def add_intent(self, intent_id: str, amount_cents: int, status: str = "requires_payment_method") -> None:
        self.intents[intent_id] = {**copy.deepcopy(self.fixtures["payment_intent"]), "id": intent_id,
                                   "amount": amount_cents, "status": status, "canceled_at": None}

    def add_dispute(self, dispute_id: str, amount_cents: int) -> None:
        self.disputes[dispute_id] = {**copy.deepcopy(self.fixtures["dispute"]), "id": dispute_id,
                                     "amount": amount_cents}

    # ---- the endpoint ------------------------------------------------------------------------------

    async def endpoint(self, request: Request) -> JSONResponse:
        if request.headers.get("authorization") != f"Bearer {API_KEY}":
            return _error(401, "invalid_request_error", "Invalid API Key provided", None)
        path, method = request.url.path, request.method
        raw = await request.body()
        params = decode_form(raw) if raw else {}
        key = request.headers.get("idempotency-key")
        self.requests.append((method, path, params, key))
        if self.rate_limit_next > 0:
            self.rate_limit_next -= 1
            return _error(429, "invalid_request_error", "Too many requests", "rate_limit",
                          headers={"Retry-After": self.retry_after})
        found = openapi_operation(self.spec, method, path)
        if found is None:
            return _error(404, "invalid_request_error", f"Unrecognized request URL ({method}: {path})", None)
        typed = _typed(self.spec, found[1].get("requestBody", {}).get("content", {}).get(
            "application/x-www-form-urlencoded", {}).get("schema", {}), params) if method == "POST" else None
        errors = check_openapi_form(self.spec, method, path, typed)
        if errors:
            self.violations.extend(errors)
            return _error(400, "invalid_request_error", errors[0], "parameter_invalid")
        if key is not None and key in self.replays:
            seen_path, status, body = self.replays[key]
            if seen_path != f"{method} {path} {raw!r}":
                return _error(400, "idempotency_error", "Keys for idempotent requests can only be used with the "
                              "same parameters they were first used with.", None)
            return JSONResponse(body, status_code=status, headers={"Idempotent-Replayed": "true"})
        status, body = self._act(method, path, typed or {})
        if key is not None and method == "POST":
            self.replays[key] = (f"{method} {path} {raw!r}", status, body)
        if self.hold_answers is not None and method == "POST":
            await asyncio.to_thread(self.hold_answers.wait)
        return JSONResponse(body, status_code=status)

    def _act(self, method: str, path: str, params: dict[str, Any]) -> tuple[int, Any]:
        parts = path.strip("/").split("/")
        if parts[1] == "payment_intents":
            intent = self.intents.get(parts[2])
            if intent is None:
                return 404, _body("invalid_request_error", f"No such payment_intent: '{parts[2]}'", "resource_missing")
            if len(parts) == 4 and parts[3] == "confirm":
                return self._confirm(intent)
            return 200, intent
        if parts[1] == "refunds" and method == "GET":
            found = next((r for r in self.refunds if r["id"] == parts[2]), None)
            return (200, found) if found else (404, _body("invalid_request_error", f"No such refund: '{parts[2]}'",
                                                          "resource_missing"))
        if parts[1] == "refunds" and self.refuse_refunds:
            return 400, _body("invalid_request_error", self.refuse_refunds, "charge_already_refunded")
        if parts[1] == "refunds":
            refund = {**copy.deepcopy(self.fixtures["refund"]), "id": f"re_test_{next(_ids)}",
                      "amount": params["amount"], "payment_intent": params.get("payment_intent"),
                      "reason": params.get("reason"), "metadata": params.get("metadata", {})}
            self.refunds.append(refund)
            return 200, refund
        dispute = self.disputes.get(parts[2])
        if dispute is None:
            return 404, _body("invalid_request_error", f"No such dispute: '{parts[2]}'", "resource_missing")
        if method == "POST":
            dispute["evidence"].update(params.get("evidence", {}))
            dispute["evidence_details"]["has_evidence"] = True
            if params.get("submit", True):
                dispute["status"] = "under_review"
                dispute["evidence_details"]["submission_count"] += 1
        return 200, dispute

    def _confirm(self, intent: dict[str, Any]) -> tuple[int, Any]:
        if self.decline_next:
            code, self.decline_next = self.decline_next, None
            error = _body("card_error", "Your card has insufficient funds." if code == "insufficient_funds"
                          else "Your card was declined.", "card_declined")
            error["error"]["decline_code"] = code
            intent["status"] = "requires_payment_method"
            return 402, error
        intent["status"] = "requires_capture"
        return 200, intent


def _body(kind: str, message: str, code: str | None) -> dict[str, Any]:
    return {"error": {"type": kind, "message": message, **({"code": code} if code else {})}}


def _error(status: int, kind: str, message: str, code: str | None,
           headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(_body(kind, message, code), status_code=status, headers=headers)
