"""The facts triage needs, read from the system of record (the sandbox schema) in a few small queries."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

import psycopg
from psycopg.rows import DictRow, dict_row

from copilot.core.models import Strict


class CustomerFacts(Strict):
    id: str
    email: str
    vip: bool
    lifetime_value: Decimal
    line2: str | None = None


class OrderFacts(Strict):
    id: str
    customer_id: str
    customer_email: str
    status: str
    total: Decimal
    currency: str
    created_at: datetime
    promised_by: datetime | None
    hold_reason: str | None
    risk_level: str
    risk_recommendation: str
    address_line1: str
    address_line2: str | None


class PaymentFacts(Strict):
    status: str
    decline_code: str | None
    authorized_at: datetime | None
    auth_expires_at: datetime | None
    avs_result: str
    cvv_result: str


class FulfillmentFacts(Strict):
    status: str
    warehouse_id: str
    carrier: str
    cutoff_at: datetime | None
    label_created_at: datetime | None
    handed_off_at: datetime | None
    timezone: str
    cutoff_local: time


class Facts(Strict):
    customer: CustomerFacts | None = None
    order: OrderFacts | None = None
    payment: PaymentFacts | None = None
    fulfillment: FulfillmentFacts | None = None
    dispute_due_by: datetime | None = None
    open_dispute: bool = False
    claims_90d: int = 0
    stock_elsewhere: bool | None = None


def _cursor(conn: psycopg.AsyncConnection[DictRow]) -> psycopg.AsyncCursor[DictRow]:
    return conn.cursor(row_factory=dict_row)


async def _one(conn: psycopg.AsyncConnection[DictRow], sql: str, params: tuple[object, ...]) -> DictRow | None:
    cur = _cursor(conn)
    await cur.execute(sql, params)
    return await cur.fetchone()


async def resolve_order_id(conn: psycopg.AsyncConnection[DictRow], raw: str) -> str | None:
    """The sandbox id for an order reference as sources write it: '1001', '#1001', 'W123...', '#W123...'."""
    bare = raw.strip().lstrip("#")
    if not bare:
        return None
    row = await _one(conn, "SELECT id FROM sandbox.orders WHERE id = ANY(%s) ORDER BY id LIMIT 1",
                     ([f"#{bare}", bare],))
    return row["id"] if row else None


async def customer_by_email(conn: psycopg.AsyncConnection[DictRow], email: str) -> CustomerFacts | None:
    row = await _one(conn, "SELECT id, email, vip, lifetime_value, address->>'line2' AS line2"
                           " FROM sandbox.customers WHERE lower(email) = lower(%s)", (email,))
    return CustomerFacts.model_validate(row) if row else None


async def order_via(conn: psycopg.AsyncConnection[DictRow], payment_id: str | None, dispute_id: str | None,
                    tracking_number: str | None) -> str | None:
    """The order a PSP or carrier event belongs to when the event itself does not name it."""
    lookups = [("SELECT order_id FROM sandbox.payments WHERE id = %s", payment_id),
               ("SELECT order_id FROM sandbox.disputes WHERE id = %s", dispute_id),
               ("SELECT order_id FROM sandbox.fulfillments WHERE tracking_number = %s", tracking_number)]
    for sql, key in lookups:
        if key:
            row = await _one(conn, sql, (key,))
            if row:
                return row["order_id"]
    return None


_ORDER = """
SELECT o.id, o.customer_id, c.email AS customer_email, o.status, o.total, o.currency, o.created_at,
       o.promised_by, o.hold_reason, o.risk_level, o.risk_recommendation,
       o.shipping_address->>'line1' AS address_line1, o.shipping_address->>'line2' AS address_line2
FROM sandbox.orders o JOIN sandbox.customers c ON c.id = o.customer_id WHERE o.id = %s
"""
_PAYMENT = """
SELECT status, decline_code, authorized_at, auth_expires_at, avs_result, cvv_result
FROM sandbox.payments WHERE order_id = %s ORDER BY created_at DESC, id DESC LIMIT 1
"""
_FULFILLMENT = """
SELECT f.status, f.warehouse_id, f.carrier, f.cutoff_at, f.label_created_at, f.handed_off_at,
       w.timezone, w.cutoff_local
FROM sandbox.fulfillments f JOIN sandbox.warehouses w ON w.id = f.warehouse_id
WHERE f.order_id = %s ORDER BY f.created_at DESC, f.id DESC LIMIT 1
"""


async def load_facts(conn: psycopg.AsyncConnection[DictRow], order_id: str | None, email: str | None,
                     now: datetime, sku: str | None = None) -> Facts:
    facts = Facts()
    if order_id:
        row = await _one(conn, _ORDER, (order_id,))
        if row:
            facts.order = OrderFacts.model_validate(row)
            email = facts.order.customer_email
            payment = await _one(conn, _PAYMENT, (order_id,))
            facts.payment = PaymentFacts.model_validate(payment) if payment else None
            fulfillment = await _one(conn, _FULFILLMENT, (order_id,))
            facts.fulfillment = FulfillmentFacts.model_validate(fulfillment) if fulfillment else None
            dispute = await _one(conn, "SELECT min(due_by) AS due_by, count(*) AS n FROM sandbox.disputes"
                                       " WHERE order_id = %s AND status NOT IN ('won', 'lost', 'closed')",
                                 (order_id,))
            facts.open_dispute = bool(dispute and dispute["n"])
            facts.dispute_due_by = dispute["due_by"] if dispute else None
            if sku and facts.fulfillment:
                stock = await _one(conn, "SELECT count(*) AS n FROM sandbox.inventory WHERE sku = %s"
                                         " AND warehouse_id <> %s AND on_hand - reserved > 0",
                                   (sku, facts.fulfillment.warehouse_id))
                facts.stock_elsewhere = bool(stock and stock["n"])
    if email:
        facts.customer = await customer_by_email(conn, email)
    if facts.customer:
        claims = await _one(conn, "SELECT count(*) AS n FROM sandbox.claims WHERE customer_id = %s"
                                  " AND created_at >= %s", (facts.customer.id, now - timedelta(days=90)))
        facts.claims_90d = claims["n"] if claims else 0
    return facts
