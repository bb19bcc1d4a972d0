"""PII minimization for LLM calls: mask emails, phone numbers and card data, restore them afterwards.

Masked values become placeholders such as `[EMAIL_1]`; a `Vault` remembers what each stands for so the
model's answer can be restored from the facts we already hold. Card numbers are never restored in full:
their placeholder restores to "card ending 4242" so nothing beyond the last four digits leaves this module.
Card security codes (CVV/CVC/CID) and card expiry dates are never restored at all: their placeholders
stand for a fixed phrase, so the digits exist only in the original text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# A card number is a 13-19 digit run, possibly grouped by single spaces or dashes.
_CARD = re.compile(r"(?<![\d#])(?:\d[ -]?){12,18}\d(?!\d)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# Phones: optional country code, then 10 digits in the usual groupings; order numbers (#1042) never match.
_PHONE = re.compile(
    r"(?<![\w#])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-]?)\d{3}[\s.-]?\d{4}(?!\d)"
    r"|(?<![\w#])\+\d{1,3}(?:[\s.-]?\d{2,4}){2,5}(?!\d)"
)
PLACEHOLDER = re.compile(r"\[(EMAIL|PHONE|CARD|CVV|EXPIRY)_(\d+)\]")

# A security code is 3-4 digits right after (or just before) a word that names it; the few filler words
# allowed in between ("is", "number", ":") keep an order number further along the sentence out of reach.
_CVV_WORD = (r"(?:cvv2?|cvc2?|cvn|cid|csc|security\s+code|card\s+verification(?:\s+(?:code|value|number))?"
             r"|verification\s+(?:code|value)"
             r"|(?:(?:(?:3|4|three|four)[\s-]?digits?|digit)(?:\s+(?:code|number))?|code|number|digits)"
             r"\s+on\s+the\s+back(?:\s+of\s+(?:my|the|your)\s+card)?)")
_FILLER = (r"(?:\s+|[:=()\-\u2013]+"
           r"|\b(?:is|was|are|were|it'?s|number|no\.?|code|value|of|my|the|card|amex|visa|mastercard)\b){0,8}?")
_SHORT_CODE = r"(?<![\d#$.,])\d{3,4}(?![\d]|[/.,:-]\d)"
_CVV = re.compile(rf"\b{_CVV_WORD}\b{_FILLER}(?P<code>{_SHORT_CODE})"
                  rf"|(?P<code_first>{_SHORT_CODE})\s+(?:is|was)\s+(?:my|the)\s+(?:card'?s\s+)?{_CVV_WORD}\b",
                  re.IGNORECASE)
# Expiry: MM/YY or MM/YYYY after a card-expiry word. "exp", "expiry", "valid thru" are card words on their
# own; "expires 4/27" is also said of coupons and return windows, so it needs a card mentioned nearby.
_MONTH_YEAR = r"(?<![\d/])(?:0?[1-9]|1[0-2])\s?[/-]\s?(?:\d{4}|\d{2})(?![\d]|[/-]\d)"
_EXP_GAP = r"(?:\s+|[:=.\-]+|\b(?:date|is|on|of)\b){0,5}?"
_EXPIRY = re.compile(
    rf"(?:\b(?P<strong>exp(?:iry|\.)?(?![\w])|expiration\s+date|valid\s+(?:thru|through|until)|good\s+thru)"
    rf"|\b(?P<weak>expires?|expiring|expired|expiration)\b){_EXP_GAP}(?P<date>{_MONTH_YEAR})",
    re.IGNORECASE)
_CARD_CONTEXT = re.compile(r"\b(?:card|visa|master\s?card|amex|american\s+express|discover|cvv|cvc|security\s+code)\b",
                           re.IGNORECASE)
CARD_CONTEXT_CHARS = 80
CVV_RESTORED = "the card security code (withheld)"
EXPIRY_RESTORED = "the card expiry date (withheld)"


@dataclass
class Vault:
    """What each placeholder stands for, for one call."""

    values: dict[str, str] = field(default_factory=dict)
    _counts: dict[str, int] = field(default_factory=dict)

    def token(self, kind: str, restored: str) -> str:
        for placeholder, value in self.values.items():
            if value == restored and placeholder.startswith(f"[{kind}_"):
                return placeholder
        n = self._counts.get(kind, 0) + 1
        self._counts[kind] = n
        placeholder = f"[{kind}_{n}]"
        self.values[placeholder] = restored
        return placeholder


def _card_restored(match: str) -> str:
    digits = re.sub(r"\D", "", match)
    return f"card ending {digits[-4:]}"


def _replace_group(match: re.Match[str], group: str, placeholder: str) -> str:
    start, end = (s - match.start() for s in match.span(group))
    return match.group()[:start] + placeholder + match.group()[end:]


def _mask_cvv(text: str, vault: Vault) -> str:
    def one(m: re.Match[str]) -> str:
        return _replace_group(m, "code" if m.group("code") else "code_first", vault.token("CVV", CVV_RESTORED))
    return _CVV.sub(one, text)


def _mask_expiry(text: str, vault: Vault) -> str:
    def one(m: re.Match[str]) -> str:
        # "4/2027" can only be a month and year; "4/27" after "expires" may be a coupon's day.
        if m.group("weak") and not re.search(r"\d{4}$", m.group("date")):
            near = text[max(0, m.start() - CARD_CONTEXT_CHARS):m.end() + CARD_CONTEXT_CHARS]
            if not _CARD_CONTEXT.search(near):
                return m.group()
        return _replace_group(m, "date", vault.token("EXPIRY", EXPIRY_RESTORED))
    return _EXPIRY.sub(one, text)


def mask(text: str, vault: Vault | None = None) -> tuple[str, Vault]:
    """The text with every email, phone number, card number, card security code and card expiry date
    replaced by a placeholder."""
    vault = vault if vault is not None else Vault()
    # Cards first: a 16-digit run would otherwise be read as a phone number plus change.
    text = _CARD.sub(lambda m: vault.token("CARD", _card_restored(m.group())), text)
    text = _mask_cvv(text, vault)
    text = _mask_expiry(text, vault)
    text = _EMAIL.sub(lambda m: vault.token("EMAIL", m.group()), text)
    text = _PHONE.sub(lambda m: vault.token("PHONE", m.group().strip()), text)
    return text, vault


def restore(text: str, vault: Vault) -> str:
    """Placeholders the vault knows put back; unknown ones are left for the caller to reject."""
    return PLACEHOLDER.sub(lambda m: vault.values.get(m.group(), m.group()), text)


def leftover_placeholders(text: str) -> list[str]:
    return [m.group() for m in PLACEHOLDER.finditer(text)]


def contains_pii(text: str) -> bool:
    """True when the text still holds something `mask` would have hidden."""
    if _CARD.search(text) or _CVV.search(text) or _EMAIL.search(text) or _PHONE.search(text):
        return True
    return _mask_expiry(text, Vault()) != text


# Public handles for intake's masking of stored text (copilot/intake/pci.py).
CARD_RUN = _CARD
SECURITY_CODE = _CVV
