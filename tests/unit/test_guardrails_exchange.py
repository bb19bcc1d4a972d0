"""Rules for exchanges (delivered, same product, in stock, the customer's own payment method, lead above a
difference) and profile address edits (only for the verified customer, validated, same country)."""

from __future__ import annotations

from decimal import Decimal

from copilot.core.models import Category
from copilot.core.policy import load_policy
from copilot.decide import guardrails as g
from copilot.decide import guardrails_exchange as gx
from copilot.decide.plan import action
from tests.unit import casefacts as f
from tools import schemas as s
from tools.contracts.domain import Address

POLICY = load_policy()
NEW_HOME = Address(line1="12 Oak Ave", city="Boston", state="MA", zip="02115")


def variants(sku: str = "SKU-001-M", *extra: s.Variant) -> s.LocateInventoryOutput:
    own = s.Variant(sku=sku, options={"size": "M", "color": "blue"}, price=Decimal("45.00"), sold=True, available=4)
    return f.stock(sku, WH_EAST=4).model_copy(update={"variants": [own, *extra]})


LARGE = s.Variant(sku="SKU-001-L", options={"size": "L", "color": "blue"}, price=Decimal("49.00"), sold=True,
                  available=2)


def exchange_case(status: str = "delivered", *extra: s.Variant, **facts) -> object:
    facts.setdefault("customer", f.customer().model_copy(update={"payment_method_ids": ["card", "gift_card_1"]}))
    facts.setdefault("payment", f.payment(status="captured", captured="45.00"))
    return f.case(Category.change_request, order=f.order(status), inventory=[variants("SKU-001-M", *extra)],
                  **facts)


def swap(new_sku: str = "SKU-001-L", method: str = "card", line_no: int = 1):
    return action("exchange", "exchange_items", {"order_id": "#1001", "lines": [{"line_no": line_no,
                                                                                 "new_sku": new_sku}],
                                                 "payment_method_id": method})


def test_exchange_of_a_delivered_item_for_an_in_stock_variant_is_allowed_with_its_difference() -> None:
    verdict = gx.rule_exchange(exchange_case("delivered", LARGE), swap(), POLICY)
    assert (verdict.outcome, verdict.rule_id) == ("allow", "exchange") and "4.00" in verdict.reason
    assert gx.exchange_difference(exchange_case("delivered", LARGE), swap()) == Decimal("4.00")


def test_exchange_before_delivery_is_blocked_and_points_to_an_order_edit() -> None:
    verdict = gx.rule_exchange(exchange_case("pending", LARGE), swap(), POLICY)
    assert verdict.outcome == "block" and "edit the order instead" in verdict.reason


def test_exchange_for_another_product_the_same_variant_or_one_out_of_stock_is_blocked() -> None:
    gone = LARGE.model_copy(update={"available": 0})
    assert "not a located variant" in gx.rule_exchange(exchange_case("delivered", LARGE), swap("SKU-999"), POLICY).reason
    assert "already delivered" in gx.rule_exchange(exchange_case("delivered"), swap("SKU-001-M"), POLICY).reason
    assert "not available" in gx.rule_exchange(exchange_case("delivered", gone), swap(), POLICY).reason
    assert "not on the order" in gx.rule_exchange(exchange_case("delivered", LARGE), swap(line_no=7), POLICY).reason


def test_exchange_needs_a_payment_method_the_customer_owns_and_no_open_dispute() -> None:
    stranger = gx.rule_exchange(exchange_case("delivered", LARGE), swap(method="card_of_someone_else"), POLICY)
    assert stranger.outcome == "block" and "not one the customer owns" in stranger.reason
    disputed = exchange_case("delivered", LARGE, payment=f.payment(status="captured", captured="45.00",
                                                                    open_dispute=True))
    assert gx.rule_exchange(disputed, swap(), POLICY).outcome == "block"


def test_a_large_price_difference_either_way_needs_the_lead() -> None:
    pricey = LARGE.model_copy(update={"price": Decimal("200.00")})
    verdict = gx.rule_exchange(exchange_case("delivered", pricey), swap(), POLICY)
    assert (verdict.outcome, verdict.role.value) == ("needs_approval", "lead")
    cheap = LARGE.model_copy(update={"price": Decimal("45.00") - Decimal("0.01")})
    assert gx.rule_exchange(exchange_case("delivered", cheap), swap(), POLICY).outcome == "allow"


def test_every_exchange_still_waits_for_a_person_because_it_moves_money() -> None:
    case = exchange_case("delivered", LARGE)
    combined = g.combine(g.evaluate_action(case, swap(), POLICY))
    assert (combined.outcome, combined.rule_id, combined.role.value) == ("needs_approval", "automation", "agent")


def test_exchange_read_from_ticket_text_with_an_unknown_line_is_stopped_as_untrusted() -> None:
    untrusted = action("exchange", "exchange_items", {"order_id": "#1001", "lines": [{"line_no": 4, "new_sku": "X"}],
                                                      "payment_method_id": "card"}, "ticket")
    verdicts = g.evaluate_action(exchange_case("delivered", LARGE), untrusted, POLICY)
    assert [(v.rule_id, v.outcome) for v in verdicts] == [("untrusted_text", "block")]


def profile(address: Address = NEW_HOME, customer_id: str = "C1"):
    return action("profile", "update_profile_address", {"customer_id": customer_id, "address": address}, "ticket")


def profile_case(**facts):
    facts.setdefault("address_checks", [f.validated(NEW_HOME)])
    return f.case(Category.address_issue, **facts)


def test_profile_address_change_for_the_verified_customer_with_a_validated_address_is_allowed() -> None:
    verdicts = g.evaluate_action(profile_case(), profile(), POLICY)
    by_rule = {v.rule_id: v.outcome for v in verdicts}
    assert by_rule["profile_address"] == "allow" and by_rule["untrusted_text"] == "allow"
    assert g.combine(verdicts).outcome == "needs_approval"  # a WRITE: a person confirms it


def test_profile_address_change_is_blocked_until_identity_is_verified() -> None:
    stranger = profile_case(signal=f.signal(customer_email="someone.else@example.com"))
    verdict = gx.rule_profile_address(stranger, profile(), POLICY)
    assert (verdict.outcome, verdict.role.value) == ("block", "lead") and "identity not verified" in verdict.reason
    anonymous = profile_case(signal=f.signal(customer_email=None))
    assert gx.rule_profile_address(anonymous, profile(), POLICY).outcome == "block"
    other = gx.rule_profile_address(profile_case(), profile(customer_id="C2"), POLICY)
    assert other.outcome == "block" and "not C1" in other.reason


def test_profile_address_must_validate_stay_in_the_country_and_differ_from_the_current_one() -> None:
    unchecked = gx.rule_profile_address(profile_case(address_checks=[]), profile(), POLICY)
    assert unchecked.outcome == "block" and "was not validated" in unchecked.reason
    invalid = profile_case(address_checks=[f.validated(NEW_HOME, valid=False, issues=["zip_state_mismatch"])])
    assert "zip_state_mismatch" in gx.rule_profile_address(invalid, profile(), POLICY).reason
    abroad = NEW_HOME.model_copy(update={"country": "CA"})
    assert "country" in gx.rule_profile_address(profile_case(), profile(abroad), POLICY).reason
    assert "already" in gx.rule_profile_address(profile_case(), profile(f.HOME), POLICY).reason


def test_an_address_the_customer_already_has_is_not_refused_for_a_zip_missing_from_the_usps_tables() -> None:
    # "Put my order back to my Boston flat, the one my last two parcels went to" — the ZIP table lacks its ZIP.
    unlisted = f.validated(NEW_HOME, valid=False, issues=["zip_unknown"])
    known = profile_case(address_checks=[unlisted], customer=f.customer(previous=[NEW_HOME, f.HOME]))
    move = action("address", "update_address", {"order_id": "#1001", "address": NEW_HOME})
    for verdict in (gx.rule_profile_address(known, profile(), POLICY), g.rule_address_change(known, move, POLICY)):
        # A person confirms it; it is never allowed on its own.
        assert (verdict.outcome, verdict.role.value) == ("needs_approval", "lead"), verdict
        assert "on record" in verdict.reason
    # The same ZIP fault on an address the customer never had, or a second fault, is still refused.
    stranger = profile_case(address_checks=[unlisted])
    assert gx.rule_profile_address(stranger, profile(), POLICY).outcome == "block"
    assert g.rule_address_change(stranger, move, POLICY).outcome == "block"
    two = f.validated(NEW_HOME, valid=False, issues=["zip_unknown", "city_mismatch"])
    both = profile_case(address_checks=[two], customer=f.customer(previous=[NEW_HOME]))
    assert g.rule_address_change(both, move, POLICY).outcome == "block"
