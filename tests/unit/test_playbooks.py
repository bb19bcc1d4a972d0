"""Each category's playbook: from gathered facts (CaseState) to the expected disposition, actions and one ask."""

from __future__ import annotations

from decimal import Decimal

import pytest

from copilot.core.errors import InvalidInput
from copilot.core.models import Category, Disposition, SignalKind
from copilot.core.policy import load_policy
from copilot.decide import guardrails as g
from copilot.decide.messages import Scenario, check_message, count_asks
from copilot.decide.plan import CustomerRequest, Plan
from copilot.decide.playbooks import PLAYBOOKS, build_plan
from tests.unit import casefacts as f
from tools.contracts.domain import Address

POLICY = load_policy()
C = Category


def _shape(plan: Plan) -> tuple:
    return plan.disposition, [(a.tool, a.origin.value) for a in plan.actions], plan.scenario


def _message_ok(case, plan: Plan) -> None:
    """A plan's message is rendered into its CONTACT action, has one ask, and passes rule 9."""
    if plan.scenario is None:
        return
    body = plan.actions[-1].args.body
    assert count_asks(body, POLICY) == 1 and check_message(body, g.message_facts(case), POLICY) == []


def test_every_worked_category_has_a_playbook_and_out_of_scope_is_refused() -> None:
    assert set(PLAYBOOKS) == {c for c in Category if c not in (C.out_of_scope, C.needs_reading)}
    with pytest.raises(InvalidInput, match="routed away"):
        build_plan(f.case(C.out_of_scope), POLICY)
    unread = build_plan(f.case(C.needs_reading), POLICY)  # a person reads it: escalated, nothing else runs
    assert [a.tool for a in unread.actions] == ["escalate_case"]


def test_payment_soft_decline_is_retried_and_hard_decline_asks_for_a_new_method() -> None:
    soft = f.case(C.payment_failure, payment=f.payment(status="failed", decline="insufficient_funds"))
    plan = build_plan(soft, POLICY)
    assert _shape(plan) == (Disposition.fixable_now, [("retry_payment", "facts"), ("send_customer_message", "facts")],
                            Scenario.payment_retry)
    _message_ok(soft, plan)
    hard = f.case(C.payment_failure, payment=f.payment(status="failed", decline="stolen_card"))
    plan = build_plan(hard, POLICY)
    assert _shape(plan) == (Disposition.needs_customer_decision, [("request_payment_update", "facts")],
                            Scenario.payment_update)
    assert "4242" in plan.actions[0].args.body
    _message_ok(hard, plan)


def test_fraud_hold_safe_release_needs_a_lead_and_unsafe_escalates_to_risk() -> None:
    order = f.order(hold="fraud_review", risk=("medium", "investigate"))
    safe = f.case(C.fraud_hold, order=order, fraud=f.fraud())
    plan = build_plan(safe, POLICY)
    assert _shape(plan) == (Disposition.fixable_now, [("release_hold", "facts")], None)
    assert g.combine(g.evaluate(safe, plan, POLICY)).role.value == "lead"
    unsafe = f.case(C.fraud_hold, order=order, fraud=f.fraud(avs="mismatch"))
    plan = build_plan(unsafe, POLICY)
    assert plan.disposition is Disposition.escalate and plan.actions[0].args.owner == "risk"
    _message_ok(unsafe, plan)


def test_missing_unit_is_corrected_from_the_profile_when_certain() -> None:
    no_unit = f.HOME.model_copy(update={"line2": None})
    case = f.case(C.address_issue, order=f.order(hold="address_unverified", address=no_unit),
                  signal=f.signal(SignalKind.address_rejected, customer_email=None),
                  address_checks=[f.validated(no_unit, valid=False, missing_unit=True, issues=["missing unit"]),
                                  f.validated(f.HOME)])
    plan = build_plan(case, POLICY)
    assert _shape(plan) == (Disposition.fixable_now, [("update_address", "facts"), ("release_hold", "facts"),
                                                      ("send_customer_message", "facts")], Scenario.address_updated)
    assert plan.actions[0].args.address == f.HOME
    _message_ok(case, plan)


def test_unclear_address_gets_one_confirmation_ask() -> None:
    po = Address(line1="PO Box 77", city="New York", state="NY", zip="10001")
    case = f.case(C.address_issue, order=f.order(address=po), address_checks=[f.validated(po, po_box=True)])
    plan = build_plan(case, POLICY)
    assert _shape(plan) == (Disposition.needs_customer_decision, [("send_customer_message", "facts")],
                            Scenario.address_confirmation)
    assert "PO box" in plan.actions[0].args.body
    _message_ok(case, plan)


def test_short_sku_in_stock_elsewhere_goes_to_the_warehouse_contact() -> None:
    case = f.case(C.inventory_mismatch, order=f.order("processing"), signal=f.signal(
        SignalKind.threepl_exception, sku="SKU-001-M", customer_email=None),
        inventory=[f.stock("SKU-001-M", WH_EAST=0, WH_WEST=9)])
    plan = build_plan(case, POLICY)
    assert _shape(plan)[0] == Disposition.escalate and plan.actions[0].args.owner == "threepl"
    assert "WH-WEST" in plan.actions[0].args.reason
    _message_ok(case, plan)


def _sizes(stock):  # noqa: ANN001, ANN202 - the shoe's product has sizes M and L
    variants = [f.s.Variant(sku=f"SKU-001-{size}", options={"size": size}, price=Decimal("45.00"), sold=True,
                            available=n) for size, n in (("M", 0), ("L", 4))]
    return stock.model_copy(update={"variants": variants})


def test_short_sku_with_a_substitute_offers_it() -> None:
    case = f.case(C.inventory_mismatch, order=f.order("processing"),
                  signal=f.signal(SignalKind.threepl_exception, sku="SKU-001-M"),
                  inventory=[_sizes(f.stock("SKU-001-M", WH_EAST=0)), f.stock("SKU-001-L", WH_EAST=4)])
    plan = build_plan(case, POLICY)
    assert _shape(plan) == (Disposition.needs_customer_decision, [("send_customer_message", "facts")],
                            Scenario.substitute_offer)
    assert "Trail Running Shoe (size L)" in plan.actions[0].args.body
    assert "SKU-001-L" in plan.ask
    _message_ok(case, plan)


def test_partial_availability_offers_a_split() -> None:
    lines = [f.line(1, "45.00"), f.line(2, "32.00", sku="SKU-004-S", name="Insulated Water Bottle")]
    case = f.case(C.split_shipment, order=f.order("processing", lines),
                  signal=f.signal(SignalKind.threepl_exception, sku="SKU-004-S"))
    plan = build_plan(case, POLICY)
    assert _shape(plan)[2] is Scenario.split_offer and "Insulated Water Bottle" in plan.actions[0].args.body
    _message_ok(case, plan)


def test_fulfillment_delay_notifies_without_inventing_a_date() -> None:
    case = f.case(C.fulfillment_delay, order=f.order("processing"),
                  signal=f.signal(SignalKind.threepl_exception, exception_code="CUTOFF_MISSED"))
    plan = build_plan(case, POLICY)
    assert _shape(plan) == (Disposition.needs_customer_decision, [("send_customer_message", "facts")],
                            Scenario.delay_notice)
    assert "missed the carrier pickup" in plan.actions[0].args.body
    _message_ok(case, plan)


def test_cancel_before_cutoff_cancels_and_after_handoff_intercepts() -> None:
    ask = CustomerRequest(intent="cancel", order_id="#1001")
    early = f.case(C.change_request, request=ask)
    plan = build_plan(early, POLICY)
    assert _shape(plan) == (Disposition.fixable_now, [("cancel_order", "facts"), ("send_customer_message", "facts")],
                            Scenario.cancel_confirmation)
    _message_ok(early, plan)
    late = f.case(C.change_request, request=ask, order=f.order("shipped"))
    plan = build_plan(late, POLICY)
    assert _shape(plan)[1][0] == ("intercept_shipment", "facts") and plan.scenario is Scenario.intercept_notice
    assert g.combine(g.evaluate(late, plan, POLICY)).role.value == "lead"


def test_size_swap_from_ticket_text_is_checked_as_untrusted() -> None:
    ask = CustomerRequest(intent="swap_item", line_no=1, new_sku="SKU-001-L")
    case = f.case(C.change_request, request=ask, inventory=[f.stock("SKU-001-L", WH_EAST=3)])
    plan = build_plan(case, POLICY)
    assert _shape(plan)[1][0] == ("substitute_item", "ticket")
    assert all(v.outcome != "block" for v in g.evaluate(case, plan, POLICY))
    unknown = build_plan(f.case(C.change_request, request=ask.model_copy(update={"new_sku": None})), POLICY)
    assert unknown.scenario is Scenario.change_details


def test_threepl_exception_escalates_to_the_warehouse_contact() -> None:
    case = f.case(C.threepl_exception, order=f.order("processing"),
                  signal=f.signal(SignalKind.threepl_exception, exception_code="LABEL_ERROR", warehouse_id="WH-EAST"))
    plan = build_plan(case, POLICY)
    assert plan.disposition is Disposition.escalate and plan.actions[0].args.owner == "threepl"
    assert "3PL" not in plan.actions[-1].args.body
    _message_ok(case, plan)


def test_lost_parcel_is_reshipped_and_damaged_parcel_offers_a_choice() -> None:
    lost = f.case(C.delivery_exception, order=f.order("shipped"), shipments=f.shipment("unknown", "lost"))
    plan = build_plan(lost, POLICY)
    assert _shape(plan) == (Disposition.fixable_now, [("reship_order", "facts"), ("send_customer_message", "facts")],
                            Scenario.reship_notice)
    _message_ok(lost, plan)
    damaged = f.case(C.delivery_exception, order=f.order("shipped"), shipments=f.shipment("failure", "damaged"))
    assert build_plan(damaged, POLICY).scenario is Scenario.reship_offer


def test_refund_status_reports_the_issued_refund() -> None:
    case = f.case(C.refund_request, order=f.order("delivered"),
                  payment=f.payment(status="captured", captured="45.00", refunded="45.00"))
    plan = build_plan(case, POLICY)
    assert _shape(plan) == (Disposition.fixable_now, [("send_customer_message", "facts")], Scenario.refund_status)
    assert "$45.00" in plan.actions[0].args.body
    _message_ok(case, plan)
    none = build_plan(f.case(C.refund_request, order=f.order("delivered")), POLICY)
    assert none.disposition is Disposition.escalate and none.actions[0].args.owner == "ops"


def test_concession_follows_the_table() -> None:
    ask = CustomerRequest(intent="damaged", line_no=1)
    first = f.case(C.concession_request, request=ask, order=f.order("delivered"))
    plan = build_plan(first, POLICY)
    assert _shape(plan)[1][0] == ("reship_order", "facts") and plan.disposition is Disposition.fixable_now
    _message_ok(first, plan)
    repeat = f.case(C.concession_request, request=ask, order=f.order("delivered"), customer=f.customer(claims_90d=2))
    plan = build_plan(repeat, POLICY)
    assert plan.disposition is Disposition.escalate and plan.scenario is Scenario.claim_review
    signed = f.case(C.concession_request, request=CustomerRequest(intent="missing"), order=f.order("delivered"),
                    shipments=f.shipment("delivered", "signed", "Delivered, signed by A GARCIA"))
    assert build_plan(signed, POLICY).actions[0].args.owner == "ops"


def test_chargeback_assembles_evidence_and_escalates_to_finance() -> None:
    case = f.case(C.chargeback, order=f.order("delivered"), signal=f.signal(
        SignalKind.dispute_opened, dispute_id="dp_1001", customer_email=None),
        payment=f.payment(status="captured", captured="45.00", open_dispute=True))
    plan = build_plan(case, POLICY)
    assert [a.tool for a in plan.actions] == ["assemble_dispute_evidence", "escalate_case", "send_customer_message"]
    assert plan.actions[1].args.owner == "finance" and "chargeback" not in plan.actions[2].args.body.lower()
    _message_ok(case, plan)
