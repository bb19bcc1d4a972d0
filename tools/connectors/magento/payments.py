"""Refunds through Magento when the store runs on Adobe Commerce and Stripe is not connected: an offline
credit memo (`POST /V1/order/{id}/refund`) for the amount, as an adjustment refund with no item quantities.

Magento has no idempotency key and a second call makes a second credit memo. So an order comment first
records this call's marker and the order's refunded total before it; a retry after a crash finds that
comment and counts the refund as done when the order's refunded total has grown by the amount."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from psycopg import AsyncConnection

from tools.connectors.magento.storefront import MagentoStorefront
from tools.connectors.sandbox.psp import SandboxPSP
from tools.connectors.statewrites import marker, write_unless_done
from tools.connectors.uncarried import UncarriedPaymentActions, UncarriedRetry
from tools.schemas import RefundPaymentOutput

BEFORE = re.compile(r"refunded before: (\d+(?:\.\d+)?)")


def refunded_before(comments: list[dict[str, Any]], tag: str) -> Decimal | None:
    for c in comments:
        text = str(c.get("comment", ""))
        found = BEFORE.search(text)
        if tag in text and found:
            return Decimal(found.group(1))
    return None


class MagentoPayments(UncarriedRetry, UncarriedPaymentActions, SandboxPSP):
    VENDOR = "Magento"

    def __init__(self, conn: AsyncConnection[Any], now: datetime, actor: str | None, store: MagentoStorefront) -> None:
        super().__init__(conn, now, actor)
        self.store = store

    async def refund(self, order_id: str, amount: Decimal, reason: str,
                     idempotency_key: str | None) -> RefundPaymentOutput:
        result = await super().refund(order_id, amount, reason, idempotency_key)
        store, tag = self.store, marker()
        remote = await store.remote_order(order_id)
        before = Decimal(str(remote.get("total_refunded") or 0))
        await store.comment(order_id, f"refunding {amount:.2f} ({reason}); refunded before: {before:.2f}",
                            "refund_comment")
        entity = remote["entity_id"]
        body = {"items": [{"order_item_id": i["item_id"], "qty": 0} for i in remote.get("items", [])
                          if i.get("item_id") is not None],
                "notify": False, "appendComment": True,
                "comment": {"comment": f"Recovery desk refund {tag}: {reason}", "is_visible_on_front": 0},
                "arguments": {"shipping_amount": 0, "adjustment_positive": float(amount), "adjustment_negative": 0}}
        request = store.api.request("order.refund", "POST", f"/V1/order/{entity}/refund", body)

        async def state() -> dict[str, str | None]:
            listed = await store.outbound.read(store.api.request("orders.comments.list", "GET",
                                                                 f"/V1/orders/{entity}/comments"), store.api.send)
            order = await store.remote_order(order_id)
            first = refunded_before(list((listed.body or {}).get("items") or []), tag)
            return {"refunded_before": None if first is None else str(first),
                    "total_refunded": str(order.get("total_refunded") or 0)}

        def done(found: dict[str, str | None]) -> bool:
            first = found["refunded_before"]
            return first is not None and Decimal(str(found["total_refunded"])) >= Decimal(first) + amount

        sent = await write_unless_done(store.outbound, "refund", request, store.api.send, state, done)
        if sent is not None and isinstance(sent.body, (str, int)):
            return result.model_copy(update={"refund_id": f"creditmemo_{sent.body}"})
        return result
