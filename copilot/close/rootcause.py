"""The root-cause ledger (DESIGN §9): why a case happened, from its facts, and what it cost, from its effects."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from psycopg import AsyncConnection
from psycopg.rows import DictRow

from copilot.cases import store
from copilot.cases.triage import SOFT_DECLINES
from copilot.core import db
from copilot.core.models import Category, Strict
from copilot.decide.plan import CaseState

C = Category
ZERO = Decimal("0")

# The causes each category can record; `detail` names the thing to fix (rule, SKU, warehouse, carrier).
TAXONOMY: dict[Category, tuple[str, ...]] = {
    C.payment_failure: ("soft_issuer_decline", "hard_decline", "authorization_expired", "payment_failed_unknown"),
    C.fraud_hold: ("fraud_rule_false_positive", "fraud_confirmed", "fraud_review_unresolved"),
    C.address_issue: ("missing_unit", "po_box", "zip_mismatch", "customer_address_change", "address_unverified"),
    C.inventory_mismatch: ("oversold_sku", "short_pick", "backorder", "stock_mismatch"),
    C.split_shipment: ("partial_availability",),
    C.fulfillment_delay: ("missed_cutoff", "warehouse_backlog", "fulfillment_delay"),
    C.change_request: ("customer_cancel", "customer_edit", "customer_address_change", "customer_change"),
    C.threepl_exception: ("label_error", "pick_pack_exception", "handoff_gap", "damaged_in_warehouse",
                          "threepl_exception"),
    C.delivery_exception: ("carrier_lost", "carrier_damaged", "carrier_address_not_found",
                           "carrier_return_to_sender", "carrier_held", "carrier_exception"),
    C.refund_request: ("refund_status_unclear", "refund_pending"),
    C.concession_request: ("damaged_item", "wrong_item", "missing_item", "not_delivered"),
    C.chargeback: ("dispute_fraudulent", "dispute_product_not_received", "dispute_product_unacceptable",
                   "dispute_duplicate", "dispute_other"),
}
_INVENTORY = {"OVERSOLD": "oversold_sku", "SHORT_PICK": "short_pick", "BACKORDER": "backorder"}
_DELAY = {"CUTOFF_MISSED": "missed_cutoff", "WAREHOUSE_BACKLOG": "warehouse_backlog"}
_CARRIER = {"lost": "carrier_lost", "damaged": "carrier_damaged", "address_not_found": "carrier_address_not_found",
            "return_to_sender": "carrier_return_to_sender", "held_at_facility": "carrier_held"}
_CONCESSION = {"damaged": "damaged_item", "wrong_item": "wrong_item", "missing": "missing_item",
               "not_received": "not_delivered"}


class Cause(Strict):
    cause: str
    detail: str | None = None


class Costs(Strict):
    refunds: Decimal = ZERO
    reships: Decimal = ZERO
    concessions: Decimal = ZERO
    intercept_fees: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.refunds + self.reships + self.concessions + self.intercept_fees


def classify_cause(case: CaseState, order_status: str | None = None) -> Cause:
    """The cause a closed case records; `order_status` is the order's state at close (for fraud outcomes)."""
    by_category = {
        C.payment_failure: _payment, C.fraud_hold: _fraud, C.address_issue: _address,
        C.inventory_mismatch: _inventory, C.split_shipment: _split, C.fulfillment_delay: _delay,
        C.change_request: _change, C.threepl_exception: _threepl, C.delivery_exception: _delivery,
        C.refund_request: _refund, C.concession_request: _concession, C.chargeback: _chargeback,
    }
    return by_category[case.category](case, order_status)


def _payment(case: CaseState, _: str | None) -> Cause:
    pay = case.latest_payment
    code = (case.signal.decline_code if case.signal else None) or (pay.decline_code if pay else None)
    if pay is not None and pay.status == "expired":
        return Cause(cause="authorization_expired", detail=code)
    if code is None:
        return Cause(cause="payment_failed_unknown")
    return Cause(cause="soft_issuer_decline" if code in SOFT_DECLINES else "hard_decline", detail=code)


def _fraud(case: CaseState, order_status: str | None) -> Cause:
    rules = ", ".join(sorted(case.order.order.risk_rules)) if case.order and case.order.order.risk_rules else None
    if order_status == "cancelled":
        return Cause(cause="fraud_confirmed", detail=rules)
    if order_status in ("processing", "label_created", "shipped", "delivered", "released"):
        return Cause(cause="fraud_rule_false_positive", detail=rules or "unnamed rule")
    return Cause(cause="fraud_review_unresolved", detail=rules)


def _address(case: CaseState, _: str | None) -> Cause:
    if case.request is not None and case.request.intent == "change_address":
        return Cause(cause="customer_address_change")
    check = case.check_for(case.order.order.shipping_address) if case.order else None
    note = (case.signal.note or "").lower() if case.signal else ""
    carrier = case.fulfillments[0].carrier if case.fulfillments else None
    if (check and check.missing_unit) or "missing apartment" in note:
        return Cause(cause="missing_unit", detail=case.order.order.shipping_address.zip if case.order else None)
    if (check and check.po_box) or "po box" in note:
        return Cause(cause="po_box", detail=carrier)
    if "zip" in note or (check and any("zip" in i.lower() for i in check.issues)):
        return Cause(cause="zip_mismatch", detail=case.order.order.shipping_address.state if case.order else None)
    return Cause(cause="address_unverified", detail=carrier)


def _sku(case: CaseState) -> str | None:
    if case.signal and case.signal.sku:
        return case.signal.sku
    return case.order.order.lines[0].sku if case.order and case.order.order.lines else None


def _inventory(case: CaseState, _: str | None) -> Cause:
    code = (case.signal.exception_code if case.signal else None) or ""
    return Cause(cause=_INVENTORY.get(code, "stock_mismatch"), detail=_sku(case))


def _split(case: CaseState, _: str | None) -> Cause:
    return Cause(cause="partial_availability", detail=_sku(case))


def _warehouse(case: CaseState) -> str | None:
    if case.signal and case.signal.warehouse_id:
        return case.signal.warehouse_id
    return case.fulfillments[0].warehouse_id if case.fulfillments else None


def _delay(case: CaseState, _: str | None) -> Cause:
    code = (case.signal.exception_code if case.signal else None) or ""
    return Cause(cause=_DELAY.get(code, "fulfillment_delay"), detail=_warehouse(case))


def _change(case: CaseState, _: str | None) -> Cause:
    intent = case.request.intent if case.request else "other"
    cause = {"cancel": "customer_cancel", "swap_item": "customer_edit", "remove_item": "customer_edit",
             "change_address": "customer_address_change"}.get(intent, "customer_change")
    return Cause(cause=cause, detail=_warehouse(case))


def _threepl(case: CaseState, _: str | None) -> Cause:
    code = ((case.signal.exception_code if case.signal else None) or "").lower()
    return Cause(cause=code if code in TAXONOMY[C.threepl_exception] else "threepl_exception",
                 detail=_warehouse(case))


def _delivery(case: CaseState, _: str | None) -> Cause:
    events = sorted(case.shipment_events(), key=lambda e: e.occurred_at)
    detail = (case.signal.status_detail if case.signal else None) or (events[-1].status_detail if events else None)
    carrier = (case.signal.carrier if case.signal else None) or (case.fulfillments[0].carrier
                                                                  if case.fulfillments else None)
    return Cause(cause=_CARRIER.get(detail or "", "carrier_exception"), detail=carrier)


def _refund(case: CaseState, _: str | None) -> Cause:
    issued = case.payment is not None and case.payment.refunded > 0
    return Cause(cause="refund_status_unclear" if issued else "refund_pending")


def _concession(case: CaseState, _: str | None) -> Cause:
    intent = case.request.intent if case.request else "damaged"
    line = case.request.line_no if case.request else None
    sku = next((ln.sku for ln in case.order.order.lines if ln.line_no == line), None) if case.order else None
    return Cause(cause=_CONCESSION.get(intent, "damaged_item"), detail=sku or _sku(case))


def _chargeback(case: CaseState, _: str | None) -> Cause:
    reason = (case.signal.dispute_reason if case.signal else None) or ""
    cause = f"dispute_{reason}"
    return Cause(cause=cause if cause in TAXONOMY[C.chargeback] else "dispute_other", detail=reason or None)


_COST_SQL = """
SELECT
  coalesce(sum((result->>'amount')::numeric) FILTER (WHERE tool = 'refund_payment'), 0) AS refunds,
  coalesce(sum((result->>'cost')::numeric) FILTER (WHERE tool = 'reship_order'), 0) AS reships,
  coalesce(sum((result->>'amount')::numeric) FILTER (WHERE tool = 'issue_store_credit'), 0) AS concessions,
  coalesce(sum((result->>'cost')::numeric) FILTER (WHERE tool IN ('intercept_shipment', 'reroute_shipment')), 0)
    AS intercept_fees
FROM tool_calls WHERE case_id = %s AND status = 'done'
"""


async def case_costs(conn: AsyncConnection[DictRow], case_id: int) -> Costs:
    """What the case's effects cost, as the tools reported it (refunds on cancellation are not leakage)."""
    cur = await conn.execute(_COST_SQL, (case_id,))
    return Costs.model_validate(await cur.fetchone())


async def record(conn: AsyncConnection[DictRow], case: CaseState, close_reason: str, now: datetime) -> Cause:
    """Write (or, when the close node re-runs, rewrite) this round's ledger row; returns the cause."""
    cur = await conn.execute(
        "SELECT c.queue, c.created_at, c.resolution_due, c.reopen_count, c.order_value, o.status AS order_status"
        " FROM cases c LEFT JOIN sandbox.orders o ON o.id = c.order_id WHERE c.id = %s", (case.case_id,))
    row = await db.one(cur)
    cause = classify_cause(case, row["order_status"])
    costs = await case_costs(conn, case.case_id)
    late = max(0, int((now - row["resolution_due"]).total_seconds() // 60)) if row["resolution_due"] else 0
    opened = max(0, int((now - row["created_at"]).total_seconds() // 60))
    await conn.execute(
        "INSERT INTO root_causes (case_id, round, closed_at, category, queue, cause, detail, order_id, order_value,"
        " order_status, refunds, reships, concessions, intercept_fees, sla_minutes, open_minutes, close_reason)"
        " VALUES (%(case)s, %(round)s, %(now)s, %(category)s, %(queue)s, %(cause)s, %(detail)s, %(order)s,"
        " %(value)s, %(status)s, %(refunds)s, %(reships)s, %(concessions)s, %(fees)s, %(late)s, %(open)s,"
        " %(reason)s) ON CONFLICT (case_id, round) DO UPDATE SET closed_at = EXCLUDED.closed_at,"
        " cause = EXCLUDED.cause, detail = EXCLUDED.detail, order_status = EXCLUDED.order_status,"
        " refunds = EXCLUDED.refunds, reships = EXCLUDED.reships, concessions = EXCLUDED.concessions,"
        " intercept_fees = EXCLUDED.intercept_fees, sla_minutes = EXCLUDED.sla_minutes,"
        " open_minutes = EXCLUDED.open_minutes, close_reason = EXCLUDED.close_reason",
        {"case": case.case_id, "round": row["reopen_count"], "now": now, "category": case.category.value,
         "queue": row["queue"], "cause": cause.cause, "detail": cause.detail, "order": case.order_id,
         "value": row["order_value"] or case.order_value, "status": row["order_status"],
         "refunds": costs.refunds, "reships": costs.reships, "concessions": costs.concessions,
         "fees": costs.intercept_fees, "late": late, "open": opened, "reason": close_reason})
    await store.set_root_cause(conn, case.case_id, f"{cause.cause}: {cause.detail}" if cause.detail else cause.cause,
                               _cost_json(costs, late))
    return cause


def _cost_json(costs: Costs, late: int) -> dict[str, object]:
    return {**costs.model_dump(mode="json"), "total": str(costs.total), "sla_minutes": late}
