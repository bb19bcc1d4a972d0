"""Raw RFC 822 messages sent to the desk's mailbox, read with the standard library."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr, parsedate_to_datetime

from copilot.core.models import Signal, SignalKind, SignalSource
from copilot.intake.parsers.base import BadPayload, Unparseable, clean, content_key, strip_html

_REPLY_SUBJECT = re.compile(r"^\s*(re|aw|sv|antw)\s*:", re.IGNORECASE)
MAX_TEXT = 20_000


def parse_email(headers: Mapping[str, str], body: bytes, received_at: datetime) -> Signal:
    if not body.strip():
        raise BadPayload("the message is empty")
    message = BytesParser(policy=policy.default).parsebytes(body)
    if not isinstance(message, EmailMessage) or not message.keys():
        raise BadPayload("the body is not an RFC 822 message (no header lines)")
    name, address = parseaddr(str(message.get("From", "")))
    if "@" not in address:
        raise Unparseable("the message has no From address")
    message_id = clean(message.get("Message-ID"))
    references = str(message.get("References", "")).split()
    in_reply_to = clean(message.get("In-Reply-To"))
    subject = clean(message.get("Subject"))
    reply = bool(in_reply_to or references) or bool(subject and _REPLY_SUBJECT.match(subject))
    thread_root = (references[0] if references else in_reply_to) or message_id
    text = _body_text(message)
    return Signal(
        source=SignalSource.email,
        source_event_id=message_id or content_key("email", address, subject, text),
        kind=SignalKind.ticket_reply if reply else SignalKind.ticket,
        occurred_at=_date(message) or received_at,
        ticket_id=thread_root or content_key("email-thread", address, subject),
        customer_email=address.lower(),
        customer_name=clean(name),
        subject=subject,
        text=text[:MAX_TEXT] if text else None,
    )


def _body_text(message: EmailMessage) -> str | None:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return None
    try:
        content = part.get_content()
    except (LookupError, ValueError) as exc:
        raise Unparseable(f"the message body cannot be decoded: {exc}") from exc
    return strip_html(content) if part.get_content_subtype() == "html" else clean(content)


def _date(message: EmailMessage) -> datetime | None:
    raw = message.get("Date")
    if not raw:
        return None
    try:
        parsed = parsedate_to_datetime(str(raw))
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
