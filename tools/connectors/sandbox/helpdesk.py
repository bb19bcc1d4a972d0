"""The sandbox helpdesk: every outbound message lands in `sandbox.outbox` on the customer's ticket."""

from __future__ import annotations

from tools.connectors.sandbox.base import SandboxBase
from tools.contracts.errors import ConnectorError
from tools.schemas import OutboxMessage

COLUMNS = "id, ticket_id, channel, kind, body, created_at"


class SandboxHelpdesk(SandboxBase):
    async def latest_ticket(self, customer_id: str) -> str | None:
        row = await self.one("SELECT id FROM sandbox.tickets WHERE customer_id = %s ORDER BY created_at DESC, id DESC"
                             " LIMIT 1", (customer_id,))
        return row["id"] if row else None

    async def _ticket_for(self, customer_id: str, order_id: str | None, ticket_id: str | None) -> tuple[str, str]:
        """The ticket to answer on and its channel; a proactive message opens a new email ticket."""
        if ticket_id is not None:
            row = await self.one("SELECT customer_id, channel FROM sandbox.tickets WHERE id = %s", (ticket_id,))
            if row is None:
                # A ticket the customer opened in the vendor's helpdesk reached us by webhook but has no row in
                # the sandbox's copy: the reply goes on that thread all the same, and the thread is remembered.
                await self.conn.execute(
                    "INSERT INTO sandbox.tickets (id, customer_id, channel, subject, created_at)"
                    " VALUES (%s, %s, 'email', %s, %s) ON CONFLICT (id) DO NOTHING",
                    (ticket_id, customer_id, f"About your order {order_id}" if order_id else "Your request", self.now))
                row = await self.one("SELECT customer_id, channel FROM sandbox.tickets WHERE id = %s", (ticket_id,))
                assert row is not None
            if row["customer_id"] not in (None, customer_id):
                raise ConnectorError(f"ticket {ticket_id} belongs to another customer", reason="not_customers_ticket")
            return ticket_id, row["channel"]
        latest = await self.one("SELECT id, channel FROM sandbox.tickets WHERE customer_id = %s"
                                " ORDER BY created_at DESC, id DESC LIMIT 1", (customer_id,))
        if latest is not None:
            return latest["id"], latest["channel"]
        # One outbound thread per customer, named after them, so concurrent first messages share it.
        new_id = f"tk_out_{customer_id}"
        await self.conn.execute(
            "INSERT INTO sandbox.tickets (id, customer_id, channel, subject, created_at) VALUES (%s, %s, 'email', %s, %s)"
            " ON CONFLICT (id) DO NOTHING",
            (new_id, customer_id, f"About your order {order_id}" if order_id else "A message from support", self.now))
        return new_id, "email"

    async def ticket_customer(self, ticket_id: str) -> str | None:
        """The ticket's customer; None when the ticket is unknown here (opened in the vendor's helpdesk)."""
        row = await self.one("SELECT customer_id FROM sandbox.tickets WHERE id = %s", (ticket_id,))
        return row["customer_id"] if row else None

    async def send(self, customer_id: str, order_id: str | None, ticket_id: str | None, kind: str, body: str,
                   idempotency_key: str | None) -> OutboxMessage:
        if self.actor is not None and customer_id != self.actor:
            raise ConnectorError(f"customer {customer_id} is not the one this case serves", reason="not_acting_customer")
        ticket, channel = await self._ticket_for(customer_id, order_id, ticket_id)
        row = await self.one(
            "INSERT INTO sandbox.outbox (ticket_id, order_id, customer_id, channel, kind, body, idempotency_key,"
            f" created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING {COLUMNS}",
            (ticket, order_id, customer_id, channel, kind, body, idempotency_key, self.now))
        return OutboxMessage.model_validate(row)

    async def messages(self, order_id: str) -> list[OutboxMessage]:
        rows = await self.all(f"SELECT {COLUMNS} FROM sandbox.outbox WHERE order_id = %s ORDER BY created_at, id",
                              (order_id,))
        return [OutboxMessage.model_validate(r) for r in rows]
