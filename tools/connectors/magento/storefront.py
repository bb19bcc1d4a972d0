"""The Storefront protocol on Adobe Commerce / Magento REST: the desk's mirror decides and records, Magento acts.

Cancel, hold and unhold are Magento's own order actions (each answers a boolean: `false` is a refusal);
the address is the order's shipping address entity, read back; the reason is an order comment for the
store's staff. Magento's web API has no idempotency key: every write reads the order's state first."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection

from tools.connectors.config import MagentoConfig
from tools.connectors.magento.client import MagentoApi, increment_id
from tools.connectors.outbound import Outbound
from tools.connectors.outbox import VendorRequest, VendorResponse
from tools.connectors.sandbox.storefront import SandboxStorefront
from tools.connectors.sandbox.world import Address
from tools.connectors.statewrites import marker, write_unless_done
from tools.connectors.uncarried import UncarriedStoreActions
from tools.contracts.errors import ConnectorError, NotFound
from tools.schemas import (
    CancelOrderOutput,
    HoldOrderOutput,
    ReleaseHoldOutput,
    SubstituteItemOutput,
    UpdateAddressOutput,
)

Order = dict[str, Any]


def shipping_address(order: Order) -> dict[str, Any] | None:
    for assignment in (order.get("extension_attributes") or {}).get("shipping_assignments") or []:
        address = (assignment.get("shipping") or {}).get("address")
        if address:
            return dict(address)
    return None


def same_address(remote: dict[str, Any] | None, address: Address) -> bool:
    remote = remote or {}
    street = [s for s in remote.get("street") or [] if s]
    return (street == [s for s in (address.line1, address.line2) if s] and remote.get("city") == address.city
            and remote.get("postcode") == address.zip and remote.get("region_code") == address.state
            and remote.get("country_id") == address.country)


class MagentoStorefront(UncarriedStoreActions, SandboxStorefront):
    VENDOR = "Magento"

    def __init__(self, conn: AsyncConnection[Any], now: datetime, actor: str | None, config: MagentoConfig,
                 outbound: Outbound, api: MagentoApi) -> None:
        super().__init__(conn, now, actor)
        self.config, self.outbound, self.api = config, outbound, api

    async def remote_order(self, order_id: str) -> Order:
        """The order found by its increment_id (the desk's order ids are the numbers customers see)."""
        found = await self.outbound.read(self.api.search_by_increment_id(increment_id(order_id)), self.api.send)
        items = (found.body or {}).get("items") or []
        if not items:
            raise NotFound(f"Magento has no order {order_id}", order_id=order_id)
        return dict(items[0])

    async def _action(self, order_id: str, action: str, done: Callable[[Order], bool]) -> bool:
        """POST /V1/orders/{id}/<action> unless the state already shows it; False when not sent."""
        remote = await self.remote_order(order_id)
        request = self.api.request(f"orders.{action}", "POST", f"/V1/orders/{remote['entity_id']}/{action}")

        async def send(req: VendorRequest) -> VendorResponse:
            response = await self.api.send(req)
            if response.body is not True:  # Magento answers false when the order is not in a state that allows it
                raise ConnectorError(f"Magento refused to {action} {order_id} (state {remote.get('state')},"
                                     f" status {remote.get('status')})", reason=f"{action}_refused")
            return response

        sent = await write_unless_done(self.outbound, action, request, send, lambda: self.remote_order(order_id), done)
        return sent is not None

    async def comment(self, order_id: str, text: str, step: str) -> None:
        """An order comment for the store's staff (not shown to or emailed to the customer), with the marker."""
        remote, tag = await self.remote_order(order_id), marker()
        history = {"comment": f"Recovery desk: {text} {tag}", "is_customer_notified": 0, "is_visible_on_front": 0,
                   "parent_id": remote["entity_id"]}
        path = f"/V1/orders/{remote['entity_id']}/comments"
        request = self.api.request("orders.comments.create", "POST", path, {"statusHistory": history})

        async def comments() -> list[dict[str, Any]]:
            listed = await self.outbound.read(self.api.request("orders.comments.list", "GET", path), self.api.send)
            return list((listed.body or {}).get("items") or [])

        await write_unless_done(self.outbound, step, request, self.api.send, comments,
                                lambda found: any(tag in str(c.get("comment", "")) for c in found))

    async def cancel_order(self, order_id: str, reason: str) -> CancelOrderOutput:
        result = await super().cancel_order(order_id, reason)
        await self.comment(order_id, f"cancelling ({reason})", "cancel_comment")
        await self._action(order_id, "cancel", lambda o: o.get("state") == "canceled")
        return result

    async def hold_order(self, order_id: str, reason: str) -> HoldOrderOutput:
        result = await super().hold_order(order_id, reason)
        await self.comment(order_id, f"on hold ({reason})", "hold_comment")
        await self._action(order_id, "hold", lambda o: o.get("state") == "holded")
        return result

    async def release_hold(self, order_id: str, reason: str) -> ReleaseHoldOutput:
        result = await super().release_hold(order_id, reason)
        await self._action(order_id, "unhold", lambda o: o.get("state") != "holded")
        return result

    async def update_address(self, order_id: str, address: Address) -> UpdateAddressOutput:
        result = await super().update_address(order_id, address)
        remote = await self.remote_order(order_id)
        current = shipping_address(remote)
        if current is None:
            raise ConnectorError(f"Magento's order {order_id} has no shipping address to change",
                                 reason="no_shipping_address")
        entity = {**{k: current[k] for k in ("entity_id", "parent_id", "firstname", "lastname", "telephone",
                                             "email") if current.get(k) is not None},
                  "address_type": "shipping", "street": [s for s in (address.line1, address.line2) if s],
                  "city": address.city, "region_code": address.state, "postcode": address.zip,
                  "country_id": address.country}
        request = self.api.request("orders.address.update", "PUT", f"/V1/orders/{remote['entity_id']}",
                                   {"entity": entity})
        done = lambda o: same_address(shipping_address(o), address)  # noqa: E731
        if await write_unless_done(self.outbound, "address", request, self.api.send,
                                   lambda: self.remote_order(order_id), done) is None:
            return result
        if not done(await self.remote_order(order_id)):  # read back: the save can leave the order as it was
            raise ConnectorError(f"Magento kept the old shipping address on {order_id}", reason="address_not_applied")
        return result

    async def substitute_item(self, order_id: str, line_no: int, new_sku: str) -> SubstituteItemOutput:
        raise ConnectorError("the Magento connector does not edit order lines (Magento's REST API cannot);"
                             " substitute the item in the Magento admin", reason="not_supported")
