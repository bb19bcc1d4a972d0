"""What the caller says to identify themselves (name, email, ZIP, order numbers), kept apart from requests:
"my zip is 98101" says who they are, not where a parcel should go."""

from __future__ import annotations

import re

from copilot.reading.model import Evidence, Identification

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
ORDER_ID = re.compile(r"(?<![\w#])#?\s?(W\d{7})\b|#(\d{3,10})\b", re.IGNORECASE)
_ZIP_LABELED = re.compile(r"\b(?:zip|zip ?code|zipcode|postal ?code|post ?code|postcode|codigo postal|code postal|"
                          r"plz|postleitzahl|cep|cap)\b\W{0,3}(?:is|es|est|ist|e|:)?\W{0,3}(\d{5})\b", re.IGNORECASE)
_NAME = re.compile(r"\b(?:my name is|name is|name:|this is|i am|i'm|me llamo|soy|je m'appelle|je suis|ich bin|"
                   r"mein name ist|mi chiamo|sono|meu nome e|meu nome é|chamo-me)\s+"
                   r"([A-ZÀ-Ý][a-zà-ÿ'\-]+(?:\s+[A-ZÀ-Ý][a-zà-ÿ'\-]+){1,2})")
_NOT_NAMES = {"Please", "Thanks", "Thank", "Hello", "Hi", "Order", "Writing", "Still", "Very", "Not", "So", "Really"}


def _ev(text: str, start: int, end: int) -> Evidence:
    return Evidence(start=start, end=end, quote=text[start:end])


def normalize_order_id(raw: str) -> str:
    raw = raw.strip().lstrip("#").strip()
    return f"#{raw.upper()}" if raw[:1].lower() == "w" else f"#{raw}"


def order_mentions(text: str) -> list[tuple[str, int, int]]:
    return [(normalize_order_id(m.group(1) or m.group(2)), m.start(), m.end()) for m in ORDER_ID.finditer(text)]


def identify(text: str, address_spans: list[tuple[int, int]]) -> tuple[Identification, list[tuple[int, int]]]:
    """The identification and the spans it covers (masked before requests are read).

    A five-digit number outside any address the customer writes is a ZIP given to identify them.
    """
    evidence: list[Evidence] = []
    spans: list[tuple[int, int]] = []
    email = None
    if m := EMAIL.search(text):
        email = m.group(0).rstrip(".").lower()
        evidence.append(_ev(text, m.start(), m.end()))
        spans.append((m.start(), m.end()))
    zip_code = None
    inside = lambda p: any(a <= p < b for a, b in address_spans)  # noqa: E731
    if (m := _ZIP_LABELED.search(text)) and not inside(m.start(1)):
        zip_code = m.group(1)
        evidence.append(_ev(text, m.start(), m.end()))
        spans.append((m.start(), m.end()))
    else:
        for m in re.finditer(r"(?<![\w#-])(\d{5})(?![\w-])", text):
            if not inside(m.start()):
                zip_code = m.group(1)
                evidence.append(_ev(text, m.start(), m.end()))
                spans.append((m.start(), m.end()))
                break
    name = None
    for m in _NAME.finditer(text):
        candidate = m.group(1).strip()
        if candidate.split()[0] not in _NOT_NAMES:
            name = candidate
            evidence.append(_ev(text, m.start(1), m.end(1)))
            spans.append((m.start(), m.end()))
            break
    orders = []
    for order_id, start, end in order_mentions(text):
        if order_id not in orders:
            orders.append(order_id)
        evidence.append(_ev(text, start, end))
    return Identification(name=name, email=email, zip=zip_code, order_ids=orders, evidence=evidence), spans
