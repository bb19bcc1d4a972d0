"""Several requests in one ticket make one plan: every action grounded in the customer's own orders, each judged
by the guardrails of the order it touches; what cannot be grounded goes to a person, conditions are not acted on."""

from __future__ import annotations

from decimal import Decimal

from copilot.core.models import Category, Disposition
from copilot.core.policy import load_policy
from copilot.decide import guardrails as g
from copilot.decide.messages import check_message, count_asks
from copilot.decide.plan import CaseState, OrderFacts
from copilot.decide.playbooks import build_plan, several
from copilot.reading.model import Evidence, Intent, Mood, Reading, Request
from tests.unit import casefacts as f
from tools import schemas as s
from tools.contracts.domain import Address

POLICY = load_policy()
MAT = {"color": "black"}


def variants(sku: str, name: str, *options: tuple[str, dict[str, str], str]) -> s.LocateInventoryOutput:
    return f.stock(sku, WH_EAST=5).model_copy(update={"variants": [
        s.Variant(sku=v_sku, options=opts, price=Decimal(price), sold=True, available=5)
        for v_sku, opts, price in options]})


def facts_for(order_id: str, status: str, lines: list[s.LineSnapshot], captured: str) -> OrderFacts:
    base = f.order(status, lines=lines)
    order = base.model_copy(update={"order": base.order.model_copy(update={"id": order_id})})
    pay = f.payment(status="captured" if status == "delivered" else "authorized", amount=captured,
                    captured=captured if status == "delivered" else "0")
    inventory = [variants("MAT-BLK", "Yoga Mat", ("MAT-BLK", MAT, "30.00"), ("MAT-GRN", {"color": "green"}, "32.00")),
                 variants("LAMP-W", "Desk Lamp", ("LAMP-W", {"color": "white"}, "40.00"),
                          ("LAMP-B", {"color": "black"}, "40.00"))]
    return OrderFacts(order=order, payment=pay.model_copy(update={"order_id": order_id}), inventory=inventory)


DELIVERED = facts_for("#1001", "delivered", [f.line(1, "30.00", sku="MAT-BLK", name="Yoga Mat"),
                                             f.line(2, "40.00", sku="LAMP-W", name="Desk Lamp")], "70.00")
PENDING = facts_for("#1002", "pending", [f.line(1, "40.00", sku="LAMP-W", name="Desk Lamp")], "40.00")


def reading(text: str, *asks: tuple[Intent, Mood, str]) -> Reading:
    """A Reading whose requests were read at the words given (the reader's job; here the planner's input)."""
    requests = []
    for intent, mood, words in asks:
        at = text.index(words)
        requests.append(Request(intent=intent, mood=mood, category=Category.change_request, confidence=0.9,
                                evidence=[Evidence(start=at, end=at + len(words), quote=words)]))
    return Reading(text=text, language="en", language_confidence=0.99, requests=requests)


def ticket(text: str, *asks: tuple[Intent, Mood, str]) -> CaseState:
    """The case is linked to the delivered order #1001; #1002 is another order of the same customer."""
    own = DELIVERED
    return f.case(Category.change_request, signal=f.signal(text=text), reading=reading(text, *asks),
                  order=own.order, payment=own.payment, inventory=own.inventory, customer=f.customer().model_copy(
                      update={"payment_method_ids": ["card"]}), related=[PENDING])


def tools(plan) -> list[tuple[str, str | None]]:  # noqa: ANN001
    return [(a.tool, a.order_id) for a in plan.actions if a.tool != "send_customer_message"]


def test_cancel_one_order_and_return_an_item_of_another_make_one_plan_judged_per_order() -> None:
    text = "Hi, please cancel my order #1002, I don't need the lamp anymore. And return the yoga mat I got, thanks!"
    case = ticket(text, (Intent.cancel, Mood.instruction, "cancel"),
                  (Intent.return_refund, Mood.instruction, "return"))
    plan = build_plan(case, POLICY)
    assert tools(plan) == [("cancel_order", "#1002"), ("refund_payment", "#1001")]
    refund = next(a for a in plan.actions if a.tool == "refund_payment")
    assert refund.args.amount == Decimal("30.00") and refund.args.reason == "return"
    # Each action is judged against the order it touches: the cancel on the pending order is allowed by rule 4,
    # and rule 8 finds both orders belong to the customer who wrote in.
    verdicts = g.evaluate(case, plan, POLICY)
    assert {v.outcome for v in verdicts if v.rule_id in ("identity", "cancel_edit", "refund")} == {"allow"}
    body = plan.actions[-1].args.body
    assert "#1002" in body and "Yoga Mat" in body
    assert count_asks(body, POLICY) == 1 and check_message(body, g.message_facts(case), POLICY) == []


def test_a_received_item_is_exchanged_and_one_not_shipped_is_changed_on_its_order() -> None:
    text = "Could you exchange the yoga mat I received for the green one? Also change the lamp on my pending order " \
           "to black."
    case = ticket(text, (Intent.exchange, Mood.instruction, "exchange"),
                  (Intent.change_items, Mood.instruction, "change the lamp"))
    plan = build_plan(case, POLICY)
    assert tools(plan) == [("exchange_items", "#1001"), ("substitute_item", "#1002")]
    exchange, swap = plan.actions[0], plan.actions[1]
    assert [(x.line_no, x.new_sku) for x in exchange.args.lines] == [(1, "MAT-GRN")]
    assert (swap.args.line_no, swap.args.new_sku) == (1, "LAMP-B")
    assert plan.disposition is Disposition.fixable_now


def test_an_item_on_two_orders_is_the_one_on_the_order_holding_the_other_named_item() -> None:
    text = "I want to return the yoga mat and the desk lamp please."
    case = ticket(text, (Intent.return_refund, Mood.instruction, "return"))
    # The ticket named no order and two delivered orders hold the same lamp; only #1001 also holds the mat.
    both = case.model_copy(update={"order": None, "payment": None, "inventory": [], "related": [
        DELIVERED, facts_for("#1003", "delivered", [f.line(1, "40.00", sku="LAMP-W", name="Desk Lamp")], "40.00")]})
    plan = several.plan_requests(both, POLICY)
    assert plan is not None
    assert [(a.tool, a.order_id) for a in plan.actions[:-1]] == [("refund_payment", "#1001")]
    assert plan.actions[0].args.amount == Decimal("70.00")


def test_a_condition_is_reported_and_nothing_runs_on_it() -> None:
    text = "If my lamp order hasn't shipped by Friday, cancel it."
    case = ticket(text, (Intent.cancel, Mood.condition, "cancel"))
    plan = build_plan(case, POLICY)
    assert [a.tool for a in plan.actions] == ["escalate_case"]
    assert plan.reasons[0].startswith("reported to the agent, not acted on: condition")


def test_a_fallback_condition_is_planned_when_the_request_before_it_cannot_be_done() -> None:
    text = "Please remove the lamp from my pending order #1002. If that's not possible, cancel the whole order."
    case = ticket(text, (Intent.change_items, Mood.instruction, "remove"),
                  (Intent.cancel, Mood.condition, "cancel"))
    plan = build_plan(case, POLICY)
    assert tools(plan) == [("cancel_order", "#1002")]


def test_a_blocked_action_is_not_proposed_and_the_reason_goes_to_a_person() -> None:
    text = "Cancel order #1001 and return the lamp from it."
    case = ticket(text, (Intent.cancel, Mood.instruction, "Cancel"))
    plan = several.plan_requests(case, POLICY)
    assert plan is not None
    assert ("cancel_order", "#1001") not in tools(plan)
    assert ("refund_payment", "#1001") in tools(plan)
    assert any("a cancellation of no order that is still pending" in r for r in plan.reasons)


def test_an_edit_naming_no_item_beside_a_cancel_is_the_cancels_reason_not_a_second_change() -> None:
    text = "Please cancel order #1002, I ordered it by mistake."
    # The reader hears "by mistake" as an item edit; it names no item, and the whole order goes anyway.
    case = ticket(text, (Intent.cancel, Mood.instruction, "cancel"),
                  (Intent.change_items, Mood.instruction, "by mistake"))
    plan = build_plan(case, POLICY)
    assert tools(plan) == [("cancel_order", "#1002")]
    assert plan.disposition is Disposition.fixable_now


def test_items_of_one_order_returned_across_two_requests_make_one_refund_of_their_sum() -> None:
    text = "Sending the yoga mat back, it slips on my floor. Oh and I'd like to return the desk lamp too. Yes the " \
           "yoga mat as well, as I said."
    case = ticket(text, (Intent.return_refund, Mood.instruction, "Sending the yoga mat back"),
                  (Intent.return_refund, Mood.instruction, "return the desk lamp"),
                  (Intent.return_refund, Mood.instruction, "the yoga mat as well"))
    plan = several.plan_requests(case, POLICY)
    assert plan is not None
    refunds = [a for a in plan.actions if a.tool == "refund_payment"]
    # One refund for the order, over both items once: not one per mention, and the mat not paid back twice.
    assert [(a.order_id, a.args.amount) for a in refunds] == [("#1001", Decimal("70.00"))]


LA = Address(line1="88 Vine St", city="Los Angeles", state="CA", zip="90028")
LA_PROFILE = LA.model_copy(update={"line2": "Suite 3"})  # the profile's copy of the same building, with its suite


def address_ticket(text: str, la_check_issues: list[str], verb: str = "send") -> CaseState:
    """Delivered #1001 went to the customer's LA place; pending #1002 ships to their NY home (the profile's)."""
    delivered = DELIVERED.order.model_copy(update={"order": DELIVERED.order.order.model_copy(
        update={"shipping_address": LA})})
    check = f.validated(LA, valid=not la_check_issues, issues=la_check_issues)
    pending = PENDING.model_copy(update={"address_checks": [check]})
    return f.case(Category.address_issue, signal=f.signal(text=text, order_id=None),
                  reading=reading(text, (Intent.change_address, Mood.instruction, verb)),
                  order=None, payment=None, customer=f.customer(previous=[LA_PROFILE, f.HOME]),
                  related=[DELIVERED.model_copy(update={"order": delivered}), pending])


def test_an_address_named_by_the_city_s_short_name_is_the_one_the_customer_has_there() -> None:
    text = "hey can you send the lamp order to my LA place instead of NY? you have it on file, the mat went there"
    plan = several.plan_requests(address_ticket(text, []), POLICY)
    assert plan is not None
    moves = [a for a in plan.actions if a.tool == "update_address"]
    # "LA" is Los Angeles; the order's copy and the profile's copy (with a suite) are one place, not two choices.
    assert [(a.order_id, a.args.address.line1, a.args.address.city) for a in moves] == \
        [("#1002", "88 Vine St", "Los Angeles")]


def test_la_in_another_language_is_not_a_city_and_nothing_is_guessed() -> None:
    text = "Por favor, envíen el pedido de la lámpara a la dirección de mi otro pedido."
    plan = several.plan_requests(address_ticket(text, [], verb="envíen"), POLICY)
    assert plan is None or not any(a.tool == "update_address" for a in plan.actions)


def test_an_item_named_by_its_words_and_by_the_item_number_it_should_become_is_changed_once() -> None:
    lamp = f.line(1, "40.00", sku="20000001", name="Desk Lamp")
    base = facts_for("#1002", "pending", [lamp], "40.00")
    stock = f.stock("20000001", WH_EAST=5).model_copy(update={"variants": [
        s.Variant(sku=sku, options={"color": color}, price=Decimal(price), sold=True, available=5)
        for sku, color, price in (("20000001", "white", "40.00"), ("20000002", "black", "40.00"),
                                  ("20000003", "red", "41.00"))]})
    text = "The desk lamp I ordered yesterday: could you switch it to item 20000003 instead?"
    case = ticket(text, (Intent.change_items, Mood.instruction, "switch"))
    case = case.model_copy(update={"related": [base.model_copy(update={"inventory": [stock]})]})
    plan = several.plan_requests(case, POLICY)
    assert plan is not None
    # The lamp is found by its name and again by the number it should become: one change, to that number.
    assert [(a.tool, a.order_id, a.args.line_no, a.args.new_sku) for a in plan.actions
            if a.tool not in ("send_customer_message", "escalate_case")] == [("substitute_item", "#1002", 1, "20000003")]
    assert plan.disposition is Disposition.fixable_now


def test_an_order_cancelled_in_two_requests_is_cancelled_once() -> None:
    text = "Cancel order #1002 please. I really don't want it anymore, so yes cancel #1002."
    case = ticket(text, (Intent.cancel, Mood.instruction, "Cancel order"), (Intent.cancel, Mood.instruction, "yes cancel"))
    plan = several.plan_requests(case, POLICY)
    assert plan is not None
    assert tools(plan) == [("cancel_order", "#1002")]


def test_one_item_asked_to_become_two_different_variants_is_left_to_a_person() -> None:
    text = "Please exchange the yoga mat I received for the green one. Actually, exchange the yoga mat for a red one."
    case = ticket(text, (Intent.exchange, Mood.instruction, "exchange the yoga mat I"),
                  (Intent.exchange, Mood.instruction, "exchange the yoga mat for"))
    mats = variants("MAT-BLK", "Yoga Mat", ("MAT-BLK", MAT, "30.00"), ("MAT-GRN", {"color": "green"}, "32.00"),
                    ("MAT-RED", {"color": "red"}, "31.00"))
    plan = several.plan_requests(case.model_copy(update={"inventory": [mats, *case.inventory[1:]]}), POLICY)
    assert plan is not None
    assert [a.tool for a in plan.actions if a.tool != "send_customer_message"] == ["escalate_case"]
    assert any("two different variants" in r for r in plan.reasons)


def test_two_items_of_one_delivered_order_exchanged_in_two_requests_make_one_exchange() -> None:
    text = "Could I exchange the yoga mat for the green one? And exchange the desk lamp for the black one too."
    case = ticket(text, (Intent.exchange, Mood.instruction, "exchange the yoga mat"),
                  (Intent.exchange, Mood.instruction, "exchange the desk lamp"))
    plan = several.plan_requests(case, POLICY)
    assert plan is not None
    exchanges = [a for a in plan.actions if a.tool == "exchange_items"]
    assert [(a.order_id, [(x.line_no, x.new_sku) for x in a.args.lines]) for a in exchanges] == \
        [("#1001", [(1, "MAT-GRN"), (2, "LAMP-B")])]


def test_two_requests_read_in_one_sentence_each_get_their_own_clause() -> None:
    text = "Hi there. Please cancel #1002 since I found that lamp cheaper elsewhere and return the yoga mat I got."
    case = ticket(text, (Intent.cancel, Mood.instruction, "cancel"), (Intent.return_refund, Mood.instruction, "return"))
    plan = several.plan_requests(case, POLICY)
    assert plan is not None
    assert tools(plan)[:2] == [("cancel_order", "#1002"), ("refund_payment", "#1001")]
    assert plan.actions[1].args.amount == Decimal("30.00") and plan.disposition is Disposition.fixable_now


def test_a_return_and_its_reason_read_in_the_first_sentence_both_keep_that_sentence() -> None:
    text = "Good morning. I'd like to return the yoga mat since it is falling apart already. Also, could you check " \
           "whether I can return the lamp later on? I'm not sure yet."
    case = ticket(text, (Intent.return_refund, Mood.instruction, "return the yoga"),
                  (Intent.damaged_missing_wrong, Mood.instruction, "falling apart"),
                  (Intent.return_refund, Mood.question, "return the lamp"))
    plan = several.plan_requests(case, POLICY)
    assert plan is not None
    # The mat goes back; the lamp is only asked about.
    assert [(a.tool, a.order_id, a.args.amount) for a in plan.actions if a.tool == "refund_payment"] == \
        [("refund_payment", "#1001", Decimal("30.00"))]


def test_everything_in_an_if_sentence_or_in_an_unnamed_order_is_not_every_order() -> None:
    both = [DELIVERED, facts_for("#1003", "delivered", [f.line(1, "40.00", sku="LAMP-W", name="Desk Lamp")], "40.00")]
    text = "Please return the yoga mat. If you can't refund my card, just take everything back instead."
    case = ticket(text, (Intent.return_refund, Mood.instruction, "return"))
    case = case.model_copy(update={"order": None, "payment": None, "inventory": [], "related": both})
    plan = several.plan_requests(case, POLICY)
    assert plan is not None  # the mat only: the fallback's "everything" is not what was asked
    assert [(a.order_id, a.args.amount) for a in plan.actions if a.tool == "refund_payment"] == \
        [("#1001", Decimal("30.00"))]
    vague = "The parcel that went to my sister by mistake: please return all items in it."
    case = ticket(vague, (Intent.return_refund, Mood.instruction, "return"))
    case = case.model_copy(update={"order": None, "payment": None, "inventory": [], "related": both})
    plan = several.plan_requests(case, POLICY)
    assert plan is None or not any(a.tool == "refund_payment" for a in plan.actions)
