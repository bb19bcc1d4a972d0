"""The case's classification from a ticket's Reading: the request that acts decides the category; a
positive out-of-scope finding routes away; an unsure reading goes to a person."""

from __future__ import annotations

from copilot.core.models import Category
from copilot.reading.model import Intent, Mood, Reading, Request

NEEDS_READING_CONFIDENCE = 0.0


def primary(reading: Reading) -> Request | None:
    """The request the case is filed under: the first that acts, else the first instruction, else the first."""
    if not reading.requests:
        return None
    return next((r for r in reading.requests if r.acts),
                next((r for r in reading.requests if r.mood is Mood.instruction), reading.requests[0]))


def category_of(reading: Reading) -> tuple[Category, float, list[str]]:
    """(category, confidence, reasons) for triage."""
    if reading.out_of_scope is not None:
        oos = reading.out_of_scope
        quote = oos.evidence[0].quote if oos.evidence else ""
        return Category.out_of_scope, oos.confidence, [f"about {oos.topic.replace('_', ' ')}: {quote!r}"]
    if reading.needs_reading:
        return Category.needs_reading, NEEDS_READING_CONFIDENCE, ["needs reading: " + "; ".join(
            reading.needs_reading_reasons)] + ([f"candidates: {', '.join(reading.candidates)}"]
                                               if reading.candidates else [])
    main = primary(reading)
    assert main is not None  # a reading with no request needs reading (copilot/reading/reader.py _judge)
    quotes = ", ".join(repr(e.quote) for e in main.evidence[:2])
    reasons = [f"{main.intent.value} ({main.mood.value}) read from {quotes}"]
    others = [f"{r.intent.value} ({r.mood.value})" for r in reading.requests if r is not main]
    if others:
        reasons.append(f"also asked: {', '.join(others)}")
    return _weightiest(reading, main), main.confidence, reasons


def _weightiest(reading: Reading, main: Request) -> Category:
    """A dispute the customer says is open outranks what they ask (its evidence has a due date); a damaged,
    missing or wrong item is a concession whatever remedy they name."""
    said = {r.intent for r in reading.requests if r.mood is Mood.instruction}
    if Intent.dispute in said:
        return Category.chargeback
    if Intent.damaged_missing_wrong in said and main.intent in (Intent.return_refund, Intent.exchange,
                                                               Intent.compensation, Intent.change_items):
        return Category.concession_request
    return main.category
