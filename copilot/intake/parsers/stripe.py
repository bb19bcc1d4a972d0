"""Stripe events (the `event` envelope with `data.object`) into signals."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from copilot.core.models import Signal, SignalKind, SignalSource
from copilot.intake.parsers.base import (
    Unparseable,
    UnsupportedEvent,
    clean,
    from_unix,
    load_json,
    minor_to_decimal,
    object_at,
    order_ref_in,
    require_object,
)

EVENT_KINDS: dict[str, SignalKind] = {
    "payment_intent.payment_failed": SignalKind.payment_failed,
    "charge.failed": SignalKind.payment_failed,
    "charge.dispute.created": SignalKind.dispute_opened,
    "charge.dispute.updated": SignalKind.dispute_updated,
    "charge.dispute.closed": SignalKind.dispute_closed,
    "radar.early_fraud_warning.created": SignalKind.fraud_warning,
    "review.opened": SignalKind.payment_review,
    "review.closed": SignalKind.payment_review_closed,
    "charge.refunded": SignalKind.refund_issued,
}
OBJECT_OF_EVENT = {
    "payment_intent.payment_failed": "payment_intent",
    "charge.failed": "charge",
    "charge.dispute.created": "dispute",
    "charge.dispute.updated": "dispute",
    "charge.dispute.closed": "dispute",
    "radar.early_fraud_warning.created": "radar.early_fraud_warning",
    "review.opened": "review",
    "review.closed": "review",
    "charge.refunded": "charge",
}


def parse_stripe(headers: Mapping[str, str], body: bytes, received_at: datetime) -> Signal:
    event = load_json(body)
    if not isinstance(event, dict) or event.get("object") != "event" or not isinstance(event.get("type"), str):
        raise UnsupportedEvent("expected a Stripe event object with a `type`")
    return parse_stripe_event(event, received_at)


def parse_stripe_event(event: dict[str, Any], received_at: datetime) -> Signal:
    etype = event["type"]
    kind = EVENT_KINDS.get(etype)
    if kind is None:
        raise UnsupportedEvent(f"Stripe event type {etype!r} is not handled; supported: {', '.join(EVENT_KINDS)}")
    event_id = clean(event.get("id"))
    if event_id is None:
        raise Unparseable("Stripe event has no id")
    data = event.get("data")
    obj = require_object(data.get("object") if isinstance(data, dict) else None, "data.object")
    if obj.get("object") != OBJECT_OF_EVENT[etype]:
        raise Unparseable(f"{etype} carries a {obj.get('object')!r}, expected {OBJECT_OF_EVENT[etype]!r}")
    fields = _FIELD_READERS[OBJECT_OF_EVENT[etype]](obj)
    occurred = from_unix(event.get("created")) or received_at
    return Signal(source=SignalSource.stripe, source_event_id=event_id, kind=kind, occurred_at=occurred, **fields)


def _order_ref(obj: dict[str, Any]) -> str | None:
    metadata = object_at(obj, "metadata")
    explicit = clean(metadata.get("order_id") or metadata.get("order") or metadata.get("order_number"))
    if explicit:
        return explicit if explicit.startswith(("#", "W")) else f"#{explicit}"
    return order_ref_in(obj.get("description"))


def _id_of(value: Any) -> str | None:
    """Stripe expands references into objects on request; either form names the same id."""
    return clean(value.get("id")) if isinstance(value, dict) else clean(value)


def _payment_intent(obj: dict[str, Any]) -> dict[str, Any]:
    error = object_at(obj, "last_payment_error")
    method = object_at(error, "payment_method")
    billing = method.get("billing_details") or {}
    currency = clean(obj.get("currency"))
    return {
        "payment_id": clean(obj.get("id")),
        "order_id": _order_ref(obj),
        "amount": minor_to_decimal(obj.get("amount"), currency),
        "currency": currency,
        "decline_code": clean(error.get("decline_code") or error.get("code")),
        "customer_email": clean(obj.get("receipt_email") or billing.get("email")),
        "customer_name": clean(billing.get("name")),
        "note": clean(error.get("message")),
    }


def _charge(obj: dict[str, Any]) -> dict[str, Any]:
    outcome = object_at(obj, "outcome")
    billing = obj.get("billing_details") or {}
    currency = clean(obj.get("currency"))
    refunded = obj.get("amount_refunded")
    amount = refunded if obj.get("refunded") or refunded else obj.get("amount")
    return {
        "payment_id": _id_of(obj.get("payment_intent")) or clean(obj.get("id")),
        "order_id": _order_ref(obj),
        "amount": minor_to_decimal(amount, currency),
        "currency": currency,
        "decline_code": clean(outcome.get("reason") or obj.get("failure_code")),
        "risk_level": clean(outcome.get("risk_level")),
        "customer_email": clean(obj.get("receipt_email") or billing.get("email")),
        "customer_name": clean(billing.get("name")),
        "note": clean(obj.get("failure_message") or outcome.get("seller_message")),
    }


def _dispute(obj: dict[str, Any]) -> dict[str, Any]:
    evidence = object_at(obj, "evidence")
    details = object_at(obj, "evidence_details")
    currency = clean(obj.get("currency"))
    return {
        "dispute_id": clean(obj.get("id")),
        "payment_id": _id_of(obj.get("payment_intent")) or _id_of(obj.get("charge")),
        "order_id": _order_ref(obj),
        "amount": minor_to_decimal(obj.get("amount"), currency),
        "currency": currency,
        "dispute_reason": clean(obj.get("reason")),
        "due_by": from_unix(details.get("due_by")),
        "customer_email": clean(evidence.get("customer_email_address")),
        "customer_name": clean(evidence.get("customer_name")),
        "note": clean(obj.get("status")),
    }


def _early_fraud_warning(obj: dict[str, Any]) -> dict[str, Any]:
    payment = _id_of(obj.get("payment_intent")) or _id_of(obj.get("charge"))
    if payment is None and obj.get("id") is None:
        raise Unparseable("early fraud warning names neither a charge nor an id")
    return {"payment_id": payment, "note": clean(obj.get("fraud_type")), "risk_level": "elevated"}


def _review(obj: dict[str, Any]) -> dict[str, Any]:
    reason = obj.get("closed_reason") or obj.get("opened_reason") or obj.get("reason")
    return {
        "payment_id": _id_of(obj.get("payment_intent")) or _id_of(obj.get("charge")),
        "note": clean(reason),
        "risk_recommendation": "investigate" if obj.get("open") else clean(obj.get("closed_reason")),
    }


_FIELD_READERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "payment_intent": _payment_intent,
    "charge": _charge,
    "dispute": _dispute,
    "radar.early_fraud_warning": _early_fraud_warning,
    "review": _review,
}
