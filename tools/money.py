"""MONEY tools: payments, refunds, credit, reships and cancellations, each bounded by the system of record."""

from __future__ import annotations

from tools.base import ToolDeps, ToolKind, tool
from tools.schemas import (
    CancelOrderInput,
    CancelOrderOutput,
    ChangePaymentMethodInput,
    ChangePaymentMethodOutput,
    IssueStoreCreditInput,
    IssueStoreCreditOutput,
    RefundPaymentInput,
    RefundPaymentOutput,
    ReshipOrderInput,
    ReshipOrderOutput,
    RetryPaymentInput,
    RetryPaymentOutput,
)


@tool(ToolKind.MONEY)
async def retry_payment(deps: ToolDeps, args: RetryPaymentInput) -> RetryPaymentOutput:
    """Retry the failed payment of an order; the PSP refuses hard declines and expired authorizations."""
    return await deps.connectors.psp.retry_payment(args.order_id)


@tool(ToolKind.MONEY)
async def refund_payment(deps: ToolDeps, args: RefundPaymentInput) -> RefundPaymentOutput:
    """Refund part or all of what was captured and not yet refunded, for a reason the order's state allows."""
    return await deps.connectors.psp.refund(args.order_id, args.amount, args.reason, deps.idempotency_key)


@tool(ToolKind.MONEY)
async def change_payment_method(deps: ToolDeps, args: ChangePaymentMethodInput) -> ChangePaymentMethodOutput:
    """Pay a pending order with another of the customer's saved methods: the old payment is released and the
    amount authorized on the new one (a gift card must hold it all)."""
    return await deps.connectors.psp.change_payment_method(args.order_id, args.payment_method_id,
                                                           deps.idempotency_key)


@tool(ToolKind.MONEY)
async def issue_store_credit(deps: ToolDeps, args: IssueStoreCreditInput) -> IssueStoreCreditOutput:
    """Give the order's customer store credit, never more in total than the order was worth."""
    return await deps.connectors.storefront.issue_store_credit(args.order_id, args.amount, args.reason,
                                                               deps.idempotency_key)


@tool(ToolKind.MONEY)
async def reship_order(deps: ToolDeps, args: ReshipOrderInput) -> ReshipOrderOutput:
    """Send the given lines of a shipped order again, from a warehouse that holds them all."""
    return await deps.connectors.wms.reship(args.order_id, args.line_nos, args.reason)


@tool(ToolKind.MONEY)
async def cancel_order(deps: ToolDeps, args: CancelOrderInput) -> CancelOrderOutput:
    """Cancel an order before shipment, label and cutoff: void the authorization, refund any capture."""
    return await deps.connectors.storefront.cancel_order(args.order_id, args.reason)
