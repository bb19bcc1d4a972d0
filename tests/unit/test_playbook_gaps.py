"""Issue 15's playbook gaps and rule 9 on people's edits: each case below was planned wrongly on the old code.

Signals and tickets first, in the sender's own words; the assertions say what the desk needs from the plan.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from copilot.cases.priority import Deadline, PriorityInput, score_priority
from copilot.cases.taxonomy import classify_signal
from copilot.core.models import Category, Priority, SignalKind
from copilot.core.policy import load_policy
from copilot.decide import guardrails as g
from copilot.decide.plan import Plan
from copilot.decide.playbooks import build_plan
from copilot.decide.requests import read_request
from copilot.workflow.nodes import with_message
from tests.unit import casefacts as f

POLICY = load_policy()
C = Category


def _ticket(subject: str, text: str, category: Category):  # noqa: ANN202 - (signal, request)
    sig = f.signal(subject=subject, text=text, ticket_id="T50001")
    return sig, read_request(category, sig, "#1001")


def _tools(plan: Plan) -> list[str]:
    return [a.tool for a in plan.actions]


def _escalation(plan: Plan) -> tuple[str, str]:
    esc = next(a for a in plan.actions if a.tool == "escalate_case")
    return esc.args.owner, esc.args.reason


def test_an_early_fraud_warning_on_an_unheld_order_proposes_a_hold_before_the_cutoff() -> None:
    warning = f.signal(SignalKind.order_risk, risk_level="high", risk_recommendation="investigate",
                       customer_email=None, note="early fraud warning from the card network")
    order = f.order("processing", risk=("high", "investigate"), hold=None,
                    fulfillments=[f.fulfillment("picking", cutoff_in_h=3)])
    case = f.case(C.fraud_hold, signal=warning, ticket_id=None, order=order, fraud=f.fraud(level="high"))
    plan = build_plan(case, POLICY)
    assert "hold_order" in _tools(plan)
    owner, reason = _escalation(plan)
    assert owner == "risk" and "cutoff" in reason


def test_a_ticket_on_an_order_with_an_open_dispute_goes_to_the_chargeback_playbook() -> None:
    sig, req = _ticket("refund??", "I returned the jacket two weeks ago and still no refund. I want my money "
                       "back today or I'm calling my bank again.", C.refund_request)
    pay = f.payment(status="captured", captured="120.00", open_dispute=True)
    pay.disputes[0].due_by = f.NOW + timedelta(hours=6)
    case = f.case(C.refund_request, signal=sig, request=req, order=f.order("delivered"), payment=pay)
    plan = build_plan(case, POLICY)
    assert "assemble_dispute_evidence" in _tools(plan) and "refund_payment" not in _tools(plan)
    owner, reason = _escalation(plan)
    assert owner == "finance" and "dp_1001" in reason


def test_a_refund_asked_above_the_refundable_amount_is_refused_for_the_excess() -> None:
    subject, text = "refund", "Please refund me $300 for order #1001, the whole thing was a disappointment."
    sig, req = _ticket(subject, text, C.refund_request)
    assert classify_signal(sig).category is C.refund_request
    assert req is not None and req.intent == "refund" and req.amount == Decimal("300")
    pay = f.payment(status="captured", amount="289.00", captured="289.00", refunded="100.00")
    case = f.case(C.refund_request, signal=sig, request=req, order=f.order("delivered"), payment=pay)
    plan = build_plan(case, POLICY)
    assert "refund_payment" not in _tools(plan)  # a figure in a ticket is never refunded on its word (rule 11)
    assert any("refused $111.00" in r and "only $189.00 is refundable" in r for r in plan.reasons)
    assert "$300" not in plan.actions[-1].args.body


def test_a_substitute_is_another_variant_of_the_same_product_never_another_product() -> None:
    lines = [f.line(1, "89.00", sku="PACK-30L-GRN", name="Hiking Backpack 30L"),
             f.line(2, "18.00", sku="BOTTLE-750-BLU", name="Water Bottle")]
    sig = f.signal(SignalKind.threepl_exception, sku="PACK-30L-GRN", exception_code="SHORT_PICK", customer_email=None)
    variants = [f.s.Variant(sku="PACK-30L-GRN", options={"color": "green"}, price=Decimal("89.00"), sold=True,
                            available=0),
                f.s.Variant(sku="PACK-30L-BLK", options={"color": "black"}, price=Decimal("89.00"), sold=True,
                            available=4)]
    pack = f.stock("PACK-30L-GRN", WH_EAST=0).model_copy(update={"variants": variants})
    case = f.case(C.inventory_mismatch, signal=sig, ticket_id=None, order=f.order("processing", lines),
                  inventory=[pack, f.stock("BOTTLE-750-BLU", WH_EAST=12), f.stock("PACK-30L-BLK", WH_EAST=4)])
    plan = build_plan(case, POLICY)
    body = plan.actions[-1].args.body
    assert "BOTTLE" not in body and "Water Bottle" not in body
    assert "black" in body.lower()
    alone = case.model_copy(update={"inventory": [f.stock("PACK-30L-GRN", WH_EAST=0),
                                                  f.stock("BOTTLE-750-BLU", WH_EAST=12)]})
    assert "BOTTLE" not in build_plan(alone, POLICY).actions[-1].args.body


def test_a_damaged_item_is_replaced_by_the_item_the_customer_named() -> None:
    sig, req = _ticket("broken mug", "The ceramic mug in my order arrived smashed into pieces. The blanket was "
                       "fine. Can you send another mug?", C.concession_request)
    lines = [f.line(1, "35.00", sku="BLANKET-THR", name="Throw Blanket"),
             f.line(2, "14.00", sku="MUG-CER-12", name="Ceramic Mug")]
    case = f.case(C.concession_request, signal=sig, request=req, order=f.order("delivered", lines),
                  payment=f.payment(status="captured", captured="49.00"))
    plan = build_plan(case, POLICY)
    reship = next(a for a in plan.actions if a.tool == "reship_order")
    assert reship.args.line_nos == [2]
    assert "Ceramic Mug" in plan.actions[-1].args.body and "Blanket" not in plan.actions[-1].args.body


def test_a_vip_dispute_due_in_50_hours_is_lifted_out_of_p3() -> None:
    due = Deadline(kind="dispute_due", at=f.NOW + timedelta(hours=50), label="dispute response due")
    result = score_priority(PriorityInput(category=C.chargeback, deadlines=[due], order_value=Decimal("80"),
                                          vip=True), f.NOW)
    assert result.band is Priority.P2
    assert any("one-band lift" in r and "VIP" in r for r in result.reasons)


def test_a_688_dollar_risky_order_five_and_a_half_hours_before_cutoff_is_p1() -> None:
    cutoff = Deadline(kind="cutoff", at=f.NOW + timedelta(hours=5.5), label="warehouse cutoff at WH-EAST")
    result = score_priority(PriorityInput(category=C.fraud_hold, deadlines=[cutoff], order_value=Decimal("688")),
                            f.NOW)
    assert result.band is Priority.P1
    assert any("one-band lift" in r and "$688.00" in r for r in result.reasons)


def test_a_persons_edit_promising_money_the_plan_does_not_back_is_blocked_with_the_phrase() -> None:
    sig, req = _ticket("damaged", "My lamp came with the shade crushed flat.", C.concession_request)
    lamp = [f.line(1, "289.00", sku="LAMP-FLR-BRS", name="Floor Lamp")]
    case = f.case(C.concession_request, signal=sig, request=req, order=f.order("delivered", lamp),
                  payment=f.payment(status="captured", amount="289.00", captured="289.00"))
    plan = build_plan(case, POLICY)
    assert "reship_order" in _tools(plan)
    edited = with_message(plan, "Hi Ava, so sorry! We've sent a new Floor Lamp, and $5,000.00 refunded to your card "
                                "plus a 90% discount on your next order. Please reply if anything else is wrong.")
    blocks = [v for v in g.evaluate(case, edited, POLICY) if v.rule_id == "customer_message" and v.outcome == "block"]
    assert blocks and "$5,000.00" in blocks[0].reason and "90%" in blocks[0].reason
    fine = with_message(plan, "Hi Ava, so sorry about the Floor Lamp. A replacement is on its way at no cost. "
                              "Please reply if you'd rather have a refund.")
    assert not [v for v in g.evaluate(case, fine, POLICY) if v.rule_id == "customer_message" and v.outcome == "block"]
