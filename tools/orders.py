"""WRITE tools on the storefront / OMS: order edits and holds, refused after shipment or a label."""

from __future__ import annotations

from tools.base import ToolDeps, ToolKind, tool
from tools.carrier import verify_with_carrier
from tools.schemas import (
    HoldOrderInput,
    HoldOrderOutput,
    ReleaseHoldInput,
    ReleaseHoldOutput,
    SubstituteItemInput,
    SubstituteItemOutput,
    UpdateAddressInput,
    UpdateAddressOutput,
)


@tool(ToolKind.WRITE)
async def update_address(deps: ToolDeps, args: UpdateAddressInput) -> UpdateAddressOutput:
    """Change the shipping address of an order that has no shipping label yet (same country only)."""
    verified = await verify_with_carrier(deps, args.order_id, args.address)  # before any system is changed
    out = await deps.connectors.storefront.update_address(args.order_id, args.address)
    return out.model_copy(update={"carrier_verified": verified})


@tool(ToolKind.WRITE)
async def release_hold(deps: ToolDeps, args: ReleaseHoldInput) -> ReleaseHoldOutput:
    """Release the hold (payment, fraud review, address) on an order so it can ship."""
    return await deps.connectors.storefront.release_hold(args.order_id, args.reason)


@tool(ToolKind.WRITE)
async def hold_order(deps: ToolDeps, args: HoldOrderInput) -> HoldOrderOutput:
    """Put an unshipped order on hold with a reason, so the warehouse does not ship it."""
    return await deps.connectors.storefront.hold_order(args.order_id, args.reason)


@tool(ToolKind.WRITE)
async def substitute_item(deps: ToolDeps, args: SubstituteItemInput) -> SubstituteItemOutput:
    """Replace one order line's SKU with another in stock at the order's warehouse; totals follow the price."""
    return await deps.connectors.storefront.substitute_item(args.order_id, args.line_no, args.new_sku)
