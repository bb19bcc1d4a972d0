"""Card data out of everything a person can read: a signal's normalized text is masked before it is stored.

Signals, case facts, the case page and the timeline are all built from the stored signal, so masking here
keeps card numbers (13-19 digits passing the Luhn check) and card security codes out of every one of them.
The raw delivery keeps the sender's bytes as the immutable record; it is never shown on the desk or the API.
"""

from __future__ import annotations

import re

from copilot.core.models import Signal
from copilot.core.pii import CARD_RUN, SECURITY_CODE
from copilot.intake.limits import clean_text

FREE_TEXT = ("subject", "text", "note", "status_detail", "customer_name")
# Triage, the reader and the embedding all scale with the text: a megabyte ticket took half a minute to route.
# What a person wrote that matters fits in far less; the raw delivery keeps every byte.
MAX_TEXT_CHARS = 20_000
CODE_WITHHELD = "[security code withheld]"


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _pan(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    if 13 <= len(digits) <= 19 and luhn_valid(digits):
        return f"[card ending {digits[-4:]}]"
    return match.group()  # a long reference number, not a card


def _code(match: re.Match[str]) -> str:
    group = "code" if match.group("code") else "code_first"
    start, end = (s - match.start() for s in match.span(group))
    return match.group()[:start] + CODE_WITHHELD + match.group()[end:]


def mask_card_data(text: str) -> str:
    """Card numbers down to their last four digits; security codes withheld."""
    return SECURITY_CODE.sub(_code, CARD_RUN.sub(_pan, text))


def prepare_for_storage(signal: Signal) -> Signal:
    """The signal as it may be stored and shown: its text cut to MAX_TEXT_CHARS, control characters (NUL
    among them) removed from every string, card data masked in free text."""
    changes: dict[str, object] = {}
    if signal.text is not None and len(signal.text) > MAX_TEXT_CHARS:
        changes["text"], changes["text_length"] = signal.text[:MAX_TEXT_CHARS], len(signal.text)
        signal = signal.model_copy(update=changes)
    for name, value in signal:
        if isinstance(value, str):
            cleaned = clean_text(value)
            if name in FREE_TEXT:
                cleaned = mask_card_data(cleaned)
            if cleaned != value:
                changes[name] = cleaned
    return signal.model_copy(update=changes) if changes else signal
