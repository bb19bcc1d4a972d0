"""An Adobe Commerce admin REST endpoint for tests: each request is checked against Adobe's published schema
(Swagger 2.0, 2.4.9; tools/connectors/magento/contracts.py), and each answer is checked against the
operation's response schema before it leaves, so the connector only ever sees contract-shaped answers.
Adobe publishes no order example, so the orders are this test's, shaped by `sales-data-order-interface`.

Knobs: `refuse` (operation -> (status, message, parameters)), `false_next` (an action answers `false`),
`rate_limit_next` (429 + Retry-After), `hold_answers` (clear: the effect is done, the answer waits)."""

from __future__ import annotations

import asyncio
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

from tools.connectors.magento.contracts import check, response_errors
from tools.connectors.outbox import VendorRequest
from tools.connectors.sandbox.world import World

TOKEN = "magento_integration_token"
STATE = {"pending": ("processing", "processing"), "processing": ("processing", "processing"),
         "label_created": ("processing", "processing"), "shipped": ("complete", "complete"),
         "delivered": ("complete", "complete"), "cancelled": ("canceled", "canceled")}
_ids = itertools.count(700)


def order_state(order: Any, entity_id: int) -> dict[str, Any]:
    state, status = ("holded", "holded") if order.hold_reason else STATE[order.status]
    a = order.shipping_address
    address = {"entity_id": entity_id * 10, "parent_id": entity_id, "address_type": "shipping", "firstname": "Pat",
               "lastname": "Doe", "telephone": "555-0100", "street": [s for s in (a.line1, a.line2) if s],
               "city": a.city, "region_code": a.state, "postcode": a.zip, "country_id": a.country}
    items = [{"item_id": entity_id * 100 + ln.line_no, "sku": ln.sku, "qty_ordered": ln.quantity}
             for ln in order.lines]
    return {"entity_id": entity_id, "increment_id": order.id.removeprefix("#"), "state": state, "status": status,
            "customer_email": "pat@example.com", "grand_total": float(order.total), "base_grand_total": float(order.total),
            "total_refunded": 0.0, "items": items, "status_histories": [],
            "extension_attributes": {"shipping_assignments": [{"shipping": {"address": address}, "items": items}]}}


@dataclass
class MagentoStore:
    contracts_dir: Path
    orders: dict[int, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    refuse: dict[str, tuple[int, str, list[str]]] = field(default_factory=dict)
    false_next: bool = False
    rate_limit_next: int = 0
    hold_answers: threading.Event | None = None
    hold_only: str = ""  # hold only the answers of requests whose path contains this

    @classmethod
    def from_world(cls, world: World, contracts_dir: Path) -> MagentoStore:
        store = cls(contracts_dir)
        for n, order in enumerate(world.orders, start=1):
            store.orders[n] = order_state(order, n)
        return store

    def by_number(self, number: str) -> dict[str, Any]:
        return next(o for o in self.orders.values() if o["increment_id"] == number)

    def writes(self) -> list[tuple[str, str]]:
        return [(m, re.sub(r"/\d+", "/{id}", p.split("/rest/default")[1])) for m, p, _ in self.requests if m != "GET"]

    async def endpoint(self, request: Request) -> JSONResponse:
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return JSONResponse({"message": "The consumer isn't authorized to access %resources.",
                                 "parameters": {"resources": "Magento_Sales::actions_view"}}, status_code=401)
        raw = await request.body()
        body = json.loads(raw) if raw else None
        path = request.url.path.split("/rest/default", 1)[1]
        full = path + (f"?{request.url.query}" if request.url.query else "")
        self.requests.append((request.method, request.url.path, body))
        if self.rate_limit_next > 0:
            self.rate_limit_next -= 1
            return JSONResponse({"message": "Too many requests"}, status_code=429, headers={"Retry-After": "1"})
        errors = check(self.contracts_dir, VendorRequest(system="magento", operation="-", method=request.method,
                                                         url=full, body=body), "")
        if errors:
            self.violations.extend(errors)
            return JSONResponse({"message": errors[0]}, status_code=400)
        operation = request.method + " " + re.sub(r"/\d+", "/{id}", path)
        if operation in self.refuse:
            status, message, params = self.refuse[operation]
            return JSONResponse({"message": message, "parameters": params}, status_code=status)
        status, answer = self._act(request.method, path, dict(parse_qsl(request.url.query)), body)
        bad = response_errors(self.contracts_dir, request.method, path, status, answer)
        assert not bad, f"the test server's own answer breaks the contract: {bad}"
        if self.hold_answers is not None and request.method != "GET" and self.hold_only in path:
            await asyncio.to_thread(self.hold_answers.wait)
        return JSONResponse(answer, status_code=status)

    def _act(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        parts = path.strip("/").split("/")  # V1, orders|order, id, action
        if parts[1] == "orders" and len(parts) == 2:
            number = next((v for k, v in query.items() if k.endswith("[value]")), None)
            found = [o for o in self.orders.values() if number is None or o["increment_id"] == number]
            size = int(query.get("searchCriteria[pageSize]", len(found)))
            if number is None:
                return 200, {"items": found[:size], "search_criteria": {"filter_groups": [], "page_size": size},
                             "total_count": len(found)}
            criteria = {"filter_groups": [{"filters": [{"field": "increment_id", "value": number or "",
                                                          "condition_type": "eq"}]}]}
            return 200, {"items": found, "search_criteria": criteria, "total_count": len(found)}
        order = self.orders.get(int(parts[2]))
        if order is None:
            return 404, {"message": "The entity that was requested doesn't exist. Verify the entity and try again."}
        action = parts[3] if len(parts) > 3 else None
        if action is None and method == "GET":
            return 200, order
        if action is None:  # PUT /V1/orders/{parent_id}: the address entity
            address = order["extension_attributes"]["shipping_assignments"][0]["shipping"]
            address["address"] = {**address["address"], **body["entity"]}
            return 200, address["address"]
        if action == "comments":
            if method == "GET":
                items = order["status_histories"]
                return 200, {"items": items, "search_criteria": {"filter_groups": []}, "total_count": len(items)}
            order["status_histories"].append({**body["statusHistory"], "entity_id": next(_ids)})
            return 200, True
        if action == "refund":
            order["total_refunded"] = round(order["total_refunded"] + body["arguments"]["adjustment_positive"], 2)
            return 200, next(_ids)
        return 200, self._transition(order, action)

    def _transition(self, order: dict[str, Any], action: str) -> bool:
        allowed = {"cancel": ("processing", "new", "pending_payment"), "hold": ("processing", "new"),
                   "unhold": ("holded",)}[action]
        if self.false_next or order["state"] not in allowed:
            self.false_next = False
            return False
        target = {"cancel": "canceled", "hold": "holded", "unhold": "processing"}[action]
        order["state"] = order["status"] = target
        return True
