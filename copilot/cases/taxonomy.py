"""Deterministic categorisation: system signals by kind and code, customer tickets by their Reading."""

from __future__ import annotations

import re

from pydantic import Field

from copilot.core.models import Category, Signal, SignalKind, Strict
from copilot.reading.derive import category_of
from copilot.reading.model import Reading
from copilot.reading.reader import anchored_by_customer, read_text

C, K = Category, SignalKind


VAGUE_CONFIDENCE = 0.3


class Classification(Strict):
    """`category` None means the signal is informational: it joins a case but does not decide its category."""

    category: Category | None
    confidence: float = Field(ge=0, le=1)
    classified_by: str
    reasons: list[str]

    @property
    def clearly_out_of_scope(self) -> bool:
        """An out-of-scope request was recognised, rather than nothing matching (e.g. "any news?")."""
        return self.category is Category.out_of_scope and self.confidence > VAGUE_CONFIDENCE


_BY_KIND: dict[SignalKind, Category] = {
    K.payment_failed: C.payment_failure,
    K.auth_expiring: C.payment_failure,
    K.payment_review: C.fraud_hold,
    K.fraud_warning: C.fraud_hold,
    K.dispute_opened: C.chargeback,
    K.dispute_updated: C.chargeback,
    K.dispute_closed: C.chargeback,
    K.address_rejected: C.address_issue,
}
_INFORMATIONAL = {K.order_created, K.order_updated, K.order_cancelled, K.payment_review_closed,
                  K.refund_issued, K.fulfillment_update}
_THREEPL_CODES: list[tuple[re.Pattern[str], Category]] = [
    (re.compile(r"PARTIAL|SPLIT"), C.split_shipment),
    (re.compile(r"SHORT|OVERSOLD|OVERSELL|BACKORDER|OUT_OF_STOCK|NO_STOCK|INVENTORY"), C.inventory_mismatch),
    (re.compile(r"CUTOFF|BACKLOG|DELAY|LATE|CAPACITY"), C.fulfillment_delay),
    (re.compile(r"ADDRESS|UNDELIVERABLE"), C.address_issue),
]
_TRACKING_EXCEPTIONS = {"failure", "return_to_sender", "error", "unknown", "available_for_pickup", "cancelled"}
_TRACKING_DETAILS = re.compile(r"lost|damaged|return|refused|not_found|undeliverable|held|exception|delay"
                               r"|weather|incorrect|missing|attempt|stuck")


def classify_signal(signal: Signal, known_customer: bool = False) -> Classification:
    """`known_customer`: the sender is a customer of the store, so a ticket's request is about their orders even
    when its words name none (copilot/reading/reader.py anchored_by_customer)."""
    kind = signal.kind
    if kind in (K.ticket, K.ticket_reply):
        return classify_ticket(signal.subject or "", signal.text or "", known_customer)
    if kind in _BY_KIND:
        return Classification(category=_BY_KIND[kind], confidence=1.0, classified_by="kind",
                              reasons=[f"signal kind {kind.value}"])
    if kind == K.order_risk:
        risky = signal.risk_recommendation in ("investigate", "cancel") or signal.risk_level in ("medium", "high")
        if risky:
            return Classification(category=C.fraud_hold, confidence=1.0, classified_by="kind",
                                  reasons=[f"order risk {signal.risk_level}/{signal.risk_recommendation}"])
        return _informational(signal, "order risk is low / accept")
    if kind == K.threepl_exception:
        return _threepl(signal)
    if kind == K.tracking_update:
        return _tracking(signal)
    return _informational(signal, f"{kind.value} carries no exception by itself")


def _informational(signal: Signal, why: str) -> Classification:
    return Classification(category=None, confidence=1.0, classified_by="kind", reasons=[why])


def _threepl(signal: Signal) -> Classification:
    code = (signal.exception_code or "").upper()
    for pattern, category in _THREEPL_CODES:
        if pattern.search(code):
            return Classification(category=category, confidence=1.0, classified_by="exception_code",
                                  reasons=[f"3PL exception code {code}"])
    if not code and signal.note:
        guess = classify_ticket("", signal.note)
        if guess.category not in (None, C.out_of_scope, C.needs_reading):
            return guess.model_copy(update={"classified_by": "threepl_note", "confidence": guess.confidence * 0.9})
    return Classification(category=C.threepl_exception, confidence=1.0 if code else 0.8,
                          classified_by="exception_code", reasons=[f"3PL exception code {code or 'unknown'}"])


def _tracking(signal: Signal) -> Classification:
    status = (signal.tracking_status or "").lower()
    detail = (signal.status_detail or "").lower()
    if status in _TRACKING_EXCEPTIONS or _TRACKING_DETAILS.search(detail):
        return Classification(category=C.delivery_exception, confidence=1.0, classified_by="kind",
                              reasons=[f"carrier status {status or '-'} / {detail or '-'}"])
    return _informational(signal, f"carrier status {status or 'unknown'} is routine")


def classify_ticket(subject: str, body: str, known_customer: bool = False) -> Classification:
    """Read the ticket (copilot/reading) and file it under the category of the request that acts."""
    reading = read_text(subject, body)
    return classify_reading(anchored_by_customer(reading) if known_customer else reading)


def classify_reading(reading: Reading) -> Classification:
    category, confidence, reasons = category_of(reading)
    return Classification(category=category, confidence=round(confidence, 2), classified_by="reading",
                          reasons=reasons)


_NEGATIVE = re.compile(
    r"ridiculous|unacceptable|furious|angry|worst|terrible|horrible|awful|scam|lawyer|attorney|bbb|"
    r"never (?:order|buy|shop)|fed up|sick of|disgust|pathetic|joke|incompetent|rip ?off|wtf|!!!|"
    r"third time|again and again|still (?:no|nothing|waiting)|no one (?:has )?(?:answer|respond|replie)"
)


def negative_tone(text: str) -> bool:
    """Anger or repeated frustration in the customer's words (or shouting in capitals)."""
    if _NEGATIVE.search(text.lower()):
        return True
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 20 and sum(c.isupper() for c in letters) / len(letters) > 0.6
