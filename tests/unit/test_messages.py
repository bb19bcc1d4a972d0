"""Customer message templates render strictly, and rule 9's checker catches every way a message can go wrong."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from jinja2 import UndefinedError

from copilot.core.errors import InvalidInput
from copilot.core.policy import load_policy
from copilot.decide import messages as m
from copilot.decide.messages import MessageFacts, Scenario, check_message, count_asks, render

POLICY = load_policy()
BASE = {"first_name": "Ava", "order_id": "#1001"}
SAMPLES: dict[Scenario, m.MessageContext] = {
    Scenario.payment_update: m.PaymentUpdate(**BASE, last4="4242"),
    Scenario.payment_retry: m.PaymentRetry(**BASE, last4="4242"),
    Scenario.order_verification: m.OrderVerification(**BASE),
    Scenario.address_confirmation: m.AddressConfirmation(
        **BASE, address="350 5th Ave, New York, NY 10001", problem="the address seems to be missing a unit",
        cause=m.AddressProblem.missing_unit),
    Scenario.address_updated: m.AddressUpdated(**BASE, address="350 5th Ave, Apt 4B, New York, NY 10001"),
    Scenario.substitute_offer: m.SubstituteOffer(**BASE, item_name="Yoga Mat", substitute_name="Yoga Mat (L)",
                                                 price_difference=Decimal("-2.00"), item_sku="MAT-M",
                                                 substitute_sku="MAT-L"),
    Scenario.split_offer: m.SplitOffer(**BASE, waiting_item="Desk Lamp", ready_count=2, expected_on=date(2024, 5, 18),
                                       waiting_sku="LAMP-1"),
    Scenario.delay_notice: m.DelayNotice(**BASE, reason="it missed the carrier pickup",
                                           cause=m.DelayCause.cutoff_missed),
    Scenario.delivery_update: m.DeliveryUpdate(**BASE, carrier="UPS", status="is delayed",
                                               next_step="We're watching it closely.", event="in_transit"),
    Scenario.refund_status: m.RefundStatus(**BASE, amount=Decimal("45.00"), issued=True, business_days=10),
    Scenario.cancel_confirmation: m.CancelConfirmation(**BASE, refund_amount=Decimal("45.00")),
    Scenario.intercept_notice: m.InterceptNotice(**BASE, carrier="UPS", left_warehouse=True,
                                                 refund_amount=Decimal("45.00")),
    Scenario.change_confirmation: m.ChangeConfirmation(**BASE, change="size M swapped for size L"),
    Scenario.change_details: m.ChangeDetails(**BASE),
    Scenario.reship_offer: m.ReshipOffer(**BASE, item_name="Desk Lamp", problem="was damaged in transit"),
    Scenario.reship_notice: m.ReshipNotice(**BASE, item_name="Desk Lamp"),
    Scenario.claim_review: m.ClaimReview(**BASE, item_name="Desk Lamp"),
    Scenario.dispute_ack: m.DisputeAck(**BASE),
    Scenario.exchange_confirmation: m.ExchangeConfirmation(**BASE, exchange="Desk Lamp (AC adapter) for the battery one",
                                                           difference=Decimal("-12.50")),
    Scenario.exchange_details: m.ExchangeDetails(**BASE, item_name="Desk Lamp"),
    Scenario.profile_address_updated: m.ProfileAddressUpdated(**BASE, address="350 5th Ave, New York, NY 10001"),
    Scenario.which_order: m.WhichOrder(first_name="Ava", choices=["#1001 (Desk Lamp; delivered)",
                                                                  "#1002 (Desk Lamp, Mug; delivered)"]),
    Scenario.payment_method_changed: m.PaymentMethodChanged(**BASE, method="your Visa card ending 4242",
                                                            amount=Decimal("45.00")),
    Scenario.payment_method_choice: m.PaymentMethodChoice(**BASE, choices=["PayPal account", "gift card"]),
    Scenario.changes_summary: m.ChangesSummary(**BASE, changes=[m.ListedChange(
        kind=m.ChangeKind.cancel, order_id="#1001", text="cancel order #1001")], answers=[]),
}
FACTS = MessageFacts(allowed_dates=[date(2024, 5, 18)], known_tokens=["#1001", "1Z999000111"], last4=["4242"])


def test_every_scenario_has_a_sample_context_and_a_template() -> None:
    assert set(SAMPLES) == set(Scenario) == set(m.CONTEXTS)
    assert {p.stem for p in m.TEMPLATE_DIR.glob("*.j2")} == {s.value for s in Scenario}


@pytest.mark.parametrize("scenario", list(Scenario))
def test_every_template_renders_strictly_and_passes_rule_9(scenario: Scenario) -> None:
    text = render(scenario, SAMPLES[scenario])
    assert "#1001" in text and text.startswith("Hi Ava,")
    assert check_message(text, FACTS, POLICY) == []


@pytest.mark.parametrize("scenario", list(Scenario))
def test_templates_fail_on_a_missing_variable(scenario: Scenario) -> None:
    with pytest.raises(UndefinedError):
        m.environment().get_template(f"{scenario.value}.j2").render(first_name="Ava")


def test_render_refuses_another_scenarios_context() -> None:
    with pytest.raises(InvalidInput, match="takes a PaymentUpdate context"):
        render(Scenario.payment_update, SAMPLES[Scenario.dispute_ack])


def test_optional_fields_change_the_text() -> None:
    with_date = render(Scenario.split_offer, SAMPLES[Scenario.split_offer])
    without = render(Scenario.split_offer, m.SplitOffer(**BASE, waiting_item="Desk Lamp", ready_count=1,
                                                               waiting_sku="LAMP-1"))
    assert "May 18" in with_date and "May" not in without and "1 item is" in without
    assert "$2.00 difference" in render(Scenario.substitute_offer, SAMPLES[Scenario.substitute_offer])


def test_two_asks_and_no_ask_both_fail() -> None:
    two = "Hi Ava, please reply with your address. Could you also confirm the size?"
    none = "Hi Ava, your order #1001 is on its way."
    assert count_asks(two, POLICY) == 2 and count_asks(none, POLICY) == 0
    assert any("2 asks" in p for p in check_message(two, FACTS, POLICY))
    assert any("0 asks" in p for p in check_message(none, FACTS, POLICY))


def test_word_limit_boundary() -> None:
    ask = "Please reply to confirm."
    filler = lambda n: " ".join(["word"] * n)  # noqa: E731
    at_limit = f"{filler(90 - len(ask.split()))} {ask}"
    over = f"{filler(91 - len(ask.split()))} {ask}"
    assert len(at_limit.split()) == 90 and check_message(at_limit, FACTS, POLICY) == []
    assert check_message(over, FACTS, POLICY) == ["has 91 words; the limit is 90"]


@pytest.mark.parametrize("placeholder", ["{{ first_name }}", "{name}", "[CUSTOMER NAME]", "None", "<order_id>"])
def test_unfilled_placeholders_fail(placeholder: str) -> None:
    problems = check_message(f"Hi {placeholder}, please reply to confirm.", FACTS, POLICY)
    assert any("placeholder" in p for p in problems)


@pytest.mark.parametrize("word", ["fraud", "Chargeback", "3PL", "risk score"])
def test_internal_words_fail(word: str) -> None:
    problems = check_message(f"Your order is in {word} review. Please reply to confirm.", FACTS, POLICY)
    assert problems == [f"uses the internal word {word.lower()!r}"]


def test_dates_must_be_supported_by_the_data() -> None:
    assert check_message("It arrives May 18. Please reply to confirm.", FACTS, POLICY) == []
    assert check_message("It arrives 2024-05-18. Please reply to confirm.", FACTS, POLICY) == []
    assert check_message("It arrives May 19. Please reply to confirm.", FACTS, POLICY) == [
        "names a date the data does not support: 'May 19'"]
    assert check_message("It arrives tomorrow. Please reply to confirm.", FACTS, POLICY) == [
        "promises a relative date: 'tomorrow'"]


def test_payment_details_beyond_last_four_fail() -> None:
    ok = "Your card ending in 4242 was declined. Please update your payment method."
    assert check_message(ok, FACTS, POLICY) == []
    full = "Your card 4242 4242 4242 4242 was declined. Please update your payment method."
    assert any("beyond the last four" in p for p in check_message(full, FACTS, POLICY))
    cvv = "Please reply with your CVV."
    assert any("credentials" in p for p in check_message(cvv, FACTS, POLICY))
    other = "Your card ending in 424242 was declined. Please update your payment method."
    assert any("not the card's last four" in p for p in check_message(other, FACTS, POLICY))


def test_known_ids_are_not_mistaken_for_card_numbers() -> None:
    facts = MessageFacts(known_tokens=["#1001", "1Z 9990 0011 1222 3"], last4=["4242"])
    text = "Tracking 1Z 9990 0011 1222 3 shows a delay. Please reply to confirm."
    assert check_message(text, facts, POLICY) == []
