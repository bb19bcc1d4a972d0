"""Reading an exchange or a profile address request from ticket text, and the plans the playbooks make of it."""

from __future__ import annotations

from decimal import Decimal

from copilot.core.models import Category, Disposition
from copilot.core.policy import load_policy
from copilot.decide import guardrails as g
from copilot.decide.messages import Scenario, check_message, count_asks
from copilot.decide.plan import CaseState
from copilot.decide.playbooks import build_plan
from copilot.decide.requests import read_request
from tests.unit import casefacts as f
from tools import schemas as s
from tools.contracts.domain import Address

POLICY = load_policy()
C = Category
SHOE = {"size": "M", "color": "blue"}


def family(sku: str, *options: tuple[str, dict[str, str], str, int]) -> s.LocateInventoryOutput:
    return f.stock(sku, WH_EAST=4).model_copy(update={"variants": [
        s.Variant(sku=v_sku, options=opts, price=Decimal(price), sold=True, available=n)
        for v_sku, opts, price, n in options]})


INVENTORY = [
    family("SKU-001-M", ("SKU-001-M", SHOE, "45.00", 4), ("SKU-001-L", {"size": "L", "color": "blue"}, "45.00", 2),
           ("SKU-001-MR", {"size": "M", "color": "red"}, "49.00", 3),
           ("SKU-001-LR", {"size": "L", "color": "red"}, "52.00", 0)),
    family("SKU-002-BLK", ("SKU-002-BLK", {"color": "black"}, "20.00", 4),
           ("SKU-002-GRN", {"color": "green"}, "22.00", 5)),
]
LINES = [f.line(1, "45.00", sku="SKU-001-M", name="Trail Running Shoe"),
         f.line(2, "20.00", sku="SKU-002-BLK", name="Yoga Mat")]


def ticket_case(text: str, category: Category = C.change_request, status: str = "delivered", **facts) -> CaseState:
    signal = f.signal(subject="About my order", text=text)
    facts.setdefault("customer", f.customer().model_copy(update={"payment_method_ids": ["card", "gift_card_7"]}))
    facts.setdefault("payment", f.payment(status="captured", captured="65.00"))
    return f.case(category, signal=signal, request=read_request(category, signal, "#1001"),
                  order=f.order(status, lines=LINES), inventory=INVENTORY, **facts)


def _message_ok(case: CaseState, plan) -> str:
    body = plan.actions[-1].args.body
    assert count_asks(body, POLICY) == 1 and check_message(body, g.message_facts(case), POLICY) == []
    return body


def test_ticket_wording_reads_as_exchange_profile_address_or_the_old_swap() -> None:
    def intent(text: str) -> str:
        return read_request(C.change_request, f.signal(text=text), "#1001").intent

    assert intent("Can I exchange the shoes I received for a different size?") == "exchange"
    assert intent("I'd like to trade the mat for the green one") == "exchange"
    assert intent("Please swap the size to L before it ships") == "swap_item"
    assert intent("The mat arrived damaged, I want an exchange") == "damaged"  # a fault stays a concession
    profile = read_request(C.address_issue, f.signal(text="Please change the address on my account to "
                                                          "12 Oak Ave, Boston, MA 02115"), "#1001")
    assert profile.intent == "change_profile_address" and profile.new_address.city.upper() == "BOSTON"


def test_named_option_of_a_delivered_item_becomes_one_exchange_of_that_line() -> None:
    case = ticket_case("The Trail Running Shoe fits fine but I want to exchange it for the red one.")
    plan = build_plan(case, POLICY)
    assert plan.disposition is Disposition.fixable_now and plan.scenario is Scenario.exchange_confirmation
    swap = plan.actions[0]
    assert (swap.tool, swap.origin.value) == ("exchange_items", "ticket")
    assert swap.args.model_dump() == {"order_id": "#1001", "lines": [{"line_no": 1, "new_sku": "SKU-001-MR"}],
                                      "payment_method_id": "card"}
    body = _message_ok(case, plan)
    assert "$4.00" in body and "color red" in body
    assert g.combine(g.evaluate(case, plan, POLICY)).outcome == "needs_approval"


def test_short_option_values_count_only_after_their_option_name() -> None:
    sized = build_plan(ticket_case("Please exchange my shoe, I need size L"), POLICY)
    assert sized.actions[0].args.lines[0].new_sku == "SKU-001-L"
    vague = build_plan(ticket_case("L is my favourite letter; exchange the shoe please"), POLICY)
    assert vague.scenario is Scenario.exchange_details and vague.ask


def test_pasted_option_dicts_pick_the_variant_and_a_named_gift_card_pays() -> None:
    text = ("For #1001, exchange Yoga Mat {'color': 'black'} to {'color': 'green'}; use the gift card.")
    case = ticket_case(text)
    swap = build_plan(case, POLICY).actions[0]
    assert swap.args.model_dump() == {"order_id": "#1001", "lines": [{"line_no": 2, "new_sku": "SKU-002-GRN"}],
                                      "payment_method_id": "gift_card_7"}


def test_unclear_or_out_of_stock_wishes_ask_exactly_one_question_instead_of_guessing() -> None:
    several = ticket_case("Exchange the shoe for size L or the red color, whichever")
    plan = build_plan(several, POLICY)
    assert (plan.disposition, plan.actions[0].tool, plan.scenario) == (
        Disposition.needs_customer_decision, "send_customer_message", Scenario.exchange_details)
    assert "Trail Running Shoe" in _message_ok(several, plan)
    sold_out = build_plan(ticket_case("exchange the shoe: {'size': 'M', 'color': 'blue'} to "
                                      "{'size': 'L', 'color': 'red'}"), POLICY)
    assert sold_out.scenario is Scenario.exchange_details and len(sold_out.actions) == 1


def test_exchange_wording_before_shipment_edits_the_order_and_in_transit_escalates() -> None:
    early = build_plan(ticket_case("exchange the Yoga Mat for green", status="pending"), POLICY)
    assert early.scenario is Scenario.change_details and not any(a.tool == "exchange_items" for a in early.actions)
    transit = build_plan(ticket_case("exchange the shoe for the red one", status="shipped"), POLICY)
    assert transit.disposition is Disposition.escalate and "delivered" in transit.reasons[0]


def test_exchange_ticket_classified_as_address_or_refund_still_gets_the_exchange_plan() -> None:
    text = "I'm in zip code 10001 and want to exchange the Yoga Mat for the green one"
    for category in (C.address_issue, C.refund_request, C.concession_request):
        plan = build_plan(ticket_case(text, category), POLICY)
        assert plan.actions[0].tool == "exchange_items", category


def test_profile_address_request_updates_the_profile_and_the_open_order_when_asked() -> None:
    new = Address(line1="12 OAK AVE", city="BOSTON", state="MA", zip="02115")  # as the validator normalizes it
    checks = [f.validated(new)]
    only_profile = ticket_case("Please update the address on my profile to 12 Oak Ave, Boston, MA 02115",
                               C.address_issue, status="pending", address_checks=checks)
    assert only_profile.request.new_address == new
    plan = build_plan(only_profile, POLICY)
    assert [a.tool for a in plan.actions] == ["update_profile_address", "send_customer_message"]
    assert plan.actions[0].args.model_dump() == {"customer_id": "C1", "address": new.model_dump()}
    assert plan.scenario is Scenario.profile_address_updated
    _message_ok(only_profile, plan)
    both = ticket_case("Change my default address and my order to 12 Oak Ave, Boston, MA 02115",
                       C.address_issue, status="pending", address_checks=checks)
    assert [a.tool for a in build_plan(both, POLICY).actions] == [
        "update_profile_address", "update_address", "send_customer_message"]


def test_profile_address_request_from_someone_else_escalates_and_one_without_an_address_asks() -> None:
    stranger = ticket_case("Change the address on my account to 12 Oak Ave, Boston, MA 02115", C.address_issue)
    stranger = stranger.model_copy(update={"signal": f.signal(customer_email="x@example.com",
                                                              text="Change the address on my account")})
    plan = build_plan(stranger, POLICY)
    assert plan.disposition is Disposition.escalate and "identity not verified" in plan.reasons[0]
    vague = ticket_case("Please change the address on my account", C.address_issue)
    plan = build_plan(vague, POLICY)
    assert plan.disposition is Disposition.needs_customer_decision and plan.ask == "Send the new address in full"
