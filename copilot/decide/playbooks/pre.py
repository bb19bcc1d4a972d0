"""Pre-fulfillment playbooks: get the order shipped, or put one clear decision to the customer."""

from __future__ import annotations

from copilot.core.models import Disposition as D
from copilot.core.policy import Policy
from copilot.decide import guardrails as g
from copilot.decide.claims import available, home_warehouses, left_warehouse
from copilot.decide.messages import (
    ADDRESS_PROBLEMS,
    DELAY_REASONS,
    AddressConfirmation,
    AddressProblem,
    AddressUpdated,
    CancelConfirmation,
    ChangeConfirmation,
    ChangeDetails,
    DelayCause,
    DelayNotice,
    InterceptNotice,
    OrderVerification,
    PaymentRetry,
    PaymentUpdate,
    Scenario,
    SplitOffer,
    SubstituteOffer,
)
from copilot.decide.plan import CaseState, Origin, Plan, action
from copilot.decide.playbooks import exchange, payment
from copilot.decide.playbooks.common import (
    CARRIERS,
    args_origin,
    context,
    escalate,
    line_for,
    one_line,
    order_of,
    plan,
)
from tools.contracts.domain import Address
from tools.schemas import LineSnapshot


def payment_failure(case: CaseState, policy: Policy) -> Plan:
    order, pay = order_of(case), case.latest_payment
    if case.request and case.request.intent == "change_payment" and (pay is None or pay.status != "failed"):
        return payment.plan_payment_change(case, policy)
    retry = action("retry", "retry_payment", {"order_id": order.id})
    verdict = g.rule_payment_retry(case, retry, policy)
    last4 = pay.last4 if pay else None
    if verdict.outcome == "allow":
        return plan(case, D.fixable_now, [retry], [verdict.reason], Scenario.payment_retry,
                    context(case, PaymentRetry, last4=last4), "Reply to pay with a different card instead")
    return plan(case, D.needs_customer_decision, [], [verdict.reason], Scenario.payment_update,
                context(case, PaymentUpdate, last4=last4), "Update the payment method")


def _unheld_before_review(case: CaseState) -> str | None:
    """Why a risky order needs a hold now: it is not held and would ship before anyone reviews it."""
    order = order_of(case)
    if order.hold_reason or left_warehouse(case) or order.status not in ("pending", "processing"):
        return None
    cutoffs = sorted(f.cutoff_at for f in case.fulfillments if f.cutoff_at is not None and f.cutoff_at > case.now)
    when = f"the warehouse cutoff {cutoffs[0]:%Y-%m-%d %H:%M} UTC" if cutoffs else "the next warehouse cutoff"
    return f"order {order.id} is not held and would ship at {when} before the risk owner reviews it"


def fraud_hold(case: CaseState, policy: Policy) -> Plan:
    order = order_of(case)
    unheld = _unheld_before_review(case)
    if unheld is not None:
        hold = action("hold", "hold_order", {"order_id": order.id, "reason": "risk review before shipping"})
        reason = f"{unheld}: hold it for the risk owner"
        return plan(case, D.escalate, [hold, escalate("risk", reason)], [reason])
    release = action("release", "release_hold", {"order_id": order.id, "reason": "safe-release checks passed"})
    verdict = g.rule_fraud_release(case, release, policy)
    if verdict.outcome == "block":
        return plan(case, D.escalate, [escalate("risk", verdict.reason)], [verdict.reason],
                    Scenario.order_verification, context(case, OrderVerification),
                    "Confirm the order was placed by the customer")
    return plan(case, D.fixable_now, [release], [verdict.reason])


def _current_problem(case: CaseState) -> AddressProblem:
    """The address problem a fact shows; a change the customer asked for that could not be applied, else."""
    check = case.check_for(order_of(case).shipping_address)
    if check and check.missing_unit:
        return AddressProblem.missing_unit
    if check and check.po_box:
        return AddressProblem.po_box
    if check and not check.valid:
        return AddressProblem.invalid
    if case.request is not None and case.request.intent in ("change_address", "new_address"):
        return AddressProblem.unreadable_request
    return AddressProblem.invalid  # unbacked: copilot/decide/claims.py refuses the draft and a person looks


def _confirm_address(case: CaseState, reason: str) -> Plan:
    order = order_of(case)
    cause = _current_problem(case)
    ctx = context(case, AddressConfirmation, address=one_line(order.shipping_address),
                  problem=ADDRESS_PROBLEMS[cause], cause=cause)
    return plan(case, D.needs_customer_decision, [], [reason], Scenario.address_confirmation, ctx,
                "Confirm or correct the shipping address")


def _move_to(case: CaseState, policy: Policy, new: Address, from_ticket: bool) -> Plan | None:
    """Change the address when the guardrails would accept it: update before a label, reroute after."""
    order = order_of(case)
    origin = args_origin(case) if from_ticket else Origin.facts
    update = action("address", "update_address", {"order_id": order.id, "address": new}, origin)
    if g.combine([g.rule_address_change(case, update, policy)]).outcome == "allow":
        actions = [update]
        if order.hold_reason == "address_unverified":
            actions.append(action("release", "release_hold", {"order_id": order.id, "reason": "address corrected"}))
        return plan(case, D.fixable_now, actions, ["validated address, before the label"], Scenario.address_updated,
                    context(case, AddressUpdated, address=one_line(new)), "Reply if the new address is wrong")
    reroute = action("address", "reroute_shipment", {"order_id": order.id, "address": new}, origin)
    if all(g.RULES[r](case, reroute, policy).outcome != "block" for r in ("address_change", "intercept")):
        return plan(case, D.fixable_now, [reroute], ["a label exists: reroute with the carrier"],
                    Scenario.address_updated, context(case, AddressUpdated, address=one_line(new)),
                    "Reply if the new address is wrong")
    return None


def address_issue(case: CaseState, policy: Policy) -> Plan:
    if case.request and case.request.intent == "change_profile_address":
        return exchange.plan_profile_address(case, policy)
    if case.request and case.request.intent == "exchange" and order_of(case).status == "delivered":
        return exchange.plan_exchange(case, policy)  # a ZIP in the ticket is not an address problem
    if case.request and case.request.new_address is not None:
        moved = _move_to(case, policy, case.request.new_address, from_ticket=True)
        return moved or _confirm_address(case, "the requested address cannot be applied as given")
    order = order_of(case)
    profile = case.customer.address if case.customer else None
    current = case.check_for(order.shipping_address)
    # Certain correction: the profile address is the same street with the unit the order lost.
    if (current and current.missing_unit and profile and profile.line2 and profile.line1 == order.shipping_address.line1
            and profile.zip == order.shipping_address.zip):
        moved = _move_to(case, policy, profile, from_ticket=False)
        if moved is not None:
            return moved
    return _confirm_address(case, f"address problem: {ADDRESS_PROBLEMS[_current_problem(case)]}")


def short_line(case: CaseState, fallback: int) -> LineSnapshot:
    """The line the signal names, else the first one with nothing available at the order's warehouse."""
    order = order_of(case)
    if case.signal and case.signal.sku:
        return line_for(case, sku=case.signal.sku)
    home = home_warehouses(case)
    short = [ln for ln in order.lines if available(case, ln.sku, home) == 0]
    return short[0] if short else order.lines[fallback]


def _substitutes(case: CaseState, short: LineSnapshot) -> list[tuple[str, str]]:
    """(sku, name) of what may replace the short line: another variant of its product with stock, or the
    product the customer named. Never another product of the order."""
    own = next((i for i in case.inventory if i.sku == short.sku), None)
    variants = own.variants if own else []
    mine = next((v.options for v in variants if v.sku == short.sku), {})
    found, home = [], home_warehouses(case)
    for v in variants:
        # Only a variant located on the order's own warehouse shelves can ship in its place.
        if v.sku != short.sku and (available(case, v.sku, home) or 0) > 0:
            diff = ", ".join(f"{k} {val}" for k, val in v.options.items() if mine.get(k) != val)
            found.append((v.sku, f"{short.name} ({diff or v.sku})"))
    named = case.request.new_sku if case.request else None
    if named and named != short.sku and (available(case, named, home) or 0) > 0:
        found.append((named, f"item {named}"))
    return found


def inventory_mismatch(case: CaseState, policy: Policy) -> Plan:
    short = short_line(case, 0)
    home = home_warehouses(case)
    own = next((i for i in case.inventory if i.sku == short.sku), None)
    elsewhere = [w for w in (own.warehouses_with_quantity if own else []) if w not in home]
    if elsewhere:
        reason = f"{short.sku} is short at {', '.join(sorted(home))} but in stock at {', '.join(elsewhere)}"
        return plan(case, D.escalate, [escalate("threepl", f"ship {short.sku} from {elsewhere[0]}: {reason}")],
                    [reason], Scenario.delay_notice,
                    context(case, DelayNotice, reason=DELAY_REASONS[DelayCause.other_warehouse],
                            cause=DelayCause.other_warehouse, sku=short.sku),
                    "Reply to cancel instead of waiting")
    held = available(case, short.sku, home)
    if held:
        reason = (f"{short.sku} short-picked, but {held} on hand and free at {', '.join(sorted(home)) or 'the warehouse'}:"
                  " the warehouse recounts before anyone tells the customer it is out of stock")
        return plan(case, D.escalate, [escalate("threepl", reason)], [reason])
    subs = _substitutes(case, short)
    if subs:
        sku, name = subs[0]
        ctx = context(case, SubstituteOffer, item_name=short.name, substitute_name=name, item_sku=short.sku,
                      substitute_sku=sku)
        return plan(case, D.needs_customer_decision, [], [f"{short.sku} is out of stock; {sku} is in stock"],
                    Scenario.substitute_offer, ctx, f"Accept {sku} instead of {short.sku}")
    return plan(case, D.needs_customer_decision, [], [f"{short.sku} is out of stock in every warehouse"],
                Scenario.delay_notice, context(case, DelayNotice, reason=f"the {short.name} is out of stock",
                                               cause=DelayCause.out_of_stock, sku=short.sku,
                                               stock_item=short.name),
                "Wait for the item or cancel")


def split_shipment(case: CaseState, policy: Policy) -> Plan:
    order = order_of(case)
    waiting = short_line(case, -1)
    ready = [ln for ln in order.lines if ln.line_no != waiting.line_no]
    if not ready:
        return inventory_mismatch(case, policy)
    ctx = context(case, SplitOffer, waiting_item=waiting.name, ready_count=sum(ln.quantity for ln in ready),
                  waiting_sku=waiting.sku)
    return plan(case, D.needs_customer_decision, [], [f"{len(ready)} of {len(order.lines)} lines can ship now"],
                Scenario.split_offer, ctx, "Ship the available items now or wait for all")


_DELAY_CAUSES = {"CUTOFF_MISSED": DelayCause.cutoff_missed, "WAREHOUSE_BACKLOG": DelayCause.backlog}


def fulfillment_delay(case: CaseState, policy: Policy) -> Plan:
    code = case.signal.exception_code if case.signal else None
    cause = _DELAY_CAUSES.get(code or "", DelayCause.not_shipped)
    reason = DELAY_REASONS.get(cause) if cause is not DelayCause.not_shipped else None
    reason = reason or "it is taking longer than usual to leave our warehouse"
    promised = order_of(case).promised_by
    why = [f"{code or 'delay'}: promised {promised:%Y-%m-%d %H:%M}, no new date in the data" if promised
           else f"{code or 'delay'}: no promised date on record"]
    return plan(case, D.needs_customer_decision, [], why, Scenario.delay_notice,
                context(case, DelayNotice, reason=reason, cause=cause), "Keep the order or cancel it")


def cancel_plan(case: CaseState, policy: Policy) -> Plan:
    order = order_of(case)
    cancel = action("cancel", "cancel_order", {"order_id": order.id, "reason": "customer requested"})
    verdict = g.rule_cancel_edit(case, cancel, policy)
    if verdict.outcome == "allow":
        refund = case.payment.captured - case.payment.refunded if case.payment else None
        ctx = context(case, CancelConfirmation, refund_amount=refund if refund and refund > 0 else None)
        return plan(case, D.fixable_now, [cancel], [verdict.reason], Scenario.cancel_confirmation, ctx,
                    "Reply if the cancellation was a mistake")
    intercept = action("intercept", "intercept_shipment", {"order_id": order.id, "reason": "customer cancelled"})
    stop = g.rule_intercept(case, intercept, policy)
    if stop.outcome == "block":
        return plan(case, D.escalate, [escalate("lead", f"{verdict.reason}; {stop.reason}")], [verdict.reason,
                    stop.reason])
    carrier = CARRIERS.get(case.fulfillments[0].carrier, case.fulfillments[0].carrier) if case.fulfillments \
        else "the carrier"
    refund = case.payment.captured - case.payment.refunded if case.payment else None
    ctx = context(case, InterceptNotice, carrier=carrier, left_warehouse=left_warehouse(case),
                  refund_amount=refund if refund and refund > 0 else None)
    return plan(case, D.fixable_now, [intercept], [verdict.reason, stop.reason], Scenario.intercept_notice,
                ctx, "Reply if the package arrives first")


def _swap(case: CaseState, policy: Policy) -> Plan:
    req = case.request
    located = {i.sku for i in case.inventory if i.total_available > 0}
    if req is None or req.new_sku is None or req.new_sku not in located:
        return plan(case, D.needs_customer_decision, [], ["the requested item is not yet known or not in stock"],
                    Scenario.change_details, context(case, ChangeDetails), "Name the exact item and size wanted")
    old = line_for(case, line_no=req.line_no)
    swap = action("swap", "substitute_item", {"order_id": order_of(case).id, "line_no": old.line_no,
                                              "new_sku": req.new_sku}, req.origin)
    verdict = g.rule_cancel_edit(case, swap, policy)
    if verdict.outcome == "block":
        return plan(case, D.escalate, [escalate("lead", verdict.reason)], [verdict.reason])
    return plan(case, D.fixable_now, [swap], [verdict.reason], Scenario.change_confirmation,
                context(case, ChangeConfirmation, change=f"{old.name} swapped for item {req.new_sku}"),
                "Reply if anything else needs changing")


def change_request(case: CaseState, policy: Policy) -> Plan:
    intent = case.request.intent if case.request else "other"
    if intent == "cancel":
        return cancel_plan(case, policy)
    if intent in ("change_address", "change_profile_address"):
        return address_issue(case, policy)
    if intent == "change_payment":
        return payment.plan_payment_change(case, policy)
    if intent in ("swap_item", "exchange"):
        # A delivered item is exchanged for another variant; before shipment the order line is edited.
        delivered = order_of(case).status in ("shipped", "delivered")
        return exchange.plan_exchange(case, policy) if delivered else _swap(case, policy)
    reason = f"{intent} requests have no tool; a person edits the order"
    return plan(case, D.escalate, [escalate("lead", reason)], [reason])


_THREEPL_REASONS = {"LABEL_ERROR": "of a shipping label problem at our warehouse",
                    "PICK_PACK_EXCEPTION": "of a packing problem at our warehouse",
                    "HANDOFF_GAP": "the carrier has not picked it up from our warehouse yet",
                    "DAMAGED_IN_WAREHOUSE": "an item was damaged at our warehouse"}


def threepl_exception(case: CaseState, policy: Policy) -> Plan:
    code = (case.signal.exception_code if case.signal else None) or "EXCEPTION"
    where = case.signal.warehouse_id if case.signal and case.signal.warehouse_id else "the warehouse"
    reason = f"{code} at {where}: the warehouse contact fixes it"
    return plan(case, D.escalate, [escalate("threepl", reason)], [reason], Scenario.delay_notice,
                context(case, DelayNotice, reason=_THREEPL_REASONS.get(code, "of a problem at our warehouse"),
                        cause=DelayCause.not_shipped if code == "HANDOFF_GAP" else DelayCause.warehouse_problem),
                "Keep the order or cancel it")
