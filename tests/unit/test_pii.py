"""PII minimization: what leaves the process for an LLM holds no email, phone or card number."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from copilot import pii

TICKET = (
    "Hi, this is jane.doe+shop@example.co.uk, call me on (415) 555-0134 or +44 20 7946 0958. "
    "My card 4242 4242 4242 4242 was charged twice for order #1042, tracking 9400111899223197428490."
)


def test_mask_hides_email_phones_and_card_but_keeps_order_and_tracking_numbers():
    masked, vault = pii.mask(TICKET)
    assert "example.co.uk" not in masked and "555-0134" not in masked and "7946" not in masked
    assert "4242 4242" not in masked
    assert "#1042" in masked and "9400111899223197428490" in masked
    assert set(vault.values) == {"[EMAIL_1]", "[PHONE_1]", "[PHONE_2]", "[CARD_1]"}
    assert not pii.contains_pii(masked)


def test_restore_puts_back_email_and_phone_but_only_the_cards_last_four():
    masked, vault = pii.mask(TICKET)
    restored = pii.restore(masked, vault)
    assert "jane.doe+shop@example.co.uk" in restored and "(415) 555-0134" in restored
    assert "card ending 4242" in restored
    assert not re.search(r"(\d[ -]?){13,19}", restored.replace("9400111899223197428490", ""))


def test_the_same_value_gets_the_same_placeholder_across_fields():
    vault = pii.Vault()
    first, _ = pii.mask("write to a@b.com", vault)
    second, _ = pii.mask("or a@b.com again, or c@d.org", vault)
    assert first == "write to [EMAIL_1]"
    assert second == "or [EMAIL_1] again, or [EMAIL_2]"


def test_restore_leaves_placeholders_it_does_not_know_for_the_caller_to_reject():
    _, vault = pii.mask("a@b.com")
    text = pii.restore("mail [EMAIL_1] and [PHONE_9]", vault)
    assert text == "mail a@b.com and [PHONE_9]"
    assert pii.leftover_placeholders(text) == ["[PHONE_9]"]


def test_dashed_card_numbers_and_amex_length_are_masked():
    masked, vault = pii.mask("amex 3782-822463-10005 and visa 4000-0566-5566-5556")
    assert masked == "amex [CARD_1] and visa [CARD_2]"
    assert vault.values == {"[CARD_1]": "card ending 0005", "[CARD_2]": "card ending 5556"}


@given(st.from_regex(r"\d{13,19}", fullmatch=True), st.text(alphabet="abc .,!", max_size=20))
def test_any_card_length_run_never_survives_masking(card: str, filler: str):
    masked, vault = pii.mask(f"{filler} {card} {filler}")
    assert card not in masked
    assert list(vault.values.values()) == [f"card ending {card[-4:]}"]
