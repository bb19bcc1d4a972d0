"""CONTACT tools: messages to the customer, on their ticket, through the helpdesk outbox."""

from __future__ import annotations

from tools.base import ToolDeps, ToolKind, tool
from tools.contracts.errors import InvalidInput
from tools.schemas import (
    RequestPaymentUpdateInput,
    RequestPaymentUpdateOutput,
    SendCustomerMessageInput,
    SendCustomerMessageOutput,
)


async def _recipient(deps: ToolDeps, order_id: str | None, ticket_id: str | None) -> str:
    if order_id is not None:
        return (await deps.connectors.storefront.get_order(order_id)).customer_id
    assert ticket_id is not None
    customer = await deps.connectors.helpdesk.ticket_customer(ticket_id) or deps.customer_id
    if customer is None:
        raise InvalidInput(f"ticket {ticket_id} names no customer; give the order id")
    return customer


@tool(ToolKind.CONTACT)
async def send_customer_message(deps: ToolDeps, args: SendCustomerMessageInput) -> SendCustomerMessageOutput:
    """Send the customer a message on their ticket (a new ticket when they have none)."""
    customer = await _recipient(deps, args.order_id, args.ticket_id)
    sent = await deps.connectors.helpdesk.send(customer, args.order_id, args.ticket_id, args.scenario, args.body,
                                               deps.idempotency_key)
    return SendCustomerMessageOutput(outbox_id=sent.id, ticket_id=sent.ticket_id, customer_id=customer,
                                     channel=sent.channel)


@tool(ToolKind.CONTACT)
async def request_payment_update(deps: ToolDeps, args: RequestPaymentUpdateInput) -> RequestPaymentUpdateOutput:
    """Ask the customer for a new payment method for an order whose payment failed."""
    payments = await deps.connectors.psp.payments(args.order_id)
    if not payments.payments:
        raise InvalidInput(f"order {args.order_id} has no payment to update")
    customer = await _recipient(deps, args.order_id, None)
    sent = await deps.connectors.helpdesk.send(customer, args.order_id, args.ticket_id, "payment_update_request",
                                               args.body, deps.idempotency_key)
    return RequestPaymentUpdateOutput(outbox_id=sent.id, ticket_id=sent.ticket_id, customer_id=customer,
                                      payment_id=payments.payments[-1].id)
