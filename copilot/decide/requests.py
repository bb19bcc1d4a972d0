"""What a customer asked, read deterministically from ticket text into typed, untrusted fields."""

from __future__ import annotations

import re
from decimal import Decimal

from copilot.core.models import Category, Signal
from copilot.decide.plan import CustomerRequest, Origin
from tools.address import validate_address_text

_INTENTS: list[tuple[str, re.Pattern[str]]] = [
    ("cancel", re.compile(r"\bcancel", re.I)),
    # Before "change_address": the profile's default address, not an order's shipping address.
    ("change_profile_address", re.compile(
        r"\b(account|profile|default|user)\b.{0,25}\baddress|\baddress\b.{0,25}\b(account|profile)\b", re.I)),
    ("change_address", re.compile(r"\b(wrong|change|update|new)\b.{0,40}\baddress|\bship (it )?to\b", re.I)),
    # Before the item swaps and exchanges ("switch the payment to PayPal"); "pay the difference with" is not it.
    ("change_payment", re.compile(
        r"\b(change|switch|update|modify|swap|move)\b.{0,30}\b(payment method|payment|way (i|we) pay)\b"
        r"|\b(pay|paid|charge)\b(?! the difference).{0,40}\b(with|to|on|using)\b.{0,30}\binstead\b", re.I)),
    ("swap_item", re.compile(r"\b(swap|exchange|change)\b.{0,30}\b(size|color|colour|item)", re.I)),
    ("remove_item", re.compile(r"\bremove\b.{0,30}\bitem", re.I)),
    ("damaged", re.compile(r"\b(damaged|broken|crushed|cracked)\b", re.I)),
    ("wrong_item", re.compile(r"\bwrong (item|product|size|colou?r)\b|\bnot the\b.{0,30}\bordered", re.I)),
    ("missing", re.compile(r"\bmissing\b", re.I)),
    ("not_received", re.compile(r"\b(never|not) (arrived|received|got)\b", re.I)),
    # After "swap_item" (its meaning before shipment) and the complaints (a fault is a concession); the
    # playbook tells swap from exchange by the order's status: either wording on a delivered order exchanges.
    ("exchange", re.compile(r"\b(exchange|swap|trade)\b|\bdifferent (size|colou?r|option|model)\b", re.I)),
    ("refund_status", re.compile(r"\brefund|money back", re.I)),
    ("payment_help", re.compile(r"\b(card|payment)\b.{0,30}\b(declin|fail)", re.I)),
]
CATEGORY_DEFAULT = {
    Category.change_request: "cancel", Category.address_issue: "change_address",
    Category.refund_request: "refund_status", Category.concession_request: "damaged",
    Category.payment_failure: "payment_help",
}


# "refund me $300", "I want $45.50 back": a refund of a named amount, not a question about one.
_REFUND_AMOUNT = re.compile(r"\b(?:refund|reimburse)\w*\b(?:\s+(?:me|us))?(?:\s+(?:the|a|of|for))?\s+\$\s?"
                            r"(\d[\d,]*(?:\.\d{2})?)|\$\s?(\d[\d,]*(?:\.\d{2})?)\s+(?:back|refund)", re.I)


def read_request(category: Category, signal: Signal | None, order_id: str | None) -> CustomerRequest | None:
    """The ask in a ticket; None when the case came from a system signal rather than a person."""
    if signal is None or not signal.text:
        return None
    text = f"{signal.subject or ''}\n{signal.text}"
    intent = next((name for name, pattern in _INTENTS if pattern.search(text)), None)
    intent = intent or CATEGORY_DEFAULT.get(category, "other")
    amount = None
    asked = _REFUND_AMOUNT.search(text)
    if asked and intent in ("refund_status", "other"):
        intent, amount = "refund", Decimal((asked.group(1) or asked.group(2)).replace(",", ""))
    new_address = None
    if intent in ("change_address", "change_profile_address"):
        checked = validate_address_text(signal.text)
        new_address = checked.normalized
    return CustomerRequest(origin=Origin.ticket, intent=intent, order_id=order_id,
                           new_address=new_address, amount=amount if amount and amount > 0 else None)
