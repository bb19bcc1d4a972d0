"""Plans for a customer's answer to the one ask: the option they chose (copilot/workflow/replies.py reads it)."""

from __future__ import annotations

from copilot.core.models import Category
from copilot.core.models import Disposition as D
from copilot.core.policy import Policy
from copilot.decide import guardrails as g
from copilot.decide.messages import AddressUpdated, ChangeConfirmation, RefundStatus, Scenario
from copilot.decide.plan import CaseState, Plan, action
from copilot.decide.playbooks import post, pre
from copilot.decide.playbooks.common import args_origin, context, escalate, line_for, one_line, order_of, plan
from tools.schemas import LineSnapshot

REPLY_INTENTS = frozenset({"accept_substitute", "split", "wait", "confirm_address", "new_address",
                           "payment_updated", "reship"})
ANSWER_CATEGORIES = {Category.inventory_mismatch, Category.split_shipment, Category.fulfillment_delay,
                     Category.address_issue, Category.payment_failure, Category.delivery_exception,
                     Category.concession_request, Category.threepl_exception}


def is_answer(case: CaseState) -> bool:
    """The request is a reply to an ask (a choice), not the ticket that opened the case."""
    req = case.request
    if req is None:
        return False
    return req.intent in REPLY_INTENTS or (req.intent in ("cancel", "refund") and case.category in ANSWER_CATEGORIES)


def plan_choice(case: CaseState, policy: Policy) -> Plan:
    intent = case.request.intent if case.request else "other"
    handlers = {"cancel": pre.cancel_plan, "accept_substitute": _substitute, "split": _split, "wait": _wait,
                "confirm_address": _confirm_address, "new_address": pre.address_issue,
                "payment_updated": _payment_updated, "reship": _reship, "refund": _refund}
    return handlers[intent](case, policy)


def _short_line(case: CaseState) -> LineSnapshot:
    sku = case.signal.sku if case.signal and case.signal.sku else None
    return line_for(case, sku=sku) if sku else order_of(case).lines[-1]


def _substitute(case: CaseState, policy: Policy) -> Plan:
    short = _short_line(case)
    home = {f.warehouse_id for f in case.fulfillments}
    subs = [i for i in case.inventory if i.sku != short.sku and set(i.warehouses_with_quantity) & home]
    if not subs:
        reason = f"the customer accepted a substitute for {short.sku} but none is in stock now"
        return plan(case, D.escalate, [escalate("lead", reason)], [reason])
    swap = action("swap", "substitute_item", {"order_id": order_of(case).id, "line_no": short.line_no,
                                              "new_sku": subs[0].sku}, args_origin(case))
    verdict = g.rule_cancel_edit(case, swap, policy)
    if verdict.outcome == "block":
        return plan(case, D.escalate, [escalate("lead", verdict.reason)], [verdict.reason])
    return plan(case, D.fixable_now, [swap], [f"customer accepted {subs[0].sku} for {short.sku}"],
                Scenario.change_confirmation,
                context(case, ChangeConfirmation, change=f"{short.name} replaced by item {subs[0].sku}"),
                "Reply if anything else needs changing")


def _split(case: CaseState, policy: Policy) -> Plan:
    waiting = _short_line(case)
    ready = [ln.line_no for ln in order_of(case).lines if ln.line_no != waiting.line_no]
    if not ready:
        return _wait(case, policy)
    split = action("split", "split_shipment", {"order_id": order_of(case).id, "ship_now_line_nos": ready})
    return plan(case, D.fixable_now, [split], ["customer chose to ship the ready items now"],
                Scenario.change_confirmation,
                context(case, ChangeConfirmation, change=f"the ready items ship now and {waiting.name} follows"),
                "Reply if anything else needs changing")


def _wait(case: CaseState, policy: Policy) -> Plan:
    return plan(case, D.fixable_now, [], ["customer chose to wait: verification watches the order ship"],
                Scenario.change_confirmation,
                context(case, ChangeConfirmation, change="the order stays as it is and ships complete"),
                "Reply if anything else needs changing")


def _confirm_address(case: CaseState, policy: Policy) -> Plan:
    order = order_of(case)
    if order.hold_reason == "address_unverified":
        release = action("release", "release_hold", {"order_id": order.id, "reason": "customer confirmed the address"})
        return plan(case, D.fixable_now, [release], ["customer confirmed the shipping address"],
                    Scenario.address_updated,
                    context(case, AddressUpdated, address=one_line(order.shipping_address)),
                    "Reply if the address is wrong")
    reason = "customer confirmed the address the carrier could not deliver to: the carrier must retry"
    return plan(case, D.escalate, [escalate("ops", reason)], [reason])


def _payment_updated(case: CaseState, policy: Policy) -> Plan:
    order, pay = order_of(case), case.latest_payment
    if pay is not None and pay.status in ("authorized", "captured") and order.hold_reason == "payment_failed":
        release = action("release", "release_hold", {"order_id": order.id, "reason": "payment method updated"})
        return plan(case, D.fixable_now, [release], [f"payment {pay.id} is {pay.status} after the update"])
    retry = action("retry", "retry_payment", {"order_id": order.id})
    if g.rule_payment_retry(case, retry, policy).outcome == "allow":
        return plan(case, D.fixable_now, [retry], ["customer updated the card: retry within the limits"])
    reason = "customer says the payment was updated, but the payment still shows failed"
    return plan(case, D.escalate, [escalate("lead", reason)], [reason])


def _reship(case: CaseState, policy: Policy) -> Plan:
    return post.replacement_plan(case, policy, "damaged")


def _refund(case: CaseState, policy: Policy) -> Plan:
    item = line_for(case, line_no=case.request.line_no if case.request else None)
    amount = min(item.unit_price * item.quantity, case.refundable)
    if amount <= 0:
        reason = "customer chose a refund but nothing refundable is left"
        return plan(case, D.escalate, [escalate("finance", reason)], [reason])
    refund = action("refund", "refund_payment", {"order_id": order_of(case).id, "amount": amount, "reason": "damaged"})
    return plan(case, D.fixable_now, [refund], [f"customer chose a refund of {amount} for {item.sku}"],
                Scenario.refund_status, context(case, RefundStatus, amount=amount, issued=True,
                                                business_days=post.REFUND_BUSINESS_DAYS),
                "Reply if the refund has not arrived after the stated time")
