"""EasyPost `Event` webhooks whose `result` is a `Tracker`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from copilot.core.models import Signal, SignalKind, SignalSource
from copilot.intake.parsers.base import (
    Unparseable,
    UnsupportedEvent,
    clean,
    from_iso,
    load_json,
    object_at,
    order_ref_in,
)

EVENTS = ("tracker.created", "tracker.updated")


def parse_easypost(headers: Mapping[str, str], body: bytes, received_at: datetime) -> Signal:
    event = load_json(body)
    if not isinstance(event, dict) or event.get("object") != "Event":
        raise UnsupportedEvent("expected an EasyPost Event object")
    return parse_easypost_event(event, received_at)


def parse_easypost_event(event: dict[str, Any], received_at: datetime) -> Signal:
    description = clean(event.get("description"))
    if description not in EVENTS:
        raise UnsupportedEvent(f"EasyPost event {description!r} is not handled; supported: {', '.join(EVENTS)}")
    event_id = clean(event.get("id"))
    if event_id is None:
        raise Unparseable("EasyPost event has no id")
    tracker = event.get("result")
    if not isinstance(tracker, dict) or tracker.get("object") != "Tracker":
        raise Unparseable(f"{description} event carries no Tracker result")
    fields = tracker_fields(tracker)
    occurred = from_iso(event.get("updated_at") or event.get("created_at")) or received_at
    return Signal(source=SignalSource.easypost, source_event_id=event_id, kind=SignalKind.tracking_update,
                  occurred_at=occurred, **fields)


def tracker_fields(tracker: dict[str, Any]) -> dict[str, Any]:
    code = clean(tracker.get("tracking_code"))
    status = clean(tracker.get("status"))
    if code is None or status is None:
        raise Unparseable("Tracker needs tracking_code and status")
    listed = tracker.get("tracking_details")
    details = [d for d in listed if isinstance(d, dict)] if isinstance(listed, list) else []
    latest = details[-1] if details else {}
    return {
        "tracking_number": code,
        "carrier": clean(tracker.get("carrier")),
        "tracking_status": status,
        "status_detail": clean(tracker.get("status_detail")),
        "order_id": _order_ref(tracker),
        "text": clean(latest.get("message") or latest.get("description")),
        "note": clean(tracker.get("signed_by")),
    }


def _order_ref(tracker: dict[str, Any]) -> str | None:
    """Trackers bought with a label carry the shipment's reference; bare trackers carry none."""
    for key in ("reference", "order_id"):
        value = clean(tracker.get(key))
        if value:
            return value if value.startswith(("#", "W")) else order_ref_in(value) or value
    shipment = object_at(tracker, "shipment")
    ref = clean(shipment.get("reference"))
    return (order_ref_in(ref) or ref) if ref else None
