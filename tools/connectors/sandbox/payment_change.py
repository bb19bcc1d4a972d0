"""Sandbox effect of paying a pending order with another of the customer's saved methods.

The old payment is released (an authorization voided, a capture refunded; a gift card gets its money back at
once) and the order's amount is authorized on the new method. A gift card must hold the whole amount.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from psycopg.types.json import Jsonb

from tools.contracts.errors import ConnectorError
from tools.schemas import ChangePaymentMethodOutput

if TYPE_CHECKING:
    from tools.connectors.sandbox.base import Row, SandboxBase

AUTH_LIFETIME = timedelta(days=7)
CHANGEABLE = ("pending",)
LIVE = ("authorized", "captured")


def _method(methods: list[Row], method_id: str) -> Row | None:
    return next((m for m in methods if m["id"] == method_id), None)


async def change_payment_method(system: SandboxBase, order_id: str, payment_method_id: str,
                                idempotency_key: str | None) -> ChangePaymentMethodOutput:
    order = await system.order_row(order_id, act=True)
    if order["status"] not in CHANGEABLE:
        raise ConnectorError(f"order {order_id} is {order['status']}; only a pending order changes how it is paid",
                             reason="not_pending")
    customer = await system.one("SELECT payment_methods FROM sandbox.customers WHERE id = %s FOR UPDATE",
                                (order["customer_id"],))
    methods: list[Row] = list(customer["payment_methods"]) if customer else []
    new = _method(methods, payment_method_id)
    if new is None:
        raise ConnectorError(f"payment method {payment_method_id} is not one of the customer's",
                             reason="unknown_payment_method")
    live = [p for p in await system.all("SELECT * FROM sandbox.payments WHERE order_id = %s AND status = ANY(%s)"
                                        " ORDER BY created_at, id FOR UPDATE", (order_id, list(LIVE)))]
    if not live:
        raise ConnectorError(f"order {order_id} has no live payment to move", reason="nothing_to_move")
    if {p["method"] for p in live} == {payment_method_id}:
        raise ConnectorError(f"order {order_id} is already paid with {payment_method_id}", reason="same_method")
    amount = sum((p["amount"] - p["amount_refunded"] for p in live), Decimal("0"))
    if new.get("balance") is not None and Decimal(str(new["balance"])) < amount:
        raise ConnectorError(f"gift card {payment_method_id} holds {new['balance']}, less than the order's {amount}",
                             reason="insufficient_balance")
    released: Literal["voided", "refunded"] = "voided"
    for p in live:
        released = await _release(system, p, methods, idempotency_key)
    if new.get("balance") is not None:
        new["balance"] = str(Decimal(str(new["balance"])) - amount)
    await system.conn.execute("UPDATE sandbox.customers SET payment_methods = %s WHERE id = %s",
                              (Jsonb(methods), order["customer_id"]))
    n = await system.one("SELECT count(*) AS n FROM sandbox.payments WHERE order_id = %s", (order_id,))
    payment_id = f"pay_{order_id.lstrip('#')}_m{(n or {'n': 0})['n']}"
    await system.conn.execute(
        "INSERT INTO sandbox.payments (id, order_id, method, brand, last4, status, amount, authorized_at,"
        " auth_expires_at, idempotency_key, created_at) VALUES (%s, %s, %s, %s, %s, 'authorized', %s, %s, %s, %s, %s)",
        (payment_id, order_id, payment_method_id, new.get("brand"), new.get("last4"), amount, system.now,
         system.now + AUTH_LIFETIME, idempotency_key, system.now))
    return ChangePaymentMethodOutput(
        order_id=order_id, previous_method=live[-1]["method"], payment_method_id=payment_method_id,
        payment_id=payment_id, amount=amount, previous_released=released,
        gift_card_balance=Decimal(str(new["balance"])) if new.get("balance") is not None else None)


async def _release(system: SandboxBase, payment: Row, methods: list[Row],
                   idempotency_key: str | None) -> Literal["voided", "refunded"]:
    """Void an authorization or refund a capture; a gift card is credited back at once (tau2 retail policy)."""
    left = payment["amount"] - payment["amount_refunded"]
    old = _method(methods, payment["method"])
    if old is not None and old.get("balance") is not None:
        old["balance"] = str(Decimal(str(old["balance"])) + left)
    if payment["status"] == "authorized":
        await system.conn.execute("UPDATE sandbox.payments SET status = 'voided' WHERE id = %s", (payment["id"],))
        return "voided"
    refund_id = f"re_{payment['id']}_method_change"
    await system.conn.execute(
        "INSERT INTO sandbox.refunds (id, payment_id, amount, reason, idempotency_key, created_at)"
        " VALUES (%s, %s, %s, 'payment_method_changed', %s, %s)",
        (refund_id, payment["id"], left, f"{idempotency_key}:release" if idempotency_key else None, system.now))
    await system.conn.execute("UPDATE sandbox.payments SET amount_refunded = amount WHERE id = %s", (payment["id"],))
    return "refunded"
