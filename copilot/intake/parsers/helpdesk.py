"""Helpdesk ticket webhooks (Zendesk, Gorgias, Freshdesk): a new ticket, an update, or a customer reply."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from email.utils import parseaddr
from typing import Any

from copilot.core.models import Signal, SignalKind, SignalSource
from copilot.intake.parsers.base import (
    Unparseable,
    UnsupportedEvent,
    clean,
    content_key,
    from_iso,
    list_at,
    load_json,
    object_at,
    strip_html,
)

REPLY_EVENTS = {"reply", "customer_reply", "ticket.reply", "ticket.comment_added", "ticket-message-created",
                "ticket_message_created", "conversation_created", "note_added"}
TICKET_EVENTS = {"created", "updated", "ticket.created", "ticket.updated", "ticket_created", "ticket_updated",
                 "ticket-created", "ticket-updated", "ticket_create", "ticket_update"}


def _signal(source: SignalSource, *, ticket_id: Any, event: str | None, event_id: str | None, subject: Any,
            text: Any, email: Any, name: Any, occurred: Any, received_at: datetime) -> Signal:
    ticket = clean(ticket_id)
    if ticket is None:
        raise Unparseable(f"{source.value} payload names no ticket id")
    name_text, address = parseaddr(str(email)) if email else ("", "")
    reply = (event or "").lower() in REPLY_EVENTS
    if event and not reply and event.lower() not in TICKET_EVENTS:
        raise UnsupportedEvent(f"{source.value} event {event!r} is not a ticket create, update or reply")
    body = clean(text)
    return Signal(
        source=source,
        source_event_id=event_id or content_key(source.value, ticket, event, occurred, body),
        kind=SignalKind.ticket_reply if reply else SignalKind.ticket,
        occurred_at=from_iso(occurred) or received_at,
        ticket_id=ticket,
        subject=clean(subject),
        text=body,
        customer_email=clean(address.lower()) if "@" in address else None,
        customer_name=clean(name) or clean(name_text),
    )


def _json_object(body: bytes, vendor: str) -> dict[str, Any]:
    payload = load_json(body)
    if not isinstance(payload, dict):
        raise UnsupportedEvent(f"{vendor} webhook body must be a JSON object")
    return payload


def parse_zendesk(headers: Mapping[str, str], body: bytes, received_at: datetime) -> Signal:
    payload = _json_object(body, "zendesk")
    etype = clean(payload.get("type"))
    if etype and etype.startswith("zen:event-type:"):
        return _zendesk_event(payload, etype.removeprefix("zen:event-type:"), received_at)
    ticket = payload.get("ticket")
    if not isinstance(ticket, dict):
        raise UnsupportedEvent("expected a Zendesk event (`type`: zen:event-type:ticket.*) or a `ticket` object")
    requester = object_at(ticket, "requester")
    event = clean(payload.get("event")) or "ticket.updated"
    comment = ticket.get("latest_comment") or ticket.get("latest_public_comment")
    return _signal(SignalSource.zendesk, ticket_id=ticket.get("id"), event=event,
                   event_id=clean(payload.get("id")), subject=ticket.get("subject"),
                   text=comment if event in REPLY_EVENTS and comment else ticket.get("description") or comment,
                   email=requester.get("email"), name=requester.get("name"),
                   occurred=ticket.get("updated_at") or ticket.get("created_at"), received_at=received_at)


def _zendesk_event(payload: dict[str, Any], etype: str, received_at: datetime) -> Signal:
    if not etype.startswith("ticket."):
        raise UnsupportedEvent(f"Zendesk event {etype!r} is not a ticket event")
    detail = object_at(payload, "detail")
    change = object_at(payload, "event")
    comment = object_at(change, "comment")
    if etype == "ticket.comment_added":
        author = (comment or {}).get("author") or {}
        if author.get("is_staff"):
            raise UnsupportedEvent("a Zendesk agent comment is not a customer signal")
        event, text = "ticket.reply", (comment or {}).get("body")
    else:
        event = "ticket.created" if etype == "ticket.created" else "ticket.updated"
        text = detail.get("description")
    requester = object_at(detail, "requester")
    return _signal(SignalSource.zendesk, ticket_id=detail.get("id"), event=event,
                   event_id=clean(payload.get("id")), subject=detail.get("subject"), text=text,
                   email=requester.get("email"), name=requester.get("name"),
                   occurred=payload.get("time") or detail.get("updated_at"), received_at=received_at)


def parse_gorgias(headers: Mapping[str, str], body: bytes, received_at: datetime) -> Signal:
    payload = _json_object(body, "gorgias")
    nested = payload.get("ticket")
    ticket: dict[str, Any] = nested if isinstance(nested, dict) else payload
    if "id" not in ticket or "messages" not in ticket and "subject" not in ticket:
        raise UnsupportedEvent("expected a Gorgias ticket (`ticket` with id, subject, customer, messages)")
    customer = object_at(ticket, "customer")
    message = payload.get("message")
    if not isinstance(message, dict):
        listed = list_at(ticket, "messages")
        from_customer = [m for m in listed if isinstance(m, dict) and not m.get("from_agent")]
        message = from_customer[-1] if from_customer else {}
    if message.get("from_agent"):
        raise UnsupportedEvent("a Gorgias agent message is not a customer signal")
    text = message.get("body_text") or strip_html(message.get("body_html")) or ticket.get("excerpt")
    return _signal(SignalSource.gorgias, ticket_id=ticket.get("id"), event=clean(payload.get("event")),
                   event_id=clean(payload.get("event_id")), subject=ticket.get("subject"), text=text,
                   email=customer.get("email") or (message.get("sender") or {}).get("email"),
                   name=customer.get("name") or (message.get("sender") or {}).get("name"),
                   occurred=message.get("created_datetime") or ticket.get("updated_datetime"),
                   received_at=received_at)


def parse_freshdesk(headers: Mapping[str, str], body: bytes, received_at: datetime) -> Signal:
    payload = _json_object(body, "freshdesk")
    if isinstance(payload.get("freshdesk_webhook"), dict):
        return _freshdesk_placeholders(payload["freshdesk_webhook"], received_at)
    return parse_freshdesk_object(payload, received_at)


def _freshdesk_placeholders(hook: dict[str, Any], received_at: datetime) -> Signal:
    """The JSON a Freshdesk automation rule sends, built from its {{ticket.*}} placeholders."""
    event = clean(hook.get("triggered_event") or hook.get("event")) or "ticket_updated"
    event = "reply" if "repl" in event.lower() or "note" in event.lower() else event
    event = event if event in REPLY_EVENTS or event in TICKET_EVENTS else "ticket_updated"
    reply_text = hook.get("ticket_latest_public_comment")
    return _signal(SignalSource.freshdesk, ticket_id=hook.get("ticket_id"), event=event, event_id=None,
                   subject=hook.get("ticket_subject"),
                   text=reply_text if event == "reply" and reply_text else hook.get("ticket_description"),
                   email=hook.get("ticket_requester_email") or hook.get("ticket_contact_email"),
                   name=hook.get("ticket_requester_name") or hook.get("ticket_contact_name"),
                   occurred=hook.get("ticket_updated_at") or hook.get("ticket_created_at"),
                   received_at=received_at)


def parse_freshdesk_object(obj: dict[str, Any], received_at: datetime) -> Signal:
    """A Freshdesk API v2 ticket or conversation, as a webhook may forward it."""
    if "ticket_id" in obj and "body_text" in obj:
        if not obj.get("incoming") or obj.get("private"):
            raise UnsupportedEvent("a Freshdesk agent reply or private note is not a customer signal")
        return _signal(SignalSource.freshdesk, ticket_id=obj.get("ticket_id"), event="reply",
                       event_id=f"conversation:{obj.get('id')}", subject=None, text=obj.get("body_text"),
                       email=obj.get("from_email"), name=None, occurred=obj.get("created_at"),
                       received_at=received_at)
    if "subject" not in obj or "id" not in obj:
        raise UnsupportedEvent("expected a Freshdesk ticket, conversation or `freshdesk_webhook` object")
    requester = object_at(obj, "requester")
    created = obj.get("created_at")
    updated = obj.get("updated_at") or created
    return _signal(SignalSource.freshdesk, ticket_id=obj.get("id"),
                   event="ticket_created" if updated == created else "ticket_updated",
                   event_id=f"ticket:{obj.get('id')}:{updated}", subject=obj.get("subject"),
                   text=obj.get("description_text") or strip_html(obj.get("description_html") or obj.get("description")),
                   email=requester.get("email") or obj.get("email"), name=requester.get("name") or obj.get("name"),
                   occurred=updated, received_at=received_at)
