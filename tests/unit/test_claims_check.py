"""The eval's own reading of a stored draft against stored facts (evals/claims_check.py), apart from the drafting code."""

from __future__ import annotations

from copilot.core.models import Category
from evals.claims_check import unsupported
from evals.schema import ActualAction
from tests.unit import casefacts as f


def _facts(**kw):  # noqa: ANN003, ANN202 - the JSON a case stores
    return f.case(Category.change_request, **kw).model_dump(mode="json")


def _reship(*line_nos: int) -> ActualAction:
    return ActualAction(action_id="reship", tool="reship_order", args={"order_id": "#1001", "line_nos": list(line_nos),
                                                                       "reason": "damaged"},
                        outcome="allow", status="proposed")


def test_the_old_false_drafts_are_each_caught() -> None:
    picking = _facts(order=f.order("processing"), payment=f.payment(status="failed", decline="insufficient_funds"))
    intercept = ("Hi Ava,\n\nOrder #1001 had already left our warehouse, so we've asked FedEx to send it back to us. "
                 "Once it's back, we'll refund you in full.")
    problems = unsupported(intercept, picking, [])
    assert any("not left the warehouse" in p for p in problems)
    assert any("nothing was captured" in p for p in problems)
    stocked = _facts(order=f.order("processing", [f.line(1, "39.00", sku="LAMP-1", name="Desk Lamp")]),
                     inventory=[f.stock("LAMP-1", WH_EAST=6)])
    assert unsupported("Order #1001 is running late because the Desk Lamp is out of stock.", stocked, [])
    two = _facts(order=f.order("shipped", [f.line(1, "20.00", name="Wool Socks"), f.line(2, "25.00", name="Knit Beanie")]))
    assert unsupported("We're sorry about the Wool Socks from order #1001. A replacement is on its way.", two,
                       [_reship(1, 2)]) == ["reships Knit Beanie without naming it"]
    assert unsupported("We've refunded $5,000.00 and added a 90% discount on order #1001.", two, [_reship(1)])


def test_a_true_draft_is_supported_and_no_draft_is_not_scored() -> None:
    captured = _facts(order=f.order("delivered"), payment=f.payment(status="captured", captured="45.00"))
    assert unsupported("We've approved a refund of $45.00 for order #1001 and are sending it now.", captured, []) == []
    assert unsupported(None, captured, []) is None and unsupported("text", None, []) is None


def test_every_message_template_declares_its_claims() -> None:
    from copilot.decide.claims import CLAIMS
    from copilot.decide.messages import Scenario

    assert set(CLAIMS) == set(Scenario)
    assert all(claim.says and claim.backed_by for claims in CLAIMS.values() for claim in claims)


def test_a_negated_warehouse_statement_is_not_read_as_a_shipped_one() -> None:
    """messy-dev-021 and -138: "it hasn't left our warehouse yet" on an unshipped order is true; "it had already
    left our warehouse" on the same order is false."""
    picking = _facts(order=f.order("processing"))
    assert unsupported("Order #1001 is running late because it hasn't left our warehouse yet. We'll send tracking as "
                       "soon as it ships.", picking, []) == []
    assert unsupported("Order #1001 had already left our warehouse, so we've asked FedEx to send it back to us.",
                       picking, []) == ["speaks of the parcel with the carrier, but it has not left the warehouse"]


def test_a_plan_over_several_orders_may_name_each_order_it_changes_and_no_other() -> None:
    facts = _facts()
    moved = ActualAction(action_id="address", tool="update_address",
                         args={"order_id": "#2002", "address": {"line1": "12 Oak Lane"}}, outcome="allow",
                         status="proposed")
    text = "Hi Ava,\n\nWe've prepared what you asked for:\n- ship order #2002 to 12 Oak Lane, Springfield"
    assert unsupported(text, facts, [moved]) == []
    assert unsupported(text.replace("#2002", "#3003"), facts, [moved]) == [
        "names order #3003, not the case's order #1001",
        "lists 'ship order #3003 to 12 Oak Lane, Springfield', which no action makes (the action is on #2002)"]


def test_a_percentage_is_a_promise_unless_the_records_hold_it() -> None:
    facts = _facts(order=f.order("delivered", [f.line(1, "45.00", name="Mechanical Keyboard 80%")]))
    assert unsupported("Hi Ava,\n\nYour Mechanical Keyboard 80% can be exchanged.", facts, []) == []
    assert unsupported("Hi Ava,\n\nWe'll take 80% off your next order.", _facts(), []) == [
        "names a percentage: '80%'"]
