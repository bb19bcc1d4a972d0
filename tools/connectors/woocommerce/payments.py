"""Refunds through WooCommerce (`POST /orders/{id}/refunds`, through the store's payment gateway) when the
store runs on WooCommerce and Stripe is not connected."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from psycopg import AsyncConnection

from tools.connectors.sandbox.psp import SandboxPSP
from tools.connectors.uncarried import UncarriedPaymentActions, UncarriedRetry
from tools.connectors.woocommerce.storefront import WooStorefront, woo_refund
from tools.schemas import RefundPaymentOutput


class WooPayments(UncarriedRetry, UncarriedPaymentActions, SandboxPSP):
    VENDOR = "WooCommerce"

    def __init__(self, conn: AsyncConnection[Any], now: datetime, actor: str | None, store: WooStorefront) -> None:
        super().__init__(conn, now, actor)
        self.store = store

    async def refund(self, order_id: str, amount: Decimal, reason: str,
                     idempotency_key: str | None) -> RefundPaymentOutput:
        result = await super().refund(order_id, amount, reason, idempotency_key)
        refund = await woo_refund(self.store, order_id, f"{amount:.2f}", reason)
        if refund and refund.get("id") is not None:
            return result.model_copy(update={"refund_id": f"wc_refund_{refund['id']}"})
        return result
