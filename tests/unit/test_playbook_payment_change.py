"""A customer who wants a pending order paid another way: the method they name, the plan, its guardrail."""

from __future__ import annotations

from decimal import Decimal

from copilot.core.models import Category, Disposition
from copilot.core.policy import load_policy
from copilot.decide import guardrails as g
from copilot.decide.messages import Scenario, check_message, count_asks
from copilot.decide.plan import CaseState, action
from copilot.decide.playbooks import build_plan
from copilot.decide.requests import read_request
from tests.unit import casefacts as f
from tools import schemas as s

POLICY = load_policy()
C = Category
# The order is paid with the card ("card", last four 4242); the customer also saved PayPal and a gift card.
WALLET = [s.PaymentMethodOut(id="card", source="credit_card", brand="visa", last4="4242"),
          s.PaymentMethodOut(id="paypal_9", source="paypal"),
          s.PaymentMethodOut(id="gift_card_7", source="gift_card", balance=Decimal("60.00"))]


def ticket_case(text: str, status: str = "pending", wallet: list[s.PaymentMethodOut] = WALLET,
                **facts: object) -> CaseState:
    signal = f.signal(subject="Paying for my order", text=text)
    customer = f.customer().model_copy(update={"payment_methods": wallet,
                                               "payment_method_ids": [m.id for m in wallet]})
    facts.setdefault("payment", f.payment(status="authorized", amount="45.00"))
    return f.case(C.change_request, signal=signal, request=read_request(C.change_request, signal, "#1001"),
                  order=f.order(status), customer=customer, **facts)


def test_customers_ask_for_another_payment_method_in_their_own_words() -> None:
    def intent(text: str) -> str | None:
        req = read_request(C.change_request, f.signal(text=text), "#1001")
        return req.intent if req else None

    assert intent("Hi, can you switch the payment on order #1001 to my PayPal please?") == "change_payment"
    assert intent("I'd rather pay for this order with my gift card instead of the Visa.") == "change_payment"
    assert intent("Please change the payment method for my pending order") == "change_payment"
    # Paying a price difference is part of an exchange, not a new way to pay the order.
    assert intent("I'd like to exchange the shoes for a size L and pay the difference with PayPal") != "change_payment"


def test_the_named_saved_method_is_proposed_for_approval_with_a_message_naming_it_safely() -> None:
    case = ticket_case("Hi, can you switch the payment on order #1001 to my PayPal please? Thanks, Ava")
    plan = build_plan(case, POLICY)
    change = plan.actions[0]
    assert (change.tool, change.args.payment_method_id, plan.disposition) == (
        "change_payment_method", "paypal_9", Disposition.fixable_now)
    body = plan.actions[-1].args.body
    assert "PayPal" in body and "$45.00" in body
    assert count_asks(body, POLICY) == 1 and check_message(body, g.message_facts(case), POLICY) == []
    verdict = g.combine(g.evaluate_action(case, change, POLICY))
    assert (verdict.outcome, verdict.role) == ("needs_approval", "agent")


def test_a_gift_card_short_of_the_order_total_is_blocked_and_the_case_goes_to_a_person() -> None:
    case = ticket_case("Please pay order #1001 with my gift card instead, I don't want it on my card",
                       payment=f.payment(status="authorized", amount="75.00"))
    plan = build_plan(case, POLICY)
    assert plan.disposition is Disposition.escalate
    assert "holds 60.00, less than the order's 75.00" in plan.reasons[0]


def test_unclear_method_asks_which_and_nothing_is_changed() -> None:
    case = ticket_case("Can I change the payment method on #1001? The card on it expires next week.")
    plan = build_plan(case, POLICY)
    assert plan.disposition is Disposition.needs_customer_decision and plan.scenario is Scenario.payment_method_choice
    assert [a.tool for a in plan.actions] == ["send_customer_message"]
    assert "PayPal account" in plan.actions[0].args.body and "gift card" in plan.actions[0].args.body


def test_the_rule_blocks_a_shipped_order_a_stranger_method_and_the_method_already_paying() -> None:
    def verdict(case: CaseState, method: str) -> str:
        change = action("payment", "change_payment_method", {"order_id": "#1001", "payment_method_id": method})
        return g.RULES["payment_change"](case, change, POLICY).reason

    pending = ticket_case("switch the payment to PayPal")
    assert "only while pending" in verdict(ticket_case("switch the payment to PayPal", status="shipped"), "paypal_9")
    assert "not one the customer owns" in verdict(pending, "paypal_someone_else")
    assert "already paid with card" in verdict(pending, "card")
    assert "dispute" in verdict(ticket_case("switch it", payment=f.payment(open_dispute=True)), "paypal_9")
