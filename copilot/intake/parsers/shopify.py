"""Shopify webhooks: the topic comes from `X-Shopify-Topic`, the body is the bare resource."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from copilot.core.models import Signal, SignalKind, SignalSource
from copilot.intake.parsers.base import (
    Unparseable,
    UnsupportedEvent,
    clean,
    content_key,
    from_iso,
    load_json,
    object_at,
    to_decimal,
)

ORDER_TOPICS = {
    "orders/create": SignalKind.order_created,
    "orders/updated": SignalKind.order_updated,
    "orders/cancelled": SignalKind.order_cancelled,
}
FULFILLMENT_TOPICS = {"fulfillments/create", "fulfillments/update"}
RISK_TOPIC = "orders/risk_assessment_changed"
TOPICS = (*ORDER_TOPICS, *FULFILLMENT_TOPICS, RISK_TOPIC)

# Shopify's risk recommendation, worst first, and the level each implies.
_RECOMMENDATION_LEVEL = {"cancel": "high", "investigate": "medium", "accept": "low"}
_RISKY = {"cancel", "investigate"}


def parse_shopify(headers: Mapping[str, str], body: bytes, received_at: datetime) -> Signal:
    topic = clean(headers.get("x-shopify-topic"))
    if topic is None:
        raise UnsupportedEvent("X-Shopify-Topic header is missing")
    if topic not in TOPICS:
        raise UnsupportedEvent(f"Shopify topic {topic!r} is not handled; supported: {', '.join(TOPICS)}")
    payload = load_json(body)
    if not isinstance(payload, dict):
        raise Unparseable("Shopify body is not a JSON object")
    event_id = clean(headers.get("x-shopify-webhook-id") or headers.get("x-shopify-event-id"))
    return parse_shopify_object(topic, payload, event_id or content_key(topic, body.decode(errors="replace")),
                                received_at)


def parse_shopify_object(topic: str, obj: dict[str, Any], event_id: str, received_at: datetime) -> Signal:
    if topic in ORDER_TOPICS:
        fields, occurred, kind = _order(obj, ORDER_TOPICS[topic])
    elif topic in FULFILLMENT_TOPICS:
        fields, occurred, kind = _fulfillment(obj), obj.get("updated_at"), SignalKind.fulfillment_update
    else:
        fields, occurred, kind = _risk_assessment(obj), obj.get("created_at"), SignalKind.order_risk
    return Signal(source=SignalSource.shopify, source_event_id=event_id, kind=kind,
                  occurred_at=from_iso(occurred) or received_at, **fields)


def _order_name(obj: dict[str, Any], id_key: str = "id") -> str:
    name = clean(obj.get("name"))
    if name:
        return name
    number = clean(obj.get("order_number"))
    if number:
        return f"#{number}"
    ident = clean(obj.get(id_key))
    if ident is None:
        raise Unparseable("Shopify order has neither name, order_number nor id")
    return ident


def _order(obj: dict[str, Any], kind: SignalKind) -> tuple[dict[str, Any], Any, SignalKind]:
    customer = object_at(obj, "customer")
    full_name = " ".join(p for p in (clean(customer.get("first_name")), clean(customer.get("last_name"))) if p)
    fields: dict[str, Any] = {
        "order_id": _order_name(obj),
        "customer_email": clean(obj.get("email") or customer.get("email")),
        "customer_name": full_name or None,
        "amount": to_decimal(obj.get("total_price")),
        "currency": clean(obj.get("currency")),
        "note": clean(obj.get("cancel_reason") or obj.get("note")),
    }
    recommendation = _worst_recommendation(obj)
    if recommendation is not None:
        fields["risk_recommendation"] = recommendation
        fields["risk_level"] = _RECOMMENDATION_LEVEL.get(recommendation, recommendation)
        # A risky order is a fraud hold to work; the create/update itself is secondary.
        if recommendation in _RISKY and kind is not SignalKind.order_cancelled:
            kind = SignalKind.order_risk
    return fields, obj.get("updated_at") or obj.get("created_at"), kind


def _worst_recommendation(obj: dict[str, Any]) -> str | None:
    """Risk information rides on the order as `risks` (REST order risks) or `risk` (a single assessment)."""
    risks = obj.get("risks") or obj.get("order_risks") or []
    risks = risks if isinstance(risks, list) else []
    if isinstance(obj.get("risk"), dict):
        risks = [*risks, obj["risk"]]
    found = [clean(r.get("recommendation")) for r in risks if isinstance(r, dict)]
    if isinstance(obj.get("risk_recommendation"), str):
        found.append(clean(obj["risk_recommendation"]))
    ranked = [r for r in ("cancel", "investigate", "accept") if r in found]
    return ranked[0] if ranked else None


def _fulfillment(obj: dict[str, Any]) -> dict[str, Any]:
    if obj.get("order_id") is None:
        raise Unparseable("Shopify fulfillment has no order_id")
    numbers = obj.get("tracking_numbers")
    first = clean(numbers[0]) if isinstance(numbers, list) and numbers else None
    return {
        "order_id": clean(str(obj["name"]).split(".")[0]) if obj.get("name") else clean(obj.get("order_id")),
        "tracking_number": clean(obj.get("tracking_number")) or first,
        "carrier": clean(obj.get("tracking_company")),
        "tracking_status": clean(obj.get("shipment_status") or obj.get("status")),
        "status_detail": clean(obj.get("status")),
    }


def _risk_assessment(obj: dict[str, Any]) -> dict[str, Any]:
    level = clean(obj.get("risk_level"))
    if obj.get("order_id") is None or level is None:
        raise Unparseable("risk assessment needs order_id and risk_level")
    return {
        "order_id": clean(obj.get("order_name")) or clean(obj.get("order_id")),
        "risk_level": level.lower(),
        "risk_recommendation": {"high": "cancel", "medium": "investigate"}.get(level.lower(), "accept"),
        "note": clean(obj.get("provider_title")),
    }
