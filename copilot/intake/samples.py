"""Run the parsers over public example payloads (API objects and webhook bodies as vendors publish them).

Example folders mix webhook bodies with API responses, so each object found is wrapped the way its
webhook would carry it. Every object is reported: parsed into a signal, or unsupported with the reason.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from copilot.core.errors import CopilotError
from copilot.core.models import Signal, Strict
from copilot.intake.parsers.base import UnsupportedEvent
from copilot.intake.parsers.easypost import parse_easypost_event
from copilot.intake.parsers.helpdesk import parse_freshdesk_object
from copilot.intake.parsers.shopify import parse_shopify_object
from copilot.intake.parsers.stripe import OBJECT_OF_EVENT, parse_stripe_event

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_STRIPE_OBJECTS = set(OBJECT_OF_EVENT.values())


class SampleResult(Strict):
    file: str
    where: str
    status: Literal["signal", "unsupported", "failed"]
    detail: str
    signal: Signal | None = None


def scan_folder(root: Path) -> list[SampleResult]:
    results: list[SampleResult] = []
    for path in sorted(root.rglob("*.json")):
        rel = str(path.relative_to(root))
        vendor = rel.split("/", 1)[0]
        try:
            doc = json.loads(path.read_text())
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            results.append(SampleResult(file=rel, where="", status="failed", detail=f"not JSON: {exc}"))
            continue
        found = [SampleResult(file=rel, where=w, status=s, detail=d, signal=sig)
                 for w, s, d, sig in _scan(vendor, doc, "")]
        results.extend(found or [SampleResult(file=rel, where="", status="unsupported",
                                              detail="holds no object a webhook of ours carries")])
    return results


def _scan(vendor: str, node: Any, where: str) -> Iterator[tuple[str, str, str, Signal | None]]:
    reader = _READERS.get(vendor)
    if reader is None:
        return
    if isinstance(node, dict):
        outcome = reader(node, where)
        if outcome is not None:
            yield _attempt(where, *outcome)
            return
        for key, value in node.items():
            yield from _scan(vendor, value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _scan(vendor, value, f"{where}/{i}")


def _attempt(where: str, label: str, make: Any) -> tuple[str, str, str, Signal | None]:
    if isinstance(make, str):
        return where, "unsupported", f"{label}: {make}", None
    try:
        signal = make()
    except UnsupportedEvent as exc:
        return where, "unsupported", f"{label}: {exc.message}", None
    except (CopilotError, ValueError) as exc:
        return where, "failed", f"{label}: {getattr(exc, 'message', exc)}", None
    return where, "signal", f"{label} -> {signal.kind.value}", signal


def _stripe(obj: dict[str, Any], where: str) -> tuple[str, Any] | None:
    kind = obj.get("object")
    if not isinstance(kind, str) or "id" not in obj:
        return None
    if kind == "event":
        return f"event {obj.get('type')}", lambda: parse_stripe_event(obj, EPOCH)
    if kind not in _STRIPE_OBJECTS:
        return kind, "no webhook of ours carries this object"
    etype = _stripe_event_type(obj)
    if etype is None:
        return kind, f"a {kind} in status {obj.get('status')!r} is no exception"
    event = {"id": f"evt_sample{where.replace('/', '_')}_{obj['id']}", "object": "event", "type": etype,
             "created": obj.get("created"), "data": {"object": obj}}
    return f"{kind} as {etype}", lambda: parse_stripe_event(event, EPOCH)


def _stripe_event_type(obj: dict[str, Any]) -> str | None:
    kind, status = obj["object"], obj.get("status")
    if kind == "dispute":
        return "charge.dispute.closed" if status in ("won", "lost") else "charge.dispute.created"
    if kind == "review":
        return "review.opened" if obj.get("open") else "review.closed"
    if kind == "radar.early_fraud_warning":
        return "radar.early_fraud_warning.created"
    if kind == "payment_intent":
        return "payment_intent.payment_failed" if obj.get("last_payment_error") else None
    if status == "failed":
        return "charge.failed"
    refunded = obj.get("amount_refunded")
    return "charge.refunded" if obj.get("refunded") is True or (isinstance(refunded, int) and refunded > 0) else None


def _shopify(obj: dict[str, Any], where: str) -> tuple[str, Any] | None:
    leaf = where.rsplit("/", 2)
    parent = leaf[-2] if where.count("/") >= 2 and leaf[-1].isdigit() else leaf[-1]
    event_id = f"sample{where.replace('/', '_')}_{obj.get('id')}"
    if parent in ("order", "orders") and "financial_status" in obj:
        return "order", lambda: parse_shopify_object("orders/create", obj, event_id, EPOCH)
    if parent == "fulfillment":
        return "fulfillment", lambda: parse_shopify_object("fulfillments/create", obj, event_id, EPOCH)
    if parent in ("risk", "risks"):
        # REST order risks belong to an order; the order webhook carries them as `risks`.
        order = {"id": obj.get("order_id"), "risks": [obj]}
        return "order risk", lambda: parse_shopify_object("orders/updated", order, event_id, EPOCH)
    if parent and "id" in obj and not parent.isdigit() and where.count("/") <= 2:
        return parent, "no Shopify topic of ours carries this resource"
    return None


def _easypost(obj: dict[str, Any], where: str) -> tuple[str, Any] | None:
    kind = obj.get("object")
    if kind == "Event":
        if not isinstance(obj.get("result"), dict):
            return "Event", "an event listing without its result (an API response, not a webhook body)"
        return f"Event {obj.get('description')}", lambda: parse_easypost_event(obj, EPOCH)
    if kind == "Tracker":
        event = {"object": "Event", "id": f"evt_sample_{obj.get('id')}", "description": "tracker.updated",
                 "updated_at": obj.get("updated_at"), "result": obj}
        return "Tracker", lambda: parse_easypost_event(event, EPOCH)
    if isinstance(kind, str) and where.count("/") <= 2:
        return kind, "no EasyPost webhook of ours carries this object"
    return None


def _freshdesk(obj: dict[str, Any], where: str) -> tuple[str, Any] | None:
    if "subject" in obj and "id" in obj:
        return "ticket", lambda: parse_freshdesk_object(obj, EPOCH)
    if "ticket_id" in obj and "body_text" in obj:
        return "conversation", lambda: parse_freshdesk_object(obj, EPOCH)
    if "email" in obj and "id" in obj:
        return "contact", "a contact record is not a ticket event"
    return None


_READERS = {"stripe": _stripe, "shopify": _shopify, "easypost": _easypost, "freshdesk": _freshdesk}
