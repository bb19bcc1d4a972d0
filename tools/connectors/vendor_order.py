"""What the store's own system says about an order, for the case page: read from the connected storefront
(Shopify, WooCommerce or Magento) in shadow or live mode, or from the sandbox world, labelled with its source
and when it was read. A read that fails is shown as failed, never replaced by the desk's mirror."""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime
from typing import Any, Literal

from psycopg import AsyncConnection
from pydantic import ConfigDict

from tools.connectors.config import ConnectorConfigs, Mode, get_configs
from tools.contracts.domain import Strict
from tools.contracts.errors import CopilotError

SOURCE_NAMES = {"shopify": "Shopify Admin API", "woocommerce": "WooCommerce REST API", "magento": "Magento REST API",
                "sandbox": "the sandbox world"}
PAGE_TIMEOUT_S = 5.0  # a page waits this long for the store, once (no retries): the case is readable without it
# The copilot's own effects on an order: every WRITE/MONEY tool's input names its order_id (tools/registry.py).
_WRITES = ("SELECT count(*) AS calls, count(*) FILTER (WHERE status = 'done') AS done,"
           " count(*) FILTER (WHERE status = 'failed') AS failed FROM tool_calls WHERE args->>'order_id' = %s")


class VendorOrderView(Strict):
    model_config = ConfigDict(extra="forbid", frozen=True)  # the strict base, and a read is never edited

    system: Literal["shopify", "woocommerce", "magento", "sandbox"]
    mode: Mode
    source: str
    read_at: datetime
    order_id: str
    status: str | None = None
    payment_status: str | None = None
    fulfillment_status: str | None = None
    shipping_address: str | None = None
    holds: list[str] = []
    error: str | None = None


def _line(*parts: Any) -> str | None:
    return ", ".join(str(p) for p in parts if p) or None


def shopify_view(order: Any) -> dict[str, Any]:
    a = order.shipping_address
    holds = [f"{h.reason} ({h.handle or 'another app'})" for fo in order.fulfillment_orders for h in fo.fulfillment_holds]
    return {"status": "cancelled" if order.cancelled_at else "open", "payment_status": order.display_financial_status,
            "fulfillment_status": order.display_fulfillment_status, "holds": holds,
            "shipping_address": _line(a.address1, a.address2, a.city, a.province_code, a.zip) if a else None}


def woo_view(order: dict[str, Any]) -> dict[str, Any]:
    s = order.get("shipping") or {}
    return {"status": order.get("status"), "payment_status": "paid" if order.get("date_paid") else "not paid",
            "holds": ["on-hold"] if order.get("status") == "on-hold" else [],
            "shipping_address": _line(s.get("address_1"), s.get("address_2"), s.get("city"), s.get("state"),
                                      s.get("postcode"))}


def magento_view(order: dict[str, Any]) -> dict[str, Any]:
    from tools.connectors.magento.storefront import shipping_address

    a = shipping_address(order) or {}
    paid, total = order.get("total_paid"), order.get("grand_total")
    return {"status": f"{order.get('state')} / {order.get('status')}",
            "payment_status": f"paid {paid} of {total}" if paid is not None else None,
            "holds": ["holded"] if order.get("state") == "holded" else [],
            "shipping_address": _line(*(a.get("street") or []), a.get("city"), a.get("region_code"), a.get("postcode"))}


async def _sandbox(conn: AsyncConnection[Any], now: datetime, order_id: str) -> dict[str, Any]:
    from tools.connectors.sandbox.storefront import SandboxStorefront

    order = await SandboxStorefront(conn, now, None).get_order(order_id)
    a = order.shipping_address
    return {"status": order.status, "holds": [order.hold_reason] if order.hold_reason else [],
            "shipping_address": _line(a.line1, a.line2, a.city, a.state, a.zip)}


async def _connected(conn: AsyncConnection[Any], now: datetime, order_id: str, platform: str,
                     configs: ConnectorConfigs) -> dict[str, Any]:
    from tools.connectors import routing

    quick = configs.get(platform).model_copy(update={"timeout_s": PAGE_TIMEOUT_S, "max_attempts": 1})
    configs = configs.model_copy(update={platform: quick})
    if platform == "shopify":
        shop = routing.shopify_storefront(conn, now, None, configs.shopify, configs)
        return shopify_view(await shop.remote_order(order_id))
    store = routing.STOREFRONT_BUILDERS[platform](conn, now, None, configs)
    order = await store.remote_order(order_id)
    return woo_view(order) if platform == "woocommerce" else magento_view(order)


async def read_vendor_order(conn: AsyncConnection[Any], now: datetime, order_id: str,
                            configs: ConnectorConfigs | None = None) -> VendorOrderView:
    configs = configs or get_configs()
    platform = configs.storefront or "sandbox"
    mode: Mode = configs.get(platform).mode if platform != "sandbox" else "sandbox"
    label = f"{SOURCE_NAMES[platform]} ({mode})" if platform != "sandbox" else SOURCE_NAMES["sandbox"]
    try:
        found = (await _sandbox(conn, now, order_id) if platform == "sandbox"
                 else await _connected(conn, now, order_id, platform, configs))
    except CopilotError as exc:
        found = {"error": exc.message}
    return VendorOrderView(system=platform, mode=mode, source=label, read_at=now, order_id=order_id,
                           **found)


class VendorOrderCache:
    """A connected store's answer about an order, reused by this process's case pages for `ttl_s` seconds of the
    desk's clock (each load used to call the store, up to PAGE_TIMEOUT_S); the view keeps the time it was read.
    The copilot's own tool calls on the order end the reuse at once, so a page after a desk action never shows
    the order as it stood before it. The sandbox world is read fresh (a local query); a failed read is not kept."""

    def __init__(self, ttl_s: float, max_orders: int = 2000) -> None:
        self.ttl_s, self.max_orders = ttl_s, max_orders
        self._views: OrderedDict[tuple[str, str, str], tuple[tuple[int, ...], VendorOrderView]] = OrderedDict()

    async def get(self, conn: AsyncConnection[Any], now: datetime, order_id: str,
                  configs: ConnectorConfigs | None = None) -> VendorOrderView:
        configs = configs or get_configs()
        platform = configs.storefront or "sandbox"
        if platform == "sandbox" or self.ttl_s <= 0:
            return await read_vendor_order(conn, now, order_id, configs)
        key = (platform, configs.get(platform).mode, order_id)
        mark = await _writes_mark(conn, order_id)
        kept = self._views.get(key)
        if kept is not None and kept[0] == mark and 0 <= (now - kept[1].read_at).total_seconds() < self.ttl_s:
            return kept[1]
        view = await read_vendor_order(conn, now, order_id, configs)
        if view.error is not None:
            self._views.pop(key, None)
            return view
        self._views[key] = (mark, view)
        self._views.move_to_end(key)
        while len(self._views) > self.max_orders:
            self._views.popitem(last=False)
        return view


async def _writes_mark(conn: AsyncConnection[Any], order_id: str) -> tuple[int, ...]:
    """Changes whenever a tool call on the order starts, succeeds or fails."""
    cur = await conn.execute(_WRITES, (order_id,))
    row = await cur.fetchone()
    if row is None:
        return (0, 0, 0)
    values = row.values() if isinstance(row, dict) else row
    return tuple(int(v) for v in values)
