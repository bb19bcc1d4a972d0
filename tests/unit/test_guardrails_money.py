"""Rules 1, 2, 6 and 7 at, just under and just over each threshold of the policy file."""

from __future__ import annotations

from decimal import Decimal

import pytest

from copilot.core.models import Category
from copilot.core.policy import Role, load_policy
from copilot.decide import guardrails as g
from copilot.decide.plan import action
from tests.unit import casefacts as f

POLICY = load_policy()
RETRY = action("retry", "retry_payment", {"order_id": "#1001"})


def _retry_case(**pay):
    pay.setdefault("status", "failed")
    pay.setdefault("decline", "insufficient_funds")
    return f.case(Category.payment_failure, payment=f.payment(**pay))


# ---- rule 1 ----

@pytest.mark.parametrize("code", ["insufficient_funds", "processing_error", "try_again_later"])
def test_soft_decline_may_be_retried(code: str) -> None:
    assert g.rule_payment_retry(_retry_case(decline=code), RETRY, POLICY).outcome == "allow"


@pytest.mark.parametrize("code", ["stolen_card", "lost_card", "fraudulent", "pickup_card", "invalid_account", "???"])
def test_hard_or_unknown_decline_is_never_retried(code: str) -> None:
    verdict = g.rule_payment_retry(_retry_case(decline=code), RETRY, POLICY)
    assert verdict.outcome == "block" and "new payment method" in verdict.reason


def test_retry_gap_boundary_is_sixty_minutes() -> None:
    assert g.rule_payment_retry(_retry_case(retries=1, last_retry_ago_min=60), RETRY, POLICY).outcome == "allow"
    under = g.rule_payment_retry(_retry_case(retries=1, last_retry_ago_min=59.99), RETRY, POLICY)
    assert under.outcome == "block" and "at least 60 min apart" in under.reason


def test_retry_count_boundary_within_24_hours() -> None:
    assert g.rule_payment_retry(_retry_case(retries=1, last_retry_ago_min=120), RETRY, POLICY).outcome == "allow"
    capped = g.rule_payment_retry(_retry_case(retries=2, last_retry_ago_min=120), RETRY, POLICY)
    assert capped.outcome == "block" and "at most 2 per 24 h" in capped.reason
    just_inside = g.rule_payment_retry(_retry_case(retries=2, last_retry_ago_min=24 * 60 - 0.01), RETRY, POLICY)
    assert just_inside.outcome == "block"
    window_over = g.rule_payment_retry(_retry_case(retries=2, last_retry_ago_min=24 * 60), RETRY, POLICY)
    assert window_over.outcome == "allow"


def test_never_retry_at_or_after_authorization_expiry() -> None:
    assert g.rule_payment_retry(_retry_case(auth_expires_in_h=0.001), RETRY, POLICY).outcome == "allow"
    assert g.rule_payment_retry(_retry_case(auth_expires_in_h=0), RETRY, POLICY).outcome == "block"
    assert g.rule_payment_retry(_retry_case(auth_expires_in_h=-1), RETRY, POLICY).outcome == "block"


def test_nothing_to_retry_on_a_payment_that_did_not_fail() -> None:
    verdict = g.rule_payment_retry(_retry_case(status="authorized"), RETRY, POLICY)
    assert verdict.outcome == "block" and "authorized" in verdict.reason


# ---- rule 2 ----

RELEASE = action("release", "release_hold", {"order_id": "#1001", "reason": "checks passed"})


def _fraud_case(**fraud):
    return f.case(Category.fraud_hold, order=f.order(hold="fraud_review", risk=("medium", "investigate")),
                  fraud=f.fraud(**fraud))


def test_safe_release_is_never_automatic() -> None:
    verdict = g.rule_fraud_release(_fraud_case(), RELEASE, POLICY)
    assert verdict.outcome == "needs_approval" and verdict.role is Role.lead


@pytest.mark.parametrize(("fact", "value", "why"), [
    ("level", "high", "risk level high"), ("avs", "mismatch", "AVS mismatch"), ("cvv", "no_match", "CVV no_match"),
    ("fulfilled", 0, "no fulfilled order"), ("disputes", 1, "1 dispute"),
])
def test_unsafe_release_escalates_to_the_risk_owner(fact: str, value: object, why: str) -> None:
    verdict = g.rule_fraud_release(_fraud_case(**{fact: value}), RELEASE, POLICY)
    assert verdict.outcome == "block" and verdict.role is Role.risk and why in verdict.reason


def test_release_value_boundary() -> None:
    assert g.rule_fraud_release(_fraud_case(value="500.00"), RELEASE, POLICY).outcome == "needs_approval"
    assert g.rule_fraud_release(_fraud_case(value="499.99"), RELEASE, POLICY).outcome == "needs_approval"
    assert g.rule_fraud_release(_fraud_case(value="500.01"), RELEASE, POLICY).outcome == "block"


def test_release_without_a_fraud_assessment_escalates() -> None:
    case = _fraud_case().model_copy(update={"fraud": None})
    assert g.rule_fraud_release(case, RELEASE, POLICY).outcome == "block"


def test_releasing_a_non_risk_hold_is_not_rule_2s_business() -> None:
    case = f.case(Category.address_issue, order=f.order(hold="address_unverified"))
    assert g.rule_fraud_release(case, RELEASE, POLICY).outcome == "allow"


# ---- rule 6 ----

def _refund(amount: str, reason: str = "return"):
    return action("refund", "refund_payment", {"order_id": "#1001", "amount": amount, "reason": reason})


def _refund_case(captured: str = "900.00", refunded: str = "0", **kw):
    lines = [f.line(1, "900.00")]
    return f.case(Category.refund_request, order=f.order("delivered", lines),
                  payment=f.payment(status="captured", amount="900.00", captured=captured, refunded=refunded, **kw))


def test_refund_never_above_captured_minus_refunded() -> None:
    case = _refund_case(captured="80.00", refunded="30.00")
    assert g.rule_refund(case, _refund("50.00"), POLICY).outcome == "allow"
    assert g.rule_refund(case, _refund("49.99"), POLICY).outcome == "allow"
    over = g.rule_refund(case, _refund("50.01"), POLICY)
    assert over.outcome == "block" and "exceeds captured minus refunded (50.00)" in over.reason


@pytest.mark.parametrize(("amount", "outcome", "role"), [
    ("99.99", "allow", None), ("100.00", "allow", None), ("100.01", "needs_approval", Role.lead),
    ("499.99", "needs_approval", Role.lead), ("500.00", "needs_approval", Role.lead),
    ("500.01", "needs_approval", Role.finance),
])
def test_refund_approval_limits(amount: str, outcome: str, role: Role | None) -> None:
    verdict = g.rule_refund(_refund_case(), _refund(amount), POLICY)
    assert (verdict.outcome, verdict.role) == (outcome, role)


def test_no_refund_while_a_dispute_is_open() -> None:
    verdict = g.rule_refund(_refund_case(open_dispute=True), _refund("10.00"), POLICY)
    assert verdict.outcome == "block" and "dispute is open" in verdict.reason


@pytest.mark.parametrize("status", ["pending", "processing", "shipped"])
def test_return_refund_needs_a_delivered_order(status: str) -> None:
    case = f.case(Category.refund_request, order=f.order(status),
                  payment=f.payment(status="captured", captured="45.00"))
    verdict = g.rule_refund(case, _refund("10.00", "return"), POLICY)
    assert verdict.outcome == "block" and "needs a delivered order" in verdict.reason


def test_carrier_loss_refund_needs_a_shipped_order() -> None:
    shipped = f.case(order=f.order("shipped"), payment=f.payment(status="captured", captured="45.00"))
    pending = f.case(order=f.order("pending"), payment=f.payment(status="captured", captured="45.00"))
    assert g.rule_refund(shipped, _refund("45.00", "lost_in_transit"), POLICY).outcome == "allow"
    assert g.rule_refund(pending, _refund("45.00", "lost_in_transit"), POLICY).outcome == "block"


# ---- rule 7 ----

def _claim_case(price: str = "75.00", claims: int = 0, **kw):
    return f.case(Category.concession_request, order=f.order("delivered", [f.line(1, price)]),
                  customer=f.customer(claims_90d=claims), payment=f.payment(status="captured", captured=price), **kw)


RESHIP = action("reship", "reship_order", {"order_id": "#1001", "line_nos": [1], "reason": "damaged"})


def test_concession_value_boundary() -> None:
    assert g.rule_concession(_claim_case("74.99"), RESHIP, POLICY).outcome == "allow"
    assert g.rule_concession(_claim_case("75.00"), RESHIP, POLICY).outcome == "allow"
    over = g.rule_concession(_claim_case("75.01"), RESHIP, POLICY)
    assert over.outcome == "needs_approval" and over.role is Role.lead


def test_repeat_claim_in_90_days_is_denied_and_escalated() -> None:
    assert g.rule_concession(_claim_case(claims=0), RESHIP, POLICY).outcome == "allow"
    verdict = g.rule_concession(_claim_case(claims=1), RESHIP, POLICY)
    assert verdict.outcome == "block" and verdict.role is Role.lead and "deny and escalate" in verdict.reason


def test_signed_delivery_means_investigate_first_for_missing_items() -> None:
    signed = f.shipment("delivered", "signed", "Delivered, signed by A GARCIA")
    missing = action("reship", "reship_order", {"order_id": "#1001", "line_nos": [1], "reason": "missing_item"})
    verdict = g.rule_concession(_claim_case(shipments=signed), missing, POLICY)
    assert verdict.outcome == "block" and verdict.role is Role.ops and "investigate first" in verdict.reason
    unsigned = f.shipment("delivered", None, "Delivered, front door")
    assert g.rule_concession(_claim_case(shipments=unsigned), missing, POLICY).outcome == "allow"


def test_store_credit_uses_its_amount_as_the_concession_value() -> None:
    credit = lambda amount: action("credit", "issue_store_credit",  # noqa: E731
                                   {"order_id": "#1001", "amount": amount, "reason": "goodwill"})
    assert g.rule_concession(_claim_case("200.00"), credit("75.00"), POLICY).outcome == "allow"
    assert g.rule_concession(_claim_case("200.00"), credit("75.01"), POLICY).outcome == "needs_approval"


def test_a_return_refund_is_not_a_concession() -> None:
    case = _refund_case().model_copy(update={"customer": f.customer(claims_90d=3)})
    assert g.rule_concession(case, _refund("10.00", "return"), POLICY).outcome == "allow"
    assert Decimal("10.00") <= case.refundable
