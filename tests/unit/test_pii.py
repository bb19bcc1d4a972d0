"""PII minimization: what leaves the process for an LLM holds no email, phone, card number, card security
code or card expiry date, while order numbers, amounts, dates, tracking numbers and zip codes stay."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from copilot.core import pii

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


@pytest.mark.parametrize(("text", "code"), [
    ("cvv 123", "123"), ("CVC: 1234", "1234"), ("CVV2=321", "321"), ("security code is 987", "987"),
    ("the 3 digits on the back are 456", "456"), ("three digit code on the back of my card: 555", "555"),
    ("my 4 digit code on the back is 1234", "1234"), ("card verification value 8888", "8888"),
    ("CID (Amex) 4321", "4321"), ("777 is my CVV", "777"), ("cvv number - 246", "246"),
])
def test_a_card_security_code_is_masked_and_never_restored(text, code):
    masked, vault = pii.mask(f"Please retry my order. {text}. Thanks")
    assert code not in masked and "[CVV_1]" in masked
    assert vault.values == {"[CVV_1]": pii.CVV_RESTORED}
    assert code not in pii.restore(masked, vault)
    assert not pii.contains_pii(masked)


@pytest.mark.parametrize(("text", "date"), [
    ("exp 04/27", "04/27"), ("Exp. 12/29", "12/29"), ("expiry date: 01/2030", "01/2030"), ("valid thru 11/28", "11/28"),
    ("expiration date 3-26", "3-26"), ("expires 4/2027", "4/2027"), ("my visa expires 4/27", "4/27"),
    ("the card I used expired 09/24", "09/24"),
])
def test_a_card_expiry_date_is_masked_and_never_restored(text, date):
    masked, vault = pii.mask(text)
    assert date not in masked and "[EXPIRY_1]" in masked
    assert pii.restore(masked, vault).count(pii.EXPIRY_RESTORED) == 1
    assert pii.contains_pii(text) and not pii.contains_pii(masked)


def test_a_full_card_with_expiry_and_cvv_leaves_only_the_last_four_after_restore():
    text = "Charge this one instead: 4111 1111 1111 1111, exp 12/29, CVV 123."
    masked, vault = pii.mask(text)
    assert masked == "Charge this one instead: [CARD_1], exp [EXPIRY_1], CVV [CVV_1]."
    restored = pii.restore(masked, vault)
    assert restored == (f"Charge this one instead: card ending 1111, exp {pii.EXPIRY_RESTORED},"
                        f" CVV {pii.CVV_RESTORED}.")


@pytest.mark.parametrize("text", [
    "Where is order #1042? I paid $123.45 and 129 USD on 04/27/2025.",
    "Order 1042 ships 5/26 to 94107, tracking 9400111899223197428490.",
    "Ship to 500 Main St, Springfield, IL 62704, order #123",
    "The return window expires 4/27, and the coupon expires 04/27/2025.",
    "My security code didn't work on order 1042 for $456.",
    "AVS and CVV match, order value 394.00, placed 2025-01-06 15:00",
    "cvv check failed on 4/27 for order #987",
    "Order ORD-4821 qty 3 of SKU-1234, 2 day shipping, ETA 12/29",
    "please use code 1234 at checkout",
])
def test_order_numbers_amounts_dates_tracking_and_zip_codes_are_left_alone(text):
    masked, vault = pii.mask(text)
    assert masked == text and vault.values == {}
    assert not pii.contains_pii(text)


def test_every_security_code_shares_one_placeholder_so_none_can_be_told_apart():
    masked, vault = pii.mask("cvv 123, or maybe CVV 456")
    assert masked == "cvv [CVV_1], or maybe CVV [CVV_1]"
    assert list(vault.values) == ["[CVV_1]"]


@given(st.from_regex(r"\d{3,4}", fullmatch=True),
       st.sampled_from(["cvv", "CVC:", "security code is", "cvv2 =", "the 3 digits on the back are"]))
def test_any_code_after_a_security_code_word_never_survives_masking_or_restore(code: str, word: str):
    masked, vault = pii.mask(f"order #88 {word} {code} thanks")
    assert code not in masked.replace("#88", "")
    assert code not in pii.restore(masked, vault).replace("#88", "")
