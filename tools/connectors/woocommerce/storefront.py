"""The Storefront protocol on WooCommerce REST v3: the desk's mirror decides and records, WooCommerce acts.

Cancel, hold and release are order status updates (`cancelled`, `on-hold`, `processing`); the address is a
`shipping` update read back; the reason goes into a private order note. WooCommerce has no idempotency key,
so every write reads the order first and is skipped when already so (see statewrites.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection

from tools.connectors.config import WooCommerceConfig
from tools.connectors.outbound import Outbound
from tools.connectors.outbox import VendorResponse
from tools.connectors.sandbox.storefront import SandboxStorefront
from tools.connectors.sandbox.world import Address
from tools.connectors.statewrites import marker, write_unless_done
from tools.connectors.uncarried import UncarriedStoreActions
from tools.connectors.woocommerce.client import WooApi, order_number
from tools.contracts.errors import ConnectorError
from tools.schemas import (
    CancelOrderOutput,
    HoldOrderOutput,
    ReleaseHoldOutput,
    SubstituteItemOutput,
    UpdateAddressOutput,
)

Order = dict[str, Any]


def woo_address(address: Address, current: dict[str, Any] | None) -> dict[str, str]:
    """The new address in WooCommerce's `shipping` shape, keeping the recipient's name and company."""
    kept = {k: str(v) for k, v in (current or {}).items() if k in ("first_name", "last_name", "company") and v}
    return {**kept, "address_1": address.line1, "address_2": address.line2 or "", "city": address.city,
            "state": address.state, "postcode": address.zip, "country": address.country}


def same_address(remote: dict[str, Any] | None, address: Address) -> bool:
    remote = remote or {}
    return (remote.get("address_1") == address.line1 and (remote.get("address_2") or None) == address.line2
            and remote.get("city") == address.city and remote.get("postcode") == address.zip
            and remote.get("state") == address.state and remote.get("country", address.country) == address.country)


class WooStorefront(UncarriedStoreActions, SandboxStorefront):
    VENDOR = "WooCommerce"

    def __init__(self, conn: AsyncConnection[Any], now: datetime, actor: str | None, config: WooCommerceConfig,
                 outbound: Outbound, api: WooApi) -> None:
        super().__init__(conn, now, actor)
        self.config, self.outbound, self.api = config, outbound, api

    async def remote_order(self, order_id: str) -> Order:
        number = order_number(order_id)
        response = await self.outbound.read(self.api.request("orders.retrieve", "GET", f"/orders/{number}"),
                                            self.api.send)
        return dict(response.body or {})

    async def _update(self, order_id: str, step: str, body: dict[str, Any], done: Callable[[Order], bool]) -> bool:
        """PUT a partial order unless already so; True when it was sent (live), read back and applied."""
        number = order_number(order_id)
        request = self.api.request("orders.update", "PUT", f"/orders/{number}", body)
        sent = await write_unless_done(self.outbound, step, request, self.api.send,
                                       lambda: self.remote_order(order_id), done)
        if sent is None:
            return False
        if not done(await self.remote_order(order_id)):  # an update can be a silent no-op: read it back
            raise ConnectorError(f"WooCommerce did not apply the {step} on {order_id}", reason=f"{step}_not_applied")
        return True

    async def note(self, order_id: str, text: str, step: str, customer_note: bool = False) -> None:
        """A private order note (or one the customer is emailed), carrying the call's marker."""
        number, tag = order_number(order_id), marker()
        body = {"note": f"Recovery desk: {text} {tag}", "customer_note": customer_note}
        request = self.api.request("orders.notes.create", "POST", f"/orders/{number}/notes", body)

        async def notes() -> list[dict[str, Any]]:
            listed = await self.outbound.read(self.api.request("orders.notes.list", "GET", f"/orders/{number}/notes"),
                                              self.api.send)
            return list(listed.body or [])

        await write_unless_done(self.outbound, step, request, self.api.send, notes,
                                lambda found: any(tag in str(n.get("note", "")) for n in found))

    async def cancel_order(self, order_id: str, reason: str) -> CancelOrderOutput:
        result = await super().cancel_order(order_id, reason)
        await self._update(order_id, "cancel", {"status": "cancelled"}, lambda o: o.get("status") == "cancelled")
        await self.note(order_id, f"cancelled ({reason})", "cancel_note")
        return result

    async def update_address(self, order_id: str, address: Address) -> UpdateAddressOutput:
        result = await super().update_address(order_id, address)
        remote = await self.remote_order(order_id)
        body = {"shipping": woo_address(address, remote.get("shipping"))}
        await self._update(order_id, "address", body, lambda o: same_address(o.get("shipping"), address))
        return result

    async def hold_order(self, order_id: str, reason: str) -> HoldOrderOutput:
        result = await super().hold_order(order_id, reason)
        await self._update(order_id, "hold", {"status": "on-hold"}, lambda o: o.get("status") == "on-hold")
        await self.note(order_id, f"on hold ({reason})", "hold_note")
        return result

    async def release_hold(self, order_id: str, reason: str) -> ReleaseHoldOutput:
        result = await super().release_hold(order_id, reason)
        await self._update(order_id, "release", {"status": "processing"}, lambda o: o.get("status") != "on-hold")
        return result

    async def substitute_item(self, order_id: str, line_no: int, new_sku: str) -> SubstituteItemOutput:
        raise ConnectorError("the WooCommerce connector does not edit order lines; substitute the item in the"
                             " WooCommerce admin", reason="not_supported")


def refund_found(tag: str) -> Callable[[list[dict[str, Any]]], bool]:
    def done(refunds: list[dict[str, Any]]) -> bool:
        return any(tag in str(r.get("reason", "")) for r in refunds)

    return done


async def woo_refund(store: WooStorefront, order_id: str, amount: str, reason: str) -> dict[str, Any] | None:
    """POST /orders/{id}/refunds through the payment gateway (`api_refund`); before a second try the order's
    refunds are listed and one carrying this call's marker in its reason counts as done. None: not sent."""
    number, tag = order_number(order_id), marker()
    body = {"amount": amount, "reason": f"{reason} {tag}", "api_refund": True, "api_restock": False}
    request = store.api.request("orders.refunds.create", "POST", f"/orders/{number}/refunds", body)

    async def refunds() -> list[dict[str, Any]]:
        listed = await store.outbound.read(store.api.request("orders.refunds.list", "GET", f"/orders/{number}/refunds"),
                                           store.api.send)
        return list(listed.body or [])

    sent: VendorResponse | None = await write_unless_done(store.outbound, "refund", request, store.api.send,
                                                          refunds, refund_found(tag))
    if sent is None:
        return None
    body_back = sent.body
    if isinstance(body_back, list):  # recovered from the refunds list
        return next((r for r in body_back if tag in str(r.get("reason", ""))), None)
    return dict(body_back or {})
