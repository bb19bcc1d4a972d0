"""Shopify Admin GraphQL over httpx: the cost-based throttle, 429s, and errors mapped at the boundary."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from tools.connectors.config import ShopifyConfig
from tools.connectors.outbound import Retryable, map_status, retry_after_s, ssl_context, with_retries
from tools.connectors.outbox import VendorRequest, VendorResponse
from tools.contracts.errors import ConnectorError

DEFAULT_COST = 10.0  # what a query is assumed to cost before Shopify has told us


class CostBucket:
    """The leaky bucket Shopify reports in `extensions.cost.throttleStatus`: wait for enough points."""

    def __init__(self) -> None:
        self.available: float | None = None
        self.maximum = 0.0
        self.rate = 0.0
        self.at = 0.0

    def observe(self, cost: dict[str, Any] | None) -> None:
        status = (cost or {}).get("throttleStatus")
        if status:
            self.available = float(status["currentlyAvailable"])
            self.maximum = float(status["maximumAvailable"])
            self.rate = float(status["restoreRate"])
            self.at = time.monotonic()

    def wait_for(self, needed: float) -> float:
        if self.available is None or self.rate <= 0:
            return 0.0
        now_available = min(self.maximum, self.available + (time.monotonic() - self.at) * self.rate)
        return max(0.0, (needed - now_available) / self.rate)


BUCKETS: dict[str, CostBucket] = {}


def throttle_wait_s(cost: dict[str, Any] | None) -> float | None:
    """(requestedQueryCost - currentlyAvailable) / restoreRate, as Shopify documents for THROTTLED."""
    if not cost or "throttleStatus" not in cost:
        return None
    status = cost["throttleStatus"]
    deficit = float(cost.get("requestedQueryCost", DEFAULT_COST)) - float(status["currentlyAvailable"])
    return max(deficit, 0.0) / float(status["restoreRate"] or 1)


class ShopifyClient:
    def __init__(self, config: ShopifyConfig, http: httpx.AsyncClient | None = None) -> None:
        self.config, self.http = config, http
        # One bucket per shop for the whole process: connectors are made per tool call, the bucket is not.
        self.bucket = BUCKETS.setdefault(config.endpoint, CostBucket())

    def request(self, operation: str, query: str, variables: dict[str, Any],
                vendor_key: str | None = None) -> VendorRequest:
        return VendorRequest(system="shopify", operation=operation, method="POST", url=self.config.endpoint,
                             body={"query": query, "variables": variables}, vendor_key=vendor_key)

    async def send(self, request: VendorRequest) -> VendorResponse:
        """POST a document; queries and @idempotent mutations are retried, others only when not executed."""
        query = str((request.body or {}).get("query", ""))
        safe = query.lstrip().startswith("query") or "@idempotent" in query
        return await with_retries(self.config, lambda: self._post(request), safe=safe)

    async def _post(self, request: VendorRequest) -> VendorResponse:
        await asyncio.sleep(min(self.bucket.wait_for(DEFAULT_COST), self.config.max_wait_s))
        token = self.config.access_token.get_secret_value() if self.config.access_token else ""
        try:
            if self.http is not None:
                resp = await self.http.post(request.url, json=request.body, headers={"X-Shopify-Access-Token": token})
            else:
                async with httpx.AsyncClient(timeout=self.config.timeout_s, verify=ssl_context()) as http:
                    resp = await http.post(request.url, json=request.body, headers={"X-Shopify-Access-Token": token})
        except httpx.TransportError as exc:
            raise Retryable(f"shopify unreachable: {exc!r}", None, executed=True) from exc
        if resp.status_code == 429:
            raise Retryable("shopify answered 429", retry_after_s(resp.headers), executed=False)
        if resp.status_code >= 500:
            raise Retryable(f"shopify answered {resp.status_code}", retry_after_s(resp.headers), executed=True)
        if resp.status_code != 200:
            raise map_status("shopify", resp.status_code, resp.text[:300], None)
        payload = resp.json()
        cost = (payload.get("extensions") or {}).get("cost")
        self.bucket.observe(cost)
        errors = payload.get("errors") or []
        if any((e.get("extensions") or {}).get("code") == "THROTTLED" for e in errors):
            raise Retryable("shopify throttled the query", throttle_wait_s(cost), executed=False)
        if errors:
            raise ConnectorError(f"shopify refused {request.operation}: {errors[0].get('message')}",
                                 reason="graphql_error")
        return VendorResponse(status=200, body=payload.get("data"), headers={})

def user_errors_reason(field: str, errors: list[dict[str, Any]]) -> ConnectorError:
    """Shopify's userErrors as one readable reason for the case."""
    parts = []
    for e in errors:
        where = ".".join(str(p) for p in (e.get("field") or []))
        parts.append(f"{e.get('message')}" + (f" ({where})" if where else ""))
    code = next((str(e["code"]).lower() for e in errors if e.get("code")), "user_error")
    return ConnectorError(f"Shopify refused {field}: " + "; ".join(parts), reason=code, user_errors=errors)
