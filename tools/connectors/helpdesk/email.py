"""Replies by email over SMTP (stdlib smtplib in a thread), threaded under the customer's message."""

from __future__ import annotations

import asyncio
import smtplib
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

from tools.connectors.config import EmailConfig
from tools.connectors.outbox import VendorRequest, VendorResponse
from tools.contracts.errors import ConfigError, ConnectorError, Unavailable


def reply_request(config: EmailConfig, to: str, subject: str | None, in_reply_to: str | None,
                  references: list[str], body: str, message_id: str, now: datetime, reply: bool = True) -> VendorRequest:
    """The message as data: what the outbox records and what `send` puts on the wire. `reply=False`: a new
    message (the case came in by webhook, so there is no customer email to answer)."""
    subject = subject or "Your order"
    headers = {"From": config.from_address or "", "To": to,
               "Subject": subject if not reply or subject.lower().startswith("re:") else f"Re: {subject}",
               "Message-ID": message_id, "Date": format_datetime(now)}
    if in_reply_to:
        headers["In-Reply-To"] = in_reply_to
    if references:
        headers["References"] = " ".join(references)
    return VendorRequest(system="email", operation="smtp.send", method="SMTP",
                         url=f"smtp://{config.smtp_host}:{config.smtp_port}", body={"headers": headers, "text": body})


def new_message_id(config: EmailConfig, key: str) -> str:
    """Stable per call, so a retried send carries the same Message-ID and mail clients show one message."""
    domain = (config.from_address or "desk@localhost").rpartition("@")[2]
    return f"<rdc-{key.replace(':', '-').replace('#', '-')}@{domain}>"


def _deliver(config: EmailConfig, request: VendorRequest) -> VendorResponse:
    body = request.body or {}
    message = EmailMessage()
    for name, value in body["headers"].items():
        message[name] = value
    message.set_content(body["text"])
    try:
        with smtplib.SMTP(config.smtp_host or "", config.smtp_port, timeout=config.timeout_s) as smtp:
            if config.starttls:
                smtp.starttls()
            if config.username:
                smtp.login(config.username, config.password.get_secret_value() if config.password else "")
            refused = smtp.send_message(message)
    except smtplib.SMTPAuthenticationError as exc:
        raise ConfigError(f"the SMTP server refused the login ({exc.smtp_code})") from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise ConnectorError(f"the SMTP server refused the recipient {list(exc.recipients)}",
                             reason="recipient_refused") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise Unavailable(f"SMTP delivery failed: {exc}") from exc
    return VendorResponse(status=250, body={"refused": {k: list(v) for k, v in refused.items()}})


async def send(config: EmailConfig, request: VendorRequest) -> VendorResponse:
    return await asyncio.to_thread(_deliver, config, request)
