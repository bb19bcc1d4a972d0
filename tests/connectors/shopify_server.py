"""A Shopify Admin GraphQL endpoint for tests: each document is validated against Shopify's published
2025-01 schema and executed against that same schema (graphql-core), over a small store's state.

Responses are therefore shaped by the real types; the state is this test's, since Shopify publishes a
schema and no examples. Knobs: `throttle_next`, `rate_limit_next` (429 + Retry-After), `user_errors`
(per mutation), `silent_update` (orderUpdate answers without errors and changes nothing).
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLSchema, graphql_sync, parse, validate
from starlette.requests import Request
from starlette.responses import JSONResponse

from tools.connectors.contracts import shopify_schema
from tools.connectors.sandbox.world import World

TOKEN = "shpat_test_token"
_ids = itertools.count(9000)


def gid(kind: str, n: int | str) -> str:
    return f"gid://shopify/{kind}/{n}"


def _address(a: Any) -> dict[str, Any]:
    return {"address1": a.line1, "address2": a.line2, "city": a.city, "provinceCode": a.state, "zip": a.zip,
            "countryCodeV2": a.country, "firstName": "Pat", "lastName": "Doe"}


FO_STATUS = {"pending": "OPEN", "processing": "IN_PROGRESS", "label_created": "IN_PROGRESS",
             "shipped": "CLOSED", "delivered": "CLOSED", "cancelled": "CANCELLED"}


def order_state(order: Any, number: int) -> dict[str, Any]:
    lines = [{"id": gid("LineItem", number * 100 + ln.line_no), "sku": ln.sku, "quantity": ln.quantity,
              "currentQuantity": ln.quantity} for ln in order.lines]
    return {"id": gid("Order", number), "name": order.id, "cancelledAt": None,
            "displayFinancialStatus": "AUTHORIZED", "displayFulfillmentStatus": "UNFULFILLED",
            "shippingAddress": _address(order.shipping_address), "lineItems": {"nodes": lines},
            "fulfillmentOrders": {"nodes": [{"id": gid("FulfillmentOrder", number), "status": FO_STATUS[order.status],
                                             "fulfillmentHolds": []}]},
            "transactions": [{"id": gid("OrderTransaction", number), "kind": "SALE", "status": "SUCCESS",
                              "gateway": "shopify_payments"}], "refunds": []}


@dataclass
class ShopifyStore:
    schema: GraphQLSchema
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    variants: dict[str, str] = field(default_factory=dict)  # sku -> variant gid
    jobs: dict[str, int] = field(default_factory=dict)  # job id -> polls left before done
    edits: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    mutations: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    user_errors: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    throttle_next: int = 0
    rate_limit_next: int = 0
    retry_after: str = "1"
    silent_update: bool = False
    hold_answers: threading.Event | None = None  # clear: a mutation's effect is done, its answer waits
    version: str = "2025-01"

    @classmethod
    def from_world(cls, world: World, contracts_dir: Any, version: str = "2025-01") -> ShopifyStore:
        # Shopify's @idempotent exists from 2026-01; the staged 2025-01 schema plus that directive stands in.
        store = cls(schema=shopify_schema(contracts_dir, version >= "2026-01"), version=version)
        for n, order in enumerate(world.orders, start=1001):
            store.orders[gid("Order", n)] = order_state(order, n)
        for n, product in enumerate(world.products, start=1):
            store.variants[product.sku] = gid("ProductVariant", n)
        return store

    def by_name(self, name: str) -> dict[str, Any] | None:
        return next((o for o in self.orders.values() if o["name"] == name), None)

    # ---- resolvers (graphql-core calls a callable found on the root with (info, **args)) --------------

    def root(self) -> dict[str, Any]:
        return {
            "order": lambda info, id: self.orders.get(id),
            "orders": lambda info, first=None, query=None, **_: {"nodes": self._search(query)[: first or 50]},
            "job": lambda info, id: self._job(id),
            "productVariants": lambda info, first=None, query=None, **_: {"nodes": self._variants(query)},
            "shop": {"name": "Test shop", "myshopifyDomain": "test-shop.myshopify.com"},
            "orderCancel": self._cancel, "orderUpdate": self._update,
            "fulfillmentOrderHold": self._hold, "fulfillmentOrderReleaseHold": self._release,
            "orderEditBegin": self._edit_begin, "orderEditSetQuantity": self._edit_set,
            "orderEditAddVariant": self._edit_add, "orderEditCommit": self._edit_commit,
            "refundCreate": self._refund,
        }

    def _search(self, query: str | None) -> list[dict[str, Any]]:
        name = (query or "").removeprefix("name:").strip("'\"")
        return [o for o in self.orders.values() if o["name"] == name]

    def _variants(self, query: str | None) -> list[dict[str, Any]]:
        sku = (query or "").removeprefix("sku:").strip("'\"")
        return [{"id": self.variants[sku], "sku": sku}] if sku in self.variants else []

    def _job(self, job_id: str) -> dict[str, Any]:
        left = self.jobs.get(job_id, 0)
        self.jobs[job_id] = max(left - 1, 0)
        return {"id": job_id, "done": left == 0}

    def _errors(self, name: str, args: dict[str, Any]) -> list[dict[str, Any]]:
        self.mutations.append((name, args))
        return self.user_errors.get(name, [])

    def _cancel(self, info: Any, orderId: str, **args: Any) -> dict[str, Any]:
        errors = self._errors("orderCancel", {"orderId": orderId, **args})
        if errors:
            return {"job": None, "orderCancelUserErrors": errors}
        self.orders[orderId]["cancelledAt"] = "2026-11-16T15:00:00Z"
        job = gid("Job", next(_ids))
        self.jobs[job] = 1  # done on the second poll: the connector must follow it
        return {"job": {"id": job, "done": False}, "orderCancelUserErrors": []}

    def _update(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        errors = self._errors("orderUpdate", {"input": input})
        order = self.orders[input["id"]]
        if not errors and not self.silent_update and "shippingAddress" in input:
            new = dict(input["shippingAddress"])
            new["countryCodeV2"] = new.pop("countryCode", order["shippingAddress"]["countryCodeV2"])
            order["shippingAddress"] = {**order["shippingAddress"], **new}
        return {"order": order, "userErrors": errors}

    def _fo(self, fo_id: str) -> dict[str, Any]:
        return next(fo for o in self.orders.values() for fo in o["fulfillmentOrders"]["nodes"] if fo["id"] == fo_id)

    def _hold(self, info: Any, id: str, fulfillmentHold: dict[str, Any]) -> dict[str, Any]:
        errors = self._errors("fulfillmentOrderHold", {"id": id, "fulfillmentHold": fulfillmentHold})
        fo = self._fo(id)
        if errors:
            return {"fulfillmentHold": None, "fulfillmentOrder": None, "userErrors": errors}
        hold = {"id": gid("FulfillmentHold", next(_ids)), "handle": fulfillmentHold.get("handle"),
                "reason": fulfillmentHold["reason"]}
        fo["fulfillmentHolds"].append(hold)
        fo["status"] = "ON_HOLD"
        return {"fulfillmentHold": hold, "fulfillmentOrder": fo, "userErrors": []}

    def _release(self, info: Any, id: str, holdIds: list[str] | None = None, **_: Any) -> dict[str, Any]:
        errors = self._errors("fulfillmentOrderReleaseHold", {"id": id, "holdIds": holdIds})
        fo = self._fo(id)
        if not errors:
            fo["fulfillmentHolds"] = [h for h in fo["fulfillmentHolds"] if holdIds and h["id"] not in holdIds]
            fo["status"] = "ON_HOLD" if fo["fulfillmentHolds"] else "OPEN"
        return {"fulfillmentOrder": fo, "userErrors": errors}

    def _edit_begin(self, info: Any, id: str) -> dict[str, Any]:
        errors = self._errors("orderEditBegin", {"id": id})
        calc = gid("CalculatedOrder", next(_ids))
        lines = [{"id": li["id"].replace("LineItem", "CalculatedLineItem"), "sku": li["sku"],
                  "quantity": li["currentQuantity"]} for li in self.orders[id]["lineItems"]["nodes"]]
        self.edits[calc] = {"order": id, "set": {}, "add": []}
        return {"calculatedOrder": {"id": calc, "lineItems": {"nodes": lines}}, "userErrors": errors}

    def _edit_set(self, info: Any, id: str, lineItemId: str, quantity: int, **_: Any) -> dict[str, Any]:
        errors = self._errors("orderEditSetQuantity", {"id": id, "lineItemId": lineItemId, "quantity": quantity})
        self.edits[id]["set"][lineItemId.replace("CalculatedLineItem", "LineItem")] = quantity
        return {"calculatedLineItem": {"id": lineItemId, "quantity": quantity}, "userErrors": errors}

    def _edit_add(self, info: Any, id: str, variantId: str, quantity: int, **_: Any) -> dict[str, Any]:
        errors = self._errors("orderEditAddVariant", {"id": id, "variantId": variantId, "quantity": quantity})
        self.edits[id]["add"].append((variantId, quantity))
        return {"calculatedLineItem": {"id": gid("CalculatedLineItem", next(_ids)), "quantity": quantity},
                "userErrors": errors}

    def _edit_commit(self, info: Any, id: str, **args: Any) -> dict[str, Any]:
        errors = self._errors("orderEditCommit", {"id": id, **args})
        edit = self.edits.pop(id)
        order = self.orders[edit["order"]]
        for li in order["lineItems"]["nodes"]:
            li["currentQuantity"] = edit["set"].get(li["id"], li["currentQuantity"])
        skus = {v: s for s, v in self.variants.items()}
        for variant, qty in edit["add"]:
            order["lineItems"]["nodes"].append({"id": gid("LineItem", next(_ids)), "sku": skus[variant],
                                                "quantity": qty, "currentQuantity": qty})
        return {"order": order, "userErrors": errors}

    def _refund(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        errors = self._errors("refundCreate", {"input": input})
        amount = sum(float(t["amount"]) for t in input.get("transactions") or [])
        if errors:
            return {"refund": None, "userErrors": errors}
        refund = {"id": gid("Refund", next(_ids)), "note": input.get("note"),
                  "totalRefundedSet": {"shopMoney": {"amount": f"{amount:.2f}", "currencyCode": "USD"}}}
        self.orders[input["orderId"]].setdefault("refunds", []).append(refund)
        return {"refund": refund, "userErrors": []}

    # ---- the endpoint ------------------------------------------------------------------------------

    async def endpoint(self, request: Request) -> JSONResponse:
        if request.headers.get("x-shopify-access-token") != TOKEN:
            return JSONResponse({"errors": "[API] Invalid API key or access token"}, status_code=401)
        if request.path_params["version"] != self.version:
            self.violations.append(f"version {request.path_params['version']}")
        body = await request.json()
        self.requests.append(body)
        cost = {"requestedQueryCost": 12, "actualQueryCost": 10,
                "throttleStatus": {"maximumAvailable": 2000.0, "currentlyAvailable": 1990, "restoreRate": 100.0}}
        if self.rate_limit_next > 0:
            self.rate_limit_next -= 1
            return JSONResponse({"errors": "Too many requests"}, status_code=429,
                                headers={"Retry-After": self.retry_after})
        if self.throttle_next > 0:
            self.throttle_next -= 1
            cost = {"requestedQueryCost": 112, "throttleStatus": {"maximumAvailable": 2000.0,
                                                                  "currentlyAvailable": 12, "restoreRate": 100.0}}
            return JSONResponse({"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                                 "extensions": {"cost": cost}})
        errors = [e.message for e in validate(self.schema, parse(body["query"]))]
        if errors:
            self.violations.extend(errors)
            return JSONResponse({"errors": [{"message": m} for m in errors]})
        result = graphql_sync(self.schema, body["query"], root_value=self.root(),
                              variable_values=body.get("variables"))
        if self.hold_answers is not None and body["query"].lstrip().startswith("mutation"):
            await asyncio.to_thread(self.hold_answers.wait)
        if result.errors:
            self.violations.extend(e.message for e in result.errors)
            return JSONResponse({"errors": [{"message": e.message} for e in result.errors], "data": result.data})
        return JSONResponse({"data": result.data, "extensions": {"cost": cost}})
