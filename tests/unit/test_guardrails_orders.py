"""A plan may act on several of the customer's orders: each action is judged against the order it touches, and
the words a customer uses for an item ground it in their own orders and the catalog, or leave it to a person."""

from __future__ import annotations

from decimal import Decimal

from copilot.core.models import Category
from copilot.core.policy import load_policy
from copilot.decide import guardrails as g
from copilot.decide.plan import OrderFacts, Plan, action
from copilot.decide.playbooks import grounding
from copilot.decide.playbooks import targets as t
from tests.unit import casefacts as f
from tools import schemas as s

POLICY = load_policy()


def other(order_id: str, status: str, lines: list[s.LineSnapshot], customer_id: str = "C1") -> OrderFacts:
    base = f.order(status, lines=lines, customer_id=customer_id)
    pay = f.payment(status="captured", amount="40.00", captured="40.00")
    return OrderFacts(order=base.model_copy(update={"order": base.order.model_copy(update={"id": order_id})}),
                      payment=pay, inventory=[f.stock(ln.sku, WH_EAST=3).model_copy(update={"variants": [
                          s.Variant(sku=ln.sku, options={"color": "white"}, price=ln.unit_price, sold=True, available=3),
                          s.Variant(sku=ln.sku + "-B", options={"color": "black"}, price=ln.unit_price, sold=True,
                                    available=3)]}) for ln in lines])


LAMP = f.line(1, "40.00", sku="LAMP-W", name="Desk Lamp")


def test_each_action_is_judged_by_the_order_it_touches() -> None:
    delivered = other("#2001", "delivered", [LAMP])
    stranger = other("#3001", "pending", [LAMP], customer_id="C9")
    case = f.case(Category.change_request, related=[delivered, stranger])  # the case's own #1001 is pending
    plan = Plan(disposition="fixable_now", reasons=["test"], actions=[
        action("cancel", "cancel_order", {"order_id": "#1001", "reason": "customer asked"}),
        action("refund", "refund_payment", {"order_id": "#2001", "amount": "40.00", "reason": "return"}),
        action("cancel-2", "cancel_order", {"order_id": "#2001", "reason": "customer asked"}),
        action("cancel-3", "cancel_order", {"order_id": "#3001", "reason": "customer asked"}),
        action("cancel-4", "cancel_order", {"order_id": "#4004", "reason": "customer asked"})])
    verdicts = g.combine_by_action(g.evaluate(case, plan, POLICY))
    assert verdicts["cancel"].outcome != "block"  # the pending order of the case
    assert verdicts["refund"].outcome != "block"  # a return on the delivered order, within its captured 40.00
    assert (verdicts["cancel-2"].rule_id, verdicts["cancel-2"].outcome) == ("cancel_edit", "block")
    assert (verdicts["cancel-3"].rule_id, verdicts["cancel-3"].outcome) == ("identity", "block")  # not theirs
    assert verdicts["cancel-4"].outcome == "block"  # an order no one gathered facts for


def test_a_second_refund_on_the_same_order_counts_against_what_is_left() -> None:
    delivered = other("#2001", "delivered", [LAMP])
    case = f.case(Category.refund_request, related=[delivered])
    plan = Plan(disposition="fixable_now", reasons=["test"], actions=[
        action("r1", "refund_payment", {"order_id": "#2001", "amount": "30.00", "reason": "return"}),
        action("r2", "refund_payment", {"order_id": "#2001", "amount": "30.00", "reason": "return"})])
    verdicts = g.combine_by_action(g.evaluate(case, plan, POLICY))
    assert verdicts["r1"].outcome != "block"
    assert (verdicts["r2"].rule_id, verdicts["r2"].outcome) == ("refund", "block")
    assert "exceeds captured minus refunded (10.00)" in verdicts["r2"].reason


def test_items_are_named_in_the_customers_own_words_and_an_unclear_one_is_not_guessed() -> None:
    mat = f.line(2, "30.00", sku="MAT-1", name="Yoga Mat")
    orders = [other("#2001", "delivered", [LAMP, mat]), other("#2002", "delivered", [LAMP])]
    named, unclear = t.named_lines(orders, "please return my yoga mat", ("delivered",))
    assert [(n.order_id, n.line.line_no) for n in named] == [("#2001", 2)] and unclear == []
    named, unclear = t.named_lines(orders, "I want to return the desk lamp", ("delivered",))
    assert named == [] and unclear == ["which Desk Lamp is meant is unclear: #2001 line 1, #2002 line 1"]
    everything, _ = t.named_lines(orders, "return everything except the mat", ("delivered",))
    assert sorted((n.order_id, n.line.name) for n in everything) == [("#2001", "Desk Lamp"), ("#2002", "Desk Lamp")]


def test_a_wanted_variant_comes_from_option_values_never_from_a_guess() -> None:
    family = [s.Variant(sku=sku, options=opts, price=Decimal(p), sold=True, available=5) for sku, opts, p in [
        ("TS-S-BLU", {"size": "S", "color": "blue"}, "20"), ("TS-L-BLU", {"size": "L", "color": "blue"}, "22"),
        ("TS-L-BLK", {"size": "L", "color": "black"}, "21"), ("TS-S-BLK", {"size": "S", "color": "black"}, "19")]]
    line = f.line(1, "20.00", sku="TS-S-BLU", name="T-Shirt")
    current = {"size": "S", "color": "blue"}
    assert t.pick("same shirt but in size L please", line, current, family).sku == "TS-L-BLU"
    assert t.pick("the black one", line, current, family).sku == "TS-S-BLK"
    assert t.pick("the cheapest one", line, current, family).sku == "TS-S-BLK"
    assert t.pick("a different one", line, current, family) is None  # nothing named: a person asks


def test_a_cancel_of_one_line_of_a_bigger_order_is_not_turned_into_a_whole_order_cancel() -> None:
    mat = f.line(2, "30.00", sku="MAT-1", name="Yoga Mat")
    case = f.case(Category.change_request, order=None, payment=None,
                  related=[other("#2001", "pending", [LAMP, mat])])
    part = grounding.ground_cancel(case, "please cancel the yoga mat", [])
    assert part.orders == [] and part.unfinished == ["#2001"]
    whole = grounding.ground_cancel(case, "cancel the yoga mat, just cancel the whole order", [])
    assert whole.orders == ["#2001"]
