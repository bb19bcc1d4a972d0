"""Post-fulfillment playbooks: a same-day update, then reroute, replace or refund by the decision table."""

from __future__ import annotations

from decimal import Decimal

from copilot.core.models import Disposition as D
from copilot.core.policy import Policy
from copilot.decide import guardrails as g
from copilot.decide.claims import left_warehouse
from copilot.decide.messages import (
    AddressConfirmation,
    AddressProblem,
    ClaimReview,
    DelayCause,
    DelayNotice,
    DeliveryUpdate,
    DisputeAck,
    RefundStatus,
    ReshipNotice,
    ReshipOffer,
    Scenario,
    join_names,
)
from copilot.decide.plan import CaseState, Plan, action
from copilot.decide.playbooks import exchange
from copilot.decide.playbooks.common import (
    CARRIERS,
    context,
    escalate,
    line_for,
    named_lines,
    one_line,
    order_of,
    plan,
)

REFUND_BUSINESS_DAYS = 10


def _carrier(case: CaseState) -> str:
    name = case.fulfillments[0].carrier if case.fulfillments else "the carrier"
    return CARRIERS.get(name, name)


def _latest_detail(case: CaseState) -> tuple[str | None, str | None]:
    events = sorted(case.shipment_events(), key=lambda e: e.occurred_at)
    if events:
        return events[-1].status, events[-1].status_detail
    sig = case.signal
    return (sig.tracking_status, sig.status_detail) if sig else (None, None)


def _all_lines(case: CaseState) -> list[int]:
    return [ln.line_no for ln in order_of(case).lines]


def delivery_exception(case: CaseState, policy: Policy) -> Plan:
    status, detail = _latest_detail(case)
    order = order_of(case)
    if not left_warehouse(case):
        # No carrier has the parcel yet: whatever the customer heard, the update is about the warehouse.
        ctx = context(case, DelayNotice, reason="it hasn't left our warehouse yet", cause=DelayCause.not_shipped)
        return plan(case, D.fixable_now, [], [f"order {order.status}: nothing handed to a carrier yet"],
                    Scenario.delay_notice, ctx, "Reply to cancel instead of waiting")
    if detail in ("address_not_found", "return_to_sender"):
        ctx = context(case, AddressConfirmation, address=one_line(order.shipping_address),
                      problem="the carrier couldn't deliver to the address we have",
                      cause=AddressProblem.carrier_undeliverable)
        return plan(case, D.needs_customer_decision, [], [f"carrier reports {detail}"],
                    Scenario.address_confirmation, ctx, "Confirm or correct the address before we reroute or reship")
    if detail == "damaged":
        names = [ln.name for ln in named_lines(case)] or [ln.name for ln in order.lines]
        ctx = context(case, ReshipOffer, item_name=join_names(names), problem="was damaged in transit")
        return plan(case, D.needs_customer_decision, [], ["carrier reports the parcel damaged"],
                    Scenario.reship_offer, ctx, "Replacement or refund")
    if detail == "lost" or case.request and case.request.intent == "not_received":
        return replacement_plan(case, policy, "lost_in_transit" if detail == "lost" else "not_delivered")
    step = ("It's waiting for you at the carrier's pickup location." if status == "available_for_pickup"
            else "We're watching it closely and will update you as soon as it moves.")
    ctx = context(case, DeliveryUpdate, carrier=_carrier(case),
                  status="is held at their facility" if status == "available_for_pickup" else "is delayed",
                  next_step=step, event=status or "unknown")
    return plan(case, D.fixable_now, [], [f"carrier status {status} ({detail})"], Scenario.delivery_update, ctx,
                "Reply to choose a different option")


def replacement_plan(case: CaseState, policy: Policy, kind: str, line_nos: list[int] | None = None) -> Plan:
    """Reship by the concessions table: investigate signed deliveries, escalate repeat claims."""
    order = order_of(case)
    wanted = line_nos or _all_lines(case)
    if not any(ln.line_no in wanted for ln in order.lines):
        # A line number that is not on this order names no item: a person finds what the customer meant.
        reason = f"the item named (line {', '.join(map(str, wanted))}) is not on order {order.id}"
        return plan(case, D.escalate, [escalate("ops", reason)], [reason])
    reship = action("reship", "reship_order", {"order_id": order.id, "line_nos": wanted, "reason": kind})
    verdict = g.rule_concession(case, reship, policy)
    item = join_names([ln.name for ln in order.lines if ln.line_no in wanted])
    if verdict.outcome == "block":
        owner = verdict.role.value if verdict.role else "lead"
        return plan(case, D.escalate, [escalate(owner, verdict.reason)], [verdict.reason], Scenario.claim_review,
                    context(case, ClaimReview, item_name=item), "Send a photo of the package and label")
    return plan(case, D.fixable_now, [reship], [verdict.reason], Scenario.reship_notice,
                context(case, ReshipNotice, item_name=item), "Reply to take a refund instead of the replacement")


def concession_request(case: CaseState, policy: Policy) -> Plan:
    req = case.request
    if req is not None and req.intent == "exchange":
        return exchange.plan_exchange(case, policy)
    kind = {"damaged": "damaged", "wrong_item": "wrong_item", "missing": "missing_item",
            "not_received": "not_delivered"}.get(req.intent if req else "", "damaged")
    named = [ln.line_no for ln in named_lines(case)]
    lines = [req.line_no] if req and req.line_no else named or [line_for(case).line_no]
    return replacement_plan(case, policy, kind, lines)


def refund_request(case: CaseState, policy: Policy) -> Plan:
    if case.request is not None and case.request.intent == "exchange":
        return exchange.plan_exchange(case, policy)
    decided = _refund_status(case)
    asked = case.request.amount if case.request is not None and case.request.intent == "refund" else None
    return _excess_refused(case, asked, decided) if asked is not None else decided


def _refund_status(case: CaseState) -> Plan:
    pay = case.payment
    if pay is not None and pay.refunded > 0:
        ctx = context(case, RefundStatus, amount=pay.refunded, issued=True, business_days=REFUND_BUSINESS_DAYS)
        return plan(case, D.fixable_now, [], [f"refund of {pay.refunded} already issued"], Scenario.refund_status,
                    ctx, "Reply if the refund has not arrived after the stated time")
    reason = "no refund on record: confirm the return arrived before refunding"
    return plan(case, D.escalate, [escalate("ops", reason)], [reason])


def _excess_refused(case: CaseState, asked: Decimal, decided: Plan) -> Plan:
    """A refund of a named amount: the ticket's figure is never refunded on its word (rule 11). What is above
    captured minus refunded is refused, and the plan's reasons say how much and why for the desk."""
    pay = case.payment
    refundable = max(Decimal(0), pay.captured - pay.refunded) if pay else Decimal(0)
    why = [f"customer asked for a refund of ${asked:,.2f}"]
    if asked > refundable:
        why.append(f"refused ${asked - refundable:,.2f} of it: only ${refundable:,.2f} is refundable (captured"
                   f" ${pay.captured if pay else 0:,.2f} minus refunded ${pay.refunded if pay else 0:,.2f})")
    return decided.model_copy(update={"reasons": [*why, *decided.reasons]})


def chargeback(case: CaseState, policy: Policy) -> Plan:
    order = order_of(case)
    open_disputes = [d for d in (case.payment.disputes if case.payment else []) if d.status != "lost"]
    dispute = (case.signal.dispute_id if case.signal else None) or (open_disputes[0].id if open_disputes else None)
    due = open_disputes[0].due_by if open_disputes else (case.signal.due_by if case.signal else None)
    # Read by people as "It came to finance because ...": a sentence, the dispute's id last.
    reason = (f"the dispute's evidence is due {due:%Y-%m-%d %H:%M} UTC (dispute {dispute or 'opened'})" if due
              else "a dispute was opened")
    # `submit`: on finance's approval the pack is staged in Stripe (submit=false) and then submitted to the bank.
    actions = [action("evidence", "assemble_dispute_evidence", {"order_id": order.id, "dispute_id": dispute,
                                                                "submit": True}),
               escalate("finance", reason)]
    return plan(case, D.escalate, actions, [reason], Scenario.dispute_ack, context(case, DisputeAck),
                "Tell us what went wrong with the order")
