"""A line number the customer's words point at on ANOTHER of their orders never names an item of this case's
order. Found by bench/profile_triage.py: a damage claim whose reader grounded "line 3" on the customer's other
order failed its triage job (IndexError naming no item) instead of planning."""

from __future__ import annotations

from copilot.core.models import Category
from copilot.core.policy import load_policy
from copilot.decide.facts import _grounded
from copilot.decide.plan import CustomerRequest, Disposition
from copilot.decide.playbooks import build_plan
from copilot.reading.model import Evidence, Intent, ItemArg, Mood, OrderArg, Reading, Request
from tests.unit import casefacts as f

POLICY = load_policy()


def _reading(order_id: str, line_no: int) -> Reading:
    quote = Evidence(start=0, end=9, quote="the lamp ")
    item = ItemArg(line_no=line_no, sku="SKU-LAMP", name="Desk Lamp", matched_by="name", confidence=0.9,
                   evidence=[quote])
    request = Request(intent=Intent.damaged_missing_wrong, mood=Mood.instruction, category=Category.concession_request,
                      evidence=[quote], confidence=0.9, items=[item],
                      order=OrderArg(order_id=order_id, how="named", confidence=0.9, evidence=[quote]))
    return Reading(text="the lamp arrived broken", language="en", language_confidence=0.99, requests=[request])


def test_a_line_grounded_on_another_order_is_not_this_orders_line() -> None:
    asked = CustomerRequest(intent="damaged", order_id="#1001")
    assert _grounded(asked, _reading("#2002", 3), "#1001").line_no is None
    assert _grounded(asked, _reading("#1001", 1), "#1001").line_no == 1


def test_a_claim_on_a_line_the_order_does_not_have_goes_to_a_person() -> None:
    case = f.case(Category.concession_request, order=f.order("delivered", [f.line(1, "45.00")]),
                  request=CustomerRequest(intent="damaged", order_id="#1001", line_no=3))
    plan = build_plan(case, POLICY)
    assert plan.disposition is Disposition.escalate
    assert not [a for a in plan.actions if a.tool == "reship_order"]
    assert any("line 3" in r and "#1001" in r for r in plan.reasons)
