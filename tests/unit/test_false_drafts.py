"""Issue 15's false drafts: each ticket or signal below got a message that said something the facts do not back.

The tickets were written first, in the customer's voice; each test states the fact that makes the old draft
false and asserts the draft now says nothing untrue (or goes to a person with the reason).
"""

from __future__ import annotations

from copilot.core.models import Category, Disposition, SignalKind
from copilot.core.policy import load_policy
from copilot.decide import guardrails as g
from copilot.decide.plan import Plan
from copilot.decide.playbooks import build_plan
from copilot.decide.requests import read_request
from copilot.workflow.nodes import with_message
from evals.claims_check import unsupported
from tests.unit import casefacts as f
from tools.connectors.sandbox.world import Address

POLICY = load_policy()
C = Category


def _ticket(subject: str, text: str, category: Category):  # noqa: ANN202 - (signal, request)
    sig = f.signal(subject=subject, text=text, ticket_id="T50001")
    return sig, read_request(category, sig, "#1001")


def _body(plan: Plan) -> str:
    sends = [a for a in plan.actions if a.tool in ("send_customer_message", "request_payment_update")]
    return sends[0].args.body if sends else ""


def _escalation_reason(plan: Plan) -> str:
    return next((a.args.reason for a in plan.actions if a.tool == "escalate_case"), "")


def test_a_short_pick_with_stock_on_hand_is_not_called_out_of_stock() -> None:
    """3PL reports a short pick of the lamp, but the warehouse still counts 6 on hand: "out of stock" is false."""
    lamp = f.line(1, "39.00", sku="LAMP-DESK-BLK", name="Desk Lamp")
    sig = f.signal(SignalKind.threepl_exception, sku="LAMP-DESK-BLK", exception_code="SHORT_PICK",
                   warehouse_id="WH-EAST", customer_email=None)
    case = f.case(C.inventory_mismatch, signal=sig, ticket_id=None,
                  order=f.order("processing", [lamp]), inventory=[f.stock("LAMP-DESK-BLK", WH_EAST=6)])
    plan = build_plan(case, POLICY)
    assert "out of stock" not in _body(plan).lower()
    assert plan.disposition is Disposition.escalate and "on hand" in _escalation_reason(plan)


def test_an_unshipped_order_never_gets_a_carrier_delay_report() -> None:
    sig, req = _ticket("where is my order??", "I ordered a week ago and it still hasn't come. The site said it would "
                       "be here by Monday. What's going on with my package?", C.delivery_exception)
    case = f.case(C.delivery_exception, signal=sig, request=req, order=f.order("processing"),
                  shipments=f.s.TrackShipmentOutput(order_id="#1001", shipments=[]))
    body = _body(build_plan(case, POLICY)).lower()
    assert "reports" not in body and "carrier" not in body
    assert "hasn't left our warehouse" in body or body == ""


def test_a_cancel_still_being_picked_does_not_say_it_left_the_warehouse() -> None:
    """Past the cutoff, but the parcel is still being picked: no carrier has it."""
    sig, req = _ticket("cancel please", "Hi, please cancel order #1001, I ordered the wrong size by mistake. "
                       "Sorry for the trouble!", C.change_request)
    order = f.order("processing", fulfillments=[f.fulfillment("picking", cutoff_in_h=-1, carrier="fedex")])
    case = f.case(C.change_request, signal=sig, request=req, order=order,
                  payment=f.payment(status="captured", captured="45.00"))
    body = _body(build_plan(case, POLICY))
    assert "left our warehouse" not in body and "FedEx" not in body
    assert "$45.00" in body


def test_nothing_charged_means_no_refund_is_promised() -> None:
    """The card was declined, nothing was captured: there is nothing to refund."""
    sig, req = _ticket("cancel it", "My card got declined anyway so just cancel the whole order please.",
                       C.change_request)
    order = f.order("processing", fulfillments=[f.fulfillment("picking", cutoff_in_h=-1)])
    case = f.case(C.change_request, signal=sig, request=req, order=order,
                  payment=f.payment(status="failed", decline="insufficient_funds", captured="0"))
    body = _body(build_plan(case, POLICY)).lower()
    assert "refund" not in body
    assert "nothing was charged" in body or "no charge" in body or body == ""


def test_a_reship_of_two_lines_names_both() -> None:
    sig, req = _ticket("package never arrived", "Tracking says delivered but I never received anything. "
                       "Nothing at the door, nothing with the neighbours.", C.delivery_exception)
    lines = [f.line(1, "20.00", sku="SOCK-WOOL-M", name="Wool Socks"),
             f.line(2, "25.00", sku="BEANIE-GRY", name="Knit Beanie")]
    case = f.case(C.delivery_exception, signal=sig, request=req, order=f.order("shipped", lines),
                  shipments=f.shipment("in_transit", "lost"),
                  payment=f.payment(status="captured", captured="45.00"))
    plan = build_plan(case, POLICY)
    reship = next(a for a in plan.actions if a.tool == "reship_order")
    assert reship.args.line_nos == [1, 2]
    body = _body(plan)
    assert "Wool Socks" in body and "Knit Beanie" in body


def test_a_split_offer_names_the_item_that_is_short() -> None:
    """The water bottle is short at the warehouse; the backpack is on the shelf."""
    lines = [f.line(1, "18.00", sku="BOTTLE-750-BLU", name="Water Bottle"),
             f.line(2, "89.00", sku="PACK-30L-GRN", name="Hiking Backpack 30L")]
    sig = f.signal(SignalKind.threepl_exception, exception_code="PARTIAL_AVAILABILITY", customer_email=None)
    case = f.case(C.split_shipment, signal=sig, ticket_id=None, order=f.order("processing", lines),
                  inventory=[f.stock("BOTTLE-750-BLU", WH_EAST=0), f.stock("PACK-30L-GRN", WH_EAST=9)])
    body = _body(build_plan(case, POLICY))
    assert "The Water Bottle is delayed" in body and "Hiking Backpack" not in body


def test_a_customer_who_sent_their_unit_is_not_told_the_carrier_could_not_confirm() -> None:
    sig, req = _ticket("apartment number", "Hi! I just realised I forgot my apartment number on the order. "
                       "It's apt 12C. Thank you!", C.address_issue)
    street = Address(line1="350 5th Ave", city="New York", state="NY", zip="10001")
    case = f.case(C.address_issue, signal=sig, request=req, order=f.order("pending", address=street),
                  address_checks=[f.validated(street)])
    body = _body(build_plan(case, POLICY)).lower()
    assert "couldn't confirm" not in body and "carrier" not in body


def test_a_keyword_tie_is_not_certain_enough_to_go_out_alone() -> None:
    """Triage by keywords split 0.55 between two readings: rule 10 must not send the first touch alone."""
    sig, req = _ticket("order", "hey so my order, the tracking thing says something and also my card?",
                       C.delivery_exception)
    case = f.case(C.delivery_exception, signal=sig, request=req, order=f.order("shipped"),
                  shipments=f.shipment("in_transit", "delayed"), classified_by="rules", confidence=0.55)
    plan = build_plan(case, POLICY)
    verdict = g.combine(g.evaluate(case, plan, POLICY))
    assert verdict.outcome != "allow" and "confidence 0.55" in verdict.reason


def test_a_delay_notice_promises_nothing_no_action_or_fact_backs() -> None:
    """"We're moving it to the front of the line": no tool moves an order up a queue, so the notice never says so,
    and a person's edit or a rewording that says it (or promises rushed shipping) is blocked with the phrase."""
    sig, req = _ticket("still waiting", "Hi, my order #1001 still says processing after 4 days. Any news?",
                       C.fulfillment_delay)
    order = f.order("processing", fulfillments=[f.fulfillment("picking", cutoff_in_h=-2)], promised_in_h=None)
    case = f.case(C.fulfillment_delay, signal=sig, request=req, order=order)
    plan = build_plan(case, POLICY)
    body = _body(plan)
    assert plan.scenario is not None and plan.scenario.value == "delay_notice"
    assert "as soon as it ships" in body and "front of the line" not in body
    for promise in ("We're moving it to the front of the line.", "We'll expedite it at no cost.",
                    "We've upgraded it to express shipping."):
        edited = with_message(plan, f"Hi Ava, order #1001 is running late. {promise} Please reply to cancel instead.")
        blocks = [v for v in g.evaluate(case, edited, POLICY) if v.rule_id == "customer_message" and v.outcome == "block"]
        assert blocks and "priority the plan does not make" in blocks[0].reason, promise
        assert unsupported(edited.actions[-1].args.body, case.model_dump(mode="json"), []), promise
