"""A WooCommerce REST v3 endpoint for tests: each request is checked against WooCommerce's docs (the
endpoint list and property tables, tools/connectors/woocommerce/contracts.py) and answered with the docs'
own example objects (shared/data/vendor/woocommerce/examples) carrying this test's ids and state.

Knobs: `refuse` (operation -> (status, code, message)), `rate_limit_next` (429 + Retry-After), `silent_update`
(a PUT answers 200 and changes nothing), `hold_answers` (clear: the effect is done, the answer waits)."""

from __future__ import annotations

import asyncio
import base64
import copy
import itertools
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from tools.connectors.outbox import VendorRequest
from tools.connectors.sandbox.world import World
from tools.connectors.woocommerce.contracts import check, template_of

KEY, SECRET = "ck_test_key", "cs_test_secret"
STATUS = {"pending": "processing", "processing": "processing", "label_created": "processing",
          "shipped": "completed", "delivered": "completed", "cancelled": "cancelled"}
_ids = itertools.count(800)


def example(contracts_dir: Path, name: str) -> Any:
    return json.loads((contracts_dir / "woocommerce" / "examples" / f"{name}.json").read_text())


def _shipping(a: Any) -> dict[str, str]:
    return {"first_name": "Pat", "last_name": "Doe", "company": "", "address_1": a.line1, "address_2": a.line2 or "",
            "city": a.city, "state": a.state, "postcode": a.zip, "country": a.country}


@dataclass
class WooStore:
    contracts_dir: Path
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    refunds: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    refuse: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    rate_limit_next: int = 0
    silent_update: bool = False
    hold_answers: threading.Event | None = None

    @classmethod
    def from_world(cls, world: World, contracts_dir: Path) -> WooStore:
        store = cls(contracts_dir)
        template = example(contracts_dir, "orders__retrieve-an-order__response")
        for order in world.orders:
            number = order.id.removeprefix("#")
            state = copy.deepcopy(template)
            state.update(id=int(number), number=number, status="on-hold" if order.hold_reason else STATUS[order.status],
                         shipping=_shipping(order.shipping_address), total=f"{order.total:.2f}", refunds=[])
            store.orders[number] = state
            store.notes[number], store.refunds[number] = [], []
        return store

    def writes(self) -> list[tuple[str, str]]:
        return [(m, template_of(p.removeprefix("/wp-json/wc/v3"))) for m, p, _ in self.requests if m != "GET"]

    async def endpoint(self, request: Request) -> JSONResponse:
        expected = "Basic " + base64.b64encode(f"{KEY}:{SECRET}".encode()).decode()
        if request.headers.get("authorization") != expected:
            return JSONResponse({"code": "woocommerce_rest_cannot_view", "message": "Sorry, you cannot list resources.",
                                 "data": {"status": 401}}, status_code=401)
        raw = await request.body()
        body = json.loads(raw) if raw else None
        path, method = request.url.path, request.method
        self.requests.append((method, path, body))
        if self.rate_limit_next > 0:
            self.rate_limit_next -= 1
            return JSONResponse({"code": "too_many_requests", "message": "Slow down"}, status_code=429,
                                headers={"Retry-After": "1"})
        errors = check(self.contracts_dir, VendorRequest(system="woocommerce", operation="-", method=method,
                                                         url=path, body=body), "")
        if errors:
            self.violations.extend(errors)
            return JSONResponse({"code": "rest_invalid_param", "message": errors[0], "data": {"status": 400}},
                                status_code=400)
        operation = f"{method} {template_of(path.removeprefix('/wp-json/wc/v3'))}"
        if operation in self.refuse:
            status, code, message = self.refuse[operation]
            return JSONResponse({"code": code, "message": message, "data": {"status": status}}, status_code=status)
        status, answer = self._act(method, path.removeprefix("/wp-json/wc/v3").strip("/").split("/"), body)
        if self.hold_answers is not None and method != "GET":
            await asyncio.to_thread(self.hold_answers.wait)
        return JSONResponse(answer, status_code=status)

    def _act(self, method: str, parts: list[str], body: Any) -> tuple[int, Any]:
        if len(parts) == 1:  # GET /orders: the newest first, one page
            return 200, list(self.orders.values())[:1]
        number = parts[1]
        order = self.orders.get(number)
        if order is None:
            return 404, {"code": "woocommerce_rest_shop_order_invalid_id", "message": "Invalid ID.",
                         "data": {"status": 404}}
        if len(parts) == 2:
            if method == "PUT" and not self.silent_update:
                for key, value in body.items():
                    order[key] = {**order[key], **value} if isinstance(value, dict) else value
            return 200, order
        if parts[2] == "notes":
            if method == "GET":
                return 200, self.notes[number]
            note = {**example(self.contracts_dir, "order-notes__create-an-order-note__response"),
                    "id": next(_ids), "note": body["note"], "customer_note": body.get("customer_note", False)}
            self.notes[number].append(note)
            return 201, note
        if method == "GET":
            return 200, self.refunds[number]
        refund = {**example(self.contracts_dir, "order-refunds__create-a-refund__response"), "id": next(_ids),
                  "amount": body["amount"], "reason": body.get("reason", ""), "refunded_payment": body.get("api_refund", True)}
        self.refunds[number].append(refund)
        order["refunds"].append({"id": refund["id"], "reason": refund["reason"], "total": f"-{refund['amount']}"})
        return 201, refund
