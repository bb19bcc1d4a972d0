"""Verified closure (DESIGN §4, §9): re-read the system of record on a schedule; close at the definition of
done, reopen with the reason when the order has not moved within the window."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from psycopg import AsyncConnection

from copilot.cases import store
from copilot.cases.case_log import tool_deps
from copilot.cases.resume import Verify
from copilot.core.models import PRE_FULFILLMENT, CaseStatus, Category, Strict
from copilot.decide.plan import CaseState
from tools import registry
from tools.schemas import LookupOrderOutput, LookupPaymentOutput

log = logging.getLogger(__name__)
ACTOR = "verification"
RECHECK_EVERY = timedelta(hours=6)
WINDOWS: dict[Category, timedelta] = {
    **{c: timedelta(days=2) for c in PRE_FULFILLMENT},
    Category.delivery_exception: timedelta(days=3),
    Category.concession_request: timedelta(days=4),
    Category.refund_request: timedelta(days=5),
    Category.chargeback: timedelta(days=5),
}
# Who hears about a reopened case: the owner outside the desk who can make the order move.
REOPEN_OWNERS: dict[Category, str] = {Category.fraud_hold: "risk", Category.threepl_exception: "threepl",
                                      Category.inventory_mismatch: "threepl", Category.split_shipment: "threepl",
                                      Category.fulfillment_delay: "threepl", Category.refund_request: "finance"}
RANK = {"pending": 0, "processing": 1, "label_created": 2, "shipped": 3, "delivered": 4}
MOVED = ("handed_off", "delivered")


class Check(Strict):
    outcome: Literal["done", "wait", "reopened"]
    reason: str


def judge(case: CaseState, order: LookupOrderOutput, payment: LookupPaymentOutput | None) -> tuple[bool, str]:
    """Did the order reach a definition of done since the case's facts were read: released, shipped,
    delivered, refunded, reshipped, or cancelled with a reason?"""
    now_o = order.order
    before = case.order.order if case.order else None
    if now_o.status == "cancelled":
        if now_o.cancel_reason:
            return True, f"cancelled: {now_o.cancel_reason}"
        return False, "order cancelled without a reason on record"
    refunded_before = case.payment.refunded if case.payment else Decimal("0")
    if payment is not None and payment.refunded > refunded_before:
        return True, f"refunded {payment.refunded - refunded_before}"
    if case.category is Category.refund_request and payment is not None and payment.refunded > 0:
        return True, f"refunded {payment.refunded} (issued before the case opened; the customer was told when it will arrive)"
    old_rank = RANK.get(before.status, 0) if before else 0
    if now_o.status in ("shipped", "delivered") and RANK[now_o.status] > old_rank:
        return True, f"order {now_o.status}"
    if before and before.hold_reason and now_o.hold_reason is None:
        return True, f"released: the {before.hold_reason} hold is cleared"
    known = {f.id for f in case.fulfillments}
    reships = [f for f in order.fulfillments if f.id not in known]
    if any(f.status in MOVED for f in reships):
        return True, "reshipped: the replacement is with the carrier"
    still = f"order is still {now_o.status}" + (f" on hold ({now_o.hold_reason})" if now_o.hold_reason else "")
    return False, still + (f"; replacement {reships[0].status}" if reships else "")


async def definition_of_done(conn: AsyncConnection[Any], case: CaseState, now: datetime) -> tuple[bool, str]:
    if case.order_id is None:
        return True, "message sent; no order to verify"
    deps = tool_deps(conn, now, case.case_id)
    order = await registry.call("lookup_order", deps, {"order_id": case.order_id})
    payment = await registry.call("lookup_payment", deps, {"order_id": case.order_id})
    return judge(case, order, payment)  # type: ignore[arg-type]


async def check(conn: AsyncConnection[Any], case: CaseState, now: datetime, *, recheck: bool,
                plan_version: int) -> Check:
    """One re-read. The first read of a round starts the window; a later one past it reopens the case."""
    done, reason = await definition_of_done(conn, case, now)
    if done:
        return Check(outcome="done", reason=reason)
    window = WINDOWS.get(case.category, timedelta(days=3))
    async with conn.transaction():
        cur = await conn.execute("SELECT status, verify_due_at FROM cases WHERE id = %s FOR UPDATE",
                                 (case.case_id,))
        row = await cur.fetchone()
        if row is None or row["status"] != CaseStatus.verifying:
            return Check(outcome="reopened", reason=reason)  # a re-run after the reopen committed
        if not recheck or row["verify_due_at"] is None:
            await store.start_verify_window(conn, case.case_id, now, now + window, now + RECHECK_EVERY)
            return Check(outcome="wait", reason=reason)
        if now < row["verify_due_at"]:
            await store.schedule_verify(conn, [case.case_id], min(now + RECHECK_EVERY, row["verify_due_at"]))
            return Check(outcome="wait", reason=reason)
        why = f"not moved within {window.days} days of execution: {reason}"
        await reopen(conn, case, why, now, plan_version)
        return Check(outcome="reopened", reason=why)


async def reopen(conn: AsyncConnection[Any], case: CaseState, reason: str, now: datetime, plan_version: int) -> None:
    """Back to triaged with the reason, and the owner who can move the order is told (an escalation)."""
    owner = REOPEN_OWNERS.get(case.category, "lead")
    await store.move(conn, case.case_id, CaseStatus.triaged, actor=ACTOR, reason=f"reopened: {reason}", now=now)
    await store.count_reopen(conn, case.case_id)
    await store.record_event(conn, case.case_id, "reopened", {"reason": reason, "owner": owner}, actor=ACTOR, at=now)
    await registry.call("escalate_case", tool_deps(conn, now, case.case_id),
                        {"owner": owner, "reason": f"case reopened: {reason}"},
                        idempotency_key=f"{case.case_id}:v{plan_version}-reopen")


async def run_verification_tick(conn: AsyncConnection[Any], now: datetime) -> int:
    """Wake every verifying case whose re-read is due: one resume job each; returns how many."""
    async with conn.transaction():
        cur = await conn.execute(
            "SELECT c.id FROM cases c WHERE c.status = 'verifying' AND c.verify_next_at <= %s"
            " AND NOT EXISTS (SELECT 1 FROM case_jobs j WHERE j.case_id = c.id AND j.done_at IS NULL)"
            " ORDER BY c.verify_next_at, c.id FOR UPDATE OF c SKIP LOCKED", (now,))
        due = [r["id"] for r in await cur.fetchall()]
        for case_id in due:
            await store.enqueue(conn, case_id, Verify(at=now))
        if due:
            await store.schedule_verify(conn, due, None)
    return len(due)
