"""Rules 3, 4, 5 and 8: address changes, cancel/edit, intercepts and identity, at their boundaries."""

from __future__ import annotations

import pytest

from copilot import guardrails as g
from copilot.models import Category
from copilot.plan import action
from copilot.policy import Role, load_policy
from tests.unit import casefacts as f
from tools.connectors.sandbox.world import Address

POLICY = load_policy()
NEW = Address(line1="1 Main St", line2="Unit 2", city="Boston", state="MA", zip="02115")
PO = Address(line1="PO Box 123", city="Boston", state="MA", zip="02115")


def _update(address: Address = NEW):
    return action("addr", "update_address", {"order_id": "#1001", "address": address})


def _addr_case(status: str = "pending", checks=None, carrier: str = "ups"):
    order = f.order(status)
    order.fulfillments[0] = order.fulfillments[0].model_copy(update={"carrier": carrier})
    return f.case(Category.address_issue, order=order,
                  address_checks=[f.validated(NEW)] if checks is None else checks)


# ---- rule 3 ----

@pytest.mark.parametrize("status", ["pending", "processing"])
def test_address_change_before_label_with_a_validated_address(status: str) -> None:
    assert g.rule_address_change(_addr_case(status), _update(), POLICY).outcome == "allow"


@pytest.mark.parametrize("status", ["label_created", "shipped", "delivered"])
def test_address_change_after_label_is_blocked(status: str) -> None:
    verdict = g.rule_address_change(_addr_case(status), _update(), POLICY)
    assert verdict.outcome == "block" and "label exists" in verdict.reason


def test_label_on_a_fulfillment_blocks_even_if_the_order_says_processing() -> None:
    case = _addr_case("processing")
    case.order.fulfillments[0] = case.order.fulfillments[0].model_copy(update={"status": "label_created"})
    assert g.rule_address_change(case, _update(), POLICY).outcome == "block"


def test_new_address_must_have_validated() -> None:
    assert g.rule_address_change(_addr_case(checks=[]), _update(), POLICY).reason == "the new address was not validated"
    bad = [f.validated(NEW, valid=False, issues=["ZIP code does not match state"])]
    verdict = g.rule_address_change(_addr_case(checks=bad), _update(), POLICY)
    assert verdict.outcome == "block" and "ZIP code does not match state" in verdict.reason


def test_po_box_only_for_carriers_that_deliver_there() -> None:
    checks = [f.validated(PO, po_box=True)]
    assert g.rule_address_change(_addr_case(checks=checks, carrier="usps"), _update(PO), POLICY).outcome == "allow"
    verdict = g.rule_address_change(_addr_case(checks=checks, carrier="ups"), _update(PO), POLICY)
    assert verdict.outcome == "block" and "PO box" in verdict.reason


def test_no_change_of_country() -> None:
    abroad = Address(line1="1 King St W", city="Toronto", state="ON", zip="M5H 1A1", country="CA")
    verdict = g.rule_address_change(_addr_case(checks=[f.validated(abroad)]), _update(abroad), POLICY)
    assert verdict.outcome == "block" and "country" in verdict.reason


# ---- rule 4 ----

CANCEL = action("cancel", "cancel_order", {"order_id": "#1001", "reason": "customer requested"})


def _cutoff_case(status: str, cutoff_in_h: float):
    order = f.order(status, fulfillments=[f.fulfillment({"pending": "pending", "processing": "picking"}.get(
        status, "label_created"), cutoff_in_h=cutoff_in_h)])
    return f.case(order=order)


def test_cancel_before_the_cutoff_and_not_at_or_after_it() -> None:
    assert g.rule_cancel_edit(_cutoff_case("processing", 0.0003), CANCEL, POLICY).outcome == "allow"
    at = g.rule_cancel_edit(_cutoff_case("processing", 0), CANCEL, POLICY)
    assert at.outcome == "block" and "becomes an intercept" in at.reason
    assert g.rule_cancel_edit(_cutoff_case("pending", -1), CANCEL, POLICY).outcome == "block"


@pytest.mark.parametrize("status", ["label_created", "shipped", "delivered", "cancelled"])
def test_cancel_or_edit_only_before_shipment(status: str) -> None:
    swap = action("swap", "substitute_item", {"order_id": "#1001", "line_no": 1, "new_sku": "SKU-001-L"})
    for act in (CANCEL, swap):
        verdict = g.rule_cancel_edit(f.case(order=f.order(status)), act, POLICY)
        assert verdict.outcome == "block" and f"order is {status}" in verdict.reason


# ---- rule 5 ----

INTERCEPT = action("stop", "intercept_shipment", {"order_id": "#1001", "reason": "customer cancelled"})


def _intercept_case(status: str, intercepts: int = 0):
    fstatus = {"processing": "picking", "label_created": "label_created", "shipped": "handed_off"}.get(status, status)
    return f.case(order=f.order(status, fulfillments=[f.fulfillment(fstatus, intercepts=intercepts)]))


def test_intercept_before_handoff_is_free_and_after_needs_a_lead() -> None:
    assert g.rule_intercept(_intercept_case("label_created"), INTERCEPT, POLICY).outcome == "allow"
    verdict = g.rule_intercept(_intercept_case("shipped"), INTERCEPT, POLICY)
    assert verdict.outcome == "needs_approval" and verdict.role is Role.lead and "costs money" in verdict.reason


def test_intercepts_are_capped_per_order() -> None:
    assert g.rule_intercept(_intercept_case("shipped", intercepts=0), INTERCEPT, POLICY).outcome == "needs_approval"
    capped = g.rule_intercept(_intercept_case("shipped", intercepts=1), INTERCEPT, POLICY)
    assert capped.outcome == "block" and "cap is 1" in capped.reason


def test_reroute_after_handoff_needs_approval_and_a_delivered_order_cannot_be_intercepted() -> None:
    reroute = action("r", "reroute_shipment", {"order_id": "#1001", "address": NEW})
    assert g.rule_intercept(_intercept_case("shipped"), reroute, POLICY).outcome == "needs_approval"
    assert g.rule_intercept(f.case(order=f.order("delivered")), INTERCEPT, POLICY).outcome == "block"


# ---- rule 8 ----

def test_acting_on_another_customers_order_is_blocked_and_escalated() -> None:
    case = f.case(order=f.order(customer_id="C2"))
    verdict = g.rule_identity(case, CANCEL, POLICY)
    assert verdict.outcome == "block" and verdict.role is Role.lead and "does not belong" in verdict.reason


def test_a_different_email_than_the_customer_on_file_is_blocked() -> None:
    case = f.case(signal=f.signal(customer_email="someone.else@example.com"))
    assert g.rule_identity(case, CANCEL, POLICY).outcome == "block"


def test_the_action_must_target_the_cases_own_order() -> None:
    other = action("cancel", "cancel_order", {"order_id": "#2002", "reason": "customer requested"})
    verdict = g.rule_identity(f.case(), other, POLICY)
    assert verdict.outcome == "block" and "#2002" in verdict.reason


def test_identity_holds_for_the_owner_and_for_system_signals() -> None:
    assert g.rule_identity(f.case(), CANCEL, POLICY).outcome == "allow"
    system = f.case(signal=f.signal(customer_email=None), customer=None)
    assert g.rule_identity(system, CANCEL, POLICY).outcome == "allow"
    assert g.rule_identity(f.case(), action("e", "escalate_case", {"owner": "lead", "reason": "x"}),
                           POLICY).outcome == "allow"
