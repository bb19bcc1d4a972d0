"""The sandbox PSP: decline codes, retries, authorization expiry, refunds bounded by captured funds."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from tools.connectors.sandbox import payment_change
from tools.connectors.sandbox.base import Row, SandboxBase
from tools.contracts.errors import ConnectorError, NotFound
from tools.schemas import (
    DELIVERED_REASONS,
    HARD_DECLINES,
    SHIPPED_REASONS,
    ChangePaymentMethodOutput,
    DisputeSnapshot,
    LookupPaymentOutput,
    PaymentSnapshot,
    RefundPaymentOutput,
    RetryPaymentOutput,
    decline_type,
)

AUTH_LIFETIME = timedelta(days=7)
# A soft decline clears on a later attempt, the same way every run: the issuer needs this many retries.
RETRIES_TO_CLEAR = {"insufficient_funds": 2}
OPEN_DISPUTE = ("warning_needs_response", "needs_response", "under_review", "warning_under_review")


def payment_snapshot(p: Row) -> PaymentSnapshot:
    return PaymentSnapshot(
        id=p["id"], status=p["status"], method=p["method"], brand=p["brand"], last4=p["last4"], amount=p["amount"],
        amount_captured=p["amount_captured"], amount_refunded=p["amount_refunded"], decline_code=p["decline_code"],
        decline_type=decline_type(p["decline_code"]), avs_result=p["avs_result"], cvv_result=p["cvv_result"],
        authorized_at=p["authorized_at"], auth_expires_at=p["auth_expires_at"], retry_count=p["retry_count"],
        last_retry_at=p["last_retry_at"])


def dispute_snapshot(d: Row) -> DisputeSnapshot:
    return DisputeSnapshot(id=d["id"], payment_id=d["payment_id"], reason=d["reason"], status=d["status"],
                           amount=d["amount"], due_by=d["due_by"])


# An order's payments (one row each; one row of NULLs when it has none) and its disputes beside them, in one
# statement; a dispute's amount travels as text so it stays the exact decimal it is in the table.
_PAYMENTS_AND_DISPUTES = (
    "SELECT p.*, d.disputes FROM (SELECT coalesce(jsonb_agg(jsonb_build_object('id', id, 'payment_id', payment_id,"
    "   'reason', reason, 'status', status, 'amount', amount::text, 'due_by', due_by) ORDER BY created_at), '[]')"
    "   AS disputes FROM sandbox.disputes WHERE order_id = %(order_id)s) d"
    " LEFT JOIN sandbox.payments p ON p.order_id = %(order_id)s ORDER BY p.created_at, p.id")


class SandboxPSP(SandboxBase):
    async def _payments(self, order_id: str, lock: bool = False) -> list[Row]:
        return await self.all("SELECT * FROM sandbox.payments WHERE order_id = %s ORDER BY created_at, id"
                              + (" FOR UPDATE" if lock else ""), (order_id,))

    async def payments(self, order_id: str) -> LookupPaymentOutput:
        both = await self.all(_PAYMENTS_AND_DISPUTES, {"order_id": order_id})
        rows = [r for r in both if r["id"] is not None]
        if not rows:
            await self.order_row(order_id)  # no payment yet, or no such order (NotFound)
        disputes = both[0]["disputes"]
        captured = sum((p["amount_captured"] for p in rows), Decimal("0"))
        refunded = sum((p["amount_refunded"] for p in rows), Decimal("0"))
        return LookupPaymentOutput(
            order_id=order_id, payments=[payment_snapshot(p) for p in rows], captured=captured, refunded=refunded,
            refundable=captured - refunded, disputes=[dispute_snapshot(d) for d in disputes],
            open_dispute=any(d["status"] in OPEN_DISPUTE for d in disputes))

    async def retry_payment(self, order_id: str) -> RetryPaymentOutput:
        order = await self.order_row(order_id, act=True)
        if order["status"] == "cancelled":
            raise ConnectorError(f"order {order_id} is cancelled; nothing to charge", reason="order_cancelled")
        failed = [p for p in await self._payments(order_id, lock=True) if p["status"] in ("failed", "expired")]
        if not failed:
            raise ConnectorError(f"order {order_id} has no failed payment to retry", reason="nothing_to_retry")
        p = failed[-1]
        code = p["decline_code"]
        if p["status"] == "expired" or (p["auth_expires_at"] is not None and p["auth_expires_at"] <= self.now):
            raise ConnectorError(f"the authorization window of {p['id']} has expired; ask for a new payment",
                                 reason="authorization_expired", payment_id=p["id"])
        if code in HARD_DECLINES:
            raise ConnectorError(f"the issuer refused {p['id']} for good ({code}); ask for a new payment method",
                                 reason=code, payment_id=p["id"])
        attempts = p["retry_count"] + 1
        if attempts < RETRIES_TO_CLEAR.get(code or "", 1):
            await self.conn.execute("UPDATE sandbox.payments SET retry_count = %s, last_retry_at = %s WHERE id = %s",
                                    (attempts, self.now, p["id"]))
            return RetryPaymentOutput(payment_id=p["id"], succeeded=False, status="failed", decline_code=code,
                                      retry_count=attempts, amount=p["amount"], auth_expires_at=p["auth_expires_at"])
        expires = self.now + AUTH_LIFETIME
        await self.conn.execute(
            "UPDATE sandbox.payments SET status = 'authorized', decline_code = NULL, authorized_at = %s,"
            " auth_expires_at = %s, retry_count = %s, last_retry_at = %s WHERE id = %s",
            (self.now, expires, attempts, self.now, p["id"]))
        await self.conn.execute(
            "UPDATE sandbox.orders SET hold_reason = NULL, updated_at = %s WHERE id = %s AND hold_reason = 'payment_failed'",
            (self.now, order_id))
        return RetryPaymentOutput(payment_id=p["id"], succeeded=True, status="authorized", decline_code=None,
                                  retry_count=attempts, amount=p["amount"], auth_expires_at=expires)

    def _refuse_by_state(self, order: Row, reason: str) -> None:
        oid, status = order["id"], order["status"]
        if reason in DELIVERED_REASONS and status != "delivered":
            raise ConnectorError(f"order {oid} is {status}, not delivered; a {reason} refund needs a delivered order",
                                 reason="order_not_delivered")
        if reason in SHIPPED_REASONS and status not in ("shipped", "delivered"):
            raise ConnectorError(f"order {oid} is {status}; it never left the warehouse", reason="order_not_shipped")

    async def refund(self, order_id: str, amount: Decimal, reason: str,
                     idempotency_key: str | None) -> RefundPaymentOutput:
        order = await self.order_row(order_id, act=True)
        self._refuse_by_state(order, reason)
        disputed = await self.one("SELECT id FROM sandbox.disputes WHERE order_id = %s AND status = ANY(%s)",
                                  (order_id, list(OPEN_DISPUTE)))
        if disputed is not None:
            raise ConnectorError(f"the charge on {order_id} is disputed ({disputed['id']}); it cannot be refunded",
                                 reason="charge_disputed")
        rows = await self._payments(order_id, lock=True)
        best = max(rows, key=lambda p: p["amount_captured"] - p["amount_refunded"], default=None)
        left = best["amount_captured"] - best["amount_refunded"] if best else Decimal("0")
        if best is None or amount > left:
            raise ConnectorError(f"refund {amount} exceeds what is left to refund on {order_id} ({left})",
                                 reason="amount_exceeds_refundable", refundable=str(left))
        n = await self.one("SELECT count(*) AS n FROM sandbox.refunds WHERE payment_id = %s", (best["id"],))
        refund_id = f"re_{best['id']}_{(n or {'n': 0})['n'] + 1}"
        await self.conn.execute(
            "INSERT INTO sandbox.refunds (id, payment_id, amount, reason, idempotency_key, created_at)"
            " VALUES (%s, %s, %s, %s, %s, %s)", (refund_id, best["id"], amount, reason, idempotency_key, self.now))
        await self.conn.execute("UPDATE sandbox.payments SET amount_refunded = amount_refunded + %s WHERE id = %s",
                                (amount, best["id"]))
        total = best["amount_refunded"] + amount
        return RefundPaymentOutput(refund_id=refund_id, payment_id=best["id"], amount=amount, refunded_total=total,
                                   refundable_left=best["amount_captured"] - total)

    async def change_payment_method(self, order_id: str, payment_method_id: str,
                                    idempotency_key: str | None) -> ChangePaymentMethodOutput:
        return await payment_change.change_payment_method(self, order_id, payment_method_id, idempotency_key)

    async def dispute(self, order_id: str, dispute_id: str | None) -> DisputeSnapshot:
        await self.order_row(order_id)
        rows = await self.all("SELECT * FROM sandbox.disputes WHERE order_id = %s AND (%s::text IS NULL OR id = %s)"
                              " ORDER BY created_at DESC", (order_id, dispute_id, dispute_id))
        if not rows:
            raise NotFound(f"no dispute {dispute_id or ''} on order {order_id}".replace("  ", " "))
        return dispute_snapshot(rows[0])
