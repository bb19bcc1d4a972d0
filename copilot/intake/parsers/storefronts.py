"""WooCommerce and Adobe Commerce order webhooks: the order becomes an order signal, as Shopify's do.

WooCommerce: the topic is `X-WC-Webhook-Topic` (`order.created`, `order.updated`, `order.deleted`...), the
body is the order as `GET /wc/v3/orders/{id}` returns it. Adobe Commerce: `{"eventName": ..., "data":
{"order": {...}}}` with the sales order's fields. Order ids are the numbers customers see (`#727`,
`#000000123`), like Shopify's order names."""

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

WC_TOPICS = {"order.created": SignalKind.order_created, "order.updated": SignalKind.order_updated,
             "order.restored": SignalKind.order_updated}
CANCELLED = {"cancelled", "canceled"}


def _kind(base: SignalKind, status: str | None) -> SignalKind:
    return SignalKind.order_cancelled if status in CANCELLED else base


def parse_woocommerce(headers: Mapping[str, str], body: bytes, received_at: datetime) -> Signal:
    topic = clean(headers.get("x-wc-webhook-topic"))
    if topic not in WC_TOPICS:
        raise UnsupportedEvent(f"WooCommerce topic {topic!r} is not handled; supported: {', '.join(WC_TOPICS)}")
    order = load_json(body)
    if not isinstance(order, dict):
        raise Unparseable("WooCommerce body is not a JSON object")
    number = clean(order.get("number") or order.get("id"))
    if number is None:
        raise Unparseable("WooCommerce order has neither number nor id")
    billing = object_at(order, "billing")
    name = " ".join(p for p in (clean(billing.get("first_name")), clean(billing.get("last_name"))) if p)
    status = clean(order.get("status"))
    delivery = clean(headers.get("x-wc-webhook-delivery-id"))
    return Signal(
        source=SignalSource.woocommerce,
        source_event_id=delivery or content_key("woocommerce", topic, body.decode(errors="replace")),
        kind=_kind(WC_TOPICS[topic], status),
        occurred_at=from_iso(order.get("date_modified_gmt") or order.get("date_created_gmt")) or received_at,
        order_id=f"#{number}", customer_email=clean(billing.get("email")), customer_name=name or None,
        amount=to_decimal(order.get("total")), currency=clean(order.get("currency")),
        note=clean(order.get("customer_note")) or (f"status {status}" if status else None))


def parse_magento(headers: Mapping[str, str], body: bytes, received_at: datetime) -> Signal:
    payload = load_json(body)
    if not isinstance(payload, dict):
        raise Unparseable("Adobe Commerce body is not a JSON object")
    event = clean(payload.get("eventName"))
    order: dict[str, Any] = object_at(object_at(payload, "data"), "order")
    if not order:
        raise UnsupportedEvent(f"Adobe Commerce event {event!r} carries no data.order")
    number = clean(order.get("increment_id") or order.get("entity_id"))
    if number is None:
        raise Unparseable("Adobe Commerce order has neither increment_id nor entity_id")
    name = " ".join(p for p in (clean(order.get("customer_firstname")), clean(order.get("customer_lastname"))) if p)
    status = clean(order.get("status") or order.get("state"))
    base = SignalKind.order_created if event and "place" in event else SignalKind.order_updated
    return Signal(
        source=SignalSource.magento,
        source_event_id=content_key("magento", event, body.decode(errors="replace")),
        kind=_kind(base, status),
        occurred_at=from_iso(order.get("updated_at") or order.get("created_at")) or received_at,
        order_id=f"#{number}", customer_email=clean(order.get("customer_email")), customer_name=name or None,
        amount=to_decimal(order.get("grand_total")), currency=clean(order.get("order_currency_code")),
        note=f"status {status}" if status else None)
