"""Address validation on real tooling: usaddress parsing, the USPS ZIP table, PO box vs carrier, missing unit."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tools.address import IssueCode, validate_address, validate_address_text
from tools.connectors.sandbox.generator import generate_world
from tools.contracts.domain import Address


def addr(line1: str, city: str = "New York", state: str = "NY", zip_code: str = "10001",
         line2: str | None = None, country: str = "US") -> Address:
    return Address(line1=line1, line2=line2, city=city, state=state, zip=zip_code, country=country)


def test_clean_address_is_valid_and_normalized_to_usps_form():
    result = validate_address(addr("350 Fifth Avenue", line2="Suite 3300", city="new york", state="New York"))
    assert result.valid and result.validated and result.issues == []
    assert result.normalized == Address(line1="350 FIFTH AVE", line2="STE 3300", city="NEW YORK", state="NY",
                                        zip="10001", country="US")
    assert result.has_unit and not result.po_box and result.reason is None


@pytest.mark.parametrize(("carrier", "valid", "severity", "delivers"), [
    ("usps", True, "warning", True),
    ("ups", False, "error", False),
    ("FedEx", False, "error", False),
    (None, True, "warning", None),
    ("pigeon", True, "warning", None),
])
def test_po_box_is_blocked_only_for_carriers_that_do_not_deliver_there(carrier, valid, severity, delivers):
    result = validate_address(addr("P.O. Box 4471"), carrier=carrier)
    assert result.po_box is True
    assert result.codes() == [IssueCode.po_box]
    assert (result.valid, result.issues[0].severity, result.carrier_delivers_po_box) == (valid, severity, delivers)
    assert result.normalized is not None and result.normalized.line1 == "PO BOX 4471"


def test_missing_unit_when_the_previous_address_at_that_street_had_one():
    history = [addr("123 Main Street", line2="Apt 4B")]
    result = validate_address(addr("123 MAIN ST"), history=history)
    assert result.valid is False and result.missing_unit is True
    assert result.codes() == [IssueCode.missing_unit]
    assert "APT 4B" in result.reason


def test_missing_unit_when_the_street_number_is_shared_by_several_units_in_history():
    history = [addr("77 W Elm St Apt 2", city="Chicago", state="IL", zip_code="60610"),
               addr("77 West Elm Street", line2="Unit 9", city="Chicago", state="IL", zip_code="60610")]
    result = validate_address(addr("77 West Elm St", city="Chicago", state="IL", zip_code="60610"), history)
    assert result.missing_unit is True
    assert "several units" in result.reason and "APT 2" in result.reason and "UNIT 9" in result.reason


def test_no_missing_unit_when_a_unit_is_given_or_the_history_is_another_building():
    history = [addr("123 Main Street", line2="Apt 4B")]
    assert validate_address(addr("123 Main St Apt 7"), history).codes() == []
    assert validate_address(addr("125 Main St"), history).codes() == []
    assert validate_address(addr("123 Main St", city="Boston", state="MA", zip_code="02115"), history).valid


def test_zip_of_new_york_with_state_california_is_a_mismatch():
    result = validate_address(addr("1 Market St", city="Los Angeles", state="CA", zip_code="10001"))
    assert result.valid is False
    assert result.codes() == [IssueCode.zip_state_mismatch]
    assert result.reason == "ZIP code 10001 is in NY (New York), not CA"


@pytest.mark.parametrize(("zip_code", "why"), [
    ("00000", "does not exist"), ("1234", "not a 5-digit"), ("ABCDE", "not a 5-digit"),
])
def test_unknown_or_malformed_zip_is_an_error(zip_code, why):
    result = validate_address(addr("1 Main St", zip_code=zip_code))
    assert result.valid is False and result.codes() == [IssueCode.zip_unknown]
    assert why in result.reason


def test_city_not_accepted_for_the_zip_is_only_a_warning():
    result = validate_address(addr("1 Main St", city="Manhattan"))
    assert result.valid is True
    assert [(i.code, i.severity) for i in result.issues] == [(IssueCode.city_mismatch, "warning")]
    assert "NEW YORK" in result.issues[0].message


def test_non_us_address_is_reported_not_validated_with_the_reason():
    result = validate_address(addr("10 Downing St", city="London", state="", zip_code="SW1A 2AA", country="GB"))
    assert (result.valid, result.validated, result.normalized) == (False, False, None)
    assert result.codes() == [IssueCode.non_us]
    assert "'GB'" in result.reason and "only US addresses" in result.reason


@pytest.mark.parametrize("text", [
    "123 Rue Sainte-Catherine, Montreal QC H2X 1Z4, Canada",
    "221B Baker St, London NW1 6XE, UK",
    "400 King St W, Toronto, ON M5V 1K4",
])
def test_non_us_text_is_not_validated(text):
    result = validate_address_text(text)
    assert (result.valid, result.validated, result.codes()) == (False, False, [IssueCode.non_us])


@pytest.mark.parametrize(("text", "needle"), [
    ("", "no address given"),
    ("asdf qwerty", "street and number or PO box"),
    ("123 Main St", "city, state, ZIP code"),
    ("123 Main St Apt 4 Apt 5, New York, NY 10001", "two OccupancyType parts"),
])
def test_unparseable_text_says_what_is_wrong(text, needle):
    result = validate_address_text(text)
    assert (result.valid, result.validated, result.codes()) == (False, False, [IssueCode.unparseable])
    assert needle in result.reason


def test_text_address_inside_a_ticket_sentence_is_found_and_validated():
    text = "Hi, I put the wrong address on order #2803. Please ship it to 8230 Washington Blvd, Apt 30B, " \
           "Philadelphia, PA 19103 instead."
    result = validate_address_text(text, carrier="ups")
    assert result.valid is True and result.issues == []
    assert result.normalized == Address(line1="8230 WASHINGTON BLVD", line2="APT 30B", city="PHILADELPHIA",
                                        state="PA", zip="19103")


def test_text_po_box_with_ups_is_rejected_and_zip_mismatch_found():
    assert validate_address_text("PO Box 44, Springfield IL 62701", carrier="ups").codes() == [IssueCode.po_box]
    assert validate_address_text("12 Main St, Los Angeles, CA 10001").codes() == [IssueCode.zip_state_mismatch]


def test_every_planted_address_problem_in_the_demo_world_is_detected_and_clean_ones_pass():
    world = generate_world(seed=7)
    customers = {c.id: c for c in world.customers}
    assert all(validate_address(c.address).issues == [] for c in world.customers if c.address)
    expected = {"address missing apartment or suite number": IssueCode.missing_unit,
                "carrier does not deliver to PO boxes": IssueCode.po_box,
                "ZIP code does not match state": IssueCode.zip_state_mismatch}
    seen = set()
    for seed in (s for s in world.seed_signals if s.signal.kind == "address_rejected"):
        order = next(o for o in world.orders if o.id == seed.signal.order_id)
        customer = customers[order.customer_id]
        history = [customer.address] + [o.shipping_address for o in world.orders
                                        if o.customer_id == customer.id and o.id != order.id]
        result = validate_address(order.shipping_address, history, seed.signal.carrier)
        assert result.valid is False
        assert result.codes() == [expected[seed.signal.note]]
        seen.add(seed.signal.note)
    assert seen == set(expected)


_address_text = st.text(alphabet=st.sampled_from(list("0123456789 ,.#-/abcdefghijklmnopqrstuvwxyzAPOBXSTE\n")),
                        max_size=60)


@settings(max_examples=150, deadline=None)
@given(text=_address_text, city=st.text(max_size=12), state=st.text(max_size=4), zip_code=st.text(max_size=10))
def test_any_input_gives_a_verdict_never_an_exception(text, city, state, zip_code):
    """Customer-typed text is data: whatever it holds, the result is a typed verdict that is self-consistent."""
    for result in (validate_address_text(text), validate_address(addr(text or "x", city, state, zip_code))):
        errors = [i for i in result.issues if i.severity == "error"]
        assert result.valid == (result.validated and not errors)
        assert result.reason == (errors[0].message if errors else None)
        assert result.validated or result.normalized is None
