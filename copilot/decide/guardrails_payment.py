"""Rule 6c: paying a pending order with another of the customer's saved methods (tau2 retail policy).

Pure like the rules of copilot/decide/guardrails.py, registered there on import.
"""

from __future__ import annotations

from decimal import Decimal

from copilot.core.policy import Policy
from copilot.decide.plan import CaseState, ProposedAction, Verdict
from copilot.decide.rules import approve, block, rule
from tools.schemas import ChangePaymentMethodInput, PaymentMethodOut


def live_amount(case: CaseState) -> Decimal:
    """What the order's live payments hold (authorized or captured, less refunds): what moves to the new method."""
    payments = case.payment.payments if case.payment else []
    return sum((p.amount - p.amount_refunded for p in payments if p.status in ("authorized", "captured")), Decimal(0))


def owned_method(case: CaseState, method_id: str) -> PaymentMethodOut | None:
    methods = case.customer.payment_methods if case.customer else []
    return next((m for m in methods if m.id == method_id), None)


def method_label(method: PaymentMethodOut) -> str:
    """How a message names a method: never more than the last four digits."""
    if method.source == "gift_card":
        return "your gift card"
    if method.source == "paypal":
        return "your PayPal account"
    brand = (method.brand or "card").title()
    return f"your {brand} card ending {method.last4}" if method.last4 else f"your {brand} card"


@rule("payment_change", {"change_payment_method"})
def rule_payment_change(case: CaseState, action: ProposedAction, policy: Policy) -> Verdict:
    p, rid = policy.payment_change, "payment_change"
    if case.order is None or case.payment is None or case.customer is None:
        return block(rid, "no order, payment or customer facts to check the change against")
    status = case.order.order.status
    if status not in p.changeable_statuses:
        return block(rid, f"order is {status}: the payment method changes only while "
                           f"{' or '.join(p.changeable_statuses)}")
    if case.payment.open_dispute:
        return block(rid, "a dispute is open on this order's payment")
    wanted = action.args_as(ChangePaymentMethodInput).payment_method_id
    new = owned_method(case, wanted)
    if new is None:
        return block(rid, f"payment method {wanted} is not one the customer owns")
    live = [x for x in case.payment.payments if x.status in ("authorized", "captured")]
    if not live:
        return block(rid, "the order has no live payment to move")
    if {x.method for x in live} == {new.id}:
        return block(rid, f"the order is already paid with {new.id}")
    amount = live_amount(case)
    if new.balance is not None and new.balance < amount:
        return block(rid, f"gift card {new.id} holds {new.balance}, less than the order's {amount}")
    return approve(rid, p.approver, f"{new.id} is the customer's and can hold {amount}; the old payment is released")
