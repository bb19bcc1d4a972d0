"""The Helpdesk protocol on the real helpdesks: the mirror records the message, then the reply goes to the
ticket thread the case came from (Zendesk, Gorgias, Freshdesk or email), in that system's mode."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from psycopg import AsyncConnection

from tools.connectors.config import (
    ConnectorConfigs,
    EmailConfig,
    FreshdeskConfig,
    GorgiasConfig,
    ZendeskConfig,
)
from tools.connectors.helpdesk import email, requests
from tools.connectors.outbound import Check, Outbound
from tools.connectors.outbox import CURRENT_CALL, VendorRequest, VendorResponse
from tools.connectors.rest import send_json
from tools.connectors.sandbox.helpdesk import SandboxHelpdesk
from tools.contracts.errors import ConnectorError, InvalidInput
from tools.schemas import OutboxMessage

HELPDESKS = ("zendesk", "gorgias", "freshdesk", "email")
INTERNAL = "internal_note"  # the message kind that is a note for agents, never sent to the customer


def email_interrupted(request: VendorRequest) -> Callable[[], Awaitable[VendorResponse | None]]:
    """SMTP cannot be read back: an attempt left 'sending' (the worker died after the message may have reached the
    server) is not sent again blind. The action fails with a reason a person acts on: check the sent mail, and
    re-plan to send it again if it is not there (a new plan version is a new call, so it sends)."""

    async def refuse() -> VendorResponse | None:
        message_id = ((request.body or {}).get("headers") or {}).get("Message-ID")
        raise ConnectorError(f"email: an earlier attempt of this reply (Message-ID {message_id}) was interrupted and"
                             " may have been delivered, so it is not sent again; check the sent mail and re-plan"
                             " to send it if it is not there", reason="delivery_unknown")

    return refuse


class RoutedHelpdesk(SandboxHelpdesk):
    def __init__(self, conn: AsyncConnection[Any], now: datetime, actor: str | None, configs: ConnectorConfigs,
                 checks: dict[str, Check | None]) -> None:
        super().__init__(conn, now, actor)
        self.configs, self.checks = configs, checks

    async def _thread(self, ticket_id: str) -> dict[str, Any] | None:
        """The helpdesk the ticket came from, with the last message's id and subject (email threading)."""
        return await self.one(
            "SELECT source, source_event_id, payload->>'subject' AS subject, customer_email FROM signals"
            " WHERE ticket_id = %s AND source = ANY(%s) ORDER BY occurred_at DESC, id DESC LIMIT 1",
            (ticket_id, list(HELPDESKS)))

    async def send(self, customer_id: str, order_id: str | None, ticket_id: str | None, kind: str, body: str,
                   idempotency_key: str | None) -> OutboxMessage:
        sent = await super().send(customer_id, order_id, ticket_id, kind, body, idempotency_key)
        thread = await self._thread(sent.ticket_id) if sent.ticket_id else None
        if thread is None and kind != INTERNAL and self.configs.email.mode != "sandbox":
            # No helpdesk thread (a case that came in by webhook): with email connected, a new email, not a reply.
            subject = f"About your order {order_id}" if order_id else "A message about your order"
            thread = {"source": "email", "source_event_id": None, "subject": subject, "customer_email": None,
                      "new": True}
        if thread is None or self.configs.get(thread["source"]).mode == "sandbox":
            return sent  # a ticket no connected helpdesk knows: the sandbox outbox is where it lives
        system = thread["source"]
        public = kind != INTERNAL
        request = await self._request(system, sent, thread, customer_id, public)
        outbound = Outbound(system, self.configs.get(system).mode, self.conn, self.now, self.checks.get(system))
        recover = (email_interrupted(request) if system == "email"
                   else self._recover(outbound, system, str(sent.ticket_id), sent.body, public))
        await outbound.write(request, self._sender(system), "reply" if public else "note", recover)
        return sent

    def _recover(self, outbound: Outbound, system: str, ticket: str, body: str,
                 public: bool) -> Callable[[], Awaitable[VendorResponse | None]]:
        """After a crash between posting and recording, the ticket's thread is read: a message already there is
        not posted twice (helpdesks take no idempotency key on replies)."""
        config = self.configs.get(system)
        call = CURRENT_CALL.get()
        external_id = call.key if call else ""

        async def recover() -> VendorResponse | None:
            listed = await outbound.read(requests.thread(config, ticket), self._sender(system))
            if requests.already_posted(system, listed.body, body, public, external_id):
                return VendorResponse(status=200, body={"found_in_thread": True})
            return None

        return recover

    async def _request(self, system: str, sent: OutboxMessage, thread: dict[str, Any], customer_id: str,
                       public: bool) -> VendorRequest:
        call = CURRENT_CALL.get()
        key = call.key if call else f"msg-{sent.id}"
        config = self.configs.get(system)
        ticket = str(sent.ticket_id)
        if isinstance(config, ZendeskConfig):
            return requests.zendesk(config, ticket, sent.body, public)
        if isinstance(config, GorgiasConfig):
            return requests.gorgias(config, ticket, sent.body, public, thread["customer_email"], key)
        if isinstance(config, FreshdeskConfig):
            return requests.freshdesk(config, ticket, sent.body, public)
        assert isinstance(config, EmailConfig)
        if not public:
            raise InvalidInput("email has no internal notes; keep the note on the case")
        to = thread["customer_email"] or (await self.one("SELECT email FROM sandbox.customers WHERE id = %s",
                                                         (customer_id,)) or {}).get("email")
        refs = [r for r in dict.fromkeys([ticket, thread["source_event_id"]]) if r and r.startswith("<")]
        return email.reply_request(config, str(to), thread["subject"], refs[-1] if refs else None, refs, sent.body,
                                   email.new_message_id(config, key), self.now, reply=not thread.get("new"))

    def _sender(self, system: str):  # type: ignore[no-untyped-def]
        config = self.configs.get(system)
        if isinstance(config, EmailConfig):
            return lambda request: email.send(config, request)

        async def send(request: VendorRequest) -> VendorResponse:
            return await send_json(config, request, auth=requests.auth(config))

        return send
