"""Reading a customer's reply into exactly one offered option; anything else is unclear."""

from __future__ import annotations

import pytest

from copilot.workflow.replies import follow_up_text, read_reply


@pytest.mark.parametrize(("scenario", "text", "option"), [
    ("substitute_offer", "Yes please", "accept_substitute"),
    ("substitute_offer", "No, please cancel it", "cancel"),
    ("split_offer", "Ship what you have now please", "split"),
    ("split_offer", "I'll wait, don't cancel", "wait"),
    ("delay_notice", "That's too long, please cancel it.", "cancel"),
    ("address_confirmation", "Yes, the address is correct.", "confirm_address"),
    ("address_confirmation", "Please send it to 500 Market St Apt 4, San Francisco, CA 94105", "new_address"),
    ("payment_update", "I updated my card, please try again.", "payment_updated"),
    ("reship_offer", "Please send a replacement.", "reship"),
    ("split_offer", "yes", None),
    ("delay_notice", "wait or cancel, I don't mind", None),
    ("delivery_update", "thanks!", None),
])
def test_a_reply_chooses_one_offered_option_or_none(scenario, text, option):
    assert read_reply(text, scenario).option == option


def test_the_follow_up_spells_out_every_offered_option_with_one_ask():
    text = follow_up_text("Ana", "#1001", "split_offer")
    assert "'ship now'" in text and "'wait'" in text and "'cancel'" in text
    assert text.count("Please reply") == 1 and len(text.split()) <= 90
