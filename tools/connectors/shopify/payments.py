"""Refunds through Shopify (`refundCreate`) when the store's payments are Shopify's own and Stripe is not
connected: `@idempotent` on API versions that have it, otherwise the order's refunds are read before a
second try (each refund's note carries the desk's call key)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from psycopg import AsyncConnection

from tools.connectors.outbox import CURRENT_CALL, VendorResponse
from tools.connectors.sandbox.psp import SandboxPSP
from tools.connectors.shopify import documents as doc
from tools.connectors.shopify.storefront import ShopifyStorefront
from tools.connectors.uncarried import UncarriedPaymentActions, UncarriedRetry
from tools.contracts.errors import ConnectorError, InvalidInput
from tools.schemas import RefundPaymentOutput

PAID = ("SALE", "CAPTURE")


class ShopifyPayments(UncarriedRetry, UncarriedPaymentActions, SandboxPSP):
    VENDOR = "Shopify"

    def __init__(self, conn: AsyncConnection[Any], now: datetime, actor: str | None,
                 shop: ShopifyStorefront) -> None:
        super().__init__(conn, now, actor)
        self.shop = shop

    async def refund(self, order_id: str, amount: Decimal, reason: str,
                     idempotency_key: str | None) -> RefundPaymentOutput:
        result = await super().refund(order_id, amount, reason, idempotency_key)
        call = CURRENT_CALL.get()
        if call is None:
            raise InvalidInput("a Shopify refund needs the tool call's idempotency key")
        remote = await self.shop.remote_order(order_id)
        parent = next((t for t in remote.transactions if t.kind in PAID and t.status == "SUCCESS"), None)
        if parent is None:
            raise ConnectorError(f"Shopify shows no paid transaction on {order_id} to refund", reason="nothing_paid")
        note = f"Recovery desk {call.key}: {reason}"
        variables: dict[str, Any] = {"input": {"orderId": remote.id, "note": note, "notify": False, "transactions": [
            {"orderId": remote.id, "parentId": parent.id, "amount": str(amount), "gateway": parent.gateway,
             "kind": "REFUND"}]}}
        idempotent = self.shop.config.has_idempotent_directive
        key = f"rdc-{call.key}-refund" if idempotent else None
        if key:
            variables["idempotencyKey"] = key

        async def recover() -> VendorResponse | None:
            order = (await self.shop._query("order", doc.ORDER_REFUNDS, {"id": remote.id})).get("order") or {}
            done = next((r for r in order.get("refunds", []) if r.get("note") == note), None)
            return VendorResponse(status=200, body={"refundCreate": {"refund": done}}) if done else None

        request = self.shop.client.request("refundCreate", doc.refund_create(idempotent), variables, key)
        response = await self.shop.outbound.write(request, self.shop._mutation("refundCreate"), "refundCreate",
                                                  recover)
        if response is None:
            return result
        refund = ((response.body or {}).get("refundCreate") or {}).get("refund") or {}
        return result.model_copy(update={"refund_id": str(refund.get("id", result.refund_id))})
