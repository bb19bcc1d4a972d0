"""Deterministic triage of a case from all its signals and the facts: category, disposition, priority, SLA."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from copilot.cases.priority import Deadline, PriorityInput, next_cutoff, score_priority
from copilot.cases.sla import BusinessCalendar, SlaPolicy, due_times
from copilot.cases.snapshot import Facts
from copilot.cases.taxonomy import Classification, classify_signal, negative_tone
from copilot.core.models import Category, Disposition, Priority, Signal, SignalKind, Strict

C, D = Category, Disposition
TICKET_KINDS = (SignalKind.ticket, SignalKind.ticket_reply)
ROUTED_AWAY = "routed_away"
QUEUES: dict[Category, str] = {
    **{c: "pre_fulfillment_holds" for c in (C.payment_failure, C.fraud_hold, C.address_issue, C.inventory_mismatch,
                                             C.split_shipment, C.fulfillment_delay, C.threepl_exception)},
    C.change_request: "cancel_edit_requests",
    C.delivery_exception: "delivery_exceptions",
    C.refund_request: "refund_contacts",
    C.concession_request: "refund_contacts",
    C.chargeback: "chargebacks",
    C.needs_reading: "needs_reading",
}
# The first owner outside the desk depends on who can decide, not only on the queue.
ESCALATION_OVERRIDES: dict[Category, list[str]] = {
    C.fraud_hold: ["fraud_risk_owner", "ops_lead"],
    C.threepl_exception: ["warehouse_3pl_contact", "ops_lead"],
    C.payment_failure: ["ops_lead", "finance"],
}
SOFT_DECLINES = {"insufficient_funds", "processing_error", "try_again_later", "issuer_not_available",
                 "do_not_honor", "generic_decline", "card_velocity_exceeded", "reenter_transaction"}
AUTH_LIFETIME = timedelta(days=7)


class Triage(Strict):
    category: Category
    classified_by: str
    confidence: float
    category_reasons: list[str]
    disposition: Disposition | None
    disposition_reason: str
    priority: Priority
    priority_score: float
    priority_reasons: list[str]
    queue: str
    owner: str | None
    escalation_path: list[str]
    deadline_at: datetime | None
    first_touch_due: datetime | None
    resolution_due: datetime | None
    sla_reasons: list[str]


def pick_category(signals: list[Signal], known_customer: bool = False) -> Classification:
    """Worked categories beat an unsure reading, which beats out_of_scope (a case is never routed away when
    unsure); then confidence, then system signals over text, then the latest."""
    best: tuple[tuple, Classification] | None = None
    for index, signal in enumerate(signals):
        result = classify_signal(signal, known_customer)
        if result.category is None:
            continue
        rank = {C.out_of_scope: 0, C.needs_reading: 1}.get(result.category, 2)
        key = (rank, result.confidence, signal.kind not in TICKET_KINDS, index)
        if best is None or key > best[0]:
            best = (key, result)
    if best is None:
        return Classification(category=C.out_of_scope, confidence=1.0, classified_by="kind",
                              reasons=["only informational signals: no exception to work"])
    return best[1]


def deadlines(facts: Facts, signals: list[Signal], now: datetime) -> list[Deadline]:
    found: list[Deadline] = []
    order, ful, pay = facts.order, facts.fulfillment, facts.payment
    live = order is not None and order.status not in ("delivered", "cancelled")
    if live and ful and ful.status in ("pending", "picking", "label_created"):
        label = "carrier handoff" if ful.status == "label_created" else "warehouse cutoff"
        at = next_cutoff(now, ful.timezone, ful.cutoff_local, ful.cutoff_at)
        found.append(Deadline(kind="cutoff", at=at, label=f"{label} at {ful.warehouse_id}"))
    if live and pay and pay.status == "authorized" and pay.authorized_at:
        expiry = pay.auth_expires_at or pay.authorized_at + AUTH_LIFETIME
        if expiry > now:
            found.append(Deadline(kind="auth_expiry", at=expiry, label="card authorization expiry"))
    if live and order and order.promised_by:
        found.append(Deadline(kind="promised", at=order.promised_by, label="promised delivery date"))
    due = facts.dispute_due_by or max((s.due_by for s in signals if s.due_by), default=None)
    if due:
        found.append(Deadline(kind="dispute_due", at=due, label="dispute response due"))
    return found


def _disposition(category: Category, facts: Facts, signals: list[Signal]) -> tuple[Disposition | None, str]:
    order, ful, pay = facts.order, facts.fulfillment, facts.payment
    if category is C.out_of_scope:
        return None, "routed away"
    if category is C.needs_reading:
        return D.escalate, "the ticket needs a person to read it"
    if order and order.status == "cancelled" and category not in (C.refund_request, C.chargeback):
        return D.must_cancel, "order already cancelled"
    labelled = bool(ful and ful.status not in ("pending", "picking"))
    if category is C.payment_failure:
        code = next((s.decline_code for s in reversed(signals) if s.decline_code), None) or (pay and pay.decline_code)
        if code and code in SOFT_DECLINES:
            return D.fixable_now, f"soft decline {code}: retry on schedule"
        return D.needs_customer_decision, f"decline {code or 'unknown'}: ask for a new payment method"
    if category is C.fraud_hold:
        safe = (order and order.risk_level != "high" and pay and pay.avs_result == "match"
                and pay.cvv_result == "match")
        if safe:
            return D.fixable_now, "risk not high and AVS/CVV match: release with approval"
        return D.escalate, "high risk or AVS/CVV mismatch: risk owner decides"
    if category is C.address_issue:
        if labelled:
            return D.escalate, "label exists: reroute needs the carrier"
        if any(s.kind in TICKET_KINDS for s in signals):
            return D.fixable_now, "customer gave the address: correct before the label"
        if facts.customer and facts.customer.line2 and order and not order.address_line2:
            return D.fixable_now, "unit number known from the customer profile"
        return D.needs_customer_decision, "confirm the address with one ask"
    if category is C.inventory_mismatch:
        if facts.stock_elsewhere:
            return D.fixable_now, "stock in another warehouse"
        return D.needs_customer_decision, "no stock elsewhere: substitute, wait or cancel"
    if category is C.change_request:
        if order and order.status == "delivered":
            return D.fixable_now, "delivered: an exchange or a return, not an order edit"
        if labelled:
            return D.escalate, "past the label: intercept needs the warehouse or carrier"
        return D.fixable_now, "before the warehouse cutoff: change directly"
    if category is C.delivery_exception:
        detail = " ".join(filter(None, [s.status_detail or s.tracking_status for s in signals])).lower()
        if any(w in detail for w in ("lost", "return", "not_found", "damaged", "undeliverable")):
            return D.needs_customer_decision, "reship, reroute or refund: one ask"
        return D.fixable_now, "same-day status update"
    if category is C.refund_request:
        if facts.open_dispute:
            return D.escalate, "open dispute: no refund while it runs"
        return D.fixable_now, "clear status and timeline"
    if category is C.concession_request:
        if facts.claims_90d >= 1:
            return D.escalate, f"{facts.claims_90d} claim(s) in 90 days: concessions table says escalate"
        return D.needs_customer_decision, "reship or refund by the concessions table"
    simple = {C.split_shipment: (D.needs_customer_decision, "split now or wait: one ask"),
              C.fulfillment_delay: (D.fixable_now, "expedite or notify with a new date"),
              C.threepl_exception: (D.escalate, "the 3PL fixes it"),
              C.chargeback: (D.escalate, "evidence pack before the due date")}
    return simple[category]


def triage(signals: list[Signal], facts: Facts, policies: dict[str, SlaPolicy], calendar: BusinessCalendar,
           now: datetime) -> Triage:
    picked = pick_category(signals, known_customer=facts.customer is not None)
    category = picked.category or C.out_of_scope
    disposition, why = _disposition(category, facts, signals)
    tickets = [s for s in signals if s.kind in TICKET_KINDS]
    customer = facts.customer
    found = deadlines(facts, signals, now)
    result = score_priority(PriorityInput(
        category=category, deadlines=found,
        order_value=facts.order.total if facts.order else next((s.amount for s in signals if s.amount), None),
        vip=bool(customer and customer.vip), lifetime_value=customer.lifetime_value if customer else Decimal(0),
        contacts=len(tickets),
        negative_tone=any(negative_tone(f"{s.subject or ''} {s.text or ''}") for s in tickets)), now)
    base = dict(category=category, classified_by=picked.classified_by, confidence=picked.confidence,
                category_reasons=picked.reasons, disposition=disposition, disposition_reason=why,
                priority=result.band, priority_score=result.score, priority_reasons=result.reasons,
                deadline_at=result.deadline.at if result.deadline else None)
    if category is C.out_of_scope:
        return Triage(**base, queue=ROUTED_AWAY, owner=None, escalation_path=[], first_touch_due=None,
                      resolution_due=None, sla_reasons=[])
    policy = policies[QUEUES[category]]
    cutoff = next((d.at for d in found if d.kind == "cutoff"), None)
    due = due_times(policy, now, calendar, deadline=cutoff or (result.deadline.at if result.deadline else None),
                    due_by=next((d.at for d in found if d.kind == "dispute_due"), None))
    return Triage(**base, queue=policy.queue, owner=policy.owner,
                  escalation_path=ESCALATION_OVERRIDES.get(category, policy.escalation_path),
                  first_touch_due=due.first_touch_due, resolution_due=due.resolution_due,
                  sla_reasons=due.explanation)
