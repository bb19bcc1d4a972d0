"""Paying a pending order with another of the customer's saved methods: which one the ticket names, then one plan.

The method is read from the kind the customer writes ("PayPal", "gift card", "my Visa", "card ending 4242")
among the methods they own other than the one paying now; anything less certain asks which.
"""

from __future__ import annotations

import re

from copilot.core.models import Disposition as D
from copilot.core.policy import Policy
from copilot.decide import guardrails_payment as gp
from copilot.decide.messages import PaymentMethodChanged, PaymentMethodChoice, Scenario
from copilot.decide.plan import CaseState, Plan, action
from copilot.decide.playbooks.common import args_origin, context, escalate, order_of, plan
from tools.schemas import PaymentMethodOut

_KINDS = {"gift_card": re.compile(r"\bgift ?cards?\b|\bgc\b", re.I), "paypal": re.compile(r"\bpay ?pal\b", re.I),
          "credit_card": re.compile(r"\b(credit|debit) cards?\b|\b(visa|master ?card|amex|american express|"
                                    r"discover)\b", re.I)}
_ENDING = re.compile(r"\bending (?:in )?(\d{4})\b", re.I)


def _named(method: PaymentMethodOut, text: str) -> bool:
    if method.last4 and any(m.group(1) == method.last4 for m in _ENDING.finditer(text)):
        return True
    pattern = _KINDS.get(method.source)
    if pattern is None or not pattern.search(text):
        return False
    brand = (method.brand or "").lower().replace(" ", "")
    brands = {b for b in ("visa", "mastercard", "amex") if re.search(rf"\b{b}\b", text.lower().replace("master card",
                                                                                                     "mastercard"))}
    return not brands or brand in brands


def named_method(case: CaseState, text: str) -> tuple[PaymentMethodOut | None, list[PaymentMethodOut]]:
    """The one saved method (other than the one paying now) the text names, and the methods it could be."""
    paying = {p.method for p in (case.payment.payments if case.payment else [])
              if p.status in ("authorized", "captured")}
    others = [m for m in (case.customer.payment_methods if case.customer else []) if m.id not in paying]
    named = [m for m in others if _named(m, text)]
    if len(named) == 1:
        return named[0], others
    return None, named or others


def plan_payment_change(case: CaseState, policy: Policy) -> Plan:
    order = order_of(case)
    text = f"{case.signal.subject or ''}\n{case.signal.text or ''}" if case.signal else ""
    method, candidates = named_method(case, text)
    if method is None:
        if not candidates:
            reason = "the customer has no other saved payment method to move the order to"
            return plan(case, D.escalate, [escalate("lead", reason)], [reason])
        return plan(case, D.needs_customer_decision, [], ["the ticket does not say which saved method to use"],
                    Scenario.payment_method_choice,
                    context(case, PaymentMethodChoice, choices=[gp.method_label(m).removeprefix("your ")
                                                                for m in candidates]),
                    "Name the saved payment method to use")
    change = action("payment", "change_payment_method", {"order_id": order.id, "payment_method_id": method.id},
                    args_origin(case))
    verdict = gp.rule_payment_change(case, change, policy)
    if verdict.outcome == "block":
        return plan(case, D.escalate, [escalate("lead", verdict.reason)], [verdict.reason])
    return plan(case, D.fixable_now, [change], [verdict.reason], Scenario.payment_method_changed,
                context(case, PaymentMethodChanged, method=gp.method_label(method), amount=gp.live_amount(case)),
                "Reply if you meant a different payment method")
